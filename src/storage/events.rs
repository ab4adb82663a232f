//! Open-day events, their kiosks, and the figures per event.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{events, kiosks, submissions};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub host_unit: String,
    pub title: String,
    pub place: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub visitors: i32,
    pub created_at: NaiveDateTime,
    /// The id public URLs carry; `id` is for staff pages and the CLI only.
    pub public_id: String,
}

pub struct NewEvent<'a> {
    pub public_id: &'a str,
    pub host_unit: &'a str,
    pub title: &'a str,
    pub place: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub at: NaiveDateTime,
}

/// Adds an event and returns its id.
pub fn insert(conn: &mut DbConn, e: &NewEvent<'_>) -> QueryResult<i64> {
    diesel::insert_into(events::table)
        .values((
            events::host_unit.eq(e.host_unit),
            events::title.eq(e.title),
            events::place.eq(e.place),
            events::starts_at.eq(e.starts_at),
            events::ends_at.eq(e.ends_at),
            events::visitors.eq(0),
            events::created_at.eq(e.at),
            events::public_id.eq(e.public_id),
        ))
        .execute(conn)?;
    // No RETURNING on the portable connection: read the id back by the unique public id.
    events::table
        .filter(events::public_id.eq(e.public_id))
        .select(events::id)
        .first(conn)
}

/// The event a public URL names.
pub fn find_public(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<EventRow>> {
    events::table
        .filter(events::public_id.eq(public_id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<EventRow>> {
    events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// Every event, the latest start first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<EventRow>> {
    events::table
        .select(EventRow::as_select())
        .order((events::starts_at.desc(), events::id.desc()))
        .load(conn)
}

/// Adds `n` visitors to an event's count. False when there is no such event.
pub fn add_visitors(conn: &mut DbConn, id: i64, n: i32) -> QueryResult<bool> {
    diesel::update(events::table.find(id))
        .set(events::visitors.eq(events::visitors + n))
        .execute(conn)
        .map(|n| n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kiosks)]
pub struct KioskRow {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub enrolled_at: Option<NaiveDateTime>,
    pub revoked: bool,
    pub created_at: NaiveDateTime,
}

/// Adds a kiosk waiting for enrolment with the code whose digest is `enrol_hash`; returns its id.
pub fn insert_kiosk(
    conn: &mut DbConn,
    event_id: i64,
    name: &str,
    enrol_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(kiosks::table)
        .values((
            kiosks::event_id.eq(event_id),
            kiosks::name.eq(name),
            kiosks::enrol_hash.eq(enrol_hash),
            kiosks::revoked.eq(false),
            kiosks::created_at.eq(at),
        ))
        .execute(conn)?;
    kiosks::table
        .filter(kiosks::enrol_hash.eq(enrol_hash))
        .select(kiosks::id)
        .first(conn)
}

/// Uses an enrolment code: the kiosk holding it gets the credential whose digest is
/// `credential_hash`, and the code stops working. Returns the kiosk's id, if the code was valid.
pub fn enrol(
    conn: &mut DbConn,
    enrol_hash: &str,
    credential_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let Some(id) = kiosks::table
        .filter(kiosks::enrol_hash.eq(enrol_hash))
        .filter(kiosks::revoked.eq(false))
        .select(kiosks::id)
        .first::<i64>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let n = diesel::update(
        kiosks::table
            .filter(kiosks::id.eq(id))
            .filter(kiosks::enrol_hash.eq(enrol_hash)),
    )
    .set((
        kiosks::enrol_hash.eq(None::<String>),
        kiosks::credential_hash.eq(credential_hash),
        kiosks::enrolled_at.eq(at),
    ))
    .execute(conn)?;
    Ok((n == 1).then_some(id))
}

/// The enrolled, unrevoked kiosk holding the credential with this digest, with its event.
pub fn kiosk_by_credential(
    conn: &mut DbConn,
    credential_hash: &str,
) -> QueryResult<Option<(KioskRow, EventRow)>> {
    kiosks::table
        .inner_join(events::table)
        .filter(kiosks::credential_hash.eq(credential_hash))
        .filter(kiosks::revoked.eq(false))
        .select((KioskRow::as_select(), EventRow::as_select()))
        .first(conn)
        .optional()
}

pub fn kiosks_of(conn: &mut DbConn, event_id: i64) -> QueryResult<Vec<KioskRow>> {
    kiosks::table
        .filter(kiosks::event_id.eq(event_id))
        .select(KioskRow::as_select())
        .order(kiosks::id.asc())
        .load(conn)
}

/// Revokes a kiosk: its credential stops working at once. False when there is no such kiosk.
pub fn revoke(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::update(kiosks::table.find(id))
        .set((kiosks::revoked.eq(true), kiosks::enrol_hash.eq(None::<String>)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Per-event figures: (kind, category, state, count) of the event's submissions.
pub fn tallies(conn: &mut DbConn, event_id: i64) -> QueryResult<Vec<(String, String, String, i64)>> {
    submissions::table
        .filter(submissions::event_id.eq(event_id))
        .group_by((submissions::kind, submissions::category, submissions::state))
        .select((
            submissions::kind,
            submissions::category,
            submissions::state,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}
