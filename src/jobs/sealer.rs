//! Audit sealing: commits a checkpoint over the audit entries written since the previous one
//! (see [`crate::storage::audit`]). Every instance runs it; one seals at a time, the others find
//! the job taken (PostgreSQL) or nothing left to seal, and skip the round.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::storage::audit::{self, Sealed};
use crate::storage::Db;

/// Seals as of `now`; `None` when there was nothing to seal or another instance was sealing.
pub async fn seal(db: &Db, now: DateTime<Utc>) -> Result<Option<Sealed>, AppError> {
    let at = now.naive_utc();
    db.write(move |conn| -> Result<_, AppError> { Ok(audit::seal(conn, at)?) })
        .await
}
