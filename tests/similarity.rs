//! The similarity algorithm (`minsheng::domain::similarity`) against hand-labelled complaint
//! pairs (`tests/data/similarity_pairs.tsv`): whether "possibly the same matter" fires — an LSH
//! candidate whose exact score reaches the threshold — for reworded duplicates and not for the
//! others. Prints precision, recall and each label's hit rate, and what other bandings and
//! thresholds would give:
//!
//! `cargo test --test similarity -- --nocapture`

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code, helpers included: a failed expectation is a failed test"
)]

use minsheng::domain::similarity::{jaccard, score, Fingerprint, Signature, PERMUTATIONS, ROWS, THRESHOLD};

const LABELS: [&str; 4] = [
    "dup",
    "same_place_other_matter",
    "same_matter_other_place",
    "unrelated",
];

struct Pair {
    label: &'static str,
    a: Fingerprint,
    b: Fingerprint,
}

fn pairs() -> Vec<Pair> {
    let tsv: &'static str = include_str!("data/similarity_pairs.tsv");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_reader(tsv.as_bytes());
    let mut pairs = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| panic!("pair {}: {e}", n + 1));
        let [label, a, b] = [0, 1, 2].map(|i| record.get(i).unwrap_or_default());
        let label = LABELS
            .iter()
            .copied()
            .find(|l| *l == label)
            .unwrap_or_else(|| panic!("pair {}: unknown label {label}", n + 1));
        pairs.push(Pair {
            label,
            a: Fingerprint::of(a),
            b: Fingerprint::of(b),
        });
    }
    pairs
}

/// LSH candidacy for `rows` values per band, from the signatures' values (the shipped banding
/// hashes each band to a key; equal bands give equal keys).
fn candidate_with_rows(a: &Signature, b: &Signature, rows: usize) -> bool {
    a.values()
        .chunks_exact(rows)
        .zip(b.values().chunks_exact(rows))
        .any(|(x, y)| x == y)
}

/// (recall of `dup`, precision, hits per label) of a decision over the pairs.
fn measure(pairs: &[Pair], fires: impl Fn(&Pair) -> bool) -> (f64, f64, Vec<(usize, usize)>) {
    let mut per_label = vec![(0, 0); LABELS.len()];
    for pair in pairs {
        let i = LABELS.iter().position(|l| *l == pair.label).unwrap();
        per_label[i].1 += 1;
        if fires(pair) {
            per_label[i].0 += 1;
        }
    }
    let true_positives = per_label[0].0;
    let fired: usize = per_label.iter().map(|(hits, _)| hits).sum();
    let recall = true_positives as f64 / per_label[0].1 as f64;
    let precision = if fired == 0 {
        0.0
    } else {
        true_positives as f64 / fired as f64
    };
    (recall, precision, per_label)
}

fn hit_rates(per_label: &[(usize, usize)]) -> String {
    LABELS
        .iter()
        .zip(per_label)
        .map(|(l, (hits, n))| format!("{l} {hits}/{n} = {:.3}", *hits as f64 / *n as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn suggestions_on_the_labelled_pairs() {
    let pairs = pairs();
    assert!(pairs.len() >= 200, "{} pairs", pairs.len());

    println!("candidates by banding (share of each label's pairs sharing a band key):");
    for rows in [1, 2, 4, 8] {
        let (_, _, per_label) = measure(&pairs, |p| match (p.a.signature(), p.b.signature()) {
            (Some(a), Some(b)) => candidate_with_rows(a, b, rows),
            _ => false,
        });
        println!(
            "  {:3} bands x {rows} rows: {}",
            PERMUTATIONS / rows,
            hit_rates(&per_label)
        );
    }

    println!("exact score alone (no LSH), by threshold:");
    for step in 10..=30 {
        let threshold = step as f64 / 50.0;
        let (recall, precision, _) = measure(&pairs, |p| score(p.a.shingles(), p.b.shingles()) >= threshold);
        let f1 = 2.0 * recall * precision / (recall + precision);
        println!("  score >= {threshold:.2}: recall {recall:.3}, precision {precision:.3}, F1 {f1:.3}");
    }

    println!("plain Jaccard instead of the score (no LSH), by threshold:");
    for step in 1..=6 {
        let threshold = step as f64 / 20.0;
        let (recall, precision, _) =
            measure(&pairs, |p| jaccard(p.a.shingles(), p.b.shingles()) >= threshold);
        println!("  jaccard >= {threshold:.2}: recall {recall:.3}, precision {precision:.3}");
    }

    println!(
        "shipped: {} bands x {ROWS} rows, threshold {THRESHOLD}:",
        PERMUTATIONS / ROWS
    );
    let (recall, precision, per_label) = measure(&pairs, |p| p.a.suggests(&p.b));
    println!("  recall of dup {recall:.3}, precision {precision:.3}");
    println!("  suggested: {}", hit_rates(&per_label));

    // The measured level (see the module documentation): a change that loses either fails.
    assert!(recall >= 0.90, "recall {recall:.3}");
    assert!(precision >= 0.68, "precision {precision:.3}");
}

/// Issue #16's target. Not reached: a reworded duplicate and a different matter at the same
/// place share about as many characters, so no threshold on a lexical overlap separates them
/// (see the module documentation). Kept so the gap stays visible:
/// `cargo test --test similarity -- --ignored --nocapture`.
#[test]
#[ignore = "issue #16's 0.9/0.9 is beyond lexical similarity on these pairs; see the module docs"]
fn target_of_issue_16() {
    let pairs = pairs();
    let (recall, precision, per_label) = measure(&pairs, |p| p.a.suggests(&p.b));
    println!(
        "recall {recall:.3}, precision {precision:.3}: {}",
        hit_rates(&per_label)
    );
    assert!(
        recall >= 0.9 && precision >= 0.9,
        "recall {recall:.3}, precision {precision:.3}"
    );
}
