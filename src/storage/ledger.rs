//! The ledger's SQL (台账, issue #12): one row per case the statistics count, read in keyset
//! pages so an export of any size holds one page in memory. The cases are exactly those of
//! [`super::stats`] — the same period, unit scope (the unit holding a case now) and filters,
//! written once there — so a ledger's row count is the figures' "received".
//!
//! Nothing here reads who reported a case: no name, contact, body, title or result.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};
use diesel::{QueryResult, QueryableByName};

use super::sql::{Sql, Value};
use super::stats::{case_condition, filters, received_in, StatsQuery, HOLDER};
use super::DbConn;
use crate::domain::stats::Count;

/// One case as the ledger lists it: codes, Beijing day numbers and stored (UTC) moments.
#[derive(Debug, Clone, QueryableByName)]
pub struct LedgerRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub tracking_code: String,
    #[diesel(sql_type = Integer)]
    pub received_day: i32,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    /// The unit holding the case now ('' when nobody does).
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub accepted_day: Option<i32>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub accept_deadline: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub handle_deadline: Option<NaiveDateTime>,
    /// 'none', 'requested', 'granted' or 'refused'.
    #[diesel(sql_type = Text)]
    pub extension: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub extension_days: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub concluded_day: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
    /// Open and past due now, or ever flagged overdue by the sweeper: 1, else 0.
    #[diesel(sql_type = Integer)]
    pub overdue: i32,
    #[diesel(sql_type = Bool)]
    pub supervised: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub rating: Option<String>,
}

/// Where a page ends: the next page starts after this (unit, received day, id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct After {
    pub unit: String,
    pub received_day: i32,
    pub id: i64,
}

impl LedgerRow {
    pub fn key(&self) -> After {
        After {
            unit: self.unit.clone(),
            received_day: self.received_day,
            id: self.id,
        }
    }
}

#[derive(QueryableByName)]
struct CategoryCount {
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The categories that have cases in the query's scope, with how many each.
pub fn categories(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<Vec<(String, i64)>> {
    let mut sql = Sql::new("SELECT s.category AS category, COUNT(*) AS n FROM submissions s");
    received_in(q, &mut sql);
    filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY s.category");
    Ok(sql
        .load::<CategoryCount>(conn)?
        .into_iter()
        .map(|c| (c.category, c.n))
        .collect())
}

/// One page of a category's cases, by unit, then day received, then id: at most `limit` rows
/// after `after` (`None` for the first page). Each page is its own query; the next one starts
/// where this one ended, so no offset is ever skipped over.
pub fn page(
    conn: &mut DbConn,
    q: &StatsQuery,
    category: &str,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<LedgerRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT s.id AS id, s.tracking_code AS tracking_code, s.received_day AS received_day, \
         s.kind AS kind, s.category AS category, {HOLDER} AS unit, s.state AS state, \
         s.accepted_day AS accepted_day, s.accept_deadline AS accept_deadline, \
         s.handle_deadline AS handle_deadline, s.extension AS extension, \
         s.extension_days AS extension_days, s.concluded_day AS concluded_day, \
         s.outcome AS outcome, CASE WHEN s.overdue_for IS NOT NULL OR "
    ));
    // "Overdue now" is the statistics' own condition, so the flag and the figure agree.
    case_condition(Count::OverdueNow, &mut sql, q.now);
    sql.push(
        " THEN 1 ELSE 0 END AS overdue, s.supervised AS supervised, s.rating AS rating \
         FROM submissions s",
    );
    received_in(q, &mut sql);
    filters(q, &mut sql, HOLDER);
    sql.push(" AND s.category = ");
    sql.bind(Value::Text(category.to_owned()));
    if let Some(a) = after {
        // A row-value comparison, so the (category, unit, day, id) index is read from the cursor on.
        sql.push(&format!(" AND ({HOLDER}, s.received_day, s.id) > ("));
        sql.bind(Value::Text(a.unit.clone()));
        sql.push(", ");
        sql.bind(Value::Int(a.received_day));
        sql.push(", ");
        sql.bind(Value::BigInt(a.id));
        sql.push(")");
    }
    sql.push(&format!(" ORDER BY {HOLDER}, s.received_day, s.id LIMIT "));
    sql.bind(Value::BigInt(limit));
    sql.load::<LedgerRow>(conn)
}
