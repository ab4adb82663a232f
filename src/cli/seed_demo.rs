//! `seed-demo`: fill the database with demo cases, for trying and measuring the queue.

use std::time::Instant;

use clap::Args;

use super::common::with_db;
use crate::config::Settings;
use crate::services::seed::{self, SeedPlan};

#[derive(Args)]
pub(super) struct SeedDemoArgs {
    /// How many cases in all.
    #[arg(long, default_value_t = 10_000)]
    cases: usize,
    /// The unit that gets `--unit-open` open cases.
    #[arg(long, default_value = "370983-police")]
    unit: String,
    #[arg(long, default_value_t = 500)]
    unit_open: usize,
    /// How many months of history.
    #[arg(long, default_value_t = 12)]
    months: u32,
    /// The same seed makes the same data.
    #[arg(long, default_value_t = 2021)]
    seed: u64,
}

pub(super) async fn run(settings: &Settings, args: SeedDemoArgs) -> anyhow::Result<()> {
    let SeedDemoArgs {
        cases,
        unit,
        unit_open,
        months,
        seed,
    } = args;
    let (db, catalog) = with_db(settings).await?;
    let sla = crate::startup::load_sla(settings)?;
    let started = Instant::now();
    let unit_open = unit_open.min(cases);
    let at = unit.clone();
    let plan = SeedPlan {
        cases,
        unit: &at,
        unit_open,
        months,
        seed,
    };
    let n = seed::seed(&db, &catalog, &sla, &plan).await?;
    println!(
        "seeded {n} cases ({unit_open} open at {unit}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
