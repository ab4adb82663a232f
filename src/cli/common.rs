//! What several commands share: blocking work kept off the runtime's thread, the prepared
//! database, a moment typed on the command line, and a password read from standard input.

use std::io::BufRead;

use chrono::{DateTime, Utc};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::domain::deadlines::parse_moment;
use crate::startup::{load_catalog, prepare_database};
use crate::storage::Db;

/// Runs `f` on a blocking thread: everything that blocks (connecting, migrating, reading
/// standard input) goes through here, off the runtime's own threads. A panic in `f` is passed
/// on as it is.
pub(super) async fn blocking<T, F>(f: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => Err(anyhow::anyhow!("blocking task failed: {e}")),
        },
    }
}

/// The database, migrated, with the catalog loaded.
pub(super) async fn with_db(settings: &Settings) -> anyhow::Result<(Db, Catalog)> {
    let catalog = load_catalog(settings)?;
    let database = settings.database.clone();
    blocking(move || {
        let db = Db::connect(&database)?;
        prepare_database(&db, &catalog)?;
        Ok((db, catalog))
    })
    .await
}

/// RFC 3339, or `YYYY-MM-DD HH:MM` read as Beijing time.
pub(super) fn moment(text: &str) -> anyhow::Result<DateTime<Utc>> {
    parse_moment(text).ok_or_else(|| anyhow::anyhow!("`{text}` is neither RFC 3339 nor `YYYY-MM-DD HH:MM`"))
}

/// One line from standard input, without its line ending.
pub(super) async fn read_password() -> anyhow::Result<String> {
    blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    })
    .await
}
