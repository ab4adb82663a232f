//! Audit sealing: commits a checkpoint over the audit entries written since the previous one
//! (see [`crate::storage::audit`]). Every instance runs it; one seals at a time, the others find
//! the job taken (PostgreSQL) or nothing left to seal, and skip the round.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::storage::audit::{self, Sealed};
use crate::storage::Db;

/// Seals everything unsealed as of `now`, [`audit::SEAL_BATCH`] entries per checkpoint, each
/// checkpoint its own write so other writes go in between. The last checkpoint and the entries
/// sealed in all; `None` when there was nothing to seal or another instance was sealing.
pub async fn seal(db: &Db, now: DateTime<Utc>) -> Result<Option<Sealed>, AppError> {
    let at = now.naive_utc();
    let mut total: Option<Sealed> = None;
    // Bounded, so a load that writes faster than this seals cannot keep one call going.
    for _ in 0..MAX_ROUNDS {
        let round = db
            .write(move |conn| -> Result<_, AppError> { Ok(audit::seal(conn, at)?) })
            .await?;
        let Some(sealed) = round else { return Ok(total) };
        let full = sealed.entries >= audit::SEAL_BATCH;
        let entries = total.as_ref().map_or(0, |t| t.entries) + sealed.entries;
        total = Some(Sealed {
            checkpoint: sealed.checkpoint,
            entries,
        });
        if !full {
            break;
        }
    }
    Ok(total)
}

/// The most checkpoints one call commits; what is left waits for the next round.
const MAX_ROUNDS: usize = 50;
