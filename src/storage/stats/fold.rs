//! Folding the rollup's deltas into its rows (see [`super::rollup`]): the sums move from the
//! delta tables every change appends to into `stats_daily` and `stats_days`, and the figures
//! read through the `*_all` views stay the same before and after.

use diesel::sql_types::BigInt;
use diesel::{QueryResult, QueryableByName};

use super::rollup::COLUMNS;
use crate::storage::sql::Sql;
use crate::storage::DbConn;

/// The most delta rows of each table one SQLite fold takes: the writer is held for a few
/// milliseconds, and the submissions queued behind it wait no longer (issue #14).
pub const FOLD_BATCH: i64 = 2_000;

/// What one call of [`fold`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folded {
    /// Rollup rows changed.
    pub rows: usize,
    /// True when a table had more than [`FOLD_BATCH`] rows waiting: call again.
    pub more: bool,
}

/// Folds the deltas into `stats_daily` and `stats_days`.
///
/// On SQLite the one writer runs it: nothing is appended meanwhile, so an `INSERT … SELECT` and
/// a `DELETE` over the same rows are exact. It takes the oldest [`FOLD_BATCH`] rows of each
/// table (by rowid), so one call holds the writer briefly however far behind it is.
/// On PostgreSQL a delta may commit at any moment, so the rows are taken by `DELETE … RETURNING`
/// and summed into the rollup in the same statement: a row committed after its snapshot stays
/// for the next fold. Writers do not wait for it, so it takes everything at once. One instance
/// folds at a time (a transaction-scoped advisory lock, taken without waiting); the others skip
/// the round.
pub fn fold(conn: &mut DbConn) -> QueryResult<Folded> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let postgres = matches!(conn, DbConn::Postgres(_));
        if postgres && !try_fold_lock(conn)? {
            return Ok(Folded::default());
        }
        let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        let sums: Vec<String> = names.iter().map(|n| format!("SUM({n})")).collect();
        let set: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = stats_daily.{n} + excluded.{n}"))
            .collect();
        let (cols, sums, set) = (names.join(", "), sums.join(", "), set.join(", "));
        let mut more = false;
        // Where the deltas are read from: on PostgreSQL the rows a `DELETE` takes (a data-modifying
        // WITH goes before the INSERT); on SQLite the table's oldest rows, deleted afterwards.
        let mut source = |conn: &mut DbConn, table: &str| -> QueryResult<(String, String, String)> {
            if postgres {
                return Ok((
                    format!("WITH moved AS (DELETE FROM {table} RETURNING *) "),
                    "moved".to_owned(),
                    String::new(),
                ));
            }
            let bound = last_rowid_of_batch(conn, table)?;
            more |= bound.is_some();
            // `WHERE`: it also keeps SQLite from reading the `ON` after a bare FROM as a join
            // constraint.
            let filter = bound.map_or_else(|| "1 = 1".to_owned(), |b| format!("rowid <= {b}"));
            Ok((
                String::new(),
                format!("{table} WHERE {filter}"),
                format!("DELETE FROM {table} WHERE {filter}"),
            ))
        };
        let (with_daily, from_daily, delete_daily) = source(conn, "stats_daily_delta")?;
        let (with_days, from_days, delete_days) = source(conn, "stats_days_delta")?;
        let mut rows = Sql::new(&format!(
            "{with_daily}INSERT INTO stats_daily (day, unit, kind, {cols}) \
             SELECT day, unit, kind, {sums} FROM {from_daily} \
             GROUP BY day, unit, kind ON CONFLICT (day, unit, kind) DO UPDATE SET {set}"
        ))
        .execute(conn)?;
        rows += Sql::new(&format!(
            "{with_days}INSERT INTO stats_days (month, unit, kind, measure, days, n) \
             SELECT month, unit, kind, measure, days, SUM(n) FROM {from_days} \
             GROUP BY month, unit, kind, measure, days \
             ON CONFLICT (month, unit, kind, measure, days) DO UPDATE SET n = stats_days.n + excluded.n"
        ))
        .execute(conn)?;
        for delete in [delete_daily, delete_days] {
            if !delete.is_empty() {
                Sql::new(&delete).execute(conn)?;
            }
        }
        Ok(Folded { rows, more })
    })
}

/// SQLite: the rowid of the [`FOLD_BATCH`]th oldest row of `table` when more rows than that
/// wait (those up to it are this call's batch); `None` when all of them fit.
fn last_rowid_of_batch(conn: &mut DbConn, table: &str) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows = Sql::new(&format!(
        "SELECT rowid AS id FROM {table} ORDER BY rowid LIMIT 1 OFFSET {}",
        FOLD_BATCH
    ))
    .load::<Row>(conn)?;
    // A row past the batch exists: the batch ends just before it.
    Ok(rows.first().map(|r| r.id - 1))
}

/// How many delta rows wait to be folded.
pub fn unfolded(conn: &mut DbConn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows = Sql::new(
        "SELECT (SELECT COUNT(*) FROM stats_daily_delta) + (SELECT COUNT(*) FROM stats_days_delta) AS n",
    )
    .load::<Count>(conn)?;
    Ok(rows.first().map_or(0, |c| c.n))
}

/// The fold's advisory lock (PostgreSQL), without waiting: false when another instance holds it.
fn try_fold_lock(conn: &mut DbConn) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        got: bool,
    }
    let got = Sql::new(&format!("SELECT pg_try_advisory_xact_lock({FOLD_LOCK}) AS got")).load::<Got>(conn)?;
    Ok(got.first().is_some_and(|g| g.got))
}

/// The fold's advisory lock key ("rollup" in ASCII).
pub(super) const FOLD_LOCK: i64 = 0x726f_6c6c_7570;
