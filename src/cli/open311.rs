//! `open311`: keys for Open311 integrations (a FixMyStreet instance, a city app): create one
//! (printed once, stored as a SHA-256 digest), list them, revoke one at once.

use chrono::Utc;
use clap::Subcommand;

use super::common::with_db;
use crate::config::Settings;
use crate::error::AppError;
use crate::services::open311::keys;

#[derive(Subcommand)]
pub(super) enum Open311Command {
    /// Integration keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Subcommand)]
pub(super) enum KeyCommand {
    /// Create a key for an integration and print it once.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List the integrations, with when their key was created or revoked and what it filed.
    List,
    /// Revoke an integration's key: every call with it is refused (403) at once.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

fn plain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Malformed(m) => anyhow::anyhow!(m),
        AppError::Conflict(m) => anyhow::anyhow!(m),
        other => anyhow::anyhow!("{other}"),
    }
}

pub(super) async fn run(settings: &Settings, cmd: Open311Command) -> anyhow::Result<()> {
    let Open311Command::Key(cmd) = cmd;
    let (db, _) = with_db(settings).await?;
    match cmd {
        KeyCommand::Create { name } => {
            let key = keys::create(&db, &name, Utc::now()).await.map_err(plain)?;
            println!("{key}");
            eprintln!(
                "This key is shown only once. The integration sends it as `api_key` (in the POST body; for GET in the query)."
            );
        }
        KeyCommand::List => {
            for k in keys::list(&db).await.map_err(plain)? {
                let state = match k.revoked_at {
                    Some(at) => format!("revoked {}", at.to_rfc3339()),
                    None => "in force".to_owned(),
                };
                println!(
                    "{}\tcreated {}\t{state}\t{} requests",
                    k.name,
                    k.created_at.to_rfc3339(),
                    k.requests
                );
            }
        }
        KeyCommand::Revoke { name } => match keys::revoke(&db, &name, Utc::now()).await {
            Ok(()) => println!("revoked the key of {name}"),
            Err(AppError::NotFound) => anyhow::bail!("no key in force for an integration named {name}"),
            Err(e) => return Err(plain(e)),
        },
    }
    Ok(())
}
