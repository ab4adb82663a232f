//! `audit`: check the audit log's hash chain.

use clap::Subcommand;

use super::common::{blocking, with_db};
use crate::config::Settings;
use crate::storage::audit;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Recompute the hash chain and name the first broken entry.
    Verify,
}

pub(super) async fn run(settings: &Settings, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => {
            let (db, _) = with_db(settings).await?;
            let result = blocking(move || {
                // Only the error's own text, as the command has always printed it.
                let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(audit::verify(&mut conn)?)
            })
            .await?;
            match result.first_broken {
                None => {
                    println!("audit log intact: {} entries", result.entries);
                    Ok(())
                }
                Some(id) => anyhow::bail!(
                    "audit log broken at entry {id} (checked {} entries)",
                    result.entries
                ),
            }
        }
    }
}
