//! A member of staff's queue: their open cases (a dispatcher's: what waits at their offices),
//! nearest deadline first, keyset-paginated, with counts per state.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::reach;
use super::utc;
use crate::domain::case::Reach;
use crate::domain::kind::{Role, State};
use crate::domain::text::normalize_optional;
use crate::error::AppError;
use crate::routing::Directory;
use crate::services::accounts::Staff;
use crate::services::context::Context;
use crate::services::similarity::{self, Suggestion};
use crate::storage::matters;
use crate::storage::submissions::{self};

/// Queue filters as query parameters: `state`, `kind`, `category`, `channel`, `overdue=true`,
/// `q` (a piece of the title) and `cursor` (from the previous page).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub overdue: Option<bool>,
    /// Overdue or under supervision: the supervision view.
    pub attention: Option<bool>,
    pub q: Option<String>,
    /// `next_cursor` of the page before.
    #[param(pattern = "^([0-9]{1,16}_[0-9]{1,18})?$")]
    pub cursor: Option<String>,
}

impl QueueParams {
    /// Every filter and the search words as terms of the text rule (forbidden characters
    /// removed; empty means "any"): a filter that names nothing finds nothing.
    pub fn cleaned(self) -> QueueParams {
        let clean = |v: Option<String>| normalize_optional(v.as_deref());
        QueueParams {
            state: clean(self.state),
            kind: clean(self.kind),
            category: clean(self.category),
            channel: clean(self.channel),
            q: clean(self.q),
            // A cursor is read exactly as `next_cursor` gave it (empty: the first page).
            cursor: self.cursor.filter(|c| !c.is_empty()),
            ..self
        }
    }
}

/// One case in a queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub state: State,
    pub title: Option<String>,
    pub assigned_unit: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub supervised: bool,
    pub created_at: DateTime<Utc>,
    /// The lead case this one is handled with (一件多诉), if it is linked.
    pub lead: Option<String>,
    /// How many cases are linked to this one (it leads a matter of that many more voices).
    pub linked: i64,
    /// In a dispatcher's queue: the cases that may be the same matter, best first (at most 5).
    pub suggestions: Vec<Suggestion>,
}

/// A page of a queue, nearest deadline first, with the counts per state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub cases: Vec<QueueItem>,
    pub next_cursor: Option<String>,
    pub counts: BTreeMap<String, i64>,
}

pub const QUEUE_PAGE: i64 = 50;

/// A page's cursor: the last case's deadline (microseconds since 1970, at most 16 digits: up to
/// the year 2286) and row id, as `MICROS_ID` — a shape the API's document can state exactly
/// ([`CURSOR_PATTERN`]), so any cursor of that shape is one the database can be asked about.
fn encode_cursor(due: NaiveDateTime, id: i64) -> String {
    format!("{}_{id}", due.and_utc().timestamp_micros().max(0))
}

/// The shape of a cursor, as the API's document gives it (empty: the first page).
pub const CURSOR_PATTERN: &str = "^([0-9]{1,16}_[0-9]{1,18})?$";

fn decode_cursor(cursor: &str) -> Option<(NaiveDateTime, i64)> {
    let (micros, id) = cursor.split_once('_')?;
    let digits =
        |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(micros, 16) || !digits(id, 18) {
        return None;
    }
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc(),
        id.parse().ok()?,
    ))
}

/// The units whose cases `staff` works: a handler's own; a supervisor's and the units below it;
/// for a dispatcher, their office and the offices below it, whose dispatch queues they keep.
fn scope_codes(dir: &Directory, staff: &Staff) -> Vec<String> {
    let Some(me) = dir.unit(&staff.unit) else {
        return Vec::new();
    };
    match staff.role {
        Role::Handler => vec![staff.unit.clone()],
        Role::Supervisor | Role::Dispatcher => (0..dir.units.len())
            .filter(|&u| u == me || dir.is_subordinate(u, me))
            .map(|u| dir.units[u].code.clone())
            .collect(),
        Role::Admin => Vec::new(),
    }
}

/// One page of `staff`'s queue, nearest deadline first, with counts per state.
pub async fn queue(state: &Context, staff: Staff, params: QueueParams) -> Result<QueuePage, AppError> {
    let params = params.cleaned();
    let after = match params.cursor.as_deref() {
        Some(c) => Some(decode_cursor(c).ok_or_else(|| AppError::Malformed("bad cursor".into()))?),
        None => None,
    };
    let codes = scope_codes(&state.router.directory, &staff);
    let dispatch = staff.role == Role::Dispatcher;
    let cache_key = format!("{}:{}", staff.role, staff.unit);
    let cached = state.queue_counts.get(&cache_key);
    let now = state.clock.now();
    let window = state.settings.similarity.window_days;
    let ctx = state.clone();
    let page = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let scope = if dispatch {
                submissions::QueueScope::Dispatch(&codes)
            } else {
                submissions::QueueScope::Units(&codes)
            };
            let q = submissions::QueueQuery {
                scope,
                state: params.state.as_deref(),
                kind: params.kind.as_deref(),
                category: params.category.as_deref(),
                channel: params.channel.as_deref(),
                overdue_at: params.overdue.filter(|o| *o).map(|_| now.naive_utc()),
                attention_at: params.attention.filter(|a| *a).map(|_| now.naive_utc()),
                title_contains: params.q.as_deref(),
                after,
                limit: QUEUE_PAGE + 1,
            };
            let mut rows = submissions::queue(conn, &q)?;
            let more = rows.len() as i64 > QUEUE_PAGE;
            rows.truncate(QUEUE_PAGE as usize);
            let next_cursor = if more {
                rows.last().and_then(|r| r.due_at.map(|d| encode_cursor(d, r.id)))
            } else {
                None
            };
            let counts = match cached {
                Some(c) => c,
                None => submissions::queue_counts(conn, &q.scope)?.into_iter().collect(),
            };
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let linked: BTreeMap<i64, i64> = matters::follower_counts(conn, &ids)?.into_iter().collect();
            let dir = &ctx.router.directory;
            let mut cases = Vec::with_capacity(rows.len());
            for r in rows {
                // A dispatcher decides where a case goes: the same matter may be waiting already.
                let suggestions = if dispatch && r.lead_id.is_none() {
                    similarity::suggestions(conn, &r, now, window, |c| {
                        reach(dir, &staff, c) != Reach::Outside
                    })?
                } else {
                    Vec::new()
                };
                cases.push(QueueItem {
                    lead: r.lead_id.and(r.merged_into),
                    linked: linked.get(&r.id).copied().unwrap_or(0),
                    suggestions,
                    days_left: r.due_at.map(|d| crate::domain::calendar::days_left(now, utc(d))),
                    overdue: r.due_at.is_some_and(|d| d < now.naive_utc()),
                    due_at: r.due_at.map(utc),
                    tracking_code: r.tracking_code,
                    kind: r.kind,
                    category: r.category,
                    channel: r.channel,
                    state: r.state,
                    title: r.title,
                    assigned_unit: r.assigned_unit,
                    supervised: r.supervised,
                    created_at: utc(r.created_at),
                });
            }
            Ok(QueuePage {
                cases,
                next_cursor,
                counts,
            })
        })
        .await?;
    state.queue_counts.put(cache_key, page.counts.clone());
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_only_its_shape_is_read() {
        let due = DateTime::from_timestamp_micros(1_800_000_000_123_456)
            .unwrap()
            .naive_utc();
        let cursor = encode_cursor(due, 42);
        let re = regex::Regex::new(CURSOR_PATTERN).unwrap();
        assert!(re.is_match(&cursor), "{cursor}");
        assert_eq!(decode_cursor(&cursor), Some((due, 42)));
        for bad in [
            "",
            "_1",
            "1_",
            "-1_1",
            "12345678901234567_1",
            "1_1_1",
            "MTIzOjQ1",
            "1_1\u{0}",
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
            assert!(bad.is_empty() || !re.is_match(bad), "{bad}");
        }
    }
}
