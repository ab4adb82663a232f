//! Staff sessions the server can end. Signing in makes a random session id (256 bits from the
//! operating system's CSPRNG) that only the browser's cookie holds; the database keeps its
//! SHA-256. Every staff request looks the session up with its user, so deleting the row ends it
//! at once, on every instance: at sign-out, on a password change or reset, when the account is
//! disabled (see [`crate::services::accounts`]), and when an administrator signs a user out
//! everywhere ([`end_all`]). How long a session lasts is [`crate::domain::session`]'s rule.

use std::path::Path;

use chrono::{DateTime, Utc};
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use super::accounts::{self, AccountError, Staff};
use super::first_admin;
use crate::domain::session::{verdict, Verdict};
use crate::error::AppError;
use crate::storage::audit::{self, AuditEntry};
use crate::storage::{accounts as users, sessions, Db};

/// The secret a session cookie carries. Never logged.
pub struct SessionId(String);

impl SessionId {
    /// What goes into the cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn new_id() -> Result<SessionId, AppError> {
    let mut buf = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut buf)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the random source failed: {e}")))?;
    Ok(SessionId(hex::encode(buf)))
}

fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.trim().as_bytes()))
}

/// Checks a username and password, and on success starts a session for them. The first
/// administrator's one-time password file is removed at their first sign-in.
pub async fn sign_in(
    db: &Db,
    data_dir: &Path,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Staff, SessionId)>, AppError> {
    let Some(staff) = accounts::authenticate(db, username, password).await? else {
        return Ok(None);
    };
    let id = start(db, &staff, now).await?;
    if staff.username == first_admin::USERNAME {
        first_admin::forget(data_dir).await;
    }
    Ok(Some((staff, id)))
}

/// Starts a new session for `staff` (also after they changed their password, which ended the
/// others).
pub async fn start(db: &Db, staff: &Staff, now: DateTime<Utc>) -> Result<SessionId, AppError> {
    let id = new_id()?;
    let (hash, user_id, at) = (id_hash(&id.0), staff.id, now.naive_utc());
    db.write(move |conn| -> Result<_, AppError> { Ok(sessions::insert(conn, &hash, user_id, at)?) })
        .await?;
    Ok(id)
}

/// The enabled member of staff whose live session `id` is, noting the request when the last
/// noted one is a minute old. A database that cannot be reached is an error, never "signed out".
pub async fn staff_for(db: &Db, id: &str, now: DateTime<Utc>) -> Result<Option<Staff>, AppError> {
    let hash = id_hash(id);
    let Some(row) = db
        .read(move |conn| -> Result<_, AppError> { Ok(sessions::find(conn, &hash)?) })
        .await?
    else {
        return Ok(None);
    };
    let (created, seen) = (row.created_at.and_utc(), row.last_seen_at.and_utc());
    let touch = match verdict(created, seen, now) {
        Verdict::Expired => return Ok(None),
        Verdict::Valid { touch } => touch,
    };
    let Some(staff) = accounts::staff_from_row(row.user) else {
        return Ok(None);
    };
    if touch {
        let (session, at) = (row.id, now.naive_utc());
        db.write(move |conn| -> Result<_, AppError> { Ok(sessions::touch(conn, session, at)?) })
            .await?;
    }
    Ok(Some(staff))
}

/// Ends session `id` (signing out); nothing happens when it is already over.
pub async fn end(db: &Db, id: &str) -> Result<(), AppError> {
    let hash = id_hash(id);
    db.write(move |conn| -> Result<_, AppError> { Ok(sessions::delete(conn, &hash)?) })
        .await
        .map(|_| ())
}

/// An administrator (`actor`) signs `username` out everywhere: every session of theirs ends, and
/// the audit log says who did it. Returns how many sessions ended.
pub async fn end_all(
    db: &Db,
    username: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<usize, AccountError> {
    let (name, actor) = (username.to_owned(), actor.to_owned());
    let ended = db
        .write(move |conn| -> Result<_, AppError> {
            let Some(user) = users::find_user(conn, &name)? else {
                return Ok(None);
            };
            let ended = sessions::delete_for_user(conn, user.id)?;
            audit::append(
                conn,
                &AuditEntry {
                    at: now.naive_utc(),
                    actor: &actor,
                    action: "sessions_ended",
                    case_code: None,
                    detail: Some(&name),
                },
            )?;
            Ok(Some(ended))
        })
        .await?;
    ended.ok_or_else(|| AccountError::NoSuchUser(username.to_owned()))
}

/// A user as the administrators' page lists them.
#[derive(Debug, Clone)]
pub struct UserSessions {
    pub username: String,
    pub unit: String,
    pub role: String,
    pub disabled: bool,
    /// Live sessions now.
    pub sessions: i64,
}

/// Every user and how many live sessions they have, as of `now`.
pub async fn overview(db: &Db, now: DateTime<Utc>) -> Result<Vec<UserSessions>, AppError> {
    use crate::domain::session::{ABSOLUTE, IDLE};
    let (begun_after, seen_after) = ((now - ABSOLUTE).naive_utc(), (now - IDLE).naive_utc());
    let rows = db
        .read(move |conn| -> Result<_, AppError> {
            Ok(sessions::users_with_sessions(conn, begun_after, seen_after)?)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(u, sessions)| UserSessions {
            username: u.username,
            unit: u.unit,
            role: u.role,
            disabled: u.disabled,
            sessions,
        })
        .collect())
}

/// Forgets sessions that are over, as of `now`.
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<usize, AppError> {
    use crate::domain::session::{ABSOLUTE, IDLE};
    let (idle_before, begun_before) = ((now - IDLE).naive_utc(), (now - ABSOLUTE).naive_utc());
    db.write(move |conn| -> Result<_, AppError> { Ok(sessions::prune(conn, idle_before, begun_before)?) })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_only_their_digest_is_kept() {
        let (a, b) = (new_id().unwrap(), new_id().unwrap());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 64, "256 bits");
        let digest = id_hash(a.expose());
        assert_eq!(digest.len(), 64);
        assert_ne!(digest, a.expose());
        assert_eq!(digest, id_hash(a.expose()));
    }
}
