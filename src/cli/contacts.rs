//! `contacts reindex`: brings every stored contact's blind index to today's form (see
//! [`crate::services::contacts`]), for the same-reporter look-up. Safe to run again.

use clap::Subcommand;

use super::common::with_db;
use crate::config::Settings;
use crate::services::contacts::reindex;
use crate::vault::Vault;

#[derive(Subcommand)]
pub(super) enum ContactsCommand {
    /// Recompute the blind index of every stored contact from the sealed identities.
    Reindex,
}

pub(super) async fn run(settings: &Settings, cmd: ContactsCommand) -> anyhow::Result<()> {
    let ContactsCommand::Reindex = cmd;
    let vault = Vault::from_settings(settings)?;
    let (db, _) = with_db(settings).await?;
    let done = reindex(&db, &vault).await?;
    println!(
        "opened {} identit(ies); {} index(es) were not today's form and were replaced",
        done.looked_at, done.changed
    );
    Ok(())
}
