//! `check-config`: check every configuration file and say what is wrong and where. Touches no
//! database and sends nothing.

use std::sync::Arc;

use crate::config::{MailTransportKind, Settings};
use crate::mail::Mailer;
use crate::routing::check;
use crate::startup::{load_catalog, load_router, load_sla};
use crate::storage::BackendKind;
use crate::vault::Vault;

pub(super) async fn run(settings: &Settings) -> anyhow::Result<()> {
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
    let sla = load_sla(settings)?;
    let years: Vec<String> = sla.calendar().years().map(|y| y.to_string()).collect();
    println!(
        "deadlines: ok (holiday calendar for {})",
        if years.is_empty() {
            "no year".to_owned()
        } else {
            years.join(", ")
        }
    );
    // Builds the transport (without connecting) and checks the sender address. The SMTP
    // transport's connection pool lives on the async runtime, which this runs on.
    let mail_vault = Arc::new(Vault::from_hex(&"00".repeat(32))?);
    drop(Mailer::new(settings, mail_vault)?);
    let m = &settings.mail;
    match m.transport {
        MailTransportKind::Smtp => println!(
            "mail: ok (SMTP to {}:{}, {:?}, from {})",
            m.smtp_host, m.smtp_port, m.smtp_security, m.from
        ),
        other => println!("mail: ok ({other:?}, from {})", m.from),
    }
    let router = load_router(settings, &catalog)?;
    println!("routing rules: ok ({} rules)", router.rules.rules.len());
    for (rule, by) in check::shadowed(&router.rules) {
        println!("warning: rule {rule} can never fire: rule {by} matches everything it matches first");
    }
    let nowhere = check::nowhere(&router.rules, &router.directory);
    println!("coverage (web, no unit named): (category × region) pairs that would wait for dispatch");
    for c in check::coverage(&catalog, &router.directory, &router.rules) {
        let level = ["province", "city", "county"]
            .get(c.depth)
            .copied()
            .unwrap_or("deeper");
        println!(
            "  {:<9} {:<8} {:>3} of {:>3} pairs{}",
            c.kind.code(),
            level,
            c.pending_pairs,
            c.categories * c.regions,
            if c.pending_categories.is_empty() {
                String::new()
            } else {
                format!("  ({})", c.pending_categories.join(", "))
            }
        );
    }
    if !nowhere.is_empty() {
        anyhow::bail!(
            "rules whose destination exists nowhere in the directory: {}",
            nowhere.join(", ")
        );
    }
    settings
        .metrics
        .check(&settings.environment)
        .map_err(|e| anyhow::anyhow!(e))?;
    let token = if settings.metrics.token().is_some() {
        "bearer token"
    } else {
        "no token"
    };
    match settings.metrics.bind {
        Some(addr) => println!("metrics: ok (GET /metrics on {addr}, {token})"),
        None => println!("metrics: ok (GET /metrics on the main address, {token})"),
    }
    if settings.is_production() || settings.security.require_data_key {
        // Checks the key's presence and shape without creating anything.
        Vault::from_settings(settings)?;
        println!("data key: ok");
    }
    Ok(())
}

fn backend_name(url: &str) -> &'static str {
    match BackendKind::from_url(url) {
        Some(BackendKind::Sqlite) => "SQLite",
        Some(BackendKind::Postgres) => "PostgreSQL",
        None => "unknown (database.url must start with sqlite:// or postgres://)",
    }
}
