//! The database connection over SQLite or PostgreSQL, chosen by the URL scheme, and the manager
//! that opens it (SQLite connections set up for durability, PostgreSQL ones with bounded connect
//! and network timeouts); the write transaction, which tells a failure before COMMIT (rolled back)
//! from a COMMIT whose outcome is unknown.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

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

/// Opens connections of one backend; SQLite connections are set up for durability.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: BackendKind,
    target: String,
    busy_timeout_ms: u64,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            BackendKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            BackendKind::Postgres => PgConnection::establish(&self.target)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        // A connection left mid-transaction (a failed rollback) goes, not back into the pool.
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

impl Manager {
    /// `target` is the SQLite file or the PostgreSQL URL; `timeout_ms` bounds SQLite's wait for
    /// its lock and PostgreSQL's connecting (see [`pg_url_with_timeouts`]).
    pub fn new(backend: BackendKind, target: String, timeout_ms: u64) -> Manager {
        let target = match backend {
            BackendKind::Sqlite => target,
            BackendKind::Postgres => pg_url_with_timeouts(&target, timeout_ms),
        };
        Manager {
            backend,
            target,
            busy_timeout_ms: timeout_ms,
        }
    }
}

/// The PostgreSQL URL with libpq's `connect_timeout` (whole seconds, at least 2: libpq's minimum)
/// and `tcp_user_timeout` (ms: unacknowledged data on a server that stopped answering fails the
/// query instead of holding its thread for the kernel's quarter of an hour), unless it sets them.
pub fn pg_url_with_timeouts(url: &str, timeout_ms: u64) -> String {
    let mut url = url.to_owned();
    let secs = timeout_ms.div_ceil(1000).max(2);
    for (name, value) in [
        ("connect_timeout", secs.to_string()),
        ("tcp_user_timeout", timeout_ms.max(1000).to_string()),
    ] {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        if query.split('&').any(|p| p.split('=').next() == Some(name)) {
            continue;
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("{name}={value}"));
    }
    url
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

/// Why a write transaction did not end in a known commit.
#[derive(Debug)]
pub enum Unfinished<E> {
    /// It failed before COMMIT (at BEGIN or in the work) and was rolled back: nothing remains.
    RolledBack(E),
    /// COMMIT itself failed, or the connection was lost at that moment: the writes may or may not
    /// be stored. Only a retry that is idempotent can find out safely.
    CommitUnknown(diesel::result::Error),
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
    write_transaction_outcome(conn, f).map_err(|e| match e {
        Unfinished::RolledBack(e) => e,
        Unfinished::CommitUnknown(e) => e.into(),
    })
}

/// [`write_transaction`], telling a failure before COMMIT from an unknown commit.
pub fn write_transaction_outcome<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, Unfinished<E>>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Tm = <DbConn as Connection>::TransactionManager;
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Postgres(_) => Tm::begin_transaction(conn),
    };
    begun.map_err(|e| Unfinished::RolledBack(e.into()))?;
    match f(conn) {
        Ok(value) => match Tm::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => Err(Unfinished::CommitUnknown(e)),
        },
        Err(error) => match Tm::rollback_transaction(conn) {
            // The original error says more than a rollback on a connection that is already broken.
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => {
                Err(Unfinished::RolledBack(error))
            }
            // A rollback that fails leaves the server to roll back (a lost connection ends its
            // transaction); nothing was committed.
            Err(rollback) => Err(Unfinished::RolledBack(rollback.into())),
        },
    }
}

/// Runs `f`, which only reads, on one snapshot of the database: every statement in it sees the
/// same data, however long it takes (an export read page by page, with its summary). SQLite gives
/// a read transaction its snapshot at its first read (WAL); PostgreSQL needs `REPEATABLE READ`.
pub fn read_snapshot<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Tm = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Tm::rollback_transaction(conn) {
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
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database is locked") || m.contains("database is busy")
        }
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::pg_url_with_timeouts;

    #[test]
    fn postgres_connecting_is_bounded_unless_the_url_says_otherwise() {
        assert_eq!(
            pg_url_with_timeouts("postgres://u@h/db", 5000),
            "postgres://u@h/db?connect_timeout=5&tcp_user_timeout=5000"
        );
        assert_eq!(
            pg_url_with_timeouts("postgres://u@h/db?sslmode=disable", 300),
            "postgres://u@h/db?sslmode=disable&connect_timeout=2&tcp_user_timeout=1000"
        );
        assert_eq!(
            pg_url_with_timeouts("postgres://u@h/db?connect_timeout=9", 2500),
            "postgres://u@h/db?connect_timeout=9&tcp_user_timeout=2500"
        );
    }
}
