//! `similarity rebuild`: indexes every case's text for "possibly the same matter" (issue #16) —
//! cases from before the feature, or indexed by an older version of the algorithm. The same
//! batches as the job in `serve`, so memory stays bounded; an interrupted run resumes where it
//! stopped (what is indexed stays indexed). A progress bar on a terminal.

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::common::with_db;
use crate::config::Settings;
use crate::error::AppError;
use crate::services::similarity::{index_once, version, REBUILD_BATCH};
use crate::storage::similarity::progress;

#[derive(Subcommand)]
pub(super) enum SimilarityCommand {
    /// Index every case not yet indexed with the current algorithm.
    Rebuild,
}

pub(super) async fn run(settings: &Settings, cmd: SimilarityCommand) -> anyhow::Result<()> {
    let SimilarityCommand::Rebuild = cmd;
    let (db, _) = with_db(settings).await?;
    let (total, done) = db
        .read(|conn| -> Result<_, AppError> { Ok(progress(conn, version())?) })
        .await?;
    // A bar on a terminal; elsewhere (a log, a pipe) only the closing line.
    let bar = ProgressBar::with_draw_target(Some(total.max(0) as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} cases indexed ({per_sec}, {eta} left)")
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    bar.set_position(done.max(0) as u64);
    let mut indexed = 0;
    loop {
        let n = index_once(
            &db,
            chrono::Utc::now(),
            settings.similarity.window_days,
            REBUILD_BATCH,
        )
        .await?;
        if n == 0 {
            break;
        }
        indexed += n;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    let (total, done) = db
        .read(|conn| -> Result<_, AppError> { Ok(progress(conn, version())?) })
        .await?;
    println!(
        "indexed {indexed} case(s) now; {done} of {total} are indexed with version {}",
        version()
    );
    Ok(())
}
