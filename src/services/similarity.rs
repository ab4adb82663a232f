//! One matter, many voices (issue #16): indexing the texts of cases for similarity, and the
//! suggestions "possibly the same matter as …" a case page shows.
//!
//! Indexing runs after intake, never in its transaction (the intake writer stays lean, issue
//! #14): [`index_once`] takes the next cases without a fingerprint of the current algorithm,
//! computes their signatures and band keys outside the database, and stores them in one write.
//! The job in `serve` and `minsheng similarity rebuild` both call it.
//!
//! A suggestion ([`suggestions`]) is a case in the window that shares a band key of the same area
//! ([`crate::domain::matter::area_key`]), may be linked ([`crate::domain::matter::may_link`]), is
//! within the viewer's reach, is not already of the same matter, and that the domain suggests
//! ([`Fingerprint::suggests_in`]: in scope — one region subtree or the same target unit — and
//! similar texts).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::kind::{Kind, State};
use crate::domain::matter::{area, area_key, may_link};
use crate::domain::similarity::{in_scope, Fingerprint, Scope, ALGORITHM_VERSION};
use crate::domain::stats::period::day_of;
use crate::error::AppError;
use crate::storage::similarity::{self as index, Pending};
use crate::storage::submissions::SubmissionRow;
use crate::storage::{matters, Db, DbConn};

/// The most suggestions a case shows.
pub const SUGGESTIONS: usize = 5;

/// The most candidates (cases sharing keys) confirmed per look-up, those sharing most first.
const CANDIDATES: i64 = 50;

/// The most cases each band key counts in a look-up, those received nearest in time to the
/// case looked up (see [`index::candidates`]).
const PER_KEY: i64 = 100;

/// Cases indexed per write by `similarity rebuild`, which has the database to itself.
pub const REBUILD_BATCH: i64 = 500;

/// Cases indexed per write by the job in `serve`: 25 cases' 1,600 band keys hold SQLite's one
/// writer for a few milliseconds, so submissions queued behind it barely wait (issue #14).
pub const SERVE_BATCH: i64 = 25;

/// The text a case is compared by: its title and its body.
fn text_of(title: Option<&str>, body: &str) -> String {
    match title {
        Some(t) => format!("{t}\n{body}"),
        None => body.to_owned(),
    }
}

/// A case's fingerprint to store; band keys only if it was received on or after `first_day`
/// (the window's first day): older cases are never looked up, but count as indexed.
fn fingerprint(p: &Pending, first_day: i32) -> index::Fingerprint {
    let fp = Fingerprint::of(&text_of(p.title.as_deref(), &p.body));
    let a = area(&p.region);
    let keys = if p.received_day >= first_day {
        fp.band_keys().into_iter().map(|k| area_key(k, a)).collect()
    } else {
        Vec::new()
    };
    index::Fingerprint {
        id: p.id,
        received_day: p.received_day,
        signature: fp.signature().map(|s| s.to_bytes().to_vec()).unwrap_or_default(),
        keys,
    }
}

/// The algorithm's version as stored.
pub fn version() -> i32 {
    i32::from(ALGORITHM_VERSION)
}

/// Indexes the next `batch` cases waiting, in one write; how many it looked at (0: none wait).
/// Cases received more than `window_days` before `now` get their fingerprint but no band keys.
pub async fn index_once(
    db: &Db,
    now: DateTime<Utc>,
    window_days: u32,
    batch: i64,
) -> Result<usize, AppError> {
    let waiting = db
        .read(move |conn| -> Result<_, AppError> { Ok(index::pending(conn, version(), batch)?) })
        .await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let first_day = day_of(now.naive_utc()) - window_days as i32;
    let prints: Vec<index::Fingerprint> = waiting.iter().map(|p| fingerprint(p, first_day)).collect();
    let at = now.naive_utc();
    db.write(move |conn| -> Result<_, AppError> { Ok(index::store(conn, version(), at, &prints)?) })
        .await?;
    Ok(waiting.len())
}

/// A case that may be the same matter as the one shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub tracking_code: String,
    /// The confirmation score, 0 to 1.
    pub similarity: f64,
    pub channel: String,
    pub state: State,
    pub created_at: DateTime<Utc>,
}

/// The suggestions for `row`, best first, at most [`SUGGESTIONS`]; `visible` says whether the
/// viewer reaches a case (others are never named).
pub fn suggestions(
    conn: &mut DbConn,
    row: &SubmissionRow,
    now: DateTime<Utc>,
    window_days: u32,
    visible: impl Fn(&SubmissionRow) -> bool,
) -> Result<Vec<Suggestion>, AppError> {
    let Some(kind) = Kind::from_code(&row.kind) else {
        return Ok(Vec::new());
    };
    let fp = Fingerprint::of(&text_of(row.title.as_deref(), &row.body));
    let a = area(&row.region);
    let keys: Vec<i64> = fp.band_keys().into_iter().map(|k| area_key(k, a)).collect();
    let since = day_of(now.naive_utc()) - window_days as i32;
    let found = index::candidates(conn, &keys, since, row.received_day, row.id, PER_KEY, CANDIDATES)?;
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let matter = row.lead_id.unwrap_or(row.id);
    let mut out: Vec<Suggestion> = matters::rows(conn, &ids)?
        .into_iter()
        .filter(|c| c.lead_id.unwrap_or(c.id) != matter)
        .filter(|c| !matches!(c.state, State::Merged | State::Rejected))
        .filter(|c| Kind::from_code(&c.kind).is_some_and(|k| may_link(kind, k)))
        .filter(|c| visible(c))
        .filter_map(|c| {
            let mine = Scope {
                region: &row.region,
                target_unit: row.target_unit.as_deref(),
            };
            let theirs = Scope {
                region: &c.region,
                target_unit: c.target_unit.as_deref(),
            };
            // Out of scope: no text to compare. A candidate shares a band key of this area,
            // so only its texts remain to confirm (no signature of its own needed).
            if !in_scope(&mine, &theirs) {
                return None;
            }
            let other = Fingerprint::of_candidate(&text_of(c.title.as_deref(), &c.body));
            let similarity = fp.confirms_in(&other, &mine, &theirs)?;
            Some(Suggestion {
                similarity: (similarity * 100.0).round() / 100.0,
                tracking_code: c.tracking_code,
                channel: c.channel,
                state: c.state,
                created_at: c.created_at.and_utc(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    out.truncate(SUGGESTIONS);
    Ok(out)
}
