//! Citizens' ratings of answers, and closing answered cases nobody rated in time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{ratings, submissions};
use super::DbConn;
use crate::domain::State;

/// The rating given to answer `round` of a case, if any.
pub fn rating_of(conn: &mut DbConn, submission_id: i64, round: i32) -> QueryResult<Option<String>> {
    ratings::table
        .filter(ratings::submission_id.eq(submission_id))
        .filter(ratings::round.eq(round))
        .select(ratings::rating)
        .first(conn)
        .optional()
}

/// Stores a rating. The unique (case, round) key refuses a second one for the same answer.
pub fn insert(
    conn: &mut DbConn,
    submission_id: i64,
    round: i32,
    rating: &str,
    comment: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(ratings::table)
        .values((
            ratings::submission_id.eq(submission_id),
            ratings::round.eq(round),
            ratings::rating.eq(rating),
            ratings::comment.eq(comment),
            ratings::at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// An answered case past its rating window: id, tracking code, window end, assigned unit.
pub type UnratedRow = (i64, String, NaiveDateTime, Option<String>);

/// Answered cases whose rating window ended before `at`: (id, tracking code, window end).
pub fn unrated_past(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<UnratedRow>> {
    submissions::table
        .filter(submissions::state.eq(State::Resolved.code()))
        .filter(submissions::rating_until.lt(at))
        .select((
            submissions::id,
            submissions::tracking_code,
            submissions::rating_until.assume_not_null(),
            submissions::assigned_unit,
        ))
        .order((submissions::rating_until.asc(), submissions::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Moves one such case to `to` (the state machine's verdict), if it is still answered with the
/// same window. False when someone else closed it (or it changed) meanwhile: exactly one
/// sweeper wins.
pub fn claim_unrated(
    conn: &mut DbConn,
    id: i64,
    until: NaiveDateTime,
    to: State,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    super::stats::rollup::tracking(conn, id, |conn| {
        diesel::update(
            submissions::table
                .filter(submissions::id.eq(id))
                .filter(submissions::state.eq(State::Resolved.code()))
                .filter(submissions::rating_until.eq(until)),
        )
        .set((
            submissions::state.eq(to.code()),
            submissions::rating_until.eq(None::<NaiveDateTime>),
            submissions::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
    })
}
