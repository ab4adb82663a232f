//! Folding the statistics rollup: sums the deltas every change appended into the rollup's rows
//! (see [`crate::storage::stats::rollup`]). Every instance runs it; one folds at a time, the
//! others find the job taken (PostgreSQL) or nothing left, and skip the round.

use crate::error::AppError;
use crate::storage::stats::rollup;
use crate::storage::Db;

/// Folds what is there, in batches of [`rollup::FOLD_BATCH`] delta rows per table on SQLite,
/// each its own write so submissions go in between; the number of rollup rows changed.
pub async fn fold(db: &Db) -> Result<usize, AppError> {
    let mut rows = 0;
    // Bounded, so a load that appends faster than this folds cannot keep one call going.
    for _ in 0..MAX_ROUNDS {
        let folded = db
            .write(|conn| -> Result<_, AppError> { Ok(rollup::fold(conn)?) })
            .await?;
        rows += folded.rows;
        if !folded.more {
            break;
        }
    }
    Ok(rows)
}

/// The most batches one call folds; what is left waits for the next round.
const MAX_ROUNDS: usize = 50;
