//! The `minsheng` command line: `serve`, `migrate`, `check-config`, `route`, `user`, `token`,
//! `audit`, `seed-demo`, `sweep`, `mail`, `event`, `kiosk`, `ledger` and `open311`.
//!
//! [`run`] parses the arguments, loads the settings, builds the one async runtime (an actix
//! system, which `serve` needs) and runs the chosen command inside it. Every command returns an
//! `anyhow` error and they all leave through the same exit path. One file per command group;
//! what several of them share is in `common`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::telemetry;

mod audit;
mod check_config;
mod common;
mod contacts;
mod event;
mod kiosk;
mod ledger;
mod mail;
mod migrate;
mod open311;
mod route;
mod seed_demo;
mod serve;
mod similarity;
mod sweep;
mod token;
mod user;

#[derive(Parser)]
#[command(
    name = "minsheng",
    version,
    about = "民声 — public feedback and complaint intake"
)]
struct Cli {
    /// Folder holding default.toml, $MINSHENG_ENV.toml, categories.toml and units.toml.
    #[arg(long, global = true, default_value = "config", env = "MINSHENG_CONFIG_DIR")]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, load reference data, and serve HTTP.
    Serve,
    /// Apply pending database migrations and load reference data, then exit.
    Migrate,
    /// Check every configuration file and say what is wrong and where.
    CheckConfig,
    /// Show where a submission would be routed, and why, without storing anything.
    Route(route::RouteArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Fill the database with demo cases (for trying and measuring the queue).
    SeedDemo(seed_demo::SeedDemoArgs),
    /// Flag open cases past their deadline, once, and queue supervision notices; close answers
    /// nobody rated in time.
    Sweep(sweep::SweepArgs),
    /// The outbox.
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// The contacts' blind index behind "same reporter".
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// The similarity index behind "possibly the same matter" (一件多诉).
    #[command(subcommand)]
    Similarity(similarity::SimilarityCommand),
    /// Open days (开放日).
    #[command(subcommand)]
    Event(event::EventCommand),
    /// Kiosks at open days.
    #[command(subcommand)]
    Kiosk(kiosk::KioskCommand),
    /// The ledger (台账) of cases, for reports.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// Open311 GeoReport v2 integrations.
    #[command(subcommand)]
    Open311(open311::Open311Command),
}

/// Runs the command line: exit code 2 for a configuration error, 1 for any other error.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.command, Command::Serve | Command::Migrate) {
        telemetry::init(&settings.log);
    }
    match actix_web::rt::System::new().block_on(cli.command.run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

impl Command {
    async fn run(self, settings: Settings) -> anyhow::Result<()> {
        match self {
            Command::Serve => serve::run(settings).await,
            Command::Migrate => migrate::run(&settings).await,
            Command::CheckConfig => check_config::run(&settings).await,
            Command::Route(args) => route::run(&settings, args).await,
            Command::User(cmd) => user::run(&settings, cmd).await,
            Command::Token(cmd) => token::run(&settings, cmd).await,
            Command::Audit(cmd) => audit::run(&settings, cmd).await,
            Command::SeedDemo(args) => seed_demo::run(&settings, args).await,
            Command::Sweep(args) => sweep::run(&settings, args).await,
            Command::Mail(cmd) => mail::run(&settings, cmd).await,
            Command::Event(cmd) => event::run(&settings, cmd).await,
            Command::Kiosk(cmd) => kiosk::run(&settings, cmd).await,
            Command::Ledger(cmd) => ledger::run(&settings, cmd).await,
            Command::Open311(cmd) => open311::run(&settings, cmd).await,
            Command::Similarity(cmd) => similarity::run(&settings, cmd).await,
            Command::Contacts(cmd) => contacts::run(&settings, cmd).await,
        }
    }
}
