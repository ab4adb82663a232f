//! `sweep`: flag open cases past their deadline, once, and queue supervision notices; close
//! answers nobody rated in time. `serve` does the same on its own; this runs it once, now or as
//! if at a given moment.

use chrono::{DateTime, Utc};
use clap::Args;

use super::common::with_db;
use crate::config::Settings;
use crate::jobs::sweeper;
use crate::startup::load_router;

#[derive(Args)]
pub(super) struct SweepArgs {
    /// Sweep as if at this moment (RFC 3339), e.g. to replay a missed run.
    #[arg(long)]
    as_of: Option<String>,
}

pub(super) async fn run(settings: &Settings, args: SweepArgs) -> anyhow::Result<()> {
    let as_of = match args.as_of.as_deref() {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| anyhow::anyhow!("--as-of `{text}` is not RFC 3339: {e}"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let (db, catalog) = with_db(settings).await?;
    let router = load_router(settings, &catalog)?;
    let report = sweeper::sweep(&db, &catalog, &router.directory, as_of).await?;
    println!(
        "flagged {} overdue case(s), queued {} notice(s), closed {} unrated answer(s)",
        report.flagged, report.notices, report.closed_unrated
    );
    Ok(())
}
