//! Submissions, their timeline events and the per-contact daily quota.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::schema::{contact_quota, submission_events, submissions};
use super::DbConn;
use crate::on_each_backend;

#[derive(Debug, Insertable)]
#[diesel(table_name = submissions)]
pub struct NewSubmissionRow<'a> {
    pub tracking_code: &'a str,
    pub access_key_hash: &'a str,
    pub kind: &'a str,
    pub category: &'a str,
    pub channel: &'a str,
    pub region: &'a str,
    pub target_unit: Option<&'a str>,
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub reporter_sealed: Option<&'a [u8]>,
    pub contact_index: Option<&'a str>,
    pub anonymous: bool,
    pub lang: &'a str,
    pub state: &'a str,
    pub assigned_unit: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub routing_rule: Option<&'a str>,
    pub routing_note: Option<&'a str>,
    pub routing_note_en: Option<&'a str>,
    pub dispatch_unit: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = submissions)]
pub struct SubmissionRow {
    pub id: i64,
    pub tracking_code: String,
    pub access_key_hash: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub region: String,
    pub target_unit: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub reporter_sealed: Option<Vec<u8>>,
    pub contact_index: Option<String>,
    pub anonymous: bool,
    pub lang: String,
    pub state: String,
    pub assigned_unit: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub routing_rule: Option<String>,
    pub routing_note: Option<String>,
    pub routing_note_en: Option<String>,
    pub dispatch_unit: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = submission_events)]
pub struct NewEventRow<'a> {
    pub submission_id: i64,
    pub at: NaiveDateTime,
    pub action: &'a str,
    pub state: &'a str,
    pub note: Option<&'a str>,
    pub note_en: Option<&'a str>,
    pub public: bool,
    pub actor: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = submission_events)]
pub struct EventRow {
    pub id: i64,
    pub submission_id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub state: String,
    pub note: Option<String>,
    pub note_en: Option<String>,
    pub public: bool,
    pub actor: Option<String>,
}

/// Inserts a submission and returns its id.
pub fn insert(conn: &mut DbConn, row: &NewSubmissionRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(submissions::table)
        .values(row)
        .execute(conn)?;
    // No RETURNING on the portable connection: read the id back by the unique tracking code.
    submissions::table
        .filter(submissions::tracking_code.eq(row.tracking_code))
        .select(submissions::id)
        .first(conn)
}

/// Adds an event to a case's timeline and the same fact to the audit log, in the caller's transaction.
pub fn record_event(conn: &mut DbConn, case_code: &str, row: &NewEventRow<'_>) -> QueryResult<()> {
    diesel::insert_into(submission_events::table)
        .values(row)
        .execute(conn)?;
    audit::append(
        conn,
        &AuditEntry {
            at: row.at,
            actor: row.actor.unwrap_or(audit::SYSTEM),
            action: row.action,
            case_code: Some(case_code),
            detail: Some(row.state),
        },
    )
}

pub fn tracking_code_exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        submissions::table.filter(submissions::tracking_code.eq(code)),
    ))
    .get_result(conn)
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<SubmissionRow>> {
    submissions::table
        .filter(submissions::tracking_code.eq(code))
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()
}

/// The timeline of one submission, oldest first; `public_only` hides staff-internal events.
pub fn events(conn: &mut DbConn, submission_id: i64, public_only: bool) -> QueryResult<Vec<EventRow>> {
    let mut query = submission_events::table
        .filter(submission_events::submission_id.eq(submission_id))
        .select(EventRow::as_select())
        .order(submission_events::id.asc())
        .into_boxed();
    if public_only {
        query = query.filter(submission_events::public.eq(true));
    }
    query.load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    submissions::table.count().get_result(conn)
}

pub fn count_events(conn: &mut DbConn) -> QueryResult<i64> {
    submission_events::table.count().get_result(conn)
}

/// Takes one unit of a contact's quota for `day`. Returns false, changing nothing, when the
/// contact has already used `limit`. The row update locks the counter, so concurrent
/// transactions (and instances) count one after another.
pub fn take_contact_quota(conn: &mut DbConn, index: &str, day: &str, limit: i32) -> QueryResult<bool> {
    let ensure_row = diesel::insert_into(contact_quota::table)
        .values((
            contact_quota::contact_index.eq(index),
            contact_quota::day.eq(day),
            contact_quota::used.eq(0),
        ))
        .on_conflict((contact_quota::contact_index, contact_quota::day))
        .do_nothing();
    on_each_backend!(conn, |c| ensure_row.execute(c))?;
    let updated = diesel::update(
        contact_quota::table
            .filter(contact_quota::contact_index.eq(index))
            .filter(contact_quota::day.eq(day))
            .filter(contact_quota::used.lt(limit)),
    )
    .set(contact_quota::used.eq(contact_quota::used + 1))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Forgets quota rows of days before `day`.
pub fn prune_contact_quota(conn: &mut DbConn, day: &str) -> QueryResult<usize> {
    diesel::delete(contact_quota::table.filter(contact_quota::day.lt(day))).execute(conn)
}
