//! The cases behind one number: the same conditions the figures count with, as a filter, so a
//! number and the list it links to cannot disagree.

use diesel::sql_types::BigInt;
use diesel::{QueryResult, QueryableByName};

use super::{case_condition, event_source, filters, group_expr, received_in, StatsQuery, HOLDER};
use crate::domain::stats::{Count, GroupBy};
use crate::storage::sql::{Sql, Value};
use crate::storage::DbConn;

/// The ids of the cases behind one number: those `count` counts in `group` (every group when
/// `None`), after `after` (keyset), at most `limit`, oldest first.
pub fn case_ids(
    conn: &mut DbConn,
    q: &StatsQuery,
    count: Count,
    group: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let mut sql = Sql::new("SELECT s.id AS id FROM submissions s");
    received_in(q, &mut sql);
    if let Some((action, unit)) = event_source(count) {
        // The same rows the event count counts: an event of that kind at a unit in scope.
        sql.push(" AND EXISTS (SELECT 1 FROM submission_events e WHERE e.submission_id = s.id");
        sql.push(&format!(" AND e.action = '{action}' AND {unit} IS NOT NULL"));
        if let Some(units) = &q.units {
            if units.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND {unit} IN "));
                sql.bind_list(units);
            }
        }
        if let (Some(value), GroupBy::Unit) = (group, q.group_by) {
            sql.push(&format!(" AND COALESCE({unit}, '') = "));
            sql.bind(Value::Text(value.to_owned()));
        }
        sql.push(")");
        let unscoped = StatsQuery {
            units: None,
            ..q.clone()
        };
        filters(&unscoped, &mut sql, unit);
        if let (Some(value), false) = (group, q.group_by == GroupBy::Unit) {
            sql.push(&format!(" AND {} = ", group_expr(q.group_by, unit)));
            sql.bind(Value::Text(value.to_owned()));
        }
    } else {
        sql.push(" AND ");
        case_condition(count, &mut sql, q.now);
        filters(q, &mut sql, HOLDER);
        if let Some(value) = group {
            sql.push(&format!(" AND {} = ", group_expr(q.group_by, HOLDER)));
            sql.bind(Value::Text(value.to_owned()));
        }
    }
    sql.push(" AND s.id > ");
    sql.bind(Value::BigInt(after));
    sql.push(" ORDER BY s.id LIMIT ");
    sql.bind(Value::BigInt(limit));
    Ok(sql.load::<Id>(conn)?.into_iter().map(|r| r.id).collect())
}
