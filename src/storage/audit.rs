//! The audit log: append-only, each entry holding the hash of the one before, so that a row
//! changed or removed afterwards breaks the chain at that row. `minsheng audit verify` walks it.
//!
//! An entry's hash is SHA-256 over the JSON array `[prev_hash, at, actor, action, case_code,
//! detail]`. Appends are serialised (one writer on SQLite; a transaction-scoped advisory lock on
//! PostgreSQL), so the chain never forks.

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::audit_log;
use super::DbConn;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The actor of what the system or an anonymous citizen did.
pub const SYSTEM: &str = "system";
/// Any fixed number: the PostgreSQL advisory lock that serialises appends.
const APPEND_LOCK: i64 = 0x6d73_6175_6474;

pub struct AuditEntry<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub case_code: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// Both databases keep microseconds; the hash is taken over what is stored.
fn stored_precision(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}

pub fn entry_hash(prev_hash: &str, e: &AuditEntry<'_>) -> String {
    let at = stored_precision(e.at).format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let fields = serde_json::json!([prev_hash, at, e.actor, e.action, e.case_code, e.detail]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// Appends one entry after the current last one. Call inside a transaction.
pub fn append(conn: &mut DbConn, e: &AuditEntry<'_>) -> QueryResult<()> {
    lock_appends(conn)?;
    let prev: String = audit_log::table
        .select(audit_log::hash)
        .order(audit_log::id.desc())
        .first(conn)
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let hash = entry_hash(&prev, e);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(stored_precision(e.at)),
            audit_log::actor.eq(e.actor),
            audit_log::action.eq(e.action),
            audit_log::case_code.eq(e.case_code),
            audit_log::detail.eq(e.detail),
            audit_log::prev_hash.eq(&prev),
            audit_log::hash.eq(&hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the appends' lock until the transaction ends (PostgreSQL; SQLite has one writer). The
/// statistics rollup takes it too, so every writing transaction locks in one order.
pub fn lock_appends(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})")).execute(pg)?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    /// The id of the first entry whose hash or link does not match.
    pub first_broken: Option<i64>,
}

type Row = (
    i64,
    NaiveDateTime,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Recomputes the whole chain, a page at a time.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    let mut expected_prev = GENESIS.to_owned();
    let mut after = i64::MIN;
    let mut entries = 0;
    loop {
        let page: Vec<Row> = audit_log::table
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .limit(1_000)
            .load(conn)?;
        if page.is_empty() {
            return Ok(Verification {
                entries,
                first_broken: None,
            });
        }
        for (id, at, actor, action, case_code, detail, prev_hash, hash) in page {
            entries += 1;
            let e = AuditEntry {
                at,
                actor: &actor,
                action: &action,
                case_code: case_code.as_deref(),
                detail: detail.as_deref(),
            };
            if prev_hash != expected_prev || entry_hash(&prev_hash, &e) != hash {
                return Ok(Verification {
                    entries,
                    first_broken: Some(id),
                });
            }
            expected_prev = hash;
            after = id;
        }
    }
}
