//! The metrics scrape: sets the gauges that come from the database (open cases by state, overdue
//! now, the outbox backlog) and from the pool, then renders every metric of the application
//! ([`crate::telemetry::metrics`]).
//!
//! The database figures are read at each scrape, through indexes that cost the open cases, the
//! overdue ones and the unsent mail, never the whole table. The read has [`READ_BUDGET`]: while
//! the database is away the scrape still answers, promptly, with the in-process metrics and
//! `minsheng_database_up 0`.

use std::time::Duration;

use super::Context;
use crate::domain::kind::State;
use crate::storage::{outbox, submissions, StorageError};
use crate::telemetry::metrics::DatabaseFigures;

/// The longest the scrape waits for the database, connection included.
pub const READ_BUDGET: Duration = Duration::from_millis(800);

/// The text exposition of the application's metrics, the database figures read just now.
pub async fn scrape(ctx: &Context) -> String {
    let now = ctx.clock.now().naive_utc();
    let figures = ctx
        .db
        .read_within(READ_BUDGET, move |conn| -> Result<_, StorageError> {
            let open_by_state = submissions::open_counts(conn)?;
            let overdue = submissions::overdue_count(conn, now)?;
            let (outbox_pending, outbox_dead) = outbox::backlog(conn)?;
            Ok(DatabaseFigures {
                open_by_state,
                overdue,
                outbox_pending,
                outbox_dead,
            })
        })
        .await;
    let metrics = ctx.db.metrics();
    match &figures {
        Ok(f) => metrics.database(Some(f), &State::OPEN_CODES),
        Err(e) => {
            tracing::warn!(error.cause = %e, "metrics: the database figures could not be read");
            metrics.database(None, &State::OPEN_CODES);
        }
    }
    metrics.pool(ctx.db.pool_figures());
    metrics.render()
}
