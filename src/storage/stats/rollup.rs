//! The statistics rollup, kept exact in the same transaction as every change to a case.
//!
//! `stats_daily` holds, per day of receipt, unit holding the case and kind, the case-attributed
//! counts and the outcomes (and, on the day of conclusion, `concluded_on`); `stats_days` holds the
//! day figures' histograms per month of receipt. A case's share of them is read with the very SQL
//! conditions the figures are defined by ([`super::case_condition`]): a change appends the case's
//! share before it, negated, and its share after it — so a figure read from the rollup equals a
//! count over the cases, and the exact-recount tests check both paths.
//!
//! The shares go to delta tables with no key (`stats_daily_delta`, `stats_days_delta`), never
//! to the rollup's own rows: an upsert there held the row of a day, unit and kind locked until
//! the commit was on disk, so on PostgreSQL every intake of that day, unit and kind waited for
//! the one before (issue #14). An append waits for nothing. [`fold`] sums the deltas into the
//! rollup every second; readers read the `*_all` views (rollup plus unfolded deltas) in one
//! statement, so a figure is exact at every moment, folded or not.
//!
//! On PostgreSQL a change to an existing case holds the case's row ([`lock`]) from before its
//! "before" read to the end of its transaction, so that read sees the latest committed case and
//! nobody changes the case between it and the "after" read. Writers take no other lock here.
//!
//! A bulk load (demo data) marks the rollup stale; it is rebuilt from the cases in one statement
//! per table by [`refresh_if_stale`], which the migrations runner calls.

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryResult, QueryableByName};

use super::{case_condition, HOLDER};
use crate::domain::case::Outcome;
use crate::domain::stats::Count;
use crate::storage::sql::{Sql, Value};
use crate::storage::DbConn;

use super::fold::FOLD_LOCK;
pub use super::fold::{fold, unfolded, Folded, FOLD_BATCH};

/// What a column of `stats_daily` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A case-attributed count (never `OverdueNow`, which depends on the moment it is read).
    Count(Count),
    /// Concluded with this outcome (`None`: concluded without one).
    Outcome(Option<Outcome>),
    /// Concluded on the row's day.
    ConcludedOn,
}

/// The columns of `stats_daily` after (day, unit, kind), in order.
pub const COLUMNS: [(&str, Column); 18] = [
    ("received", Column::Count(Count::Received)),
    ("pending_dispatch", Column::Count(Count::PendingDispatch)),
    ("accepted", Column::Count(Count::Accepted)),
    ("rejected", Column::Count(Count::Rejected)),
    ("merged", Column::Count(Count::Merged)),
    ("concluded", Column::Count(Count::Concluded)),
    ("on_time", Column::Count(Count::OnTime)),
    ("solved", Column::Count(Count::Solved)),
    ("ratable", Column::Count(Count::Ratable)),
    ("rated", Column::Count(Count::Rated)),
    ("satisfied", Column::Count(Count::Satisfied)),
    ("reopened", Column::Count(Count::Reopened)),
    ("o_substantiated", Column::Outcome(Some(Outcome::Substantiated))),
    ("o_partly", Column::Outcome(Some(Outcome::Partly))),
    (
        "o_unsubstantiated",
        Column::Outcome(Some(Outcome::Unsubstantiated)),
    ),
    ("o_unresolvable", Column::Outcome(Some(Outcome::Unresolvable))),
    ("o_none", Column::Outcome(None)),
    ("concluded_on", Column::ConcludedOn),
];

pub const N: usize = COLUMNS.len();

/// The day figures' measures: (code, first day, last day, condition).
const MEASURES: [(&str, &str, &str, &str); 2] = [
    (
        "accept",
        "s.received_day",
        "s.accepted_day",
        "s.accepted_day IS NOT NULL",
    ),
    (
        "conclude",
        "s.accepted_day",
        "s.concluded_day",
        "s.concluded_day IS NOT NULL AND s.accepted_day IS NOT NULL",
    ),
];

/// The day figures' measure codes, for the readers.
pub const ACCEPT: &str = MEASURES[0].0;

/// One row of `stats_daily` (or a case's share of one): the key and the columns in order.
#[derive(Debug, Clone, QueryableByName)]
pub struct DailyRow {
    #[diesel(sql_type = Integer)]
    pub day: i32,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    c0: i64,
    #[diesel(sql_type = BigInt)]
    c1: i64,
    #[diesel(sql_type = BigInt)]
    c2: i64,
    #[diesel(sql_type = BigInt)]
    c3: i64,
    #[diesel(sql_type = BigInt)]
    c4: i64,
    #[diesel(sql_type = BigInt)]
    c5: i64,
    #[diesel(sql_type = BigInt)]
    c6: i64,
    #[diesel(sql_type = BigInt)]
    c7: i64,
    #[diesel(sql_type = BigInt)]
    c8: i64,
    #[diesel(sql_type = BigInt)]
    c9: i64,
    #[diesel(sql_type = BigInt)]
    c10: i64,
    #[diesel(sql_type = BigInt)]
    c11: i64,
    #[diesel(sql_type = BigInt)]
    c12: i64,
    #[diesel(sql_type = BigInt)]
    c13: i64,
    #[diesel(sql_type = BigInt)]
    c14: i64,
    #[diesel(sql_type = BigInt)]
    c15: i64,
    #[diesel(sql_type = BigInt)]
    c16: i64,
    #[diesel(sql_type = BigInt)]
    c17: i64,
}

impl DailyRow {
    /// The columns' values, in the order of [`COLUMNS`].
    pub fn values(&self) -> [i64; N] {
        [
            self.c0, self.c1, self.c2, self.c3, self.c4, self.c5, self.c6, self.c7, self.c8, self.c9,
            self.c10, self.c11, self.c12, self.c13, self.c14, self.c15, self.c16, self.c17,
        ]
    }
}

/// The select list `c0, …, c17` naming each column's expression.
pub fn select_list(expr: impl Fn(&str, Column) -> String) -> String {
    COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (name, col))| format!("{} AS c{i}", expr(name, *col)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1` when a case falls in the column on its day of receipt, else `0`.
fn on_receipt(col: Column) -> String {
    let cond = match col {
        Column::Count(count) => {
            let mut sql = Sql::new("");
            // None of the rolled-up counts reads "now".
            case_condition(count, &mut sql, chrono::NaiveDateTime::MIN);
            sql.text().to_owned()
        }
        Column::Outcome(Some(o)) => format!("s.concluded_day IS NOT NULL AND s.outcome = '{}'", o.code()),
        Column::Outcome(None) => "s.concluded_day IS NOT NULL AND s.outcome IS NULL".to_owned(),
        Column::ConcludedOn => "1 = 0".to_owned(),
    };
    format!("CAST(CASE WHEN {cond} THEN 1 ELSE 0 END AS BIGINT)")
}

/// The rows a set of cases (`filter`, a condition on `submissions s`) put in `stats_daily`,
/// unsummed: one at the day of receipt, one more at the day of conclusion.
fn daily_shares(filter: &Sql) -> Sql {
    let receipt = select_list(|_, col| on_receipt(col));
    let conclusion = select_list(|_, col| {
        if col == Column::ConcludedOn {
            "CAST(1 AS BIGINT)"
        } else {
            "CAST(0 AS BIGINT)"
        }
        .to_owned()
    });
    let mut sql = Sql::new(&format!(
        "SELECT s.received_day AS day, {HOLDER} AS unit, s.kind AS kind, {receipt} FROM submissions s WHERE "
    ));
    sql.append(filter);
    sql.push(&format!(
        " UNION ALL SELECT s.concluded_day AS day, {HOLDER} AS unit, s.kind AS kind, {conclusion} \
         FROM submissions s WHERE s.concluded_day IS NOT NULL AND "
    ));
    sql.append(filter);
    sql
}

/// The histogram entries a set of cases put in `stats_days`, unsummed.
fn days_shares(filter: &Sql) -> Sql {
    let mut sql = Sql::new("");
    for (i, (code, first, last, cond)) in MEASURES.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT s.received_month AS month, {HOLDER} AS unit, s.kind AS kind, '{code}' AS measure, \
             CAST({last} - {first} AS INTEGER) AS days FROM submissions s WHERE {cond} AND "
        ));
        sql.append(filter);
    }
    sql
}

/// Holds case `id`'s row until the transaction ends (PostgreSQL; SQLite has one writer). Call
/// before reading the case's share, so that nobody changes the case between the "before" and
/// the "after" reads of [`tracking`].
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        use crate::storage::schema::submissions;
        use diesel::prelude::*;
        submissions::table
            .filter(submissions::id.eq(id))
            .select(submissions::id)
            .for_update()
            .load::<i64>(pg)?;
    }
    Ok(())
}

/// Appends case `id`'s share of the rollup as it stands, times `sign` (+1 or -1), to the delta
/// tables: two `INSERT … SELECT` statements, nothing read back (nothing for a case that does not
/// exist).
fn record(conn: &mut DbConn, id: i64, sign: i8) -> QueryResult<()> {
    record_daily(conn, id, sign)?;
    record_days(conn, id, sign)
}

/// [`record`]'s `stats_daily` half.
fn record_daily(conn: &mut DbConn, id: i64, sign: i8) -> QueryResult<()> {
    let neg = if sign < 0 { "-" } else { "" };
    let mut this = Sql::new("s.id = ");
    this.bind(Value::BigInt(id));
    let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = (0..N).map(|i| format!("{neg}c{i}")).collect();
    let mut daily = Sql::new(&format!(
        "INSERT INTO stats_daily_delta (day, unit, kind, {}) SELECT day, unit, kind, {} FROM (",
        names.join(", "),
        values.join(", ")
    ));
    daily.append(&daily_shares(&this)).push(") x");
    // Run in every write: kept prepared (their text never changes).
    daily.prepared().execute(conn)?;
    Ok(())
}

/// [`record`]'s `stats_days` half.
fn record_days(conn: &mut DbConn, id: i64, sign: i8) -> QueryResult<()> {
    let neg = if sign < 0 { "-" } else { "" };
    let mut this = Sql::new("s.id = ");
    this.bind(Value::BigInt(id));
    let mut days = Sql::new(&format!(
        "INSERT INTO stats_days_delta (month, unit, kind, measure, days, n) \
         SELECT month, unit, kind, measure, days, CAST({neg}1 AS BIGINT) FROM ("
    ));
    days.append(&days_shares(&this)).push(") x");
    days.prepared().execute(conn)?;
    Ok(())
}

/// Adds a case just inserted in this transaction to the rollup. A new case is neither accepted
/// nor concluded, so it has no day figures: one statement (the exact-recount tests would see it
/// if that ever stopped being so).
pub fn added(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    record_daily(conn, id, 1)
}

/// Runs `change` on case `id` and keeps the rollup in step with it: the case's share before
/// the change is taken away and its share after it added, as deltas.
pub fn tracking<T>(
    conn: &mut DbConn,
    id: i64,
    change: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    lock(conn, id)?;
    record(conn, id, -1)?;
    let out = change(conn)?;
    record(conn, id, 1)?;
    Ok(out)
}

/// Marks the rollup for a rebuild (after a bulk load that bypassed [`tracking`]).
pub fn mark_stale(conn: &mut DbConn) -> QueryResult<()> {
    Sql::new("DELETE FROM stats_rollup_stale").execute(conn)?;
    Sql::new("INSERT INTO stats_rollup_stale (id) VALUES (1)").execute(conn)?;
    Ok(())
}

/// Rebuilds the rollup from the cases if it was marked stale; true when it did.
pub fn refresh_if_stale(conn: &mut DbConn) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let stale = Sql::new("SELECT COUNT(*) AS n FROM stats_rollup_stale").load::<Flag>(conn)?;
    if stale.first().is_none_or(|f| f.n == 0) {
        return Ok(false);
    }
    rebuild(conn)?;
    Sql::new("DELETE FROM stats_rollup_stale").execute(conn)?;
    Ok(true)
}

/// Fills the rollup afresh from every case. On PostgreSQL it first waits for every transaction
/// changing a case to end and keeps new ones out until it commits (`EXCLUSIVE` still lets
/// plain reads through), so no change is counted twice or lost.
pub fn rebuild(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::Connection;
    conn.transaction(rebuild_locked)
}

fn rebuild_locked(conn: &mut DbConn) -> QueryResult<()> {
    if matches!(conn, DbConn::Postgres(_)) {
        Sql::new("LOCK TABLE submissions IN EXCLUSIVE MODE").execute(conn)?;
        Sql::new(&format!("SELECT pg_advisory_xact_lock({FOLD_LOCK})")).execute(conn)?;
    }
    for table in [
        "stats_daily",
        "stats_days",
        "stats_daily_delta",
        "stats_days_delta",
    ] {
        Sql::new(&format!("DELETE FROM {table}")).execute(conn)?;
    }
    let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    let sums: Vec<String> = (0..N).map(|i| format!("SUM(c{i})")).collect();
    let every = Sql::new("1 = 1");
    let mut daily = Sql::new(&format!(
        "INSERT INTO stats_daily (day, unit, kind, {}) SELECT day, unit, kind, {} FROM (",
        names.join(", "),
        sums.join(", ")
    ));
    daily
        .append(&daily_shares(&every))
        .push(") x GROUP BY day, unit, kind");
    daily.execute(conn)?;
    let mut days = Sql::new(
        "INSERT INTO stats_days (month, unit, kind, measure, days, n) \
         SELECT month, unit, kind, measure, days, COUNT(*) FROM (",
    );
    days.append(&days_shares(&every))
        .push(") x GROUP BY month, unit, kind, measure, days");
    days.execute(conn)?;
    Ok(())
}

/// Every non-empty row of the rollup, as text in key order: for comparing the rollup kept by
/// [`tracking`] with one rebuilt from the cases.
pub fn contents(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    let list = select_list(|name, _| format!("CAST(SUM({name}) AS BIGINT)"));
    let rows = Sql::new(&format!(
        "SELECT day, unit, kind, {list} FROM stats_daily_all GROUP BY day, unit, kind ORDER BY day, unit, kind"
    ))
    .load::<DailyRow>(conn)?;
    for row in rows {
        let values = row.values();
        if values.iter().any(|v| *v != 0) {
            out.push(format!("daily {} {} {} {values:?}", row.day, row.unit, row.kind));
        }
    }
    #[derive(QueryableByName)]
    struct Entry {
        #[diesel(sql_type = Integer)]
        month: i32,
        #[diesel(sql_type = Text)]
        unit: String,
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Text)]
        measure: String,
        #[diesel(sql_type = Integer)]
        days: i32,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let entries = Sql::new(
        "SELECT month, unit, kind, measure, days, CAST(SUM(n) AS BIGINT) AS n FROM stats_days_all \
         GROUP BY month, unit, kind, measure, days HAVING SUM(n) <> 0 ORDER BY month, unit, kind, measure, days",
    )
    .load::<Entry>(conn)?;
    for e in entries {
        out.push(format!(
            "days {} {} {} {} {} {}",
            e.month, e.unit, e.kind, e.measure, e.days, e.n
        ));
    }
    Ok(out)
}
