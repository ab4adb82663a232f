//! Static checks of a rule set against the directory, for `minsheng check-config`: rules that an
//! earlier rule shadows, destinations that exist nowhere, and how much would fall to dispatch.

use super::directory::Directory;
use super::engine::{route, Facts, Outcome};
use super::rules::{Destination, Rule, Rules};
use crate::catalog::Catalog;
use crate::domain::{Channel, Kind};

fn covers<T: PartialEq>(earlier: &[T], later: &[T]) -> bool {
    earlier.is_empty() || (!later.is_empty() && later.iter().all(|x| earlier.contains(x)))
}

/// True when every submission `later` matches is matched by `earlier` first.
pub fn shadows(earlier: &Rule, later: &Rule) -> bool {
    // A rule about an event's host matches only some submissions of its kinds and channels.
    (!earlier.about_event_host || later.about_event_host)
        && covers(&earlier.kinds, &later.kinds)
        && covers(&earlier.categories, &later.categories)
        && covers(&earlier.channels, &later.channels)
        && covers(&earlier.target_unit_kinds, &later.target_unit_kinds)
        && match (&earlier.region_prefix, &later.region_prefix) {
            (None, _) => true,
            (Some(e), Some(l)) => l.starts_with(e.as_str()),
            (Some(_), None) => false,
        }
}

/// `(shadowed rule, by rule)` for every rule that can never fire.
pub fn shadowed(rules: &Rules) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (j, later) in rules.rules.iter().enumerate() {
        if let Some(earlier) = rules.rules[..j].iter().find(|e| shadows(e, later)) {
            out.push((later.id.clone(), earlier.id.clone()));
        }
    }
    out
}

/// Rules whose destination kind has no unit anywhere in the directory.
pub fn nowhere(rules: &Rules, dir: &Directory) -> Vec<String> {
    rules
        .rules
        .iter()
        .filter(|r| match &r.to {
            Destination::Kind { kind, .. } => !dir.units.iter().any(|u| u.kind == *kind),
            Destination::Unit(code) => dir.unit(code).is_none(),
            // Whether an event has a host is known only per submission.
            Destination::EventHost => false,
        })
        .map(|r| r.id.clone())
        .collect()
}

/// For one kind at one level of region: how many (category, region) pairs would wait for dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub kind: Kind,
    /// 0 province, 1 city, 2 county.
    pub depth: usize,
    pub categories: usize,
    pub regions: usize,
    pub pending_pairs: usize,
    /// Categories that fall to dispatch in at least one region of this level.
    pub pending_categories: Vec<String>,
}

/// Routes every category of every kind from every region (web, no target unit named).
pub fn coverage(catalog: &Catalog, dir: &Directory, rules: &Rules) -> Vec<Coverage> {
    let max_depth = dir.regions.iter().map(|r| r.depth).max().unwrap_or(0);
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let categories: Vec<_> = catalog.categories_of(*kind).collect();
        for depth in 0..=max_depth {
            let regions: Vec<_> = dir.regions.iter().filter(|r| r.depth == depth).collect();
            let mut pending_pairs = 0;
            let mut pending_categories = Vec::new();
            for c in &categories {
                let mut any = false;
                for r in &regions {
                    let facts = Facts {
                        kind: *kind,
                        category: &c.code,
                        channel: Channel::Web,
                        region: &r.code,
                        target_unit: None,
                        event_host: None,
                    };
                    if matches!(route(&facts, dir, rules).outcome, Outcome::PendingDispatch(_)) {
                        pending_pairs += 1;
                        any = true;
                    }
                }
                if any {
                    pending_categories.push(c.code.clone());
                }
            }
            out.push(Coverage {
                kind: *kind,
                depth,
                categories: categories.len(),
                regions: regions.len(),
                pending_pairs,
                pending_categories,
            });
        }
    }
    out
}
