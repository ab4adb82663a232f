//! Raw SQL with bound values, for the few statements the query builder cannot say well (the
//! statistics' `GROUP BY` over figures chosen at run time). Text is written once with `?` for each
//! value and rendered for the backend at hand (`$1`, `$2`, … on PostgreSQL); values are always
//! bound, never spliced into the text. Every statement is timed and a slow one logged, without its
//! values.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Binary, HasSqlType, Integer, Text, Timestamp, Untyped};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::DbConn;

/// A statement slower than this is logged as a warning.
const SLOW: Duration = Duration::from_millis(500);

/// A value bound to a `?`.
#[derive(Debug, Clone)]
pub enum Value {
    Int(i32),
    BigInt(i64),
    Text(String),
    Time(NaiveDateTime),
    Bytes(Vec<u8>),
}

/// A statement being written.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
    /// Kept prepared on the connection (see [`Sql::prepared`]).
    cached: bool,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
            cached: false,
        }
    }

    /// Keeps the statement prepared on its connection, for the next run of the same text: for
    /// statements of a fixed shape on a hot path (the rollup's, in every write). Statements whose
    /// text varies with the request (lists of units) are prepared each time, so connections do
    /// not collect them without end.
    pub fn prepared(mut self) -> Sql {
        self.cached = true;
        self
    }

    /// Appends text; it must not hold `?` other than placeholders bound with [`Sql::bind`].
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Value) -> &mut Sql {
        self.text.push('?');
        self.values.push(value);
        self
    }

    /// Appends `(?, ?, …)` for a non-empty list.
    pub fn bind_list<'a>(&mut self, items: impl IntoIterator<Item = &'a String>) -> &mut Sql {
        self.text.push('(');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Value::Text(item.clone()));
        }
        self.text.push(')');
        self
    }

    /// Appends another statement's text and values (a sub-query, a shared condition).
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.values.extend(other.values.iter().cloned());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs the statement and reads every row.
    pub fn load<T>(&self, conn: &mut DbConn) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        let started = Instant::now();
        let rows = match conn {
            DbConn::Sqlite(c) => Statement(self).load::<T>(c),
            DbConn::Postgres(c) => Statement(self).load::<T>(c),
        };
        self.timed(started);
        rows
    }

    /// Logs how long the statement took: at `debug` always, at `warn` past [`SLOW`]. Only the
    /// statement's opening words are logged, never a bound value.
    fn timed(&self, started: Instant) {
        let elapsed = started.elapsed();
        let head: String = self.text.chars().take(90).collect();
        // Rounded to the microsecond: a float's long tail of digits could read like a number
        // someone typed (the log test looks for the test's phone numbers).
        let ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        if elapsed >= SLOW {
            tracing::warn!(ms, statement = %head, "slow statement");
        } else {
            tracing::debug!(ms, statement = %head, "statement");
        }
    }
}

impl Sql {
    /// Runs a statement that returns no rows; the number of rows it changed.
    pub fn execute(&self, conn: &mut DbConn) -> QueryResult<usize> {
        let started = Instant::now();
        let changed = match conn {
            DbConn::Sqlite(c) => Statement(self).execute(c),
            DbConn::Postgres(c) => Statement(self).execute(c),
        };
        self.timed(started);
        changed
    }
}

/// A [`Sql`] as diesel runs it: the text between placeholders, each value bound where its `?`
/// stood (diesel writes the backend's own placeholder: `?` or `$n`). Unlike diesel's raw
/// `sql_query`, which is never cached, this may be kept in the connection's statement cache
/// (keyed by its text and bind types) when the statement asked for it.
struct Statement<'a>(&'a Sql);

impl<DB> QueryFragment<DB> for Statement<'_>
where
    DB: Backend
        + HasSqlType<Integer>
        + HasSqlType<BigInt>
        + HasSqlType<Text>
        + HasSqlType<Timestamp>
        + HasSqlType<Binary>,
    i32: ToSql<Integer, DB>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    Vec<u8>: ToSql<Binary, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.0.cached {
            out.unsafe_to_cache_prepared();
        }
        // Every `?` is a placeholder (see [`Sql::push`]); a count that differs is a bug, refused
        // rather than run with text cut off.
        if self.0.text.matches('?').count() != self.0.values.len() {
            return Err(diesel::result::Error::QueryBuilderError(
                "a statement's placeholders and bound values differ in number".into(),
            ));
        }
        let mut parts = self.0.text.split('?');
        out.push_sql(parts.next().unwrap_or_default());
        for (part, value) in parts.zip(&self.0.values) {
            match value {
                Value::Int(v) => out.push_bind_param::<Integer, _>(v)?,
                Value::BigInt(v) => out.push_bind_param::<BigInt, _>(v)?,
                Value::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Value::Time(v) => out.push_bind_param::<Timestamp, _>(v)?,
                Value::Bytes(v) => out.push_bind_param::<Binary, _>(v)?,
            }
            out.push_sql(part);
        }
        Ok(())
    }
}

impl QueryId for Statement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Statement<'_> {
    type SqlType = Untyped;
}

impl<C> RunQueryDsl<C> for Statement<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Value::Int(1)).push(" AND b IN ");
        sql.bind_list(&["x".to_owned(), "y".to_owned()]);
        assert_eq!(sql.text(), "SELECT 1 WHERE a = ? AND b IN (?, ?)");
        let pg = diesel::debug_query::<Pg, _>(&Statement(&sql)).to_string();
        assert!(
            pg.starts_with("SELECT 1 WHERE a = $1 AND b IN ($2, $3) -- binds: [1, \"x\", \"y\"]"),
            "{pg}"
        );
        let sqlite = diesel::debug_query::<Sqlite, _>(&Statement(&sql)).to_string();
        assert!(
            sqlite.starts_with("SELECT 1 WHERE a = ? AND b IN (?, ?) -- binds"),
            "{sqlite}"
        );
    }

    #[test]
    fn a_question_mark_that_is_not_bound_is_refused() {
        let mut sql = Sql::new("SELECT '?' WHERE a = ");
        sql.bind(Value::Int(1));
        use diesel::query_builder::QueryFragment;
        let refused = Statement(&sql).is_safe_to_cache_prepared(&Sqlite).unwrap_err();
        assert!(refused.to_string().contains("differ in number"), "{refused}");
    }

    #[test]
    fn only_statements_that_ask_are_kept_prepared() {
        use diesel::query_builder::QueryFragment;
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Value::Int(1));
        let backend = Sqlite;
        assert!(!Statement(&sql).is_safe_to_cache_prepared(&backend).unwrap());
        let prepared = Sql::new("SELECT 1").prepared();
        assert!(Statement(&prepared).is_safe_to_cache_prepared(&backend).unwrap());
    }
}
