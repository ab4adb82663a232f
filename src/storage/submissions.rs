//! Submissions and their timeline events. The per-contact daily quota is [`super::contact_quota`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::schema::{submission_events, submissions};
use super::sql::Sql;
use super::stats::rollup;
use super::DbConn;
use crate::domain::stats::Count;
use crate::domain::State;
use crate::on_each_backend;
use crate::routing::Holder;

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
    pub due_at: Option<NaiveDateTime>,
    pub accept_deadline: Option<NaiveDateTime>,
    pub event_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub entered_by: Option<&'a str>,
    /// Beijing day and month numbers of receipt (see [`crate::domain::stats::period`]).
    pub received_day: i32,
    pub received_month: i32,
    /// The citizen agreed that the question and answer may be published without personal data.
    pub publishable: bool,
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
    /// Stored as its code; read as the domain's one [`State`] (an unknown code is an error).
    #[diesel(deserialize_as = String)]
    pub state: State,
    pub assigned_unit: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub routing_rule: Option<String>,
    pub routing_note: Option<String>,
    pub routing_note_en: Option<String>,
    pub dispatch_unit: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub accept_deadline: Option<NaiveDateTime>,
    pub handle_deadline: Option<NaiveDateTime>,
    pub extension: String,
    pub extension_days: Option<i32>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    pub merged_into: Option<String>,
    pub supervised: bool,
    pub overdue_for: Option<NaiveDateTime>,
    pub rating_until: Option<NaiveDateTime>,
    pub review_round: i32,
    pub event_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub entered_by: Option<String>,
    pub received_day: i32,
    pub accepted_day: Option<i32>,
    pub concluded_day: Option<i32>,
    pub on_time: Option<bool>,
    pub rating: Option<String>,
    pub publishable: bool,
    pub public_summary: Option<String>,
    pub public_answer: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    /// The lead case of the matter this case follows (issue #16); `None` for a lead or a case
    /// on its own.
    pub lead_id: Option<i64>,
}

/// A timeline event. Besides what people read, it names the unit holding the case after it, the
/// unit that held it before when it changed hands, the deadline it set and its value (the
/// outcome of an answer, a rating): the statistics can be recounted from the timeline alone.
#[derive(Debug, Default, Clone, Insertable)]
#[diesel(table_name = submission_events, treat_none_as_default_value = false)]
pub struct NewEventRow<'a> {
    pub submission_id: i64,
    /// The case's day of receipt (filled in by the storage functions that add events).
    pub received_day: i32,
    pub at: NaiveDateTime,
    pub action: &'a str,
    pub state: &'a str,
    pub note: Option<&'a str>,
    pub note_en: Option<&'a str>,
    pub public: bool,
    pub actor: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub from_unit: Option<&'a str>,
    pub deadline: Option<NaiveDateTime>,
    pub detail: Option<&'a str>,
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
    pub reason: Option<String>,
    pub unit: Option<String>,
    pub from_unit: Option<String>,
    pub deadline: Option<NaiveDateTime>,
    pub detail: Option<String>,
}

/// Adds an event to a case's timeline and the same fact to the audit log, in the caller's transaction.
pub fn record_event(conn: &mut DbConn, case_code: &str, row: &NewEventRow<'_>) -> QueryResult<()> {
    // The case's day of receipt goes on each event, so the statistics read the events of the
    // cases received in a period from one index range (see the statistics migrations).
    let received_day: i32 = submissions::table
        .find(row.submission_id)
        .select(submissions::received_day)
        .first(conn)?;
    diesel::insert_into(submission_events::table)
        .values(NewEventRow {
            received_day,
            ..row.clone()
        })
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

/// What an action changes on a case. `None` leaves a column alone; `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = submissions)]
pub struct CaseChanges<'a> {
    pub state: Option<&'a str>,
    /// Who holds the case from now on. Only the routing guard makes a [`Holder`], so a case can
    /// change hands only past the conflict-of-interest rule.
    #[diesel(skip_update)]
    pub holder: Option<&'a Holder>,
    pub due_at: Option<Option<NaiveDateTime>>,
    pub handle_deadline: Option<Option<NaiveDateTime>>,
    pub extension: Option<&'a str>,
    pub extension_days: Option<Option<i32>>,
    pub outcome: Option<Option<&'a str>>,
    pub result: Option<Option<&'a str>>,
    pub merged_into: Option<Option<&'a str>>,
    pub supervised: Option<bool>,
    pub accept_deadline: Option<Option<NaiveDateTime>>,
    pub rating_until: Option<Option<NaiveDateTime>>,
    pub review_round: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    /// The statistics' facts (see the statistics migration).
    pub accepted_day: Option<Option<i32>>,
    pub concluded_day: Option<Option<i32>>,
    pub on_time: Option<Option<bool>>,
    pub rating: Option<Option<&'a str>>,
    pub lead_id: Option<Option<i64>>,
}

pub fn update_case(conn: &mut DbConn, id: i64, changes: &CaseChanges<'_>) -> QueryResult<()> {
    use submissions::dsl as s;
    let holder = changes.holder.map(|h| {
        (
            s::assigned_unit.eq(h.assigned_unit()),
            s::dispatch_unit.eq(h.dispatch_unit()),
        )
    });
    rollup::tracking(conn, id, |conn| {
        diesel::update(submissions::table.filter(submissions::id.eq(id)))
            .set((changes, holder))
            .execute(conn)
            .map(|_| ())
    })
}

/// Whose cases a queue shows.
pub enum QueueScope<'a> {
    /// Open cases assigned to any of these units.
    Units(&'a [String]),
    /// Cases waiting for dispatch at any of these rectification offices.
    Dispatch(&'a [String]),
}

pub struct QueueQuery<'a> {
    pub scope: QueueScope<'a>,
    pub state: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub category: Option<&'a str>,
    pub channel: Option<&'a str>,
    /// Only cases whose deadline is before this moment.
    pub overdue_at: Option<NaiveDateTime>,
    /// Only cases needing a supervisor's attention: overdue at this moment, or under supervision.
    pub attention_at: Option<NaiveDateTime>,
    /// A piece of the title.
    pub title_contains: Option<&'a str>,
    /// Keyset: strictly after this (deadline, id).
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

/// The open states, as stored: the one definition is the domain's.
const OPEN: [&str; 4] = State::OPEN_CODES;
const PENDING: &str = "pending_dispatch";

/// A page of a queue, nearest deadline first. Keyset pagination: stable while cases arrive.
pub fn queue(conn: &mut DbConn, q: &QueueQuery<'_>) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    let mut query = s::submissions
        .select(SubmissionRow::as_select())
        .filter(s::due_at.is_not_null())
        .into_boxed();
    query = match q.scope {
        // One unit: a plain equality lets the (unit, deadline) index serve the order and the limit.
        QueueScope::Units([unit]) => query
            .filter(s::assigned_unit.eq(unit))
            .filter(s::state.eq_any(OPEN)),
        QueueScope::Units(units) => query
            .filter(s::assigned_unit.eq_any(units))
            .filter(s::state.eq_any(OPEN)),
        QueueScope::Dispatch([office]) => query
            .filter(s::dispatch_unit.eq(office))
            .filter(s::state.eq(PENDING)),
        QueueScope::Dispatch(offices) => query
            .filter(s::dispatch_unit.eq_any(offices))
            .filter(s::state.eq(PENDING)),
    };
    if let Some(v) = q.state {
        query = query.filter(s::state.eq(v));
    }
    if let Some(v) = q.kind {
        query = query.filter(s::kind.eq(v));
    }
    if let Some(v) = q.category {
        query = query.filter(s::category.eq(v));
    }
    if let Some(v) = q.channel {
        query = query.filter(s::channel.eq(v));
    }
    if let Some(at) = q.attention_at {
        query = query.filter(s::due_at.lt(at).or(s::supervised.eq(true)));
    }
    if let Some(at) = q.overdue_at {
        query = query.filter(s::due_at.lt(at));
    }
    if let Some(text) = q.title_contains {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query = query.filter(s::title.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some((due, id)) = q.after {
        // `due_at >= due` first, so the index range starts at the cursor instead of the beginning.
        query = query.filter(s::due_at.ge(due).and(s::due_at.gt(due).or(s::id.gt(id))));
    }
    query
        .order((s::due_at.asc(), s::id.asc()))
        .limit(q.limit)
        .load(conn)
}

/// How many open cases each state holds, for the queue's scope.
pub fn queue_counts(conn: &mut DbConn, scope: &QueueScope<'_>) -> QueryResult<Vec<(String, i64)>> {
    use submissions::dsl as s;
    let query = s::submissions
        .group_by(s::state)
        .select((s::state, diesel::dsl::count_star()))
        .into_boxed();
    match scope {
        QueueScope::Units([unit]) => query
            .filter(s::assigned_unit.eq(unit))
            .filter(s::state.eq_any(OPEN))
            .load(conn),
        QueueScope::Units(units) => query
            .filter(s::assigned_unit.eq_any(*units))
            .filter(s::state.eq_any(OPEN))
            .load(conn),
        QueueScope::Dispatch(offices) => query
            .filter(s::dispatch_unit.eq_any(*offices))
            .filter(s::state.eq(PENDING))
            .load(conn),
    }
}

/// How many cases each open state holds, over the whole service (the metrics). Reads only the
/// open cases' entries of the state index.
pub fn open_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    use submissions::dsl as s;
    s::submissions
        .filter(s::state.eq_any(OPEN))
        .group_by(s::state)
        .select((s::state, diesel::dsl::count_star()))
        .load(conn)
}

#[derive(diesel::QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many open cases are past their deadline at `now`, over the whole service (the metrics),
/// by the statistics' own condition. It is read from the open cases' partial index
/// (`submissions_open_due`), so it costs the overdue ones: the open states are written into the
/// text, as the index's condition is, since neither SQLite nor a generic PostgreSQL plan can
/// match a partial index to bound values (bound, SQLite walked every case due before now: 250 ms
/// at a million cases, against 0.1 ms).
pub fn overdue_count(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM submissions s WHERE ");
    super::stats::case_condition(Count::OverdueNow, &mut sql, now);
    Ok(sql.load::<Total>(conn)?.first().map_or(0, |t| t.n))
}

/// Open cases whose deadline passed before `as_of` and that were not yet flagged for it.
pub fn overdue_candidates(
    conn: &mut DbConn,
    as_of: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    s::submissions
        .select(SubmissionRow::as_select())
        .filter(s::state.eq_any(OPEN))
        .filter(s::due_at.lt(as_of))
        .filter(s::overdue_for.is_null().or(s::overdue_for.ne(s::due_at)))
        .order((s::due_at.asc(), s::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Flags a case overdue for its current deadline. False when it was flagged meanwhile (by
/// another instance): the conditional update lets exactly one sweeper win.
pub fn claim_overdue(conn: &mut DbConn, id: i64, due: NaiveDateTime, at: NaiveDateTime) -> QueryResult<bool> {
    use submissions::dsl as s;
    diesel::update(
        s::submissions
            .filter(s::id.eq(id))
            .filter(s::due_at.eq(due))
            .filter(s::overdue_for.is_null().or(s::overdue_for.ne(due))),
    )
    .set((
        s::overdue_for.eq(due),
        s::supervised.eq(true),
        s::updated_at.eq(at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Inserts many submissions in one statement (bulk loading: demo data, benchmarks).
/// The statistics rollup is marked stale, to be rebuilt by the migrations runner.
pub fn insert_many(conn: &mut DbConn, rows: &[NewSubmissionRow<'_>]) -> QueryResult<usize> {
    rollup::mark_stale(conn)?;
    let statement = diesel::insert_into(submissions::table).values(rows);
    on_each_backend!(conn, |c| statement.execute(c))
}

/// A case with its whole history at once (bulk loading demo data): the intake row plus what work
/// on it has set.
#[derive(Debug, Insertable)]
#[diesel(table_name = submissions)]
pub struct LoadedRow<'a> {
    #[diesel(embed)]
    pub base: NewSubmissionRow<'a>,
    pub handle_deadline: Option<NaiveDateTime>,
    pub extension: &'a str,
    pub extension_days: Option<i32>,
    pub outcome: Option<&'a str>,
    pub result: Option<&'a str>,
    pub merged_into: Option<&'a str>,
    pub supervised: bool,
    pub overdue_for: Option<NaiveDateTime>,
    pub rating_until: Option<NaiveDateTime>,
    pub review_round: i32,
    pub accepted_day: Option<i32>,
    pub concluded_day: Option<i32>,
    pub on_time: Option<bool>,
    pub rating: Option<&'a str>,
}

/// Inserts many cases with their history in one statement.
pub fn insert_loaded(conn: &mut DbConn, rows: &[LoadedRow<'_>]) -> QueryResult<usize> {
    rollup::mark_stale(conn)?;
    let statement = diesel::insert_into(submissions::table).values(rows);
    on_each_backend!(conn, |c| statement.execute(c))
}

/// Inserts many timeline events (their day of receipt filled in) in one statement: bulk loading
/// (no audit entries) and a new case's first events.
pub fn insert_events(conn: &mut DbConn, rows: &[NewEventRow<'_>]) -> QueryResult<usize> {
    let statement = diesel::insert_into(submission_events::table).values(rows);
    on_each_backend!(conn, |c| statement.execute(c))
}

/// The ids of cases by tracking code.
pub fn ids_of(conn: &mut DbConn, codes: &[&str]) -> QueryResult<Vec<(String, i64)>> {
    submissions::table
        .filter(submissions::tracking_code.eq_any(codes))
        .select((submissions::tracking_code, submissions::id))
        .load(conn)
}

/// The cases with these ids, in id order.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<SubmissionRow>> {
    submissions::table
        .filter(submissions::id.eq_any(ids))
        .select(SubmissionRow::as_select())
        .order(submissions::id.asc())
        .load(conn)
}
