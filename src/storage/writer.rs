//! SQLite's single writer with group commit.
//!
//! SQLite allows one writer at a time, and with `synchronous = FULL` every commit waits for the
//! disk. So one thread owns the write connection: it takes the next job, plus every job already
//! waiting (up to [`MAX_BATCH`]), runs each inside its own savepoint, commits them together with one
//! fsync, and only then answers each caller. A job that fails is rolled back to its savepoint and
//! the others are unaffected. If COMMIT itself fails, every job in the group is told that its
//! outcome is unknown (an I/O error at commit may or may not have left the group on disk), and the
//! write connection is replaced. A caller is never answered "done" before its data is on disk.
//!
//! The group transaction takes the write lock up front (`BEGIN IMMEDIATE`): another process
//! writing to the same file (a CLI command beside `serve`) makes it wait up to the busy timeout,
//! never fail at once; a lock not had in time answers every job in the group "unavailable" (503).
//!
//! Each group is measured: how many jobs it carried, how long each had waited in the queue, and
//! how long the group took ([`Metrics::sqlite_group`]).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use diesel::r2d2::ManageConnection;
use diesel::Connection;
use tokio::sync::oneshot;

use super::connection::{write_transaction_outcome, Manager, Unfinished};
use super::error::StorageError;
use super::DbConn;
use crate::telemetry::metrics::Metrics;

/// The most jobs one commit carries.
pub const MAX_BATCH: usize = 256;

/// Why a group did not commit.
enum GroupFailure<'a> {
    /// The group's transaction could not start (the write lock not had in time).
    NotStarted(&'a str),
    /// COMMIT failed: the group may or may not be stored.
    CommitUnknown(&'a str),
}

/// Called once the group's commit is known: `None` when it committed, else why it failed.
type Completion = Box<dyn FnOnce(Option<GroupFailure<'_>>) + Send>;
/// Runs on the group's connection, or is told why the group could not start.
type Job = Box<dyn FnOnce(Result<&mut DbConn, &str>) -> Completion + Send>;

/// A job and when it was queued.
type Queued = (Instant, Job);

#[derive(Clone)]
pub struct Writer {
    jobs: Sender<Queued>,
}

impl Writer {
    /// Starts the writer thread with its own connection from `manager`, recording its groups
    /// into `metrics`.
    pub fn start(manager: Manager, metrics: Metrics) -> anyhow::Result<Writer> {
        let conn = open(&manager)?;
        let (jobs, queue) = mpsc::channel::<Queued>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(manager, conn, queue, &metrics))?;
        Ok(Writer { jobs })
    }

    /// Queues `f`; the receiver yields its result once the group holding it has committed.
    pub fn submit<T, E, F>(&self, f: F) -> oneshot::Receiver<Result<T, E>>
    where
        T: Send + 'static,
        E: From<StorageError> + From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: Result<&mut DbConn, &str>| {
            let result = match conn {
                // Its own savepoint: a failing job leaves nothing behind in the group.
                Ok(conn) => conn.transaction::<T, E, _>(f),
                Err(why) => {
                    Err(StorageError::Unavailable(anyhow::anyhow!("no write lock in time: {why}")).into())
                }
            };
            Box::new(move |failure: Option<GroupFailure<'_>>| {
                let answer = match failure {
                    None => result,
                    // A job that failed on its own was rolled back to its savepoint: its answer
                    // stands whatever became of the group.
                    Some(_) if result.is_err() => result,
                    Some(GroupFailure::NotStarted(why)) => {
                        Err(StorageError::Unavailable(anyhow::anyhow!("group not started: {why}")).into())
                    }
                    Some(GroupFailure::CommitUnknown(why)) => {
                        Err(StorageError::CommitUnknown(anyhow::anyhow!("group commit failed: {why}")).into())
                    }
                };
                let _ = tx.send(answer);
            })
        });
        // If the writer is gone the job (and its sender) is dropped: the caller sees it.
        let _ = self.jobs.send((Instant::now(), job));
        rx
    }
}

/// The write connection: the pool's pragmas, plus savepoint journals kept in memory — each job's
/// savepoint journals the pages it changes, and on disk that cost a tenth of the writer's time
/// (`perf`, issue #14). A group is at most [`MAX_BATCH`] small jobs, so the memory is small.
fn open(manager: &Manager) -> anyhow::Result<DbConn> {
    use diesel::connection::SimpleConnection;
    let mut conn = manager.connect()?;
    conn.batch_execute("PRAGMA temp_store = MEMORY")?;
    Ok(conn)
}

fn run(manager: Manager, mut conn: DbConn, queue: Receiver<Queued>, metrics: &Metrics) {
    let mut waits: Vec<Duration> = Vec::with_capacity(MAX_BATCH);
    while let Ok((queued, first)) = queue.recv() {
        let started = Instant::now();
        waits.clear();
        waits.push(started.saturating_duration_since(queued));
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok((queued, job)) => {
                    waits.push(started.saturating_duration_since(queued));
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut completions = Vec::with_capacity(batch.len());
            let committed = write_transaction_outcome::<_, diesel::result::Error, _>(&mut conn, |conn| {
                for job in batch.drain(..) {
                    completions.push(job(Ok(conn)));
                }
                Ok(())
            });
            match committed {
                Ok(()) => completions.into_iter().for_each(|done| done(None)),
                // The lock was not had (busy past the timeout): no job ran; each is told why.
                Err(Unfinished::RolledBack(e)) => {
                    let why = e.to_string();
                    completions.extend(batch.drain(..).map(|job| job(Err(&why))));
                    for done in completions {
                        done(Some(GroupFailure::NotStarted(&why)));
                    }
                }
                Err(Unfinished::CommitUnknown(e)) => {
                    let why = e.to_string();
                    tracing::error!(error.cause = %why, "the group commit failed; its outcome is unknown");
                    for done in completions {
                        done(Some(GroupFailure::CommitUnknown(&why)));
                    }
                    // The connection may still be inside the failed transaction: start afresh.
                    match open(&manager) {
                        Ok(fresh) => conn = fresh,
                        Err(e) => tracing::error!(error.cause = %e, "cannot reopen the write connection"),
                    }
                }
            }
        }));
        metrics.sqlite_group(&waits, started.elapsed());
        if outcome.is_err() {
            // A job panicked mid-transaction: the connection's state is unknown, so replace it.
            // The callers in this group see their answer channel closed.
            tracing::error!("a write job panicked; reopening the write connection");
            match open(&manager) {
                Ok(fresh) => conn = fresh,
                Err(e) => {
                    tracing::error!(error.cause = %e, "cannot reopen the write connection; writer stops");
                    return;
                }
            }
        }
    }
}
