//! `kiosk`: kiosks at open days — add one (its one-time enrolment code is printed once), or
//! revoke one.

use clap::Subcommand;

use super::common::with_db;
use crate::config::Settings;
use crate::services::open_days;

#[derive(Subcommand)]
pub(super) enum KioskCommand {
    /// Add a kiosk to an event; prints its one-time enrolment code.
    Add {
        #[arg(long)]
        event: i64,
        #[arg(long)]
        name: String,
    },
    /// Revoke a kiosk: its screen stops working at once.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

pub(super) async fn run(settings: &Settings, cmd: KioskCommand) -> anyhow::Result<()> {
    let (db, _) = with_db(settings).await?;
    match cmd {
        KioskCommand::Add { event, name } => {
            let (id, code) = open_days::add_kiosk(&db, event, &name).await?;
            eprintln!(
                "kiosk {id} added to event {event}; type this enrolment code on its screen (shown once):"
            );
            println!("{code}");
        }
        KioskCommand::Revoke { id } => {
            open_days::revoke(&db, id).await?;
            println!("revoked kiosk {id}");
        }
    }
    Ok(())
}
