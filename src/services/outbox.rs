//! What admins do with the outbox: see how much mail waits, was sent or is dead, and put a dead
//! mail back in line. Sending is the mail worker's ([`crate::mail::worker`]).

use chrono::Utc;

use crate::error::AppError;
use crate::storage::outbox::{self, OutboxRow};
use crate::storage::Db;

/// Mail counted by status, and the newest dead mails.
pub struct Overview {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
    pub dead_rows: Vec<OutboxRow>,
}

/// The counts and up to `shown` dead mails, newest first.
pub async fn overview(db: &Db, shown: i64) -> Result<Overview, AppError> {
    db.read(move |conn| -> Result<_, AppError> {
        let (pending, sent, dead) = outbox::counts(conn)?;
        Ok(Overview {
            pending,
            sent,
            dead,
            dead_rows: outbox::dead(conn, shown)?,
        })
    })
    .await
}

/// Puts dead mail `id` back in line; `NotFound` when there is no such dead mail.
pub async fn retry(db: &Db, id: i64) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    let found = db
        .write(move |conn| -> Result<_, AppError> { Ok(outbox::retry(conn, id, now)?) })
        .await?;
    if found {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
