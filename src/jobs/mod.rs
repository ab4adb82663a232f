//! Background work: the [`sweeper`] that supervises what runs late, [`housekeeping`] that forgets
//! what is no longer needed, the [`sealer`] that checkpoints the audit log, the
//! [`rollup`] folder that sums the statistics' deltas, the similarity [`indexer`], and [`every`], the one loop that runs each job inside `serve` (the
//! mail worker too) until the server stops. The command line runs the same jobs once.

pub mod housekeeping;
pub mod indexer;
pub mod rollup;
pub mod sealer;
pub mod sweeper;

use std::future::Future;
use std::time::Duration;

/// Runs `job` every `secs` seconds, forever (never, when `secs` is 0). A failing round is logged
/// by the job and the next round comes as planned; a round that runs long delays the next one
/// rather than bunching them up.
pub async fn every<F, Fut>(secs: u64, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    if secs == 0 {
        return std::future::pending().await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        job().await;
    }
}
