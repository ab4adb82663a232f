//! The board built from a small catalog: roll-ups, suppression, rates.

use super::*;
use crate::domain::stats::suppress::RateShown;
use std::path::Path;

fn catalog() -> Catalog {
    Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap()
}

fn group(month: i32, region: &str, unit: &str, kind: &str, category: &str, n: i64) -> MonthGroup {
    MonthGroup {
        month,
        region: region.into(),
        unit: unit.into(),
        kind: kind.into(),
        category: category.into(),
        received: n,
        accepted: n,
        concluded: n,
        on_time: n,
        rated: 0,
        satisfied: 0,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn counties_roll_up_and_a_small_one_cannot_be_worked_out() {
    let c = catalog();
    let groups = [
        group(
            202612,
            "370983",
            "370983-police",
            "complaint",
            "service_attitude",
            3,
        ),
        group(
            202612,
            "370982",
            "370982-police",
            "complaint",
            "service_attitude",
            20,
        ),
    ];
    let b = build(&c, &groups, Utc::now(), d(2026, 1, 1), d(2026, 12, 2), 10);
    assert_eq!(b.months.len(), 12);
    let city = b.region("370900").unwrap();
    assert_eq!(city.total.received.value, Some(23));
    let small = b.region("370983").unwrap();
    assert_eq!(small.total.received.mark, Mark::Small);
    assert_eq!(small.total.received.value, None);
    let sibling = b.region("370982").unwrap();
    assert!(sibling.total.received.mark.hidden());
    assert_eq!(b.region("370000").unwrap().total.received.value, Some(23));
    // The kinds of unit add up to everything.
    let police = b.unit_kinds.iter().find(|r| r.code == "police").unwrap();
    assert_eq!(police.total.received.value, Some(23));
    // 23 concluded of 23 accepted: a rate over enough cases; a county's is not shown.
    assert_eq!(city.total.rates[0], RateShown::Shown(100.0));
    assert_eq!(small.total.rates[0], RateShown::SmallBase);
    assert!(!matches!(sibling.total.rates[0], RateShown::Shown(_)));
}
