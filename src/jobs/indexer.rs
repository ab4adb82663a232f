//! Indexing the texts of new cases for "possibly the same matter" (issue #16; see
//! [`crate::services::similarity`]). Every instance runs it; two indexing the same cases store
//! each once.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::services::similarity::{index_once, SERVE_BATCH};
use crate::storage::Db;

/// Indexes what waits, [`SERVE_BATCH`] cases per write so submissions go in between; how many
/// cases. Band keys only for cases received within `window_days` (the suggestions' window). At
/// most [`MAX_ROUNDS`] writes a call: under a load heavier than that (500 cases an interval, 250
/// a second by default), intake keeps the writer and the index catches up after.
pub async fn index(db: &Db, now: DateTime<Utc>, window_days: u32) -> Result<usize, AppError> {
    let mut done = 0;
    for _ in 0..MAX_ROUNDS {
        let n = index_once(db, now, window_days, SERVE_BATCH).await?;
        done += n;
        if (n as i64) < SERVE_BATCH {
            break;
        }
    }
    Ok(done)
}

/// The most writes one call makes; what is left waits for the next round.
const MAX_ROUNDS: usize = 20;
