//! Re-indexing the contacts' blind index (`submissions.contact_index`) from the sealed
//! identities. The index form changed once (see [`crate::domain::contact`]): an address stored
//! before whose domain held full-width letters has an index the same address typed today does
//! not match. The same-reporter look-up (issue #16) is the first to read the index, so the
//! stored ones are brought to today's form: each identity is opened with its tracking code, its
//! contact hashed as intake does now, and the index replaced where it differs.

use crate::domain::contact::contact_index_form;
use crate::domain::Reporter;
use crate::error::AppError;
use crate::storage::{matters, Db};
use crate::vault::Vault;

/// Cases per read and write.
const BATCH: i64 = 1_000;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reindexed {
    /// Identities opened.
    pub looked_at: usize,
    /// Indexes that were not today's form and were replaced.
    pub changed: usize,
}

/// Re-indexes every stored contact, [`BATCH`] cases at a time (bounded memory; a second run
/// finds nothing to change).
pub async fn reindex(db: &Db, vault: &Vault) -> Result<Reindexed, AppError> {
    let mut done = Reindexed::default();
    let mut after = 0;
    loop {
        let rows = db
            .read(move |conn| -> Result<_, AppError> { Ok(matters::sealed_identities(conn, after, BATCH)?) })
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let mut changes = Vec::new();
        for row in &rows {
            let Some(sealed) = &row.reporter_sealed else {
                continue;
            };
            let plain = vault
                .open(sealed, row.tracking_code.as_bytes())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("identity of a case: {e}")))?;
            let reporter: Reporter =
                serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.into()))?;
            let index = reporter
                .contact()
                .map(|c| vault.blind_index(&contact_index_form(c)));
            if index != row.contact_index {
                changes.push((row.id, index));
            }
        }
        done.looked_at += rows.len();
        done.changed += changes.len();
        if !changes.is_empty() {
            db.write(move |conn| -> Result<_, AppError> {
                for (id, index) in &changes {
                    matters::set_contact_index(conn, *id, index.as_deref())?;
                }
                Ok(())
            })
            .await?;
        }
    }
    Ok(done)
}
