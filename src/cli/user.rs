//! `user`: add staff accounts, reset their passwords, sign them out everywhere and disable them.
//! Passwords come from standard input, one line, never from the command line. A reset and
//! disabling end the user's sessions too.

use clap::Subcommand;

use super::common::{read_password, with_db};
use crate::config::Settings;
use crate::domain::contact::Email;
use crate::domain::kind::Role;
use crate::services::accounts::{self, AccountError};
use crate::services::first_admin;
use crate::services::sessions;

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// The unit's code, e.g. 370983-police.
        #[arg(long)]
        unit: String,
        /// handler, supervisor, dispatcher or admin.
        #[arg(long)]
        role: String,
        /// The user's own e-mail address, for notices addressed to them (a supervisor's reviews).
        #[arg(long)]
        email: Option<String>,
    },
    /// Set a user's password (a reset by an administrator); read from standard input (one line).
    Password {
        #[arg(long)]
        username: String,
    },
    /// Sign a user out everywhere: every session of theirs ends at once (a lost or copied session
    /// cookie is then worthless). Their password and API tokens stay as they are.
    SignOut {
        #[arg(long)]
        username: String,
    },
    /// Disable a user: no more sign-in, no more API use.
    Disable {
        #[arg(long)]
        username: String,
    },
}

pub(super) async fn run(settings: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let (db, catalog) = with_db(settings).await?;
    match cmd {
        UserCommand::Add {
            username,
            unit,
            role,
            email,
        } => {
            let role = Role::from_code(&role).ok_or_else(|| {
                anyhow::anyhow!("unknown role `{role}` (handler, supervisor, dispatcher, admin)")
            })?;
            let password = read_password().await?;
            if let Some(e) = email.as_deref() {
                // Checked before the account exists, so a bad address adds nothing.
                Email::parse(e).map_err(|_| AccountError::BadEmail(e.to_owned()))?;
            }
            accounts::add_user(&db, &catalog, &username, &unit, role, &password).await?;
            if email.is_some() {
                accounts::set_email(&db, &username, email.as_deref()).await?;
            }
            println!("added {username} ({role}) at {unit}");
        }
        UserCommand::Password { username } => {
            let password = read_password().await?;
            accounts::set_password(&db, &username, &password, "cli").await?;
            if username == first_admin::USERNAME {
                // The one-time password in the data directory no longer opens anything.
                first_admin::forget(&settings.data_dir).await;
            }
            println!("password set for {username}");
        }
        UserCommand::SignOut { username } => {
            let ended = sessions::end_all(&db, &username, "cli", chrono::Utc::now()).await?;
            println!("signed {username} out everywhere ({ended} sessions ended)");
        }
        UserCommand::Disable { username } => {
            accounts::disable_user(&db, &username).await?;
            println!("disabled {username}");
        }
    }
    Ok(())
}
