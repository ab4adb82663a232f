//! `audit`: check the audit log's chains and checkpoints; seal what is not sealed yet.

use clap::Subcommand;

use super::common::{blocking, with_db};
use crate::config::Settings;
use crate::jobs::sealer;
use crate::storage::audit;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Recompute every chain and every checkpoint, and name the first broken entry or checkpoint.
    Verify,
    /// Commit a checkpoint over the entries written since the last one (`serve` does this every
    /// `audit.seal_interval_secs`).
    Seal,
}

pub(super) async fn run(settings: &Settings, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => {
            let (db, _) = with_db(settings).await?;
            let v = blocking(move || {
                // Only the error's own text, as the command has always printed it.
                let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(audit::verify(&mut conn)?)
            })
            .await?;
            let checked = format!(
                "checked {} entries in {} chains, {} checkpoints; {} entries not sealed yet",
                v.entries, v.chains, v.checkpoints, v.unsealed
            );
            match (v.first_broken, v.broken_checkpoint) {
                (None, None) => {
                    println!("audit log intact: {checked}");
                    Ok(())
                }
                (Some(id), _) => anyhow::bail!("audit log broken at entry {id} ({checked})"),
                (None, Some(n)) => anyhow::bail!(
                    "audit log broken at checkpoint {n}: an entry it sealed was changed, removed or added ({checked})"
                ),
            }
        }
        AuditCommand::Seal => {
            let (db, _) = with_db(settings).await?;
            match sealer::seal(&db, chrono::Utc::now()).await? {
                Some(s) => println!("sealed {} entries in checkpoint {}", s.entries, s.checkpoint),
                None => println!("nothing to seal"),
            }
            Ok(())
        }
    }
}
