//! `token`: API tokens for staff accounts.

use clap::Subcommand;

use super::common::with_db;
use crate::config::Settings;
use crate::services::accounts;

#[derive(Subcommand)]
pub(super) enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        #[arg(long)]
        username: String,
    },
}

pub(super) async fn run(settings: &Settings, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { username } => {
            let (db, _) = with_db(settings).await?;
            let token = accounts::create_token(&db, &username).await?;
            println!("{token}");
            eprintln!("This token is shown only once. Send it as `Authorization: Bearer <token>`.");
        }
    }
    Ok(())
}
