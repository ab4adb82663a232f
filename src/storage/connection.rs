//! The database connection over SQLite or PostgreSQL, chosen by the URL scheme.

/// One connection to either backend. Queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    /// `sqlite://path` or `postgres://…` / `postgresql://…`.
    pub fn from_url(url: &str) -> Option<BackendKind> {
        if url.starts_with("sqlite://") {
            Some(BackendKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(BackendKind::Postgres)
        } else {
            None
        }
    }
}

/// Runs the same diesel expression on whichever backend `conn` holds. For the few statements the
/// portable connection cannot express (upserts: `ON CONFLICT`), both backends support as written.
#[macro_export]
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::DbConn::Sqlite($c) => $body,
            $crate::storage::DbConn::Postgres($c) => $body,
        }
    };
}

/// Runs `f` in a transaction that holds the write lock from its first statement.
///
/// On SQLite this is `BEGIN IMMEDIATE`: a deferred transaction that reads first cannot upgrade to
/// a writer while another process (a CLI command beside `serve`) holds the lock, and fails at once
/// instead of waiting; an immediate one waits up to the busy timeout and then fails as busy. On
/// PostgreSQL it is a plain transaction: row locks there are taken as rows are written.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
    type Manager = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            // The original error says more than a rollback on a connection that is already broken.
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// True for an error that means the database could not be had in time — busy past the timeout
/// (SQLite's write lock), or the connection is gone — rather than a fault in the request.
pub fn is_unavailable(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database is locked") || m.contains("database is busy")
        }
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}
