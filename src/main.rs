//! The `minsheng` command: `serve`, `migrate` and `check-config`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use minsheng::config::Settings;
use minsheng::startup::{load_catalog, prepare_database, Application};
use minsheng::storage::Db;
use minsheng::{telemetry, vault::Vault};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::CheckConfig => check_config(&settings),
        Command::Migrate => {
            telemetry::init(&settings.log);
            migrate(&settings)
        }
        Command::Serve => {
            telemetry::init(&settings.log);
            serve(settings)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        app.run_until_stopped().await
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let catalog = load_catalog(settings)?;
    let db = Db::connect(&settings.database)?;
    prepare_database(&db, &catalog)?;
    println!("database is up to date");
    Ok(())
}

fn check_config(settings: &Settings) -> anyhow::Result<()> {
    println!(
        "settings: ok (environment `{}`, database {})",
        settings.environment,
        backend_name(&settings.database.url)
    );
    let catalog = load_catalog(settings)?;
    println!(
        "reference data: ok ({} kinds, {} categories, {} regions, {} units)",
        catalog.kinds.len(),
        catalog.categories.len(),
        catalog.regions.len(),
        catalog.units.len()
    );
    if settings.is_production() || settings.security.require_data_key {
        // Checks the key's presence and shape without creating anything.
        Vault::from_settings(settings)?;
        println!("data key: ok");
    }
    Ok(())
}

fn backend_name(url: &str) -> &'static str {
    match minsheng::storage::BackendKind::from_url(url) {
        Some(minsheng::storage::BackendKind::Sqlite) => "SQLite",
        Some(minsheng::storage::BackendKind::Postgres) => "PostgreSQL",
        None => "unknown (database.url must start with sqlite:// or postgres://)",
    }
}
