//! Table-driven tests of the engine on the shipped demo directory and rules, tests of each kind
//! of destination on small rule sets, and property tests on random directories and rules.

use std::path::Path;

use proptest::prelude::*;

use super::check;
use super::directory::Directory;
use super::engine::{route, Decision, Facts, Outcome};
use super::rules::{Destination, Level, Rule, Rules, TargetKind};
use crate::catalog::Catalog;
use crate::domain::{Channel, Kind, UnitKind};

fn catalog() -> Catalog {
    Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap()
}

fn shipped() -> (Directory, Rules) {
    let c = catalog();
    let rules = Rules::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config")), &c).unwrap();
    (Directory::from_catalog(&c), rules)
}

fn decide(dir: &Directory, rules: &Rules, case: &Case) -> Decision {
    let facts = Facts {
        kind: Kind::from_code(case.kind).unwrap(),
        category: case.category,
        channel: Channel::from_code(case.channel).unwrap(),
        region: case.region,
        target_unit: case.target,
        event_host: None,
    };
    route(&facts, dir, rules)
}

struct Case {
    kind: &'static str,
    category: &'static str,
    region: &'static str,
    target: Option<&'static str>,
    channel: &'static str,
    /// `Assigned(unit)` or `PendingDispatch(office)`.
    expect: Outcome,
    rule: Option<&'static str>,
}

fn to(unit: &str) -> Outcome {
    Outcome::Assigned(unit.to_owned())
}

fn wait(office: &str) -> Outcome {
    Outcome::PendingDispatch(Some(office.to_owned()))
}

macro_rules! case {
    ($kind:literal, $cat:literal, $region:literal, $target:expr, $expect:expr, $rule:expr) => {
        case!($kind, $cat, $region, $target, "web", $expect, $rule)
    };
    ($kind:literal, $cat:literal, $region:literal, $target:expr, $channel:literal, $expect:expr, $rule:expr) => {
        Case {
            kind: $kind,
            category: $cat,
            region: $region,
            target: $target,
            channel: $channel,
            expect: $expect,
            rule: $rule,
        }
    };
}

fn check_table(dir: &Directory, rules: &Rules, table: &[Case]) {
    for (i, c) in table.iter().enumerate() {
        let d = decide(dir, rules, c);
        assert_eq!(
            (&d.outcome, d.rule.as_deref()),
            (&c.expect, c.rule),
            "case {i}: {} {} in {} about {:?}: {}",
            c.kind,
            c.category,
            c.region,
            c.target,
            d.explanation
        );
        assert!(!d.explanation.is_empty() && !d.explanation_en.is_empty());
        if let Some(rule) = c.rule {
            assert!(
                d.explanation.contains(rule) && d.explanation_en.contains(rule),
                "case {i}"
            );
        }
    }
}

#[test]
fn shipped_rules_route_the_demo_directory() {
    let (dir, rules) = shipped();
    let table = [
        // R1–R4: complaints and help about a unit go to that kind of unit, in the unit's region.
        case!(
            "complaint",
            "service_attitude",
            "370983",
            Some("370983-police"),
            to("370983-police"),
            Some("R1")
        ),
        case!(
            "help",
            "household_registration",
            "370983",
            Some("370900-police"),
            to("370900-police"),
            Some("R1")
        ),
        case!(
            "complaint",
            "service_attitude",
            "370983",
            Some("370983-police"),
            "api",
            to("370983-police"),
            Some("R1")
        ),
        case!(
            "complaint",
            "law_enforcement",
            "370982",
            Some("370982-procuratorate"),
            to("370982-procuratorate"),
            Some("R2")
        ),
        case!(
            "complaint",
            "litigation_services",
            "370503",
            Some("370500-court"),
            to("370500-court"),
            Some("R3")
        ),
        case!(
            "help",
            "judgment_enforcement",
            "370983",
            Some("370983-court"),
            to("370983-court"),
            Some("R3")
        ),
        case!(
            "complaint",
            "vulnerable_groups",
            "370503",
            Some("370500-court"),
            to("370500-court"),
            Some("R3")
        ),
        case!(
            "complaint",
            "legal_aid",
            "371102",
            Some("371102-justice"),
            to("371102-justice"),
            Some("R4")
        ),
        // R5: reports go to the discipline body over the target, walking up where a county has none.
        case!(
            "report",
            "illegal_business",
            "370983",
            Some("370983-police"),
            to("370983-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "lax_enforcement",
            "370505",
            Some("370505-police"),
            to("370500-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "interfering_with_justice",
            "370202",
            Some("370202-court"),
            to("370200-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "lax_enforcement",
            "370983",
            Some("370983-procuratorate"),
            to("370983-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "illegal_business",
            "370983",
            None,
            to("370983-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "illegal_business",
            "371482",
            None,
            to("371400-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "illegal_commutation",
            "370983",
            Some("370900-police"),
            to("370900-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "report_other",
            "370000",
            Some("370000-police"),
            to("370000-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "report_other",
            "370983",
            Some("370983-office"),
            to("370983-discipline"),
            Some("R5")
        ),
        // Conflict of interest: a report about a discipline body goes one level up (提级)...
        case!(
            "report",
            "improper_lawyer_contact",
            "370983",
            Some("370983-discipline"),
            to("370900-discipline"),
            Some("R5")
        ),
        case!(
            "report",
            "report_other",
            "370900",
            Some("370900-discipline"),
            to("370000-discipline"),
            Some("R5")
        ),
        // ...and at province level, with nobody above, it waits for dispatch.
        case!(
            "report",
            "report_other",
            "370000",
            Some("370000-discipline"),
            wait("370000-office"),
            Some("R5")
        ),
        // R6: opinions go to the political-legal committee.
        case!(
            "opinion",
            "policy_suggestion",
            "370983",
            None,
            to("370983-plc"),
            Some("R6")
        ),
        case!(
            "opinion",
            "service_attitude",
            "370000",
            None,
            to("370000-plc"),
            Some("R6")
        ),
        case!(
            "opinion",
            "law_enforcement",
            "370100",
            Some("370983-police"),
            to("370983-plc"),
            Some("R6")
        ),
        case!(
            "opinion",
            "legal_aid",
            "371122",
            None,
            to("371122-plc"),
            Some("R6")
        ),
        // R7–R10: by category when no unit is named; county units missing are found above.
        case!(
            "complaint",
            "household_registration",
            "370302",
            None,
            to("370302-police"),
            Some("R7")
        ),
        case!(
            "help",
            "telecom_fraud",
            "371721",
            None,
            to("371721-police"),
            Some("R7")
        ),
        case!(
            "complaint",
            "traffic_management",
            "370000",
            None,
            to("370000-police"),
            Some("R7")
        ),
        case!(
            "help",
            "public_order",
            "370202",
            None,
            to("370202-police"),
            Some("R7")
        ),
        case!(
            "help",
            "judgment_enforcement",
            "371428",
            None,
            to("371400-court"),
            Some("R8")
        ),
        case!(
            "complaint",
            "litigation_services",
            "371122",
            None,
            to("371100-court"),
            Some("R8")
        ),
        case!(
            "help",
            "judgment_enforcement",
            "370503",
            None,
            to("370500-court"),
            Some("R8")
        ),
        case!(
            "help",
            "mediation_corrections",
            "370102",
            None,
            to("370102-justice"),
            Some("R9")
        ),
        case!(
            "help",
            "legal_aid",
            "371122",
            None,
            to("371122-justice"),
            Some("R9")
        ),
        // Rizhao has no city justice bureau: from the city, the province's.
        case!(
            "complaint",
            "legal_aid",
            "371100",
            None,
            to("370000-justice"),
            Some("R9")
        ),
        case!(
            "complaint",
            "law_enforcement",
            "370211",
            None,
            to("370211-plc"),
            Some("R10")
        ),
        // R11: about a committee or office: the committee one level up.
        case!(
            "complaint",
            "service_attitude",
            "370983",
            Some("370983-plc"),
            to("370900-plc"),
            Some("R11")
        ),
        case!(
            "help",
            "other",
            "370983",
            Some("370983-office"),
            to("370900-plc"),
            Some("R11")
        ),
        case!(
            "complaint",
            "other",
            "370000",
            Some("370000-plc"),
            wait("370000-office"),
            Some("R11")
        ),
        // No rule: the nearest rectification office dispatches.
        case!("complaint", "other", "370983", None, wait("370983-office"), None),
        case!("complaint", "other", "370302", None, wait("370300-office"), None),
        case!("help", "other", "370502", None, wait("370500-office"), None),
        case!(
            "complaint",
            "service_attitude",
            "370000",
            None,
            wait("370000-office"),
            None
        ),
        case!(
            "complaint",
            "business_environment",
            "371702",
            None,
            wait("371702-office"),
            None
        ),
        case!(
            "complaint",
            "service_attitude",
            "370983",
            Some("370983-discipline"),
            wait("370983-office"),
            None
        ),
    ];
    assert!(table.len() >= 40);
    check_table(&dir, &rules, &table);
}

fn rules(text: &str) -> Rules {
    Rules::parse(text, &catalog()).unwrap()
}

#[test]
fn each_kind_of_destination() {
    let (dir, _) = shipped();
    let set = rules(
        r#"
        [[rule]]
        id = "K1"
        summary = "kiosk"
        summary_en = "kiosk"
        channels = ["kiosk"]
        to = { unit = "370000-office" }

        [[rule]]
        id = "T1"
        summary = "tai'an opinions"
        summary_en = "tai'an opinions"
        kinds = ["opinion"]
        region_prefix = "3709"
        to = { unit_kind = "plc", level = "province" }

        [[rule]]
        id = "P1"
        summary = "complaints one level up"
        summary_en = "complaints one level up"
        kinds = ["complaint"]
        to = { unit_kind = "police", level = "parent" }

        [[rule]]
        id = "S1"
        summary = "reports to the police"
        summary_en = "reports to the police"
        kinds = ["report"]
        categories = ["lax_enforcement"]
        to = { unit_kind = "police", level = "same" }

        [[rule]]
        id = "F1"
        summary = "reports to a fixed county bureau"
        summary_en = "reports to a fixed county bureau"
        kinds = ["report"]
        categories = ["illegal_business"]
        to = { unit = "370983-police" }

        [[rule]]
        id = "V1"
        summary = "reports at province level"
        summary_en = "reports at province level"
        kinds = ["report"]
        categories = ["report_other"]
        to = { unit_kind = "police", level = "province" }
        "#,
    );
    let table = [
        case!(
            "complaint",
            "other",
            "370983",
            None,
            "kiosk",
            to("370000-office"),
            Some("K1")
        ),
        case!("opinion", "other", "370983", None, to("370000-plc"), Some("T1")),
        case!("opinion", "other", "370900", None, to("370000-plc"), Some("T1")),
        // Outside the prefix T1 does not match, and nothing else routes opinions.
        case!("opinion", "other", "370503", None, wait("370503-office"), None),
        case!(
            "complaint",
            "other",
            "370983",
            None,
            to("370900-police"),
            Some("P1")
        ),
        case!(
            "complaint",
            "other",
            "370900",
            None,
            to("370000-police"),
            Some("P1")
        ),
        // `parent` from province level finds nothing: dispatch, naming the rule.
        case!(
            "complaint",
            "other",
            "370000",
            None,
            wait("370000-office"),
            Some("P1")
        ),
        // Hard rule: the report lands on its target, so it goes one level up (提级).
        case!(
            "report",
            "lax_enforcement",
            "370983",
            Some("370983-police"),
            to("370900-police"),
            Some("S1")
        ),
        case!(
            "report",
            "lax_enforcement",
            "370983",
            Some("370900-police"),
            to("370000-police"),
            Some("S1")
        ),
        // A province-level target has no superior: its region's discipline body.
        case!(
            "report",
            "lax_enforcement",
            "370000",
            Some("370000-police"),
            to("370000-discipline"),
            Some("S1")
        ),
        // A fixed destination below the target is refused too.
        case!(
            "report",
            "illegal_business",
            "370900",
            Some("370900-police"),
            to("370000-police"),
            Some("F1")
        ),
        case!(
            "report",
            "illegal_business",
            "370983",
            Some("370983-court"),
            to("370983-police"),
            Some("F1")
        ),
        case!(
            "report",
            "report_other",
            "370000",
            Some("370000-police"),
            to("370000-discipline"),
            Some("V1")
        ),
        case!(
            "report",
            "report_other",
            "370983",
            Some("370983-police"),
            to("370000-police"),
            Some("V1")
        ),
    ];
    check_table(&dir, &set, &table);
    let up = decide(&dir, &set, &table[7]);
    assert!(
        up.explanation.contains("提级") && up.explanation_en.contains("one level up"),
        "{}",
        up.explanation
    );
}

#[test]
fn walking_up_is_explained() {
    let (dir, rules) = shipped();
    let d = decide(
        &dir,
        &rules,
        &case!("help", "judgment_enforcement", "370503", None, to("x"), None),
    );
    assert_eq!(
        d.explanation,
        "规则 R8（诉讼服务、执行难事项）：交东营市中级人民法院办理（河口区没有法院，向上级查找）。"
    );
    assert!(d.explanation_en.contains("Hekou District has no court"));
}

#[test]
fn bad_rules_are_named() {
    let c = catalog();
    let errors = Rules::parse(
        r#"
        [[rule]]
        id = "X1"
        summary = "s"
        summary_en = "s"
        kinds = ["praise"]
        categories = ["weather"]
        channels = ["fax"]
        region_prefix = "99"
        target_unit_kinds = ["army"]
        to = { unit_kind = "army" }

        [[rule]]
        id = "X2"
        summary = "s"
        summary_en = "s"
        to = { unit = "999999-police" }
        "#,
        &c,
    )
    .unwrap_err();
    for needle in [
        "kind `praise`",
        "category `weather`",
        "channel `fax`",
        "prefix `99`",
        "`army`",
        "999999-police",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{needle} missing in {errors:?}"
        );
    }
    assert!(errors.iter().all(|e| e.starts_with("rule X")));
}

#[test]
fn shadowed_rules_and_coverage_are_found() {
    let (dir, shipped_rules) = shipped();
    assert!(check::shadowed(&shipped_rules).is_empty());
    assert!(check::nowhere(&shipped_rules, &dir).is_empty());
    let set = rules(
        r#"
        [[rule]]
        id = "A"
        summary = "all complaints"
        summary_en = "all complaints"
        kinds = ["complaint"]
        to = { unit_kind = "plc" }

        [[rule]]
        id = "B"
        summary = "complaints about the police"
        summary_en = "complaints about the police"
        kinds = ["complaint"]
        target_unit_kinds = ["police"]
        region_prefix = "3709"
        to = { unit_kind = "police" }

        [[rule]]
        id = "C"
        summary = "complaints and help"
        summary_en = "complaints and help"
        kinds = ["complaint", "help"]
        to = { unit_kind = "plc" }
        "#,
    );
    assert_eq!(check::shadowed(&set), vec![("B".to_owned(), "A".to_owned())]);
    let cov = check::coverage(&catalog(), &dir, &set);
    let complaint_county = cov
        .iter()
        .find(|c| c.kind == Kind::Complaint && c.depth == 2)
        .unwrap();
    assert_eq!(complaint_county.pending_pairs, 0);
    let report_city = cov
        .iter()
        .find(|c| c.kind == Kind::Report && c.depth == 1)
        .unwrap();
    assert_eq!(
        report_city.pending_pairs,
        report_city.categories * report_city.regions
    );
    // The shipped rules leave exactly the categories no rule names to the offices.
    let cov = check::coverage(&catalog(), &dir, &shipped_rules);
    let help_county = cov.iter().find(|c| c.kind == Kind::Help && c.depth == 2).unwrap();
    assert_eq!(
        help_county.pending_categories,
        ["vulnerable_groups", "business_environment", "other"]
    );
}

// --- property tests on random directories and rule sets --------------------------------------------

/// A random directory: 1–2 provinces, each with cities and counties; each unit kind present with
/// some chance; each unit's parent the same kind in the nearest enclosing region that has one.
fn arb_directory() -> impl Strategy<Value = Directory> {
    (
        1usize..=2,
        proptest::collection::vec((0usize..=3, proptest::collection::vec(any::<u8>(), 28)), 1..=6),
    )
        .prop_map(|(provinces, cities)| {
            let mut regions: Vec<(String, Option<String>)> = Vec::new();
            let mut presence: Vec<u8> = Vec::new();
            for p in 0..provinces {
                regions.push((format!("{}0000", 11 + p), None));
                presence.push(0xff);
            }
            for (i, (counties, bits)) in cities.iter().enumerate() {
                let province = format!("{}0000", 11 + i % provinces);
                let city = format!("{}{:02}00", 11 + i % provinces, i + 1);
                regions.push((city.clone(), Some(province)));
                presence.push(bits[0]);
                for c in 0..*counties {
                    regions.push((format!("{}{:02}", &city[..4], c + 1), Some(city.clone())));
                    presence.push(bits[1 + c]);
                }
            }
            let mut units: Vec<(String, UnitKind, String, Option<String>)> = Vec::new();
            for (i, (code, parent)) in regions.iter().enumerate() {
                for (k, kind) in UnitKind::ALL.iter().enumerate() {
                    if presence[i] & (1 << k) == 0 {
                        continue;
                    }
                    // Parent: the same kind in the nearest ancestor that has one.
                    let mut up = parent.clone();
                    let mut unit_parent = None;
                    while let Some(r) = up {
                        if let Some(u) = units.iter().find(|u| u.2 == r && u.1 == *kind) {
                            unit_parent = Some(u.0.clone());
                            break;
                        }
                        up = regions.iter().find(|x| x.0 == r).and_then(|x| x.1.clone());
                    }
                    units.push((format!("{code}-{kind}"), *kind, code.clone(), unit_parent));
                }
            }
            Directory::from_codes(&regions, &units)
        })
}

fn arb_kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

fn arb_unit_kind() -> impl Strategy<Value = UnitKind> {
    prop::sample::select(UnitKind::ALL.to_vec())
}

fn arb_rule(unit_pick: usize) -> impl Strategy<Value = (Rule, usize)> {
    (
        proptest::collection::vec(arb_kind(), 0..=2),
        proptest::collection::vec(prop::sample::select(vec!["a".to_owned(), "b".to_owned()]), 0..=1),
        proptest::collection::vec(prop::sample::select(Channel::ALL.to_vec()), 0..=1),
        proptest::option::of(prop::sample::select(vec![
            "11".to_owned(),
            "1101".to_owned(),
            "12".to_owned(),
        ])),
        proptest::collection::vec(
            prop_oneof![Just(TargetKind::None), arb_unit_kind().prop_map(TargetKind::Unit)],
            0..=2,
        ),
        arb_unit_kind(),
        prop::sample::select(vec![Level::Same, Level::Parent, Level::Province]),
        any::<bool>(),
        0..unit_pick.max(1),
    )
        .prop_map(
            |(kinds, categories, channels, region_prefix, targets, kind, level, fixed, pick)| {
                let to = if fixed {
                    Destination::Unit(String::new())
                } else {
                    Destination::Kind { kind, level }
                };
                (
                    Rule {
                        id: String::new(),
                        summary: "s".into(),
                        summary_en: "s".into(),
                        kinds,
                        categories,
                        channels,
                        region_prefix,
                        target_unit_kinds: targets,
                        about_event_host: false,
                        to,
                    },
                    pick,
                )
            },
        )
}

fn arb_case() -> impl Strategy<Value = (Directory, Rules, Kind, String, Channel, usize, Option<usize>)> {
    arb_directory().prop_flat_map(|dir| {
        let n_units = dir.units.len().max(1);
        let n_regions = dir.regions.len();
        (
            Just(dir),
            proptest::collection::vec(arb_rule(n_units), 0..=6),
            arb_kind(),
            prop::sample::select(vec!["a".to_owned(), "b".to_owned()]),
            prop::sample::select(Channel::ALL.to_vec()),
            0..n_regions,
            proptest::option::of(0..n_units),
        )
            .prop_map(|(dir, raw_rules, kind, category, channel, region, target)| {
                let rules = raw_rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, (mut rule, pick))| {
                        rule.id = format!("G{i}");
                        if let Destination::Unit(code) = &mut rule.to {
                            *code = dir.units.get(pick).map(|u| u.code.clone()).unwrap_or_default();
                        }
                        rule
                    })
                    .collect();
                let target = target.filter(|_| !dir.units.is_empty());
                (dir, Rules { rules }, kind, category, channel, region, target)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_report_never_lands_on_its_target_or_below((dir, rules, _, category, channel, region, target) in arb_case()) {
        let target = match target { Some(t) => t, None => return Ok(()) };
        let facts = Facts {
            kind: Kind::Report,
            category: &category,
            channel,
            region: &dir.regions[region].code,
            target_unit: Some(&dir.units[target].code),
            event_host: None,
        };
        let d = route(&facts, &dir, &rules);
        match &d.outcome {
            Outcome::Assigned(u) => {
                let u = dir.unit(u).unwrap();
                prop_assert!(!dir.at_or_below(u, target), "{} landed on/below {}: {}", dir.units[u].code, dir.units[target].code, d.explanation);
            }
            Outcome::PendingDispatch(Some(o)) => {
                let o = dir.unit(o).unwrap();
                prop_assert!(!dir.at_or_below(o, target));
            }
            Outcome::PendingDispatch(None) => {}
        }
    }

    #[test]
    fn every_submission_gets_one_unit_or_dispatch_deterministically((dir, rules, kind, category, channel, region, target) in arb_case()) {
        let facts = Facts {
            kind,
            category: &category,
            channel,
            region: &dir.regions[region].code,
            target_unit: target.map(|t| dir.units[t].code.as_str()),
            event_host: None,
        };
        let d = route(&facts, &dir, &rules);
        match &d.outcome {
            Outcome::Assigned(u) => {
                let u = dir.unit(u);
                prop_assert!(u.is_some());
                // Without a rule only one assignment exists: a report that no dispatch office
                // may hold goes one level up from the unit it is about.
                if d.rule.is_none() {
                    let avoided = target.filter(|_| kind == Kind::Report).and_then(|t| crate::routing::guard::avoid(&dir, t));
                    prop_assert_eq!(avoided.map(|a| a.unit()), u, "an assignment names its rule");
                }
            }
            Outcome::PendingDispatch(Some(o)) => {
                let o = dir.unit(o).unwrap();
                prop_assert_eq!(dir.units[o].kind, UnitKind::Office);
            }
            Outcome::PendingDispatch(None) => {
                prop_assert!(!dir.units.iter().any(|u| u.kind == UnitKind::Office) || kind == Kind::Report);
            }
        }
        prop_assert!(!d.explanation.is_empty() && !d.explanation_en.is_empty());
        prop_assert_eq!(route(&facts, &dir, &rules), d);
    }
}

/// Rule R0: at an open day, an opinion about the host goes to the host — and only then.
#[test]
fn an_opinion_at_an_open_day_about_its_host_goes_to_the_host() {
    let (dir, rules) = shipped();
    let at_event =
        |channel: Channel, kind: Kind, target: Option<&'static str>, host: Option<&'static str>| {
            route(
                &Facts {
                    kind,
                    category: "service_attitude",
                    channel,
                    region: "370983",
                    target_unit: target,
                    event_host: host,
                },
                &dir,
                &rules,
            )
        };
    let host = Some("370983-police");
    let d = at_event(Channel::Kiosk, Kind::Opinion, host, host);
    assert_eq!((d.outcome, d.rule.as_deref()), (to("370983-police"), Some("R0")));
    let d = at_event(Channel::Staff, Kind::Opinion, host, host);
    assert_eq!(d.rule.as_deref(), Some("R0"), "staff-assisted at the event too");
    // Not about the host, not at an event, not an opinion, not at the event's screen: other rules.
    for d in [
        at_event(Channel::Kiosk, Kind::Opinion, Some("370983-court"), host),
        at_event(Channel::Kiosk, Kind::Opinion, host, None),
        at_event(Channel::Web, Kind::Opinion, host, host),
        at_event(Channel::Kiosk, Kind::Complaint, host, host),
    ] {
        assert_ne!(d.rule.as_deref(), Some("R0"), "{d:?}");
    }
}

#[test]
fn an_event_host_destination_needs_the_event_host_match() {
    let c = catalog();
    let bad = r#"
[[rule]]
id = "X"
summary = "s"
summary_en = "s"
to = { event_host = true }
"#;
    let errors = Rules::parse(bad, &c).unwrap_err();
    assert!(errors[0].contains("about_event_host"), "{errors:?}");
}
