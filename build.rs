//! Rebuilds when a migration is added or changed: they are embedded with `embed_migrations!`,
//! which Cargo does not otherwise know to watch.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
