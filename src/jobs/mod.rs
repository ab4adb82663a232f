//! Background work: the [`sweeper`] that supervises what runs late, and the loop that runs each
//! job every so often inside `serve` until it stops. The command line runs the same jobs once.

pub mod sweeper;

use std::future::Future;
use std::time::Duration;

/// Runs `job` every `secs` seconds, forever (never, when `secs` is 0). A failing round is logged
/// by the job and the next round comes as planned.
pub async fn every<F, Fut>(secs: u64, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    if secs == 0 {
        return std::future::pending().await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    loop {
        tick.tick().await;
        job().await;
    }
}
