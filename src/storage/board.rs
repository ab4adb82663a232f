//! The public board's SQL: the figures per month, region, holding unit, kind and category in one
//! `GROUP BY` (each count defined once, in [`super::stats`]), and the published answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::submissions;
use super::sql::{Sql, Value};
use super::stats::case_condition;
use super::DbConn;
use crate::domain::kind::State;
use crate::domain::stats::{Count, Period};

/// The cases received in one month, in one region, held by one unit, of one kind and category.
#[derive(Debug, Clone, QueryableByName)]
pub struct MonthGroup {
    #[diesel(sql_type = Integer)]
    pub month: i32,
    #[diesel(sql_type = Text)]
    pub region: String,
    /// The unit holding the cases now (`""` when none).
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub concluded: i64,
    #[diesel(sql_type = BigInt)]
    pub on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub rated: i64,
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
}

/// The counts the board needs, for the cases received in `period`, grouped by month, region,
/// holding unit, kind and category.
pub fn monthly(conn: &mut DbConn, period: Period, now: NaiveDateTime) -> QueryResult<Vec<MonthGroup>> {
    let mut sql = Sql::new(
        "SELECT s.received_month AS month, s.region AS region, \
         COALESCE(s.assigned_unit, s.dispatch_unit, '') AS unit, s.kind AS kind, \
         s.category AS category, COUNT(*) AS received",
    );
    for count in [
        Count::Accepted,
        Count::Concluded,
        Count::OnTime,
        Count::Rated,
        Count::Satisfied,
    ] {
        sql.push(", SUM(CASE WHEN ");
        case_condition(count, &mut sql, now);
        sql.push(&format!(" THEN 1 ELSE 0 END) AS {}", count.code()));
    }
    sql.push(" FROM submissions s WHERE s.received_day BETWEEN ");
    sql.bind(Value::Int(period.from))
        .push(" AND ")
        .bind(Value::Int(period.to));
    sql.push(" GROUP BY 1, 2, 3, 4, 5");
    sql.load::<MonthGroup>(conn)
}

/// A published question and answer, as the board shows it: nothing that names anyone.
#[derive(Debug, Clone, Queryable)]
pub struct PublishedRow {
    pub id: i64,
    pub kind: String,
    pub category: String,
    pub region: String,
    pub received_month: i32,
    pub summary: String,
    pub answer: String,
}

/// Which published answers, which page.
#[derive(Debug, Clone, Default)]
pub struct AnswerQuery {
    /// A region and those inside it, listed.
    pub regions: Option<Vec<String>>,
    pub category: Option<String>,
    /// A piece of the summary or the answer.
    pub text: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// Published answers, newest first. Reports are never listed, whatever a row says; nor is a case
/// whose answer is no longer in force (reopened after the citizen was not satisfied) until it is
/// answered again.
pub fn published(conn: &mut DbConn, q: &AnswerQuery) -> QueryResult<Vec<PublishedRow>> {
    use submissions::dsl as s;
    let mut query = s::submissions
        .filter(s::published_at.is_not_null())
        .filter(s::publishable.eq(true))
        .filter(s::kind.ne("report"))
        .filter(s::state.eq_any([State::Resolved.code(), State::Closed.code()]))
        .filter(s::public_summary.is_not_null())
        .filter(s::public_answer.is_not_null())
        .into_boxed();
    if let Some(regions) = &q.regions {
        query = query.filter(s::region.eq_any(regions.clone()));
    }
    if let Some(c) = &q.category {
        query = query.filter(s::category.eq(c.clone()));
    }
    if let Some(text) = &q.text {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        query = query.filter(
            s::public_summary
                .like(pattern.clone())
                .escape('\\')
                .or(s::public_answer.like(pattern).escape('\\')),
        );
    }
    query
        .select((
            s::id,
            s::kind,
            s::category,
            s::region,
            s::received_month,
            s::public_summary.assume_not_null(),
            s::public_answer.assume_not_null(),
        ))
        .order((s::published_at.desc(), s::id.desc()))
        .offset(q.offset)
        .limit(q.limit)
        .load(conn)
}

/// Publishes (or republishes, with new texts) a case's public summary and answer. The first
/// publication's time is kept.
pub fn publish(
    conn: &mut DbConn,
    id: i64,
    summary: &str,
    answer: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use submissions::dsl as s;
    diesel::update(s::submissions.filter(s::id.eq(id)))
        .set((
            s::public_summary.eq(summary),
            s::public_answer.eq(answer),
            s::updated_at.eq(at),
        ))
        .execute(conn)?;
    diesel::update(
        s::submissions
            .filter(s::id.eq(id))
            .filter(s::published_at.is_null()),
    )
    .set(s::published_at.eq(at))
    .execute(conn)
    .map(|_| ())
}
