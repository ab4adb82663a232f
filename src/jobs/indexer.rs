//! Indexing the texts of new cases for "possibly the same matter" (issue #16; see
//! [`crate::services::similarity`]). Every instance runs it; two indexing the same cases store
//! each once.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::services::similarity::{index_once, INDEX_BATCH};
use crate::storage::Db;

/// Indexes what waits, a batch per write so submissions go in between; how many cases. Band
/// keys only for cases received within `window_days` (the suggestions' window).
pub async fn index(db: &Db, now: DateTime<Utc>, window_days: u32) -> Result<usize, AppError> {
    let mut done = 0;
    // Bounded, so a load that arrives faster than this indexes cannot keep one call going.
    for _ in 0..MAX_ROUNDS {
        let n = index_once(db, now, window_days).await?;
        done += n;
        if (n as i64) < INDEX_BATCH {
            break;
        }
    }
    Ok(done)
}

/// The most batches one call indexes; what is left waits for the next round.
const MAX_ROUNDS: usize = 20;
