//! The conflict-of-interest rule (回避) in the one place every move of a case passes through.
//!
//! A report (举报) about a unit is never held — assigned, or waiting for dispatch — by that unit or
//! by any unit below it ([`Directory::at_or_below`]). Intake routing ([`super::engine`]),
//! transfer, escalation, decline, dispatch, the review after "not satisfied" and merge all place a
//! case through this module, and a case row's holder can only be written from a [`Holder`] made
//! here, so no present or future path can forget the rule.
//!
//! Two kinds of destination:
//! - one a person **chose** by name (transfer, dispatch): refused when forbidden, with the reason;
//! - one the service **worked out** (routing, escalation, the review unit, the dispatch office):
//!   when forbidden it goes one level up (提级) exactly as intake routing does — to the reported
//!   unit's superior, else the discipline body of its region, else the nearest rectification office
//!   that may hold it.

use super::directory::Directory;
use crate::domain::{Kind, UnitKind};

/// A case as the rule sees it: what it is, which unit it is about, and the region it is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// The unit a report is about; `None` for every other kind (the rule binds reports only).
    reported: Option<usize>,
    /// The target unit's region, else the submission's own: where routing looks for units.
    anchor: Option<usize>,
}

impl Subject {
    /// The case of `kind` from `region` about `target_unit` (codes; unknown ones count as none).
    pub fn of(dir: &Directory, kind: Kind, region: &str, target_unit: Option<&str>) -> Subject {
        let target = target_unit.and_then(|t| dir.unit(t));
        Subject {
            reported: target.filter(|_| kind == Kind::Report),
            anchor: target.map(|t| dir.units[t].region).or_else(|| dir.region(region)),
        }
    }

    /// The unit a report is about.
    pub fn reported(&self) -> Option<usize> {
        self.reported
    }

    /// The region routing reads this case in.
    pub fn anchor(&self) -> Option<usize> {
        self.anchor
    }

    /// True when `unit` may hold this case.
    pub fn may_hold(&self, dir: &Directory, unit: usize) -> bool {
        self.reported.is_none_or(|t| !dir.at_or_below(unit, t))
    }
}

/// Who holds a case: a unit working it, or a rectification office's dispatch queue (no office
/// only when the directory has none that may hold it). Made only by this module's functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder(Place);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Unit(String),
    Dispatch(Option<String>),
}

impl Holder {
    /// The unit the case is assigned to, if it is assigned.
    pub fn assigned_unit(&self) -> Option<&str> {
        match &self.0 {
            Place::Unit(u) => Some(u),
            Place::Dispatch(_) => None,
        }
    }

    /// The office whose dispatcher the case waits for, if it waits.
    pub fn dispatch_unit(&self) -> Option<&str> {
        match &self.0 {
            Place::Unit(_) => None,
            Place::Dispatch(o) => o.as_deref(),
        }
    }

    /// The unit that has the case now, either way.
    pub fn unit(&self) -> Option<&str> {
        self.assigned_unit().or(self.dispatch_unit())
    }
}

/// Why a chosen unit may not hold a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden;

/// How a worked-out destination ended up where it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub holder: Holder,
    /// Set when the natural destination was forbidden and the case went elsewhere: a line for the
    /// timeline, in Chinese and English.
    pub diverted: Option<(String, String)>,
}

/// Where a report goes instead of its target or a unit below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Avoidance {
    /// The reported unit's superior (提级).
    Superior(usize),
    /// The discipline body of the reported unit's region, when it has no superior.
    Discipline(usize),
}

impl Avoidance {
    pub fn unit(self) -> usize {
        match self {
            Avoidance::Superior(u) | Avoidance::Discipline(u) => u,
        }
    }
}

/// The unit a report about `target` goes to instead: its superior, else the discipline body of its
/// region — whichever is not itself at or below the target.
pub fn avoid(dir: &Directory, target: usize) -> Option<Avoidance> {
    let t = &dir.units[target];
    if let Some(up) = t.parent.filter(|&p| !dir.at_or_below(p, target)) {
        return Some(Avoidance::Superior(up));
    }
    dir.nearest(t.region, UnitKind::Discipline)
        .filter(|&d| !dir.at_or_below(d, target))
        .map(Avoidance::Discipline)
}

/// The rectification office nearest to `anchor` that may hold the case: walking up past any
/// office the report is about (or that is below it).
pub fn office(dir: &Directory, reported: Option<usize>, anchor: Option<usize>) -> Option<usize> {
    let mut cur = anchor;
    let mut steps = 0;
    while let Some(r) = cur {
        let o = dir.nearest(r, UnitKind::Office)?;
        if reported.is_none_or(|t| !dir.at_or_below(o, t)) {
            return Some(o);
        }
        steps += 1;
        if steps > dir.regions.len() {
            return None;
        }
        cur = dir.regions[dir.units[o].region].parent;
    }
    None
}

/// A unit a person chose by name: the case goes there, or the choice is refused.
pub fn chosen(dir: &Directory, case: &Subject, unit: usize) -> Result<Holder, Forbidden> {
    if case.may_hold(dir, unit) {
        Ok(Holder(Place::Unit(dir.units[unit].code.clone())))
    } else {
        Err(Forbidden)
    }
}

/// A unit the service worked out: the case goes there if it may, else one level up as intake
/// routing does (the reported unit's superior, the discipline body, a dispatch office).
pub fn worked_out(dir: &Directory, case: &Subject, unit: usize) -> Placed {
    if case.may_hold(dir, unit) {
        return Placed {
            holder: Holder(Place::Unit(dir.units[unit].code.clone())),
            diverted: None,
        };
    }
    let not_here = &dir.units[unit];
    if let Some(t) = case.reported {
        if let Some(a) = avoid(dir, t) {
            let to = &dir.units[a.unit()];
            return Placed {
                holder: Holder(Place::Unit(to.code.clone())),
                diverted: Some((
                    format!("按回避规定，不交{}，提级交{}办理。", not_here.name, to.name),
                    format!(
                        "To avoid a conflict of interest it goes not to {} but one level up to {}.",
                        not_here.name_en, to.name_en
                    ),
                )),
            };
        }
    }
    let placed = dispatch(dir, case);
    Placed {
        diverted: Some((
            format!("按回避规定，不交{}，等待分派。", not_here.name),
            format!(
                "To avoid a conflict of interest it goes not to {} but waits for dispatch.",
                not_here.name_en
            ),
        )),
        ..placed
    }
}

/// The case waits for dispatch at the nearest office that may hold it. A report no office may hold
/// goes one level up instead ([`avoid`]), so it is always in some unit's queue.
pub fn dispatch(dir: &Directory, case: &Subject) -> Placed {
    if let Some(o) = office(dir, case.reported, case.anchor) {
        return Placed {
            holder: Holder(Place::Dispatch(Some(dir.units[o].code.clone()))),
            diverted: None,
        };
    }
    if let Some(a) = case.reported.and_then(|t| avoid(dir, t)) {
        let to = &dir.units[a.unit()];
        return Placed {
            holder: Holder(Place::Unit(to.code.clone())),
            diverted: Some((
                format!("没有可回避的分派机构，提级交{}办理。", to.name),
                format!(
                    "No dispatch office may take it without a conflict of interest; sent one level up to {}.",
                    to.name_en
                ),
            )),
        };
    }
    Placed {
        holder: Holder(Place::Dispatch(None)),
        diverted: None,
    }
}

/// The holder a routing decision names (the engine applied the rule already).
pub(super) fn from_decision(outcome: &super::Outcome) -> Holder {
    match outcome {
        super::Outcome::Assigned(u) => Holder(Place::Unit(u.clone())),
        super::Outcome::PendingDispatch(o) => Holder(Place::Dispatch(o.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn dir() -> Directory {
        let config = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
        Directory::from_catalog(&Catalog::load(config).expect("catalog loads"))
    }

    fn unit(dir: &Directory, code: &str) -> usize {
        dir.unit(code).expect(code)
    }

    #[test]
    fn a_report_about_an_office_never_waits_at_it_or_below() {
        let d = dir();
        for office in ["371100-office", "370000-office", "370900-office"] {
            let case = Subject::of(&d, Kind::Report, "371102", Some(office));
            let placed = dispatch(&d, &case);
            let holder = placed.holder.unit().map(|u| unit(&d, u));
            let t = unit(&d, office);
            assert!(
                holder.is_some_and(|h| !d.at_or_below(h, t)),
                "{office}: {placed:?}"
            );
        }
    }

    #[test]
    fn a_complaint_waits_at_the_office_of_its_target_region() {
        let d = dir();
        let case = Subject::of(&d, Kind::Complaint, "371102", Some("370983-police"));
        let placed = dispatch(&d, &case);
        let office = placed
            .holder
            .dispatch_unit()
            .map(|o| unit(&d, o))
            .expect("an office");
        assert!(d.region_within(d.region("370983").unwrap(), d.units[office].region));
        assert_eq!(placed.diverted, None);
    }

    #[test]
    fn a_chosen_unit_at_or_below_the_reported_one_is_refused() {
        let d = dir();
        let case = Subject::of(&d, Kind::Report, "370900", Some("370900-police"));
        assert_eq!(chosen(&d, &case, unit(&d, "370900-police")), Err(Forbidden));
        assert_eq!(chosen(&d, &case, unit(&d, "370983-police")), Err(Forbidden));
        assert!(chosen(&d, &case, unit(&d, "370000-police")).is_ok());
        // Other kinds may go anywhere.
        let complaint = Subject::of(&d, Kind::Complaint, "370900", Some("370900-police"));
        assert!(chosen(&d, &complaint, unit(&d, "370900-police")).is_ok());
    }

    #[test]
    fn a_worked_out_unit_that_is_forbidden_goes_one_level_up() {
        let d = dir();
        let case = Subject::of(&d, Kind::Report, "370983", Some("370900-police"));
        let placed = worked_out(&d, &case, unit(&d, "370983-police"));
        assert_eq!(placed.holder.assigned_unit(), Some("370000-police"));
        assert!(placed.diverted.is_some());
    }
}
