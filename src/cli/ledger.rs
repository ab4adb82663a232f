//! `ledger export`: the ledger (台账) of one unit's scope over a period, as CSV or an Excel
//! workbook, for reports. It sees what the whole province sees, narrowed to `--scope`.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};

use super::common::with_db;
use crate::config::Settings;
use crate::error::AppError;
use crate::routing::Directory;
use crate::services::ledger::{self, Heading, LedgerFormat, Source};
use crate::services::stats::{query_within, StatsParams};

#[derive(Subcommand)]
pub(super) enum LedgerCommand {
    /// Write the ledger of a unit's cases received in a period to a file.
    Export(ExportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    Csv,
    Xlsx,
}

#[derive(Args)]
pub(super) struct ExportArgs {
    /// The unit (its code) whose cases are listed: those it holds now; `all` for the whole
    /// province.
    #[arg(long)]
    scope: String,
    /// Every unit below `--scope` too.
    #[arg(long)]
    below: bool,
    /// First day received, `YYYY-MM-DD` (Beijing).
    #[arg(long)]
    from: String,
    /// Last day received, `YYYY-MM-DD` (Beijing), included.
    #[arg(long)]
    to: String,
    #[arg(long, value_enum)]
    format: FileFormat,
    /// The file to write (replaced if it exists).
    #[arg(long)]
    out: PathBuf,
}

pub(super) async fn run(settings: &Settings, cmd: LedgerCommand) -> anyhow::Result<()> {
    let LedgerCommand::Export(args) = cmd;
    let (db, catalog) = with_db(settings).await?;
    let dir = Directory::from_catalog(&catalog);
    let now = chrono::Utc::now();
    let params = StatsParams {
        from: Some(args.from.clone()),
        to: Some(args.to.clone()),
        unit: (args.scope != "all").then(|| args.scope.clone()),
        below: args.below.then(|| "true".to_owned()),
        ..StatsParams::default()
    };
    let today = crate::domain::stats::period::beijing_date(now.naive_utc());
    let req = params.parse(today).map_err(|e| explain(e, &args))?;
    let q = query_within(&dir, None, &req, now.naive_utc()).map_err(|e| explain(e, &args))?;
    let format = match args.format {
        FileFormat::Csv => LedgerFormat::Csv,
        FileFormat::Xlsx => LedgerFormat::Xlsx,
    };
    let catalog = std::sync::Arc::new(catalog);
    let heading = Heading::new(&catalog, &req, &q);
    let started = Instant::now();
    let rows = ledger::export_file(Source { db, catalog }, q, heading, format, args.out.clone())
        .await
        .map_err(anyhow::Error::new)?;
    println!(
        "wrote {rows} row(s) to {} in {:.1} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn explain(e: AppError, args: &ExportArgs) -> anyhow::Error {
    match e {
        AppError::NotFound => anyhow::anyhow!("unknown unit `{}`", args.scope),
        AppError::Invalid(errors) => {
            let list: Vec<String> = errors
                .iter()
                .map(|(field, problems)| format!("--{field}: {problems:?}"))
                .collect();
            anyhow::anyhow!("{}", list.join("; "))
        }
        other => anyhow::Error::new(other),
    }
}
