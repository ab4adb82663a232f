//! `mail`: the outbox, by hand.

use std::sync::Arc;

use clap::Subcommand;

use super::common::with_db;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::vault::Vault;

#[derive(Subcommand)]
pub(super) enum MailCommand {
    /// Send every mail that is due now (what the worker in `serve` does every few seconds).
    Flush,
}

pub(super) async fn run(settings: &Settings, cmd: MailCommand) -> anyhow::Result<()> {
    match cmd {
        MailCommand::Flush => {
            let (db, _) = with_db(settings).await?;
            let vault = Arc::new(Vault::from_settings(settings)?);
            let mailer = Mailer::new(settings, vault)?;
            let report = mailer.flush(&db).await?;
            println!(
                "sent {}, to retry {}, dead {}",
                report.sent, report.retried, report.dead
            );
        }
    }
    Ok(())
}
