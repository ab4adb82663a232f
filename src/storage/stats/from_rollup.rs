//! The figures read from the rollup ([`super::rollup`]) rather than from every case: the counts
//! and outcomes per day of receipt, the weekly trend, and the day figures of whole months — the
//! ends of a period that are not whole months are read from the cases. Overdue now depends on the
//! moment and the event figures on the timeline, so those are always read live.
//!
//! The rollup knows the unit holding a case and its kind, so it serves figures grouped by unit or
//! kind, for any units and kind; a filter or grouping by category, channel, region or open day
//! reads the cases ([`serves`]).

use std::collections::BTreeMap;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryResult, QueryableByName};

use super::rollup::{self, Column, DailyRow, COLUMNS, N};
use super::{StatsQuery, HOLDER};
use crate::domain::stats::{Count, Figures, GroupBy, Period};
use crate::storage::sql::{Sql, Value};
use crate::storage::DbConn;

/// Whether the rollup can answer `q`.
pub fn serves(q: &StatsQuery) -> bool {
    matches!(q.group_by, GroupBy::Unit | GroupBy::Kind)
        && q.category.is_none()
        && q.channel.is_none()
        && q.regions.is_none()
        && q.event.is_none()
}

/// The rollup's column the figures are grouped by.
fn group_column(q: &StatsQuery) -> &'static str {
    match q.group_by {
        GroupBy::Kind => "kind",
        _ => "unit",
    }
}

/// The units and kind asked for, on a rollup table.
fn scope(q: &StatsQuery, sql: &mut Sql) {
    if let Some(units) = &q.units {
        if units.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(" AND unit IN ");
            sql.bind_list(units);
        }
    }
    if let Some(kind) = &q.kind {
        sql.push(" AND kind = ");
        sql.bind(Value::Text(kind.clone()));
    }
}

fn days_between(sql: &mut Sql, period: Period) {
    sql.bind(Value::Int(period.from))
        .push(" AND ")
        .bind(Value::Int(period.to));
}

/// Concluded cases per outcome code (`""` for none).
pub type Outcomes = BTreeMap<String, i64>;

/// The counts and outcomes of every group with cases received in the period.
pub fn case_figures(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<BTreeMap<String, (Figures, Outcomes)>> {
    let g = group_column(q);
    let (unit, kind) = if g == "kind" {
        ("''", "kind")
    } else {
        ("unit", "''")
    };
    let sums = rollup::select_list(|name, _| format!("CAST(SUM({name}) AS BIGINT)"));
    let mut sql = Sql::new(&format!(
        "SELECT 0 AS day, {unit} AS unit, {kind} AS kind, {sums} FROM stats_daily_all WHERE day BETWEEN "
    ));
    days_between(&mut sql, q.period);
    scope(q, &mut sql);
    sql.push(&format!(" GROUP BY {g}"));
    let mut out = BTreeMap::new();
    for row in sql.load::<DailyRow>(conn)? {
        let values: [i64; N] = row.values();
        // A group counts when a case received in the period is there now.
        if values[0] == 0 {
            continue;
        }
        let mut figures = Figures::default();
        let mut outcomes = BTreeMap::new();
        for ((_, col), v) in COLUMNS.iter().zip(values) {
            match col {
                Column::Count(c) => figures.set(*c, v),
                Column::Outcome(o) if v > 0 => {
                    outcomes.insert(o.map_or_else(String::new, |o| o.code().to_owned()), v);
                }
                _ => {}
            }
        }
        let key = if g == "kind" { row.kind } else { row.unit };
        out.insert(key, (figures, outcomes));
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct GroupN {
    #[diesel(sql_type = Text)]
    g: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Overdue now, per group: the open cases received in the period and past their deadline.
pub fn overdue_now(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<BTreeMap<String, i64>> {
    let g = match q.group_by {
        GroupBy::Kind => "s.kind".to_owned(),
        _ => format!("COALESCE({HOLDER}, '')"),
    };
    // `+s.received_day`: read the few open cases past their deadline from their own index
    // (`submissions_open_due`), not the whole period's cases from the figures' index.
    let mut sql = Sql::new(&format!(
        "SELECT {g} AS g, COUNT(*) AS n FROM submissions s WHERE +s.received_day BETWEEN "
    ));
    days_between(&mut sql, q.period);
    sql.push(" AND ");
    super::case_condition(Count::OverdueNow, &mut sql, q.now);
    super::filters(q, &mut sql, HOLDER);
    sql.push(" GROUP BY 1");
    Ok(sql
        .load::<GroupN>(conn)?
        .into_iter()
        .map(|r| (r.g, r.n))
        .collect())
}

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = diesel::sql_types::Nullable<Integer>)]
    day: Option<i32>,
}

/// The whole months of the period (see [`Period::split_months`]) and the days left over.
pub fn split(conn: &mut DbConn, period: Period) -> QueryResult<(Vec<i32>, Vec<Period>)> {
    let mut last: BTreeMap<i32, Option<i32>> = BTreeMap::new();
    for month in period.months() {
        let (first, end) = crate::domain::stats::period::month_days(month);
        if period.from <= first && period.to < end {
            let mut sql =
                Sql::new("SELECT MAX(received_day) AS day FROM submissions WHERE received_day BETWEEN ");
            days_between(&mut sql, Period { from: first, to: end });
            last.insert(
                month,
                sql.load::<Last>(conn)?.into_iter().next().and_then(|r| r.day),
            );
        }
    }
    Ok(period.split_months(|m| last.get(&m).copied().flatten()))
}

#[derive(QueryableByName)]
struct Histogram {
    #[diesel(sql_type = Text)]
    g: String,
    #[diesel(sql_type = Text)]
    measure: String,
    #[diesel(sql_type = Integer)]
    days: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Adds the day figures of whole `months` to `out`.
pub fn days(
    conn: &mut DbConn,
    q: &StatsQuery,
    months: &[i32],
    out: &mut BTreeMap<String, Figures>,
) -> QueryResult<()> {
    if months.is_empty() {
        return Ok(());
    }
    let g = group_column(q);
    let mut sql = Sql::new(&format!(
        "SELECT {g} AS g, measure, days, CAST(SUM(n) AS BIGINT) AS n FROM stats_days_all WHERE month IN ("
    ));
    for (i, m) in months.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Value::Int(*m));
    }
    sql.push(")");
    scope(q, &mut sql);
    sql.push(&format!(" GROUP BY {g}, measure, days"));
    for row in sql.load::<Histogram>(conn)? {
        if row.n == 0 {
            continue;
        }
        let f = out.entry(row.g).or_default();
        let days = if row.measure == rollup::ACCEPT {
            &mut f.to_accept
        } else {
            &mut f.to_conclude
        };
        days.add(row.days, row.n);
    }
    Ok(())
}

/// Per week (its Monday): received in the period, and concluded in it.
pub fn weekly(conn: &mut DbConn, q: &StatsQuery) -> QueryResult<Vec<(i32, i64, i64)>> {
    #[derive(QueryableByName)]
    struct Week {
        #[diesel(sql_type = Integer)]
        week: i32,
        #[diesel(sql_type = BigInt)]
        received: i64,
        #[diesel(sql_type = BigInt)]
        concluded: i64,
    }
    let mut sql = Sql::new(
        "SELECT CAST(day - ((day + 3) % 7) AS INTEGER) AS week, CAST(SUM(received) AS BIGINT) AS received, \
         CAST(SUM(concluded_on) AS BIGINT) AS concluded FROM stats_daily_all WHERE day BETWEEN ",
    );
    days_between(&mut sql, q.period);
    scope(q, &mut sql);
    sql.push(" GROUP BY 1 ORDER BY 1");
    Ok(sql
        .load::<Week>(conn)?
        .into_iter()
        .filter(|w| w.received > 0 || w.concluded > 0)
        .map(|w| (w.week, w.received, w.concluded))
        .collect())
}
