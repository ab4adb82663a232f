//! Integration keys: created by `minsheng open311 key create` (the key is printed once, only its
//! SHA-256 is stored), listed, revoked, and checked on every call that presents one. An unknown
//! or revoked key is `Forbidden` (the spec's 403).

use chrono::{DateTime, Utc};

use crate::domain::open311::{digest, same_digest, ApiKey};
use crate::domain::text::normalize;
use crate::error::AppError;
use crate::services::Context;
use crate::storage::{open311 as store, Db};

/// The longest integration name.
const MAX_NAME: usize = 64;

/// A key as listed: never the key itself.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub requests: i64,
}

/// Creates a key for the integration `name` and returns it (to be shown once).
pub async fn create(db: &Db, name: &str, now: DateTime<Utc>) -> Result<String, AppError> {
    let name = normalize(name);
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AppError::Malformed(format!(
            "an integration name is 1-{MAX_NAME} characters"
        )));
    }
    let key =
        ApiKey::generate().ok_or_else(|| AppError::Internal(anyhow::anyhow!("the random source failed")))?;
    let hash = key.hash();
    db.write(move |conn| -> Result<(), AppError> {
        if store::key_name_taken(conn, &name)? {
            return Err(AppError::Conflict("an integration of that name exists"));
        }
        store::insert_key(conn, &name, &hash, now.naive_utc())?;
        Ok(())
    })
    .await?;
    Ok(key.reveal().to_owned())
}

/// Every key, oldest first, with how many requests it filed.
pub async fn list(db: &Db) -> Result<Vec<KeyInfo>, AppError> {
    let rows = db.read(|conn| Ok::<_, AppError>(store::keys(conn)?)).await?;
    Ok(rows
        .into_iter()
        .map(|(k, requests)| KeyInfo {
            name: k.name,
            created_at: k.created_at.and_utc(),
            revoked_at: k.revoked_at.map(|t| t.and_utc()),
            requests,
        })
        .collect())
}

/// Revokes the key of integration `name` at once. `NotFound` if it has none in force.
pub async fn revoke(db: &Db, name: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let name = normalize(name);
    let done = db
        .write(move |conn| Ok::<_, AppError>(store::revoke_key(conn, &name, now.naive_utc())?))
        .await?;
    if done {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The id of the key presented, if it is known and not revoked; else `Forbidden`.
pub async fn authenticate(ctx: &Context, presented: &str) -> Result<i64, AppError> {
    if !presented.trim().starts_with(ApiKey::PREFIX) {
        return Err(AppError::Forbidden);
    }
    let hash = digest(presented);
    let row = ctx
        .db
        .read({
            let hash = hash.clone();
            move |conn| Ok::<_, AppError>(store::key_by_hash(conn, &hash)?)
        })
        .await?;
    match row {
        Some(k) if k.revoked_at.is_none() && same_digest(&k.key_hash, &hash) => Ok(k.id),
        _ => Err(AppError::Forbidden),
    }
}
