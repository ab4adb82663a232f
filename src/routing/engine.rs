//! The routing engine: a pure function of (submission facts, directory, rules) → decision.
//! No I/O. Every decision names the rule that fired (if any) and explains itself in one line, in
//! Chinese and English, for the handler who receives the case.
//!
//! Hard rules, whatever the configuration says:
//! - a report (举报) about a unit is never assigned to that unit or below it — see
//!   [`Directory::at_or_below`]; it goes one level up (提级) to the target's superior, else to the
//!   discipline body of the target's region, else waits for dispatch;
//! - what no rule routes waits for dispatch (`pending_dispatch`) at the rectification office
//!   (`office`) of the nearest region that has one.

use super::directory::Directory;
use super::guard::{self, Avoidance};
use super::rules::{Destination, Level, Rule, Rules, TargetKind};
use crate::domain::{Channel, Kind, UnitKind};

/// What routing looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    pub kind: Kind,
    pub category: &'a str,
    pub channel: Channel,
    pub region: &'a str,
    pub target_unit: Option<&'a str>,
    /// The unit hosting the open-day event the submission was made at, if any.
    pub event_host: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Assigned to this unit.
    Assigned(String),
    /// Waiting for a dispatcher at this rectification office (none if the directory has none).
    PendingDispatch(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// The rule that fired, if any.
    pub rule: Option<String>,
    pub explanation: String,
    pub explanation_en: String,
}

impl Decision {
    /// Who holds the case after this decision.
    pub fn holder(&self) -> super::Holder {
        guard::from_decision(&self.outcome)
    }

    pub fn assigned_unit(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Assigned(u) => Some(u),
            Outcome::PendingDispatch(_) => None,
        }
    }
}

fn matches(rule: &Rule, facts: &Facts<'_>, target_kind: Option<UnitKind>) -> bool {
    (rule.kinds.is_empty() || rule.kinds.contains(&facts.kind))
        && (rule.categories.is_empty() || rule.categories.iter().any(|c| c == facts.category))
        && (rule.channels.is_empty() || rule.channels.contains(&facts.channel))
        && rule
            .region_prefix
            .as_deref()
            .is_none_or(|p| facts.region.starts_with(p))
        && (!rule.about_event_host || (facts.event_host.is_some() && facts.event_host == facts.target_unit))
        && (rule.target_unit_kinds.is_empty()
            || rule.target_unit_kinds.iter().any(|t| match (t, target_kind) {
                (TargetKind::None, None) => true,
                (TargetKind::Unit(k), Some(tk)) => *k == tk,
                _ => false,
            }))
}

/// Why a destination did not resolve (for the explanation).
enum Unresolved {
    NoSuchUnit,
}

fn resolve(
    dir: &Directory,
    to: &Destination,
    anchor: usize,
    event_host: Option<&str>,
) -> Result<(usize, bool), Unresolved> {
    match to {
        Destination::EventHost => event_host
            .and_then(|h| dir.unit(h))
            .map(|u| (u, false))
            .ok_or(Unresolved::NoSuchUnit),
        Destination::Unit(code) => dir.unit(code).map(|u| (u, false)).ok_or(Unresolved::NoSuchUnit),
        Destination::Kind { kind, level } => {
            let same = dir.nearest(anchor, *kind).ok_or(Unresolved::NoSuchUnit)?;
            let walked = dir.units[same].region != anchor;
            match level {
                Level::Same => Ok((same, walked)),
                Level::Parent => {
                    let up = dir.regions[dir.units[same].region]
                        .parent
                        .ok_or(Unresolved::NoSuchUnit)?;
                    dir.nearest(up, *kind)
                        .map(|u| (u, false))
                        .ok_or(Unresolved::NoSuchUnit)
                }
                Level::Province => dir
                    .unit_at(dir.root(anchor), *kind)
                    .map(|u| (u, false))
                    .ok_or(Unresolved::NoSuchUnit),
            }
        }
    }
}

/// What a kind of unit is called in an explanation.
fn kind_name(kind: UnitKind) -> (&'static str, &'static str) {
    match kind {
        UnitKind::Plc => ("政法委", "political-legal committee"),
        UnitKind::Police => ("公安机关", "police"),
        UnitKind::Procuratorate => ("检察院", "procuratorate"),
        UnitKind::Court => ("法院", "court"),
        UnitKind::Justice => ("司法局", "justice bureau"),
        UnitKind::Discipline => ("纪委监委", "discipline body"),
        UnitKind::Office => ("教育整顿办", "rectification office"),
    }
}

fn rule_label(rule: &Rule) -> (String, String) {
    (
        format!("规则 {}（{}）", rule.id, rule.summary),
        format!("Rule {} ({})", rule.id, rule.summary_en),
    )
}

/// Decides where a submission goes. Facts naming an unknown region or unit are treated as naming
/// none (the intake validation refuses them before this point).
pub fn route(facts: &Facts<'_>, dir: &Directory, rules: &Rules) -> Decision {
    let target = facts.target_unit.and_then(|t| dir.unit(t));
    let target_kind = target.map(|t| dir.units[t].kind);
    // The region a rule is read in: the target unit's, else the submission's own.
    let anchor = target
        .map(|t| dir.units[t].region)
        .or_else(|| dir.region(facts.region));
    let report_target = if facts.kind == Kind::Report { target } else { None };

    let Some(anchor) = anchor else {
        return pending(
            dir,
            None,
            report_target,
            None,
            "地区不明",
            "the region is unknown",
        );
    };
    for rule in &rules.rules {
        if !matches(rule, facts, target_kind) {
            continue;
        }
        let (label, label_en) = rule_label(rule);
        let Ok((unit, walked)) = resolve(dir, &rule.to, anchor, facts.event_host) else {
            return pending(
                dir,
                Some(anchor),
                report_target,
                Some(rule.id.clone()),
                &format!("{label}指定的单位在本地区及上级都不存在"),
                &format!("{label_en} names a unit that exists neither here nor above"),
            );
        };
        if let Some(t) = report_target {
            if dir.at_or_below(unit, t) {
                return escalate(dir, anchor, t, unit, rule, report_target);
            }
        }
        let u = &dir.units[unit];
        let (note, note_en) = if walked {
            let r = &dir.regions[anchor];
            let (k, k_en) = kind_name(u.kind);
            (
                format!("（{}没有{k}，向上级查找）", r.name),
                format!(" ({} has no {k_en}; looked higher up)", r.name_en),
            )
        } else {
            (String::new(), String::new())
        };
        return Decision {
            outcome: Outcome::Assigned(u.code.clone()),
            rule: Some(rule.id.clone()),
            explanation: format!("{label}：交{}办理{note}。", u.name),
            explanation_en: format!("{label_en}: sent to {}{note_en}.", u.name_en),
        };
    }
    pending(
        dir,
        Some(anchor),
        report_target,
        None,
        "没有适用的分办规则",
        "no routing rule applies",
    )
}

/// A report whose rule lands on its target or below: one level up, else the discipline body.
fn escalate(
    dir: &Directory,
    anchor: usize,
    target: usize,
    landed: usize,
    rule: &Rule,
    report_target: Option<usize>,
) -> Decision {
    let (label, label_en) = rule_label(rule);
    let t = &dir.units[target];
    let why = if landed == target {
        (
            format!("被举报单位为{}，不得自查", t.name),
            format!("the report is about {}, which may not handle it", t.name_en),
        )
    } else {
        (
            format!("{}位于被举报单位{}之下，不得查办", dir.units[landed].name, t.name),
            format!(
                "{} is below {}, the unit reported",
                dir.units[landed].name_en, t.name_en
            ),
        )
    };
    match guard::avoid(dir, target) {
        Some(Avoidance::Superior(up)) => {
            let u = &dir.units[up];
            return Decision {
                outcome: Outcome::Assigned(u.code.clone()),
                rule: Some(rule.id.clone()),
                explanation: format!("{label}：{}，按回避规定提级，交上级{}办理。", why.0, u.name),
                explanation_en: format!(
                    "{label_en}: {}; to avoid a conflict of interest it goes one level up (提级) to {}.",
                    why.1, u.name_en
                ),
            };
        }
        Some(Avoidance::Discipline(d)) => {
            let u = &dir.units[d];
            return Decision {
                outcome: Outcome::Assigned(u.code.clone()),
                rule: Some(rule.id.clone()),
                explanation: format!("{label}：{}，且无上级单位，交{}办理。", why.0, u.name),
                explanation_en: format!(
                    "{label_en}: {}, and it has no superior; sent to the discipline body {}.",
                    why.1, u.name_en
                ),
            };
        }
        None => {}
    }
    pending(
        dir,
        Some(anchor),
        report_target,
        Some(rule.id.clone()),
        &format!("{label}：{}，且无可回避的承办单位", why.0),
        &format!("{label_en}: {}, and no unit outside it can take the case", why.1),
    )
}

/// Waits for dispatch at the nearest rectification office (never one the report is about).
fn pending(
    dir: &Directory,
    anchor: Option<usize>,
    report_target: Option<usize>,
    rule: Option<String>,
    why: &str,
    why_en: &str,
) -> Decision {
    let mut why_en = why_en.to_owned();
    if let Some(first) = why_en.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let office = guard::office(dir, report_target, anchor);
    if office.is_none() {
        // A report no rectification office may hold still needs a unit that sees it.
        if let Some(a) = report_target.and_then(|t| guard::avoid(dir, t)) {
            let u = &dir.units[a.unit()];
            return Decision {
                outcome: Outcome::Assigned(u.code.clone()),
                rule,
                explanation: format!("{why}，且没有可回避的分派机构，提级交{}办理。", u.name),
                explanation_en: format!(
                    "{why_en}, and no dispatch office may take it without a conflict of interest; sent one level up to {}.",
                    u.name_en
                ),
            };
        }
    }
    let (zh, en) = match office {
        Some(o) => (
            format!("{why}，由{}分派。", dir.units[o].name),
            format!("{why_en}; waiting for {} to dispatch it.", dir.units[o].name_en),
        ),
        None => (
            format!("{why}，等待人工分派。"),
            format!("{why_en}; waiting to be dispatched by hand."),
        ),
    };
    Decision {
        outcome: Outcome::PendingDispatch(office.map(|o| dir.units[o].code.clone())),
        rule,
        explanation: zh,
        explanation_en: en,
    }
}
