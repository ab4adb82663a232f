//! Raw SQL with bound values, for the few statements the query builder cannot say well (the
//! statistics' `GROUP BY` over figures chosen at run time). Text is written once with `?` for each
//! value and rendered for the backend at hand (`$1`, `$2`, … on PostgreSQL); values are always
//! bound, never spliced into the text. Every statement is timed and a slow one logged, without its
//! values.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use diesel::query_dsl::methods::LoadQuery;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
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
}

/// A statement being written.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
        }
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

    /// The text with PostgreSQL's numbered placeholders.
    fn numbered(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut n = 0;
        for ch in self.text.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    }

    /// Runs the statement and reads every row.
    pub fn load<T>(&self, conn: &mut DbConn) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        let started = Instant::now();
        let rows = match conn {
            DbConn::Sqlite(c) => bound::<Sqlite, _, T>(self, self.text.clone(), c),
            DbConn::Postgres(c) => bound::<Pg, _, T>(self, self.numbered(), c),
        };
        self.timed(started);
        rows
    }

    /// Logs how long the statement took: at `debug` always, at `warn` past [`SLOW`]. Only the
    /// statement's opening words are logged, never a bound value.
    fn timed(&self, started: Instant) {
        let elapsed = started.elapsed();
        let head: String = self.text.chars().take(90).collect();
        let ms = elapsed.as_secs_f64() * 1000.0;
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
            DbConn::Sqlite(c) => boxed::<Sqlite>(self, self.text.clone()).execute(c),
            DbConn::Postgres(c) => boxed::<Pg>(self, self.numbered()).execute(c),
        };
        self.timed(started);
        changed
    }
}

/// The statement as diesel's boxed raw query with every value bound.
fn boxed<DB>(
    sql: &Sql,
    text: String,
) -> diesel::query_builder::BoxedSqlQuery<'static, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Integer>
        + diesel::sql_types::HasSqlType<BigInt>
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<Timestamp>,
    i32: diesel::serialize::ToSql<Integer, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
{
    let mut query = diesel::sql_query(text).into_boxed::<DB>();
    for value in &sql.values {
        query = match value.clone() {
            Value::Int(v) => query.bind::<Integer, _>(v),
            Value::BigInt(v) => query.bind::<BigInt, _>(v),
            Value::Text(v) => query.bind::<Text, _>(v),
            Value::Time(v) => query.bind::<Timestamp, _>(v),
        };
    }
    query
}

fn bound<DB, C, T>(sql: &Sql, text: String, conn: &mut C) -> QueryResult<Vec<T>>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Integer>
        + diesel::sql_types::HasSqlType<BigInt>
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<Timestamp>,
    C: diesel::Connection<Backend = DB>,
    i32: diesel::serialize::ToSql<Integer, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
    diesel::query_builder::BoxedSqlQuery<'static, DB, diesel::query_builder::SqlQuery>:
        QueryFragment<DB> + LoadQuery<'static, C, T>,
{
    boxed::<DB>(sql, text).load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Value::Int(1)).push(" AND b IN ");
        sql.bind_list(&["x".to_owned(), "y".to_owned()]);
        assert_eq!(sql.text(), "SELECT 1 WHERE a = ? AND b IN (?, ?)");
        assert_eq!(sql.numbered(), "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
    }
}
