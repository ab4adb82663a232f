//! Forgetting what is no longer needed: per-contact quota rows of days gone by, and idempotency
//! keys (with their sealed answers) older than a day.

use chrono::{DateTime, Duration, Utc};

use crate::domain::deadlines::beijing_day;
use crate::error::AppError;
use crate::storage::{contact_quota, idempotency, Db};

/// Prunes as of `now`.
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<(), AppError> {
    let (today, _) = beijing_day(now);
    let day_ago = (now - Duration::days(1)).naive_utc();
    db.write(move |conn| -> Result<_, AppError> {
        contact_quota::prune(conn, &today)?;
        idempotency::prune(conn, day_ago)?;
        Ok(())
    })
    .await
}
