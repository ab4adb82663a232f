//! `route`: show where a submission would be routed, and why, without storing anything.

use clap::Args;

use crate::config::Settings;
use crate::domain::{Channel, Kind};
use crate::routing::{Facts, Outcome};
use crate::startup::{load_catalog, load_router};

#[derive(Args)]
pub(super) struct RouteArgs {
    #[arg(long)]
    kind: String,
    #[arg(long)]
    category: String,
    /// GB/T 2260 region code, e.g. 370983.
    #[arg(long)]
    region: String,
    /// The unit the matter is about, e.g. 370983-police.
    #[arg(long)]
    target_unit: Option<String>,
    #[arg(long, default_value = "web")]
    channel: String,
}

pub(super) async fn run(settings: &Settings, args: RouteArgs) -> anyhow::Result<()> {
    let RouteArgs {
        kind,
        category,
        region,
        target_unit,
        channel,
    } = args;
    let (category, region, target_unit) = (category.as_str(), region.as_str(), target_unit.as_deref());
    let catalog = load_catalog(settings)?;
    let router = load_router(settings, &catalog)?;
    let kind = Kind::from_code(&kind).ok_or_else(|| anyhow::anyhow!("unknown kind `{kind}`"))?;
    let channel =
        Channel::from_code(&channel).ok_or_else(|| anyhow::anyhow!("unknown channel `{channel}`"))?;
    match catalog.category(category) {
        None => anyhow::bail!("unknown category `{category}`"),
        Some(c) if !c.kinds.iter().any(|k| k == kind.code()) => {
            anyhow::bail!("category `{category}` does not belong to kind `{kind}`")
        }
        Some(_) => {}
    }
    if catalog.region(region).is_none() {
        anyhow::bail!("unknown region `{region}`");
    }
    if let Some(u) = target_unit.filter(|u| catalog.unit(u).is_none()) {
        anyhow::bail!("unknown unit `{u}`");
    }
    let decision = router.decide(&Facts {
        kind,
        category,
        channel,
        region,
        target_unit,
        event_host: None,
    });
    let name = |code: &str| {
        catalog
            .unit(code)
            .map(|u| format!("{code} {} / {}", u.name, u.name_en))
    };
    match &decision.outcome {
        Outcome::Assigned(u) => println!("assigned to: {}", name(u).unwrap_or_else(|| u.clone())),
        Outcome::PendingDispatch(Some(o)) => {
            println!("pending_dispatch at: {}", name(o).unwrap_or_else(|| o.clone()))
        }
        Outcome::PendingDispatch(None) => println!("pending_dispatch (no rectification office found)"),
    }
    println!("rule: {}", decision.rule.as_deref().unwrap_or("none"));
    println!("why: {}", decision.explanation);
    println!("     {}", decision.explanation_en);
    Ok(())
}
