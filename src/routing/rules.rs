//! Routing rules from `config/routing.toml`, checked against the catalog when loaded: unknown
//! kinds, categories, channels, unit kinds, regions and units are errors naming the rule.

use std::path::Path;

use serde::Deserialize;

use crate::catalog::Catalog;
use crate::domain::{Channel, Kind, UnitKind};

/// Where a rule sends a submission, relative to the anchor region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// In the region, walking up until such a unit exists.
    Same,
    /// One level above where `Same` would land.
    Parent,
    /// At province level.
    Province,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Kind {
        kind: UnitKind,
        level: Level,
    },
    Unit(String),
    /// The unit hosting the open-day event the submission was made at.
    EventHost,
}

/// What the target unit of a submission may be for a rule to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The submission names no unit.
    None,
    Unit(UnitKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub summary: String,
    pub summary_en: String,
    /// Empty means any.
    pub kinds: Vec<Kind>,
    pub categories: Vec<String>,
    pub channels: Vec<Channel>,
    pub region_prefix: Option<String>,
    pub target_unit_kinds: Vec<TargetKind>,
    /// Matches only a submission made at an event and about the unit hosting it.
    pub about_event_host: bool,
    pub to: Destination,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    summary: String,
    summary_en: String,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    channels: Vec<String>,
    region_prefix: Option<String>,
    #[serde(default)]
    target_unit_kinds: Vec<String>,
    #[serde(default)]
    about_event_host: bool,
    to: RawDestination,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDestination {
    unit_kind: Option<String>,
    level: Option<String>,
    unit: Option<String>,
    #[serde(default)]
    event_host: bool,
}

impl Rules {
    /// Reads `routing.toml` from `config_dir` and checks it against the catalog.
    pub fn load(config_dir: &Path, catalog: &Catalog) -> Result<Rules, Vec<String>> {
        let path = config_dir.join("routing.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| vec![format!("{}: {e}", path.display())])?;
        Self::parse(&text, catalog).map_err(|errs| {
            errs.into_iter()
                .map(|e| format!("{}: {e}", path.display()))
                .collect()
        })
    }

    /// Parses and checks rules given as TOML text.
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Rules, Vec<String>> {
        let raw: RawFile = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in raw.rule {
            let id = r.id.clone();
            if !seen.insert(id.clone()) {
                errors.push(format!("rule {id} is defined twice"));
            }
            let mut bad =
                |what: &str, value: &str| errors.push(format!("rule {id}: unknown {what} `{value}`"));
            let kinds = r
                .kinds
                .iter()
                .filter_map(|k| {
                    Kind::from_code(k).or_else(|| {
                        bad("kind", k);
                        None
                    })
                })
                .collect();
            for c in &r.categories {
                if catalog.category(c).is_none() {
                    bad("category", c);
                }
            }
            let channels = r
                .channels
                .iter()
                .filter_map(|c| {
                    Channel::from_code(c).or_else(|| {
                        bad("channel", c);
                        None
                    })
                })
                .collect();
            if let Some(prefix) = &r.region_prefix {
                if !catalog
                    .regions
                    .iter()
                    .any(|reg| reg.code.starts_with(prefix.as_str()))
                {
                    bad("region prefix", prefix);
                }
            }
            let target_unit_kinds = r
                .target_unit_kinds
                .iter()
                .filter_map(|t| {
                    if t == "none" {
                        Some(TargetKind::None)
                    } else {
                        UnitKind::from_code(t).map(TargetKind::Unit).or_else(|| {
                            bad("target unit kind", t);
                            None
                        })
                    }
                })
                .collect();
            let to = match (&r.to.unit_kind, &r.to.level, &r.to.unit) {
                (None, None, None) if r.to.event_host => {
                    if !r.about_event_host {
                        errors.push(format!(
                            "rule {id}: `to = {{ event_host = true }}` needs `about_event_host = true`"
                        ));
                    }
                    Some(Destination::EventHost)
                }
                _ if r.to.event_host => {
                    errors.push(format!("rule {id}: `event_host` stands alone in `to`"));
                    None
                }
                (Some(kind), level, None) => {
                    let level = match level.as_deref().unwrap_or("same") {
                        "same" => Some(Level::Same),
                        "parent" => Some(Level::Parent),
                        "province" => Some(Level::Province),
                        other => {
                            bad("level", other);
                            None
                        }
                    };
                    match (UnitKind::from_code(kind), level) {
                        (Some(kind), Some(level)) => Some(Destination::Kind { kind, level }),
                        (None, _) => {
                            bad("unit kind", kind);
                            None
                        }
                        _ => None,
                    }
                }
                (None, None, Some(unit)) => {
                    if catalog.unit(unit).is_none() {
                        bad("unit", unit);
                    }
                    Some(Destination::Unit(unit.clone()))
                }
                _ => {
                    errors.push(format!(
                        "rule {id}: `to` needs `unit_kind` (with an optional `level`), `unit` or `event_host`"
                    ));
                    None
                }
            };
            if let Some(to) = to {
                rules.push(Rule {
                    id: r.id,
                    summary: r.summary,
                    summary_en: r.summary_en,
                    kinds,
                    categories: r.categories,
                    channels,
                    region_prefix: r.region_prefix,
                    target_unit_kinds,
                    about_event_host: r.about_event_host,
                    to,
                });
            }
        }
        if errors.is_empty() {
            Ok(Rules { rules })
        } else {
            Err(errors)
        }
    }
}
