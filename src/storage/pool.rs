//! The connection pool and the two ways to use it: [`Db::read`] runs a closure on a pooled
//! connection on a blocking thread; [`Db::write`] runs a closure that writes. On PostgreSQL a write
//! is a pooled connection too; on SQLite it goes to the single writer ([`super::writer`]), which
//! commits waiting writes together. Every SQLite connection gets the durability pragmas.
//!
//! An outage is answered fast: a request waits at most `database.acquire_ms` for a connection
//! (then 503), a pooled connection is tested as it is checked out (a dead one is dropped, never
//! handed out), and while the database is away the pool retries connecting at most every
//! `acquire_ms / 2`, so it is back within about that once the database is.
//!
//! The handle also carries the application's [`Metrics`]: how long each wait for a connection
//! took, and (through the writer) the SQLite group commits.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::r2d2::{Pool, PooledConnection};

use super::connection::{write_transaction_outcome, Manager, Unfinished};
use super::error::StorageError;
use super::writer::Writer;
use super::{BackendKind, DbConn};
use crate::config::DatabaseSettings;
use crate::telemetry::metrics::{Metrics, PoolFigures};

pub type PooledConn = PooledConnection<Manager>;

/// The database: a pool, the backend it talks to, and (SQLite) the single writer.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: BackendKind,
    writer: Option<Writer>,
    metrics: Metrics,
}

impl Db {
    /// Builds the pool; for SQLite the database file's folder is created first. Records no
    /// metrics (the command line); see [`Db::connect_observed`].
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
        Self::connect_observed(settings, Metrics::disabled())
    }

    /// [`Db::connect`], recording into `metrics`.
    pub fn connect_observed(settings: &DatabaseSettings, metrics: Metrics) -> anyhow::Result<Db> {
        let url = settings.url.trim();
        let backend = BackendKind::from_url(url)
            .with_context(|| "database.url must start with sqlite:// or postgres://".to_owned())?;
        let target = match backend {
            BackendKind::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                path.to_owned()
            }
            BackendKind::Postgres => url.to_owned(),
        };
        let manager = Manager::new(backend, target, settings.timeout_ms);
        let writer = match backend {
            BackendKind::Sqlite => Some(
                Writer::start(manager.clone(), metrics.clone()).context("opening the write connection")?,
            ),
            BackendKind::Postgres => None,
        };
        // r2d2 waits `connection_timeout` for a connection and, while connecting fails, retries
        // after 200 ms, doubling up to half of it.
        let pool = Pool::builder()
            .max_size(settings.pool_size_or_default())
            .connection_timeout(Duration::from_millis(settings.acquire_ms.max(1)))
            .test_on_check_out(true)
            .build(manager)
            .context("connecting to the database")?;
        Ok(Db {
            pool,
            backend,
            writer,
            metrics,
        })
    }

    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The application's metrics (disabled for the command line).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The pool now: connections open, idle, and its size.
    pub fn pool_figures(&self) -> PoolFigures {
        let state = self.pool.state();
        PoolFigures {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// A pooled connection, for blocking code already off the async threads (start-up, tests).
    pub fn get(&self) -> Result<PooledConn, StorageError> {
        self.get_within(self.pool.connection_timeout())
    }

    /// A pooled connection within `wait`, the wait recorded.
    fn get_within(&self, wait: Duration) -> Result<PooledConn, StorageError> {
        let started = Instant::now();
        let conn = self.pool.get_timeout(wait);
        self.metrics.pool_wait(started.elapsed(), conn.is_ok());
        conn.map_err(|e| StorageError::Unavailable(e.into()))
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f`, which writes, as one atomic unit: if it fails, nothing it wrote remains. It is
    /// answered only once its writes are committed. On SQLite the single writer runs it, grouped
    /// with others; on PostgreSQL a pooled connection, in a transaction of its own.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.submit(f).await.unwrap_or_else(|_| {
                Err(StorageError::Unavailable(anyhow::anyhow!("the SQLite writer stopped")).into())
            }),
            None => {
                let db = self.clone();
                run_blocking(move || {
                    write_transaction_outcome(&mut *db.get()?, f).map_err(|e| match e {
                        Unfinished::RolledBack(e) => e,
                        Unfinished::CommitUnknown(e) => StorageError::CommitUnknown(e.into()).into(),
                    })
                })
                .await
            }
        }
    }
}

/// The longest a readiness check takes, connection included.
pub const PING_BUDGET: Duration = Duration::from_millis(800);

impl Db {
    /// Whether the database answers a trivial query (readiness), within [`PING_BUDGET`] however
    /// the database fails (refusing, or not answering at all).
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.read_within(PING_BUDGET, |conn| -> Result<(), StorageError> {
            diesel::connection::SimpleConnection::batch_execute(conn, "SELECT 1")?;
            Ok(())
        })
        .await
    }

    /// [`Db::read`] answered within `budget`, connection included, however the database fails
    /// (refusing, or not answering at all): for readiness and the metrics scrape, which must
    /// answer quickly during an outage. A query still running then finishes unheard.
    pub async fn read_within<T, E, F>(&self, budget: Duration, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        let checkout = (budget / 2).min(self.pool.connection_timeout());
        let work = run_blocking(move || {
            let mut conn = db.get_within(checkout)?;
            f(&mut conn)
        });
        tokio::time::timeout(budget, work)
            .await
            .map_err(|_| StorageError::Unavailable(anyhow::anyhow!("no answer in {budget:?}")))?
    }
}

/// Runs blocking work (the database, password hashing) off the async threads.
pub async fn run_blocking<T, E, F>(f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StorageError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
}
