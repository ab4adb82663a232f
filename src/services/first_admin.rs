//! The first administrator's one-time password, kept out of the console and the logs: it is
//! written to `<data_dir>/first-admin-password`, readable by the service's own user only (mode
//! 0600), and the file is removed when that administrator first signs in.

use std::path::{Path, PathBuf};

use crate::error::AppError;
use crate::storage::run_blocking;

/// The username of the administrator created on first start.
pub const USERNAME: &str = "admin";
const FILE: &str = "first-admin-password";

/// Where the one-time password is kept until the first sign-in.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Writes `password` to the file (replacing a stale one) and returns its path.
pub async fn write(data_dir: &Path, password: String) -> Result<PathBuf, AppError> {
    let (dir, file) = (data_dir.to_owned(), path(data_dir));
    run_blocking(move || {
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            })
            .and_then(|()| write_private(&file, &format!("{password}\n")));
        written.map(|()| file.clone()).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "writing the first administrator's password to {}: {e}",
                file.display()
            ))
        })
    })
    .await
}

/// Removes the file, if it is there. A failure is logged, not fatal: the sign-in stands.
pub async fn forget(data_dir: &Path) {
    let file = path(data_dir);
    let removed = run_blocking(move || -> Result<Option<PathBuf>, AppError> {
        match std::fs::remove_file(&file) {
            Ok(()) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(AppError::Internal(anyhow::anyhow!(
                "removing {}: {e}",
                file.display()
            ))),
        }
    })
    .await;
    match removed {
        Ok(Some(file)) => {
            tracing::info!(path = %file.display(), "first administrator signed in; removed the one-time password file")
        }
        Ok(None) => {}
        Err(e) => e.log(),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
