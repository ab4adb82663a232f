//! Storing a new case in as few statements as the databases allow (issue #14): the case row with
//! `RETURNING id`, its share of the statistics rollup (two appends), its first events in one
//! multi-row insert and their audit entries — chained and hashed by the caller before the write —
//! in another. No existence pre-check: the tracking code's unique index and the audit chain's
//! (chain, seq) index refuse a taken code, [`code_taken`] recognises the refusal, and the caller
//! draws another code (rare: 80 random bits).

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::audit::{self, ChainedEntry};
use super::schema::submissions;
use super::stats::rollup;
use super::submissions::{self as cases, NewEventRow, NewSubmissionRow};
use super::DbConn;
use crate::on_each_backend;

/// Inserts case `row` with `events` (their case and day of receipt filled in here) and the
/// audit entries of a new chain; returns the case's id.
pub fn insert(
    conn: &mut DbConn,
    row: &NewSubmissionRow<'_>,
    events: &mut [NewEventRow<'_>],
    entries: &[ChainedEntry],
) -> QueryResult<i64> {
    // No lock to take: nobody else sees the new case before this transaction commits.
    let insert = diesel::insert_into(submissions::table).values(row);
    let id: i64 = on_each_backend!(conn, |c| insert.returning(submissions::id).get_result(c))?;
    rollup::added(conn, id)?;
    for e in events.iter_mut() {
        e.submission_id = id;
        e.received_day = row.received_day;
    }
    cases::insert_events(conn, events)?;
    audit::insert_chained(conn, entries)?;
    Ok(id)
}

/// True when `e` is the refusal of a tracking code that is already taken (by a case, or by an
/// audit chain).
pub fn code_taken(e: &Error) -> bool {
    let Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = e else {
        return false;
    };
    // PostgreSQL names the constraint; SQLite names the columns in its message.
    let names = format!("{} {}", info.constraint_name().unwrap_or(""), info.message());
    names.contains("tracking_code") || names.contains("chain")
}
