//! The statistics rollup, kept exact in the same transaction as every change to a case.
//!
//! `stats_daily` holds, per day of receipt, unit holding the case and kind, the case-attributed
//! counts and the outcomes (and, on the day of conclusion, `concluded_on`); `stats_days` holds the
//! day figures' histograms per month of receipt. A case's share of them is read with the very SQL
//! conditions the figures are defined by ([`super::case_condition`]) before a change and after it,
//! and the difference is added — so a figure read from the rollup equals a count over the cases,
//! and the exact-recount tests check both paths.
//!
//! On PostgreSQL no lock is shared by all writers (there used to be one, the audit log's; see
//! [`lock`] for why none is needed). A change to a case holds the case's row from before its
//! "before" read to the end of its transaction, so that read sees the latest committed case and
//! nobody changes the case between it and the "after" read. The deltas are added by upserts
//! (`n = n + excluded.n`, atomic per row) in one global key order — every `stats_daily` row by
//! (day, unit, kind), then every `stats_days` row by its key — and every writing transaction
//! changes at most one existing case (a new case's INSERT locks nothing another transaction
//! holds), so two transactions always take rollup rows in the same order and never deadlock.
//!
//! A bulk load (demo data) marks the rollup stale; it is rebuilt from the cases in one statement
//! per table by [`refresh_if_stale`], which the migrations runner calls.

use std::collections::BTreeMap;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryResult, QueryableByName};

use super::{case_condition, HOLDER};
use crate::domain::case::Outcome;
use crate::domain::stats::Count;
use crate::storage::sql::{Sql, Value};
use crate::storage::DbConn;

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

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
struct DaysKey {
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
}

/// One case's share of the rollup, read in the caller's transaction.
#[derive(Debug, Clone, Default)]
pub struct Share {
    daily: Vec<DailyRow>,
    days: Vec<DaysKey>,
}

/// Holds case `id`'s row until the transaction ends (PostgreSQL; SQLite has one writer). Call
/// before reading the case's share.
///
/// This used to take the audit log's global advisory lock, which made every write of every
/// instance wait for the one before. It is not needed to avoid deadlocks: [`apply`] upserts in
/// one key order (all `stats_daily` keys sorted, then all `stats_days` keys sorted), and a
/// writing transaction tracks at most one existing case, after locking that case's row — so all
/// transactions lock rollup rows in the same order, and a wait is never part of a cycle. Nor is
/// it needed for exact sums: the upserts add deltas atomically, and the row lock taken here keeps
/// the case as the "before" read saw it until this transaction commits.
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

/// Case `id`'s share of the rollup as it stands (nothing for a case that does not exist).
pub fn share(conn: &mut DbConn, id: i64) -> QueryResult<Share> {
    let mut this = Sql::new("s.id = ");
    this.bind(Value::BigInt(id));
    Ok(Share {
        // Run in every write: kept prepared (their text never changes).
        daily: daily_shares(&this).prepared().load(conn)?,
        days: days_shares(&this).prepared().load(conn)?,
    })
}

/// Adds `after - before` to the rollup, in key order.
pub fn apply(conn: &mut DbConn, before: &Share, after: &Share) -> QueryResult<()> {
    let mut daily: BTreeMap<(i32, String, String), [i64; N]> = BTreeMap::new();
    for (share, sign) in [(before, -1), (after, 1)] {
        for row in &share.daily {
            let sum = daily
                .entry((row.day, row.unit.clone(), row.kind.clone()))
                .or_insert([0; N]);
            for (s, v) in sum.iter_mut().zip(row.values()) {
                *s += sign * v;
            }
        }
    }
    for ((day, unit, kind), delta) in daily {
        if delta.iter().all(|v| *v == 0) {
            continue;
        }
        let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        let mut sql = Sql::new(&format!(
            "INSERT INTO stats_daily (day, unit, kind, {}) VALUES (",
            names.join(", ")
        ));
        sql.bind(Value::Int(day)).push(", ");
        sql.bind(Value::Text(unit)).push(", ");
        sql.bind(Value::Text(kind));
        for v in delta {
            sql.push(", ").bind(Value::BigInt(v));
        }
        let set: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = stats_daily.{n} + excluded.{n}"))
            .collect();
        sql.push(&format!(
            ") ON CONFLICT (day, unit, kind) DO UPDATE SET {}",
            set.join(", ")
        ));
        sql.prepared().execute(conn)?;
    }

    let mut days: BTreeMap<&DaysKey, i64> = BTreeMap::new();
    for (share, sign) in [(before, -1), (after, 1)] {
        for key in &share.days {
            *days.entry(key).or_default() += sign;
        }
    }
    for (key, delta) in days.into_iter().filter(|(_, d)| *d != 0) {
        let mut sql = Sql::new("INSERT INTO stats_days (month, unit, kind, measure, days, n) VALUES (");
        sql.bind(Value::Int(key.month)).push(", ");
        sql.bind(Value::Text(key.unit.clone())).push(", ");
        sql.bind(Value::Text(key.kind.clone())).push(", ");
        sql.bind(Value::Text(key.measure.clone())).push(", ");
        sql.bind(Value::Int(key.days)).push(", ");
        sql.bind(Value::BigInt(delta));
        sql.push(
            ") ON CONFLICT (month, unit, kind, measure, days) DO UPDATE SET n = stats_days.n + excluded.n",
        );
        sql.prepared().execute(conn)?;
    }
    Ok(())
}

/// Runs `change` on case `id` and keeps the rollup in step with it.
pub fn tracking<T>(
    conn: &mut DbConn,
    id: i64,
    change: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    lock(conn, id)?;
    let before = share(conn, id)?;
    let out = change(conn)?;
    let after = share(conn, id)?;
    apply(conn, &before, &after)?;
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
    }
    Sql::new("DELETE FROM stats_daily").execute(conn)?;
    Sql::new("DELETE FROM stats_days").execute(conn)?;
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
    let list = select_list(|name, _| format!("CAST({name} AS BIGINT)"));
    let rows = Sql::new(&format!(
        "SELECT day, unit, kind, {list} FROM stats_daily ORDER BY day, unit, kind"
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
        "SELECT month, unit, kind, measure, days, n FROM stats_days WHERE n <> 0 \
         ORDER BY month, unit, kind, measure, days",
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
