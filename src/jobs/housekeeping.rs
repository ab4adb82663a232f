//! Forgetting what is no longer needed: per-contact quota rows of days gone by, idempotency
//! keys (with their sealed answers) older than a day, and the similarity band keys of cases
//! received before the suggestions' window (look-ups never read them).

use chrono::{DateTime, Duration, Utc};

use crate::domain::deadlines::beijing_day;
use crate::domain::stats::period::day_of;
use crate::error::AppError;
use crate::storage::{contact_quota, idempotency, similarity, Db};

/// Prunes as of `now`; `window_days` is the similarity window.
pub async fn prune(db: &Db, now: DateTime<Utc>, window_days: u32) -> Result<(), AppError> {
    let (today, _) = beijing_day(now);
    let day_ago = (now - Duration::days(1)).naive_utc();
    let first_day = day_of(now.naive_utc()) - window_days as i32;
    db.write(move |conn| -> Result<_, AppError> {
        contact_quota::prune(conn, &today)?;
        idempotency::prune(conn, day_ago)?;
        similarity::prune(conn, first_day)?;
        Ok(())
    })
    .await
}
