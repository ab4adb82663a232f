//! Routing decisions per second: on the shipped Shandong demo directory, and on a generated
//! directory of about 3,000 units (1 province, 30 cities, 470 counties; every kind at province and
//! city level, six of the seven kinds in each county so that look-ups also walk up).
//!
//! `cargo bench --bench routing`. Targets (issue #3): < 5 µs per decision on the demo directory,
//! < 50 µs on the generated one.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use minsheng::catalog::Catalog;
use minsheng::domain::{Channel, Kind, UnitKind};
use minsheng::routing::{route, Directory, Facts, Rules};

#[allow(
    clippy::expect_used,
    reason = "a benchmark on the shipped files cannot run without them: stop at once"
)]
fn shipped() -> (Catalog, Rules) {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
    let catalog = Catalog::load(dir).expect("shipped catalog");
    let rules = Rules::load(dir, &catalog).expect("shipped rules");
    (catalog, rules)
}

/// (region code, parent) and (unit code, kind, region, parent) for a large generated province.
fn generated() -> Directory {
    let mut regions: Vec<(String, Option<String>)> = vec![("500000".into(), None)];
    let mut units: Vec<(String, UnitKind, String, Option<String>)> = Vec::new();
    for kind in UnitKind::ALL {
        units.push((format!("500000-{kind}"), *kind, "500000".into(), None));
    }
    let mut county = 0;
    for city in 1..=30 {
        let city_code = format!("50{city:02}00");
        regions.push((city_code.clone(), Some("500000".into())));
        for kind in UnitKind::ALL {
            units.push((
                format!("{city_code}-{kind}"),
                *kind,
                city_code.clone(),
                Some(format!("500000-{kind}")),
            ));
        }
        let counties = if city <= 20 { 16 } else { 15 };
        for c in 1..=counties {
            county += 1;
            let code = format!("50{city:02}{c:02}");
            regions.push((code.clone(), Some(city_code.clone())));
            let missing = UnitKind::ALL[county % UnitKind::ALL.len()];
            for kind in UnitKind::ALL.iter().filter(|k| **k != missing) {
                units.push((
                    format!("{code}-{kind}"),
                    *kind,
                    code.clone(),
                    Some(format!("{city_code}-{kind}")),
                ));
            }
        }
    }
    Directory::from_codes(&regions, &units)
}

type Case = (Kind, &'static str, String, Option<String>);

/// A mix of decisions: by target unit, by category with walking up, reports that must be
/// escalated, and ones that fall to dispatch.
fn mix(counties: &[&str]) -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, county) in counties.iter().enumerate() {
        let c = county.to_string();
        let city = format!("{}00", &county[..4]);
        cases.push((
            Kind::Complaint,
            "service_attitude",
            c.clone(),
            Some(format!("{c}-police")),
        ));
        cases.push((
            Kind::Report,
            "illegal_business",
            c.clone(),
            Some(format!("{c}-police")),
        ));
        cases.push((
            Kind::Report,
            "report_other",
            c.clone(),
            Some(format!("{city}-discipline")),
        ));
        cases.push((Kind::Help, "judgment_enforcement", c.clone(), None));
        cases.push((Kind::Opinion, "policy_suggestion", c.clone(), None));
        cases.push((
            Kind::Complaint,
            if i % 2 == 0 { "other" } else { "legal_aid" },
            c,
            None,
        ));
    }
    cases
}

fn bench_directory(c: &mut Criterion, name: &str, dir: &Directory, rules: &Rules, cases: &[Case]) {
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let (kind, category, region, target) = &cases[i % cases.len()];
            i += 1;
            let facts = Facts {
                kind: *kind,
                category,
                channel: Channel::Web,
                region,
                target_unit: target.as_deref(),
                event_host: None,
            };
            black_box(route(black_box(&facts), dir, rules))
        })
    });
}

fn routing(c: &mut Criterion) {
    let (catalog, rules) = shipped();
    let demo = Directory::from_catalog(&catalog);
    // Baseline measured in the same run: the least any decision does (look the unit up, copy its
    // code), so the ratio to it holds across machines.
    let codes: Vec<String> = demo.units.iter().map(|u| u.code.clone()).collect();
    let mut j = 0;
    c.bench_function("baseline/unit lookup and copy", |b| {
        b.iter(|| {
            let code = &codes[j % codes.len()];
            j += 1;
            black_box(demo.unit(black_box(code)).map(|u| demo.units[u].code.clone()))
        })
    });
    let demo_counties: Vec<&str> = demo
        .regions
        .iter()
        .filter(|r| r.depth == 2)
        .map(|r| r.code.as_str())
        .collect();
    bench_directory(
        c,
        "route/demo directory (187 units)",
        &demo,
        &rules,
        &mix(&demo_counties),
    );

    let large = generated();
    assert!(large.units.len() >= 3_000, "{} units", large.units.len());
    let large_counties: Vec<&str> = large
        .regions
        .iter()
        .filter(|r| r.depth == 2)
        .map(|r| r.code.as_str())
        .collect();
    let name = format!("route/generated directory ({} units)", large.units.len());
    bench_directory(c, &name, &large, &rules, &mix(&large_counties));
}

criterion_group!(benches, routing);
criterion_main!(benches);
