//! Embedded migrations, one tree per backend (`migrations/sqlite`, `migrations/postgres`), kept in
//! lock-step: the same names, the same meaning.

use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration, then rebuilds the statistics rollup if a migration or a
/// bulk load left it stale; returns how many migrations ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, BoxError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?.len(),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES)?.len(),
    };
    super::connection::write_transaction(conn, |conn| -> Result<bool, super::StorageError> {
        Ok(super::stats::rollup::refresh_if_stale(conn)?)
    })?;
    Ok(ran)
}

/// Reverts every applied migration (tests check that down works).
pub fn revert_all(conn: &mut DbConn) -> Result<usize, BoxError> {
    Ok(match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE)?.len(),
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES)?.len(),
    })
}

/// The migration names of one tree, in order.
pub fn names(source: &EmbeddedMigrations) -> Vec<String> {
    let migrations = MigrationSource::<diesel::sqlite::Sqlite>::migrations(source).unwrap_or_default();
    migrations.iter().map(|m| m.name().to_string()).collect()
}
