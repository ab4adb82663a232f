//! `migrate`: apply pending database migrations and load reference data, then exit.

use super::common::with_db;
use crate::config::Settings;

pub(super) async fn run(settings: &Settings) -> anyhow::Result<()> {
    with_db(settings).await?;
    println!("database is up to date");
    Ok(())
}
