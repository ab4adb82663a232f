//! Storage's own error: what went wrong reaching the database, apart from what a query said.
//! Services turn it into their error ([`crate::error::AppError`]); nothing here knows of HTTP.

/// The database could not be used, or a query failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No connection in time, the write lock not had in time, or the connection is gone: a
    /// client may retry shortly.
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// COMMIT was sent but its answer never came (or was an error): the writes may or may not
    /// be stored. Not "nothing was saved": an idempotent retry finds out.
    #[error("commit outcome unknown: {0:#}")]
    CommitUnknown(anyhow::Error),
    /// A statement failed.
    #[error("query failed: {0}")]
    Query(#[source] diesel::result::Error),
    /// The blocking task running the work died (a panic in it).
    #[error("database task failed: {0}")]
    Task(String),
}

impl From<diesel::result::Error> for StorageError {
    fn from(e: diesel::result::Error) -> Self {
        if super::connection::is_unavailable(&e) {
            StorageError::Unavailable(e.into())
        } else {
            StorageError::Query(e)
        }
    }
}
