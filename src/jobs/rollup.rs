//! Folding the statistics rollup: sums the deltas every change appended into the rollup's rows
//! (see [`crate::storage::stats::rollup`]). Every instance runs it; one folds at a time, the
//! others find the job taken (PostgreSQL) or nothing left, and skip the round.

use crate::error::AppError;
use crate::storage::stats::rollup;
use crate::storage::Db;

/// Folds what is there; the number of rollup rows changed.
pub async fn fold(db: &Db) -> Result<usize, AppError> {
    db.write(|conn| -> Result<_, AppError> { Ok(rollup::fold(conn)?) })
        .await
}
