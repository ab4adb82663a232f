//! The connection pool and the two ways to use it: [`Db::read`] runs a closure on a pooled
//! connection on a blocking thread; [`Db::write`] runs a closure that writes. On PostgreSQL a write
//! is a pooled connection too; on SQLite it goes to the single writer ([`super::writer`]), which
//! commits waiting writes together. Every SQLite connection gets the durability pragmas.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::writer::Writer;
use super::{BackendKind, DbConn};
use crate::config::DatabaseSettings;
use crate::error::AppError;

pub type PooledConn = PooledConnection<Manager>;

/// Opens connections of one backend; SQLite connections are set up for durability.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: BackendKind,
    target: String,
    busy_timeout_ms: u64,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            BackendKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            BackendKind::Postgres => PgConnection::establish(&self.target)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The database: a pool, the backend it talks to, and (SQLite) the single writer.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: BackendKind,
    writer: Option<Writer>,
}

impl Db {
    /// Builds the pool; for SQLite the database file's folder is created first.
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
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
        let manager = Manager {
            backend,
            target,
            busy_timeout_ms: settings.timeout_ms,
        };
        let writer = match backend {
            BackendKind::Sqlite => {
                Some(Writer::start(manager.clone()).context("opening the write connection")?)
            }
            BackendKind::Postgres => None,
        };
        let pool = Pool::builder()
            .max_size(settings.pool_size_or_default())
            .connection_timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .build(manager)
            .context("connecting to the database")?;
        Ok(Db {
            pool,
            backend,
            writer,
        })
    }

    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// A connection for synchronous callers (CLI, start-up).
    pub fn get(&self) -> Result<PooledConn, AppError> {
        self.pool.get().map_err(|e| AppError::Unavailable(e.into()))
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f`, which writes, as one atomic unit: if it fails, nothing it wrote remains. It is
    /// answered only once its writes are committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.submit(f).await.unwrap_or_else(|_| Err(writer_gone())),
            None => {
                let db = self.clone();
                run_blocking(move || (*db.get()?).transaction(f)).await
            }
        }
    }

    /// The synchronous form of [`Db::write`], for callers outside the async runtime.
    pub fn write_sync<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer
                .submit(f)
                .blocking_recv()
                .unwrap_or_else(|_| Err(writer_gone())),
            None => (*self.get()?).transaction(f),
        }
    }
}

fn writer_gone() -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the SQLite writer stopped"))
}

/// Runs blocking work (the database, password hashing) off the async threads.
pub async fn run_blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
}
