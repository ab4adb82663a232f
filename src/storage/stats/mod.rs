//! The statistics' SQL: every figure of [`crate::domain::stats`] counted with one `GROUP BY` per
//! kind of source, the same text on SQLite and PostgreSQL. Each count is defined here once, as a
//! condition on a case; the aggregation sums it and the case list behind a number filters by it,
//! so a number and the list it links to cannot disagree.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryResult, QueryableByName};

use crate::storage::sql::{Sql, Value};
use crate::storage::DbConn;

mod cases;
mod fold;
mod from_rollup;
pub mod rollup;

use crate::domain::kind::State;
use crate::domain::stats::{Count, Figures, GroupBy, Period, SATISFIED_RATINGS, SOLVED_OUTCOMES};
pub use cases::case_ids;

/// Which cases the figures count, and how they are grouped.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub period: Period,
    /// Only figures attributed to these units; `None` for everywhere.
    pub units: Option<Vec<String>>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Only cases from these regions (a region and those below it, listed).
    pub regions: Option<Vec<String>>,
    pub event: Option<i64>,
    pub group_by: GroupBy,
    /// "Now", for the figures that depend on it (overdue now).
    pub now: NaiveDateTime,
}

/// The unit a case counts at: the one holding it now (the ledger lists it there too).
pub(crate) const HOLDER: &str = "COALESCE(s.assigned_unit, s.dispatch_unit, '')";

fn quoted(list: &[&str]) -> String {
    list.iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition that puts a case in a case-attributed count. Texts are constants of the domain.
pub(crate) fn case_condition(count: Count, sql: &mut Sql, now: NaiveDateTime) {
    let fixed = match count {
        Count::Received => "1 = 1".to_owned(),
        Count::PendingDispatch => format!("s.state = '{}'", State::PendingDispatch.code()),
        Count::Accepted => "s.accepted_day IS NOT NULL".to_owned(),
        Count::Rejected => format!("s.state = '{}'", State::Rejected.code()),
        Count::Merged => format!("(s.state = '{}' OR s.lead_id IS NOT NULL)", State::Merged.code()),
        Count::Matters => format!(
            "NOT (s.state = '{}' OR s.lead_id IS NOT NULL)",
            State::Merged.code()
        ),
        Count::Concluded => "s.concluded_day IS NOT NULL".to_owned(),
        Count::OnTime => "(s.concluded_day IS NOT NULL AND s.on_time = TRUE)".to_owned(),
        Count::Solved => format!(
            "(s.concluded_day IS NOT NULL AND s.outcome IN ({}))",
            quoted(&SOLVED_OUTCOMES)
        ),
        Count::OverdueNow => {
            sql.push(&format!(
                "(s.state IN ({}) AND s.due_at < ",
                quoted(&State::OPEN_CODES)
            ));
            sql.bind(Value::Time(now)).push(")");
            return;
        }
        Count::Ratable => "(s.concluded_day IS NOT NULL OR s.review_round > 0)".to_owned(),
        Count::Rated => "s.rating IS NOT NULL".to_owned(),
        Count::Satisfied => format!("s.rating IN ({})", quoted(&SATISFIED_RATINGS)),
        Count::Reopened => "s.review_round > 0".to_owned(),
        Count::Dispatched
        | Count::TransferredOut
        | Count::TransferredIn
        | Count::Flagged
        | Count::Supervised => "1 = 0".to_owned(),
    };
    sql.push(&fixed);
}

/// The timeline event behind an event-attributed count, and the column naming its unit.
fn event_source(count: Count) -> Option<(&'static str, &'static str)> {
    match count {
        Count::Dispatched => Some(("dispatched", "e.from_unit")),
        Count::TransferredOut => Some(("transferred", "e.from_unit")),
        Count::TransferredIn => Some(("transferred", "e.unit")),
        Count::Flagged => Some(("overdue", "e.unit")),
        Count::Supervised => Some(("supervised", "e.unit")),
        _ => None,
    }
}

/// The group a case falls in; `unit` is the column naming the unit the figure is counted at.
fn group_expr(group: GroupBy, unit: &str) -> String {
    match group {
        GroupBy::Unit => format!("COALESCE({unit}, '')"),
        GroupBy::Region => "s.region".to_owned(),
        GroupBy::Kind => "s.kind".to_owned(),
        GroupBy::Category => "s.category".to_owned(),
        GroupBy::Channel => "s.channel".to_owned(),
        GroupBy::Event => "COALESCE(CAST(s.event_id AS TEXT), '')".to_owned(),
    }
}

/// The filters every figure shares, with the unit scope applied to `unit`.
pub(crate) fn filters(q: &StatsQuery, sql: &mut Sql, unit: &str) {
    if let Some(units) = &q.units {
        if units.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(&format!(" AND {unit} IN "));
            sql.bind_list(units);
        }
    }
    for (column, value) in [
        ("s.kind", &q.kind),
        ("s.category", &q.category),
        ("s.channel", &q.channel),
    ] {
        if let Some(v) = value {
            sql.push(&format!(" AND {column} = "));
            sql.bind(Value::Text(v.clone()));
        }
    }
    if let Some(regions) = &q.regions {
        if regions.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(" AND s.region IN ");
            sql.bind_list(regions);
        }
    }
    if let Some(event) = q.event {
        sql.push(" AND s.event_id = ");
        sql.bind(Value::BigInt(event));
    }
}

/// Only the cases received in the period: the `WHERE` every figure starts with.
pub(crate) fn received_in(q: &StatsQuery, sql: &mut Sql) {
    sql.push(" WHERE s.received_day BETWEEN ");
    sql.bind(Value::Int(q.period.from))
        .push(" AND ")
        .bind(Value::Int(q.period.to));
}

/// Case-attributed counts, by their codes.
const CASE_COUNTS: [Count; 13] = [
    Count::Received,
    Count::PendingDispatch,
    Count::Accepted,
    Count::Rejected,
    Count::Merged,
    Count::Concluded,
    Count::OnTime,
    Count::Solved,
    Count::OverdueNow,
    Count::Ratable,
    Count::Rated,
    Count::Satisfied,
    Count::Reopened,
];

#[derive(QueryableByName)]
struct GroupCount {
    #[diesel(sql_type = Text)]
    g: String,
    #[diesel(sql_type = Text)]
    figure: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct GroupDays {
    #[diesel(sql_type = Text)]
    g: String,
    #[diesel(sql_type = Integer)]
    days: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every figure of every group. From the rollup where it serves ([`from_rollup::serves`]): the
/// counts, the day figures of whole months, overdue now read live; else one pass over the cases
/// received in the period for the case-attributed counts and one per day figure. The
/// event-attributed counts always come from the timeline events.
pub fn figures(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<BTreeMap<String, Figures>> {
    Ok(figures_and_outcomes(conn, q)?.0)
}

/// Every figure of every group ([`figures`]) and the concluded cases per outcome ([`outcomes`]),
/// reading the rollup once where it serves.
#[allow(clippy::type_complexity)]
pub fn figures_and_outcomes(
    conn: &mut DbConn,
    q: &StatsQuery,
) -> QueryResult<(BTreeMap<String, Figures>, BTreeMap<String, from_rollup::Outcomes>)> {
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    let mut by_outcome = BTreeMap::new();
    if from_rollup::serves(q) {
        for (g, (figures, outcomes)) in from_rollup::case_figures(conn, q)? {
            if !outcomes.is_empty() {
                by_outcome.insert(g.clone(), outcomes);
            }
            out.insert(g, figures);
        }
        for (g, n) in from_rollup::overdue_now(conn, q)? {
            out.entry(g).or_default().set(Count::OverdueNow, n);
        }
        let (months, rest) = from_rollup::split(conn, q.period)?;
        from_rollup::days(conn, q, &months, &mut out)?;
        for part in rest {
            let q = StatsQuery {
                period: part,
                ..q.clone()
            };
            case_days(conn, &q, &mut out)?;
        }
    } else {
        let g = group_expr(q.group_by, HOLDER);
        for row in case_rows(conn, q, &g)? {
            if let Some(c) = Count::from_code(&row.figure) {
                out.entry(row.g).or_default().set(c, row.n);
            }
        }
        case_days(conn, q, &mut out)?;
        by_outcome = outcomes(conn, q)?;
    }
    for row in event_rows(conn, q)? {
        if let Some(c) = Count::from_code(&row.figure) {
            out.entry(row.g).or_default().set(c, row.n);
        }
    }
    Ok((out, by_outcome))
}

/// Adds the day figures of the cases received in the period, read from the cases.
fn case_days(conn: &mut DbConn, q: &StatsQuery, out: &mut BTreeMap<String, Figures>) -> QueryResult<()> {
    let g = group_expr(q.group_by, HOLDER);
    for (first, last, filled) in [
        ("s.received_day", "s.accepted_day", "s.accepted_day IS NOT NULL"),
        (
            "s.accepted_day",
            "s.concluded_day",
            "s.concluded_day IS NOT NULL AND s.accepted_day IS NOT NULL",
        ),
    ] {
        let mut sql = Sql::new(&format!(
            "SELECT {g} AS g, CAST({last} - {first} AS INTEGER) AS days, COUNT(*) AS n FROM submissions s"
        ));
        received_in(q, &mut sql);
        sql.push(&format!(" AND {filled}"));
        filters(q, &mut sql, HOLDER);
        sql.push(" GROUP BY 1, 2");
        for row in sql.load::<GroupDays>(conn)? {
            let f = out.entry(row.g).or_default();
            let days = if first == "s.received_day" {
                &mut f.to_accept
            } else {
                &mut f.to_conclude
            };
            days.add(row.days, row.n);
        }
    }
    Ok(())
}

/// The case-attributed counts in one scan: a `SUM` per count, then one row per (group, count).
fn case_rows(conn: &mut DbConn, q: &StatsQuery, g: &str) -> QueryResult<Vec<GroupCount>> {
    let mut sql = Sql::new(&format!("SELECT {g} AS g"));
    for count in CASE_COUNTS {
        sql.push(", SUM(CASE WHEN ");
        case_condition(count, &mut sql, q.now);
        sql.push(&format!(" THEN 1 ELSE 0 END) AS {}", count.code()));
    }
    sql.push(" FROM submissions s");
    received_in(q, &mut sql);
    filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY 1");
    let rows = sql.load::<CaseSums>(conn)?;
    Ok(rows
        .into_iter()
        .flat_map(|r| {
            let values = [
                r.received,
                r.pending_dispatch,
                r.accepted,
                r.rejected,
                r.merged,
                r.concluded,
                r.on_time,
                r.solved,
                r.overdue_now,
                r.ratable,
                r.rated,
                r.satisfied,
                r.reopened,
            ];
            CASE_COUNTS
                .iter()
                .zip(values)
                .map(|(c, n)| GroupCount {
                    g: r.g.clone(),
                    figure: c.code().to_owned(),
                    n,
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

#[derive(QueryableByName)]
struct CaseSums {
    #[diesel(sql_type = Text)]
    g: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    pending_dispatch: i64,
    #[diesel(sql_type = BigInt)]
    accepted: i64,
    #[diesel(sql_type = BigInt)]
    rejected: i64,
    #[diesel(sql_type = BigInt)]
    merged: i64,
    #[diesel(sql_type = BigInt)]
    concluded: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    solved: i64,
    #[diesel(sql_type = BigInt)]
    overdue_now: i64,
    #[diesel(sql_type = BigInt)]
    ratable: i64,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = BigInt)]
    satisfied: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
}

/// Whether the event figures need the case row: grouped by something of the case, or filtered.
fn needs_case(q: &StatsQuery) -> bool {
    q.group_by != GroupBy::Unit
        || q.kind.is_some()
        || q.category.is_some()
        || q.channel.is_some()
        || q.regions.is_some()
        || q.event.is_some()
}

/// The event-attributed counts: distinct cases with such an event, at the unit the event names.
fn event_rows(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<Vec<GroupCount>> {
    let mut sql = Sql::new("SELECT g, figure, COUNT(DISTINCT sid) AS n FROM (");
    let mut first = true;
    for count in Count::ALL.iter().filter(|c| c.from_events()) {
        let Some((action, unit)) = event_source(*count) else {
            continue;
        };
        if !first {
            sql.push(" UNION ALL ");
        }
        first = false;
        let g = group_expr(q.group_by, unit);
        // Events carry their case's day of receipt: the period is one range of the (action, day)
        // index, and the case row is read only when a filter or the grouping needs it.
        let join = if needs_case(q) {
            " JOIN submissions s ON s.id = e.submission_id"
        } else {
            ""
        };
        sql.push(&format!(
            "SELECT {g} AS g, '{}' AS figure, e.submission_id AS sid FROM submission_events e{join} \
             WHERE e.received_day BETWEEN ",
            count.code()
        ));
        sql.bind(Value::Int(q.period.from))
            .push(" AND ")
            .bind(Value::Int(q.period.to));
        sql.push(&format!(" AND e.action = '{action}' AND {unit} IS NOT NULL"));
        filters(q, &mut sql, unit);
    }
    sql.push(") t GROUP BY g, figure");
    sql.load::<GroupCount>(conn)
}

/// Cases received in the period and in the concluded-week trend: per Monday (a day number),
/// how many cases were received that week, and how many were concluded that week (whenever
/// they were received).
pub fn weekly(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<Vec<(i32, i64, i64)>> {
    if from_rollup::serves(q) {
        return from_rollup::weekly(conn, q);
    }
    #[derive(QueryableByName)]
    struct Week {
        #[diesel(sql_type = Integer)]
        week: i32,
        #[diesel(sql_type = Text)]
        figure: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let week = |day: &str| format!("CAST({day} - (({day} + 3) % 7) AS INTEGER)");
    let mut sql = Sql::new(&format!(
        "SELECT {} AS week, 'received' AS figure, COUNT(*) AS n FROM submissions s",
        week("s.received_day")
    ));
    received_in(q, &mut sql);
    filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY 1 UNION ALL ");
    sql.push(&format!(
        "SELECT {} AS week, 'concluded' AS figure, COUNT(*) AS n FROM submissions s WHERE s.concluded_day BETWEEN ",
        week("s.concluded_day")
    ));
    sql.bind(Value::Int(q.period.from))
        .push(" AND ")
        .bind(Value::Int(q.period.to));
    filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY 1");
    let mut weeks: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for w in sql.load::<Week>(conn)? {
        let e = weeks.entry(w.week).or_default();
        if w.figure == "received" {
            e.0 = w.n;
        } else {
            e.1 = w.n;
        }
    }
    Ok(weeks.into_iter().map(|(w, (r, c))| (w, r, c)).collect())
}

/// Concluded cases per outcome, per group.
pub fn outcomes(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<BTreeMap<String, BTreeMap<String, i64>>> {
    if from_rollup::serves(q) {
        return Ok(from_rollup::case_figures(conn, q)?
            .into_iter()
            .filter(|(_, (_, outcomes))| !outcomes.is_empty())
            .map(|(g, (_, outcomes))| (g, outcomes))
            .collect());
    }
    let g = group_expr(q.group_by, HOLDER);
    let mut sql = Sql::new(&format!(
        "SELECT {g} AS g, COALESCE(s.outcome, '') AS figure, COUNT(*) AS n FROM submissions s"
    ));
    received_in(q, &mut sql);
    sql.push(" AND s.concluded_day IS NOT NULL");
    filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY 1, 2");
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for row in sql.load::<GroupCount>(conn)? {
        out.entry(row.g).or_default().insert(row.figure, row.n);
    }
    Ok(out)
}
