//! The transactional outbox: each mail is a row written in the same transaction as the change
//! that causes it. The mail worker claims due rows with a lease (a conditional update only one
//! worker can win), sends outside any transaction, and marks the row sent, retried or dead — only
//! while it still holds the lease.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox;
use super::DbConn;
use crate::on_each_backend;

/// Who a mail is for. A citizen's address is stored sealed and wiped once sent.
pub enum To<'a> {
    /// A unit's published address (from the directory).
    Unit(&'a str),
    /// A staff member's own address.
    Staff(&'a str),
    /// The citizen's address, sealed by the vault (see [`citizen_context`]).
    Citizen(&'a [u8]),
}

/// What a citizen's sealed address is bound to: it opens only for this case's mail.
pub fn citizen_context(case_code: &str) -> Vec<u8> {
    format!("outbox:{case_code}").into_bytes()
}

pub struct NewMail<'a> {
    pub template: &'a str,
    pub to: To<'a>,
    pub case_code: Option<&'a str>,
    /// The template's facts as JSON.
    pub payload: &'a str,
    pub lang: &'a str,
    pub at: NaiveDateTime,
}

/// A mail as its outbox row: built before the write (sealing and serialising done), stored by
/// [`enqueue`] or, several in one statement, by [`enqueue_all`].
#[derive(Debug, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct MailRow {
    template: String,
    audience: &'static str,
    recipient: String,
    recipient_sealed: Option<Vec<u8>>,
    case_code: Option<String>,
    payload: String,
    lang: String,
    status: &'static str,
    attempts: i32,
    created_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
}

impl MailRow {
    pub fn new(mail: &NewMail<'_>) -> MailRow {
        let (audience, recipient, sealed) = match mail.to {
            To::Unit(address) => ("unit", address, None),
            To::Staff(address) => ("staff", address, None),
            To::Citizen(sealed) => ("citizen", "", Some(sealed.to_vec())),
        };
        MailRow {
            template: mail.template.to_owned(),
            audience,
            recipient: recipient.to_owned(),
            recipient_sealed: sealed,
            case_code: mail.case_code.map(str::to_owned),
            payload: mail.payload.to_owned(),
            lang: mail.lang.to_owned(),
            status: "pending",
            attempts: 0,
            created_at: mail.at,
            next_attempt_at: mail.at,
        }
    }
}

pub fn enqueue(conn: &mut DbConn, mail: &NewMail<'_>) -> QueryResult<()> {
    enqueue_all(conn, &[MailRow::new(mail)])
}

/// Stores `rows` in one statement.
pub fn enqueue_all(conn: &mut DbConn, rows: &[MailRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let statement = diesel::insert_into(outbox::table).values(rows);
    on_each_backend!(conn, |c| statement.execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub template: String,
    pub audience: String,
    pub recipient: String,
    pub recipient_sealed: Option<Vec<u8>>,
    pub case_code: Option<String>,
    pub payload: String,
    pub lang: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Pending rows due at `now` whose lease (if any) has run out, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .select(OutboxRow::as_select())
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now)))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Takes the lease on a row for `owner` until `until`, counting the attempt. False when another
/// worker holds it or it is no longer pending: exactly one claimant wins.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq("pending"))
            .filter(outbox::next_attempt_at.le(now))
            .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now))),
    )
    .set((
        outbox::lease_owner.eq(owner),
        outbox::lease_until.eq(until),
        outbox::attempts.eq(outbox::attempts + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The row `id`, still pending and leased by `owner`.
macro_rules! leased_by {
    ($id:expr, $owner:expr) => {
        outbox::table
            .filter(outbox::id.eq($id))
            .filter(outbox::status.eq("pending"))
            .filter(outbox::lease_owner.eq($owner))
    };
}

/// Marks a row sent (and forgets a citizen's address). False when the lease was lost.
pub fn mark_sent(conn: &mut DbConn, id: i64, owner: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(leased_by!(id, owner))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(now),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::recipient_sealed.eq(None::<Vec<u8>>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records a failure: tried again at `retry_at`, or dead when that is `None`.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    owner: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let status = if retry_at.is_some() { "pending" } else { "dead" };
    diesel::update(leased_by!(id, owner))
        .set((
            outbox::status.eq(status),
            retry_at.map(|at| outbox::next_attempt_at.eq(at)),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Dead rows, newest first, for the admin view.
pub fn dead(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .select(OutboxRow::as_select())
        .filter(outbox::status.eq("dead"))
        .order(outbox::id.desc())
        .limit(limit)
        .load(conn)
}

/// Puts a dead row back in line with a fresh count of attempts. False when it is not dead.
pub fn retry(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq("dead")),
    )
    .set((
        outbox::status.eq("pending"),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::lease_owner.eq(None::<String>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// How many rows are pending, sent and dead.
pub fn counts(conn: &mut DbConn) -> QueryResult<(i64, i64, i64)> {
    let rows: Vec<(String, i64)> = outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok((get("pending"), get("sent"), get("dead")))
}

/// How many rows are pending and dead (the metrics), without counting the sent ones: read from
/// the `(status, next_attempt_at)` index.
pub fn backlog(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let rows: Vec<(String, i64)> = outbox::table
        .filter(outbox::status.eq_any(["pending", "dead"]))
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok((get("pending"), get("dead")))
}

/// (template, recipient, case code) of every row, oldest first: for tests. A citizen's row shows
/// `citizen` as its recipient (the address itself is sealed).
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(String, String, Option<String>)>> {
    let rows: Vec<(String, String, String, Option<String>)> = outbox::table
        .select((
            outbox::template,
            outbox::audience,
            outbox::recipient,
            outbox::case_code,
        ))
        .order(outbox::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(t, audience, r, c)| (t, if audience == "citizen" { audience } else { r }, c))
        .collect())
}
