//! Staff accounts: adding and disabling users, changing passwords, API tokens (shown once, stored hashed), checking a
//! password or a token, and the first administrator created on first start.
//!
//! Disabling a user and setting a password end every session of theirs in the same transaction
//! (see [`crate::services::sessions`]).
//!
//! Passwords are hashed with argon2id (the crate's defaults: 19 MiB, 2 passes). Tokens carry 256
//! random bits, so a SHA-256 digest suffices to store them.

use std::path::{Path, PathBuf};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Utc;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use super::first_admin;
use crate::catalog::Catalog;
use crate::domain::kind::{Role, UnitKind};
use crate::error::AppError;
use crate::storage::audit::{self, AuditEntry};
use crate::storage::{accounts, run_blocking, sessions, Db, DbConn};

pub const MIN_PASSWORD_CHARS: usize = 12;
const TOKEN_PREFIX: &str = "mst_";

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub unit: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a username is 3–32 characters of a–z, 0–9, `.`, `_` or `-`, starting with a letter or digit")]
    BadUsername,
    #[error("the user `{0}` already exists")]
    Taken(String),
    #[error("no user `{0}`")]
    NoSuchUser(String),
    #[error("unknown unit `{0}`")]
    UnknownUnit(String),
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("`{0}` is not an e-mail address")]
    BadEmail(String),
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the new password is the same as the current one")]
    SamePassword,
    #[error(transparent)]
    App(#[from] AppError),
}

fn valid_username(name: &str) -> bool {
    let len = name.chars().count();
    (3..=32).contains(&len)
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

pub fn verify_password(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn random_secret(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng
        .try_fill_bytes(&mut buf)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the random source failed: {e}")))?;
    Ok(base32::encode(base32::Alphabet::Crockford, &buf).to_lowercase())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Hashes off the async threads: argon2 takes tens of milliseconds on purpose.
async fn hash_off_thread(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    run_blocking(move || hash_password(&password)).await
}

/// Verifies off the async threads.
async fn verify_off_thread(stored: String, password: &str) -> Result<bool, AppError> {
    let password = password.to_owned();
    run_blocking(move || Ok(verify_password(&stored, &password))).await
}

/// Adds a user of `unit` with `role`.
pub async fn add_user(
    db: &Db,
    catalog: &Catalog,
    username: &str,
    unit: &str,
    role: Role,
    password: &str,
) -> Result<(), AccountError> {
    if !valid_username(username) {
        return Err(AccountError::BadUsername);
    }
    if catalog.unit(unit).is_none() {
        return Err(AccountError::UnknownUnit(unit.to_owned()));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let hash = hash_off_thread(password).await?;
    let (username, unit) = (username.to_owned(), unit.to_owned());
    let taken = db
        .write(move |conn| -> Result<_, AppError> {
            if accounts::find_user(conn, &username)?.is_some() {
                return Ok(Some(username));
            }
            accounts::insert_user(conn, &username, &hash, &unit, role.code(), Utc::now().naive_utc())?;
            Ok(None)
        })
        .await?;
    match taken {
        Some(name) => Err(AccountError::Taken(name)),
        None => Ok(()),
    }
}

/// `Ok` when `found`, else the user does not exist.
fn found(found: bool, username: &str) -> Result<(), AccountError> {
    if found {
        Ok(())
    } else {
        Err(AccountError::NoSuchUser(username.to_owned()))
    }
}

/// Disables a user: they can no longer sign in or use their tokens, and their sessions end.
pub async fn disable_user(db: &Db, username: &str) -> Result<(), AccountError> {
    let name = username.to_owned();
    let done = db
        .write(move |conn| -> Result<_, AppError> {
            let Some(user) = accounts::find_user(conn, &name)? else {
                return Ok(false);
            };
            accounts::set_disabled(conn, &name, true)?;
            sessions::delete_for_user(conn, user.id)?;
            Ok(true)
        })
        .await?;
    found(done, username)
}

/// Sets a user's password (an administrator's reset: `minsheng user password`), ends every
/// session of theirs, and records it in the audit log.
pub async fn set_password(db: &Db, username: &str, password: &str, actor: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let hash = hash_off_thread(password).await?;
    let (name, actor) = (username.to_owned(), actor.to_owned());
    let done = db
        .write(move |conn| -> Result<_, AppError> {
            let Some(user) = accounts::find_user(conn, &name)? else {
                return Ok(false);
            };
            accounts::set_password_hash(conn, &name, &hash)?;
            sessions::delete_for_user(conn, user.id)?;
            audit::append(
                conn,
                &AuditEntry {
                    at: Utc::now().naive_utc(),
                    actor: &actor,
                    action: "password_set",
                    case_code: None,
                    detail: Some(&name),
                },
            )?;
            Ok(true)
        })
        .await?;
    found(done, username)
}

/// A signed-in user changes their own password; the current one must be right. Every session of
/// theirs ends, this one too: the caller starts a fresh one for the browser that asked.
pub async fn change_password(db: &Db, username: &str, current: &str, new: &str) -> Result<(), AccountError> {
    let name = username.to_owned();
    let row = db
        .read(move |conn| -> Result<_, AppError> { Ok(accounts::find_user(conn, &name)?) })
        .await?
        .ok_or_else(|| AccountError::NoSuchUser(username.to_owned()))?;
    if !verify_off_thread(row.password_hash, current).await? {
        return Err(AccountError::WrongPassword);
    }
    if new == current {
        return Err(AccountError::SamePassword);
    }
    set_password(db, username, new, username).await
}

/// Sets (or with `None` removes) a user's own e-mail address, for notices addressed to them.
pub async fn set_email(db: &Db, username: &str, email: Option<&str>) -> Result<(), AccountError> {
    let email = email
        .map(|e| {
            crate::domain::contact::Email::parse(e)
                .map(|e| e.as_str().to_owned())
                .map_err(|_| AccountError::BadEmail(e.to_owned()))
        })
        .transpose()?;
    let name = username.to_owned();
    let done = db
        .write(move |conn| -> Result<_, AppError> { Ok(accounts::set_email(conn, &name, email.as_deref())?) })
        .await?;
    found(done, username)
}

/// Creates an API token for a user and returns it; only its digest is stored.
pub async fn create_token(db: &Db, username: &str) -> Result<String, AccountError> {
    let token = format!("{TOKEN_PREFIX}{}", random_secret(32)?);
    let hash = token_hash(&token);
    let name = username.to_owned();
    let done = db
        .write(move |conn| -> Result<_, AppError> {
            match accounts::find_user(conn, &name)? {
                Some(user) => {
                    accounts::insert_token(conn, user.id, &hash, Utc::now().naive_utc())?;
                    Ok(true)
                }
                None => Ok(false),
            }
        })
        .await?;
    found(done, username).map(|()| token)
}

/// The member of staff a user row is, unless disabled (or of an unknown role).
pub fn staff_from_row(row: accounts::UserRow) -> Option<Staff> {
    let role = Role::from_code(&row.role)?;
    (!row.disabled).then_some(Staff {
        id: row.id,
        username: row.username,
        unit: row.unit,
        role,
    })
}

/// The enabled user with this username and password. An unknown user costs the same hash. A
/// database that cannot be reached is an error (503), never "wrong password".
pub async fn authenticate(db: &Db, username: &str, password: &str) -> Result<Option<Staff>, AppError> {
    let name = username.to_owned();
    let row = db
        .read(move |conn| -> Result<_, AppError> { Ok(accounts::find_user(conn, &name)?) })
        .await?;
    match row {
        Some(row) => {
            let ok = verify_off_thread(row.password_hash.clone(), password).await?;
            Ok(if ok { staff_from_row(row) } else { None })
        }
        None => {
            // Spend the time a real check takes, so timing does not reveal which names exist.
            verify_off_thread(DUMMY_HASH.to_owned(), password).await?;
            Ok(None)
        }
    }
}

const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9q0kK6rF3yq0b7mV1GfN0rE6vX2a8o4Yk2s0mQ3bW1Y";

/// The enabled user an API token belongs to.
pub fn staff_for_token(conn: &mut DbConn, token: &str) -> Result<Option<Staff>, AppError> {
    let token = token.trim();
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(accounts::user_for_token(conn, &token_hash(token))?.and_then(staff_from_row))
}

/// [`staff_for_token`] off the async threads.
pub async fn staff_with_token(db: &Db, token: String) -> Result<Option<Staff>, AppError> {
    db.read(move |conn| staff_for_token(conn, &token)).await
}

/// On first start, when no administrator exists, creates `admin` at the top rectification office
/// (else the first unit), writes its one-time password to a file only the service's user can
/// read (see [`first_admin`]) and returns that file's path. The password itself is never logged.
pub async fn ensure_admin(db: &Db, catalog: &Catalog, data_dir: &Path) -> Result<Option<PathBuf>, AppError> {
    let admins = db
        .read(|conn| -> Result<_, AppError> { Ok(accounts::count_with_role(conn, Role::Admin.code())?) })
        .await?;
    if admins > 0 {
        return Ok(None);
    }
    let unit = catalog
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Office.code())
        .min_by_key(|u| catalog.region_depth(&u.region).unwrap_or(usize::MAX))
        .or_else(|| catalog.units.first())
        .map(|u| u.code.clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the directory has no units")))?;
    let password = random_secret(15)?;
    match add_user(db, catalog, first_admin::USERNAME, &unit, Role::Admin, &password).await {
        Ok(()) => first_admin::write(data_dir, password).await.map(Some),
        // Another instance created it meanwhile.
        Err(AccountError::Taken(_)) => Ok(None),
        Err(AccountError::App(e)) => Err(e),
        Err(other) => Err(AppError::Internal(anyhow::anyhow!(
            "creating the first administrator: {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(valid_username("li.ming"));
        assert!(valid_username("feicheng-police_01"));
        assert!(!valid_username("Li"));
        assert!(!valid_username("-dash"));
        assert!(!valid_username("李明"));
        assert!(!valid_username(&"a".repeat(33)));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse batterz"));
        assert!(!verify_password("not a hash", "x"));
        assert!(!verify_password(DUMMY_HASH, "anything"));
    }
}
