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
