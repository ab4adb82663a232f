//! Open311's SQL: integration keys (stored as digests, revocable), the row that ties a submission
//! to the key that filed it and the location it was sent with, and the search behind
//! `GET requests` — a key's own requests, or answers published with the citizen's consent.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text, Timestamp};

use super::schema::{open311_keys as k, open311_requests as r, submission_events as e};
use super::sql::{Sql, Value};
use super::DbConn;
use crate::domain::kind::State;

#[derive(Debug, Clone, Queryable)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub key_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

const KEY_COLUMNS: (k::id, k::name, k::key_hash, k::created_at, k::revoked_at) =
    (k::id, k::name, k::key_hash, k::created_at, k::revoked_at);

/// Whether a key with this name exists (revoked or not: names are never reused).
pub fn key_name_taken(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(k::table.filter(k::name.eq(name)))).get_result(conn)
}

pub fn insert_key(conn: &mut DbConn, name: &str, key_hash: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(k::table)
        .values((k::name.eq(name), k::key_hash.eq(key_hash), k::created_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

/// The key with this digest, revoked or not.
pub fn key_by_hash(conn: &mut DbConn, key_hash: &str) -> QueryResult<Option<KeyRow>> {
    k::table
        .filter(k::key_hash.eq(key_hash))
        .select(KEY_COLUMNS)
        .first(conn)
        .optional()
}

/// Every key with how many requests it filed, oldest first.
pub fn keys(conn: &mut DbConn) -> QueryResult<Vec<(KeyRow, i64)>> {
    let rows: Vec<KeyRow> = k::table.select(KEY_COLUMNS).order(k::id).load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let n: i64 = r::table.filter(r::key_id.eq(row.id)).count().get_result(conn)?;
        out.push((row, n));
    }
    Ok(out)
}

/// Revokes the key named `name`; false when there is no such key still in force.
pub fn revoke_key(conn: &mut DbConn, name: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(k::table.filter(k::name.eq(name)).filter(k::revoked_at.is_null()))
        .set(k::revoked_at.eq(at))
        .execute(conn)
        .map(|n| n == 1)
}

/// What ties a new submission to Open311.
#[derive(Debug, Clone)]
pub struct NewRequestRow {
    pub submission_id: i64,
    pub key_id: i64,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_request(conn: &mut DbConn, row: &NewRequestRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values((
            r::submission_id.eq(row.submission_id),
            r::key_id.eq(row.key_id),
            r::lat.eq(row.lat),
            r::long.eq(row.long),
            r::address_string.eq(row.address_string.as_deref()),
            r::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A submission as `GET requests` may show it; `key_id` is the key that filed it, if any.
#[derive(Debug, Clone, QueryableByName)]
pub struct RequestRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub tracking_code: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub unit: Option<String>,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub accept_deadline: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub handle_deadline: Option<NaiveDateTime>,
    /// Published and still publishable: the retold question and the answer.
    #[diesel(sql_type = Bool)]
    pub published: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub public_summary: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub public_answer: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub key_id: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub lat: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub long: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub address_string: Option<String>,
}

/// What `GET requests` asks for. Empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    /// The caller's key: its own requests are shown in full.
    pub key_id: Option<i64>,
    pub tracking_codes: Vec<String>,
    /// (kind, category) pairs.
    pub services: Vec<(String, String)>,
    /// Received within, inclusive; not applied when tracking codes are given.
    pub window: Option<(NaiveDateTime, NaiveDateTime)>,
    pub states: Vec<String>,
    pub limit: i64,
}

/// The published condition, the same as the public board's (see [`super::board::published`]):
/// consent, published texts, not a report, an answer in force.
fn published_condition() -> String {
    let states = [State::Resolved.code(), State::Closed.code()];
    format!(
        "(s.published_at IS NOT NULL AND s.publishable = TRUE AND s.kind <> 'report' \
         AND s.state IN ('{}', '{}') AND s.public_summary IS NOT NULL AND s.public_answer IS NOT NULL)",
        states[0], states[1]
    )
}

/// The requests the caller may see that match, newest first, at most `limit`.
pub fn requests(conn: &mut DbConn, q: &RequestQuery) -> QueryResult<Vec<RequestRow>> {
    let published = published_condition();
    let mut sql = Sql::new(&format!(
        "SELECT s.id AS id, s.tracking_code AS tracking_code, s.kind AS kind, s.category AS category, \
         s.region AS region, s.state AS state, COALESCE(s.assigned_unit, s.dispatch_unit) AS unit, \
         s.body AS body, s.created_at AS created_at, s.updated_at AS updated_at, \
         s.accept_deadline AS accept_deadline, s.handle_deadline AS handle_deadline, \
         CASE WHEN {published} THEN TRUE ELSE FALSE END AS published, \
         s.public_summary AS public_summary, s.public_answer AS public_answer, \
         o.key_id AS key_id, o.lat AS lat, o.long AS long, o.address_string AS address_string \
         FROM submissions s LEFT JOIN open311_requests o ON o.submission_id = s.id WHERE ("
    ));
    sql.push(&published);
    if let Some(key) = q.key_id {
        sql.push(" OR o.key_id = ").bind(Value::BigInt(key));
    }
    sql.push(")");
    if !q.tracking_codes.is_empty() {
        sql.push(" AND s.tracking_code IN ").bind_list(&q.tracking_codes);
    } else if let Some((from, to)) = q.window {
        sql.push(" AND s.created_at >= ")
            .bind(Value::Time(from))
            .push(" AND s.created_at <= ")
            .bind(Value::Time(to));
    }
    if !q.services.is_empty() {
        sql.push(" AND (");
        for (i, (kind, category)) in q.services.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(s.kind = ")
                .bind(Value::Text(kind.clone()))
                .push(" AND s.category = ")
                .bind(Value::Text(category.clone()))
                .push(")");
        }
        sql.push(")");
    }
    if !q.states.is_empty() {
        sql.push(" AND s.state IN ").bind_list(&q.states);
    }
    sql.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ")
        .bind(Value::BigInt(q.limit));
    sql.load(conn)
}

/// A submission's id and a note on it (Chinese, English).
pub type Note = (i64, Option<String>, Option<String>);

/// The newest note the citizen can see on each of these submissions (Chinese, English).
pub fn latest_public_notes(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Note>> {
    let rows: Vec<Note> = e::table
        .filter(e::submission_id.eq_any(ids.to_vec()))
        .filter(e::public.eq(true))
        .filter(e::note.is_not_null())
        .order((e::submission_id, e::at.desc(), e::id.desc()))
        .select((e::submission_id, e::note, e::note_en))
        .load(conn)?;
    let mut out: Vec<Note> = Vec::new();
    for row in rows {
        if out.last().is_none_or(|last| last.0 != row.0) {
            out.push(row);
        }
    }
    Ok(out)
}
