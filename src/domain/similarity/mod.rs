//! The similarity of short texts (issue #16, 一件多诉): whether a new submission is possibly
//! the same matter as an earlier one. Pure, no I/O: the same answer on every platform and
//! backend.
//!
//! # The decision
//!
//! [`Fingerprint::suggests_in`]: a candidate is suggested only if it is **in scope** and the
//! **texts are similar**.
//!
//! 1. [`normalise`] (NFKC, lower case, punctuation, symbols and whitespace to one separator)
//!    and shingle: CJK characters and character bigrams, whole words for Latin and digit runs,
//!    numbers kept (why: `normalise.rs`). [`Shingles`] holds their SipHash-2-4-128 hashes in
//!    two parts: grams (bigrams, words) and single characters.
//! 2. [`Signature`]: 128 MinHash values of the grams (u32), from the two halves of each gram's
//!    hash by Kirsch–Mitzenmacher. **Stored** as [`Signature::to_bytes`], 512 bytes
//!    little-endian, beside [`ALGORITHM_VERSION`].
//! 3. LSH: [`BANDS`] band keys of [`ROWS`] value each, each an `(i32, i64)` [`BandKey`],
//!    **stored**; two texts are candidates when they share one.
//! 4. Scope ([`in_scope`]): the two cases' regions are one GB/T 2260 subtree (equal, or one an
//!    ancestor of the other: 370000 ⊃ 370900 ⊃ 370983), or they have the same target unit.
//! 5. Texts ([`Fingerprint::similar`]): the whole shingle sets' [`score`] ≥ [`THRESHOLD`],
//!    **and** the matter shingles' (the text without its place spans and a few function
//!    characters, [`strip_places`]) ≥ [`MATTER_THRESHOLD`], **and** the texts do not name
//!    different units of one kind (`城关派出所` / `新华路派出所`, `3号窗口` / `5号窗口`) or only
//!    different kinds of body (检察院 / 纪委) — [`Places::conflicts`].
//!
//! [`Fingerprint::suggests`] is 3 and 5. What is stored (2, 3) is unchanged from the first
//! version, so [`ALGORITHM_VERSION`] stays 1; the matter shingles and places are recomputed
//! from the texts at comparison, never stored, so changing them rebuilds nothing.
//!
//! Hashes are SipHash-2-4 (crate `siphasher`) with fixed keys: a specified algorithm whose
//! output never depends on the platform, the process or the crate's version. The unit tests
//! pin a shingle hash, a signature and two band keys.
//!
//! # Measured (`cargo test --test similarity -- --nocapture`)
//!
//! Two hand-labelled sets (precision counts both hard-negative labels as not duplicates):
//! **main**, `tests/data/similarity_pairs.tsv`, 222 pairs, on which everything was developed
//! and tuned; **held-out**, `tests/data/similarity_heldout.tsv`, 73 pairs written (and
//! committed) before the scope and the place rules were tuned, and used to choose nothing.
//! Each text's region and target unit are what it names, through a gazetteer
//! (`tests/data/similarity_places.tsv`), never its label; a text that names no region gets
//! the province, 370000, in scope with everything.
//!
//! | set, decision | recall | precision | dup | same place | same matter | unrelated |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | main, first version (LSH, score ≥ 0.36) | 0.911 | 0.692 | 92/101 | 20/44 | 21/42 | 0/35 |
//! | main, texts only (`suggests`) | 0.901 | 0.835 | 91/101 | 5/44 | 13/42 | 0/35 |
//! | main, **shipped** (`suggests_in`) | **0.901** | **0.843** | 91/101 | 5/44 | 12/42 | 0/35 |
//! | held-out, first version | 0.967 | 0.630 | 29/30 | 9/16 | 8/14 | 0/13 |
//! | held-out, texts only | 0.967 | 0.935 | 29/30 | 1/16 | 1/14 | 0/13 |
//! | held-out, **shipped** | **0.967** | **0.967** | 29/30 | 1/16 | 0/14 | 0/13 |
//!
//! **Issue #16's target (both ≥ 0.9) is reached on the held-out set, not on the main set**
//! (precision 0.843). Of the main set's 17 false suggestions, 14 have a text that names no
//! region (`身份证办了一个月还没拿到` against `在城西派出所办的身份证补领…`): the same matter at
//! another place, where nothing in the text says which place, so neither the scope nor the
//! text can tell. Only 20% of the main set's texts name a region below the province, 74% of
//! the held-out set's — the held-out shipped figure is the scope at work with regions known,
//! as in the service, where every case has one; its texts-only row is the fairer check of
//! the text side. The held-out set is small (one pair moves recall by 0.033), and its
//! duplicates may be less reworded than the main set's.
//!
//! Why these choices:
//! - **Containment, not Jaccard**: a terse kiosk note and a long web text about one matter
//!   have a low Jaccard but a high containment. [`MIN_COMMON`] keeps a few shared shingles
//!   from "containing" a tiny text. **Characters beside bigrams** in the confirmation raise
//!   precision at every recall; not in the signature (see [`Shingles`]).
//! - **0.36** on the whole texts (the first version's, unchanged) keeps recall ≥ 0.9; alone,
//!   no threshold on it gets precision above 0.69 at that recall on the main set, because a
//!   different matter at the same place shares the place's name. The **matter score** removes that: at 0.2 it drops the
//!   main set's same-place pairs from 20 to 5 for one duplicate (0.25: 91/101 and 0.850;
//!   0.30: recall 0.851). 0.2 was chosen on the main set, the held-out set confirmed it.
//! - **The place rules** catch what scope cannot: two named stations of one county (in scope
//!   by region) and numbered windows. Names are taken only after a separator or a preposition,
//!   so a clause (`报警后派出所`) is not a name.
//! - **128 bands × 1 row**: the duplicates' gram Jaccard is low (median about 0.12), so wider
//!   bands lose them: 64 × 2 keeps 57 of the main set's 101 (with everything else shipped).
//!   **Stored: the first 64 of the 128 keys** ([`INDEXED_BANDS`], 64 × 1): exactly the
//!   figures of all 128 on both sets, at half the index rows (64M at a million cases, before
//!   the window's pruning), with no change to the keys or [`ALGORITHM_VERSION`]; 32 × 1 loses
//!   3 main duplicates, 16 × 1 loses 15, the 32 smallest gram hashes (bottom-k) lose 1.

mod minhash;
mod normalise;
mod places;
mod scope;
mod shingles;

#[cfg(test)]
mod tests;

pub use minhash::{BadSignature, BandKey, Signature, BANDS, PERMUTATIONS, ROWS, SIGNATURE_BYTES};
pub use normalise::{for_each_shingle, is_cjk, normalise, ENGLISH_STOP_WORDS};
pub use places::{strip_places, Places, FACILITIES, STOP_CHARACTERS};
pub use scope::{in_scope, region_contains, region_prefix, Scope};
pub use shingles::{containment, jaccard, shingle_hash, Shingles};

/// The version of the whole algorithm — normalisation, shingles, hashes and their keys,
/// permutations, banding. Stored beside every signature and band key; when it changes, stored
/// ones are rebuilt from the texts, never compared with new ones.
pub const ALGORITHM_VERSION: u16 = 1;

/// The bands whose keys are stored and looked up: the first 64 of [`BANDS`]. On both labelled
/// sets they find every pair all 128 find (`tests/similarity.rs` measures both), at half the
/// index rows: 64 per case, 64 million at a million cases before the window's pruning.
pub const INDEXED_BANDS: usize = 64;

/// The confirmation score at or above which a candidate is suggested as possibly the same
/// matter (see the module documentation for how it was chosen).
pub const THRESHOLD: f64 = 0.36;

/// The [`score`] of the two texts' matter shingles ([`Fingerprint::matter`]) at or above which
/// the suggestion fires (with [`THRESHOLD`] on the whole texts).
pub const MATTER_THRESHOLD: f64 = 0.2;

/// The fewest shingles two texts must share to be confirmed at all, so that a text of two or
/// three bigrams is not "contained" in every long text that happens to hold them.
pub const MIN_COMMON: usize = 3;

/// The confirmation score of two shingle sets: their [`containment`], or 0 when they share
/// fewer than [`MIN_COMMON`] shingles.
pub fn score(a: &Shingles, b: &Shingles) -> f64 {
    if a.common(b) < MIN_COMMON {
        0.0
    } else {
        containment(a, b)
    }
}

/// Whether two shingle sets are similar enough to suggest: [`score`] ≥ [`THRESHOLD`].
pub fn confirms(a: &Shingles, b: &Shingles) -> bool {
    score(a, b) >= THRESHOLD
}

/// A text's shingles, signature, matter shingles and places: what a later part computes from
/// a case's text (storing the signature's bytes and its band keys) and compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    shingles: Shingles,
    signature: Option<Signature>,
    matter: Shingles,
    places: Places,
}

impl Fingerprint {
    /// The fingerprint of raw `text` (normalised here).
    pub fn of(text: &str) -> Fingerprint {
        let mut fingerprint = Fingerprint::without_signature(text);
        fingerprint.signature = Signature::of(&fingerprint.shingles);
        fingerprint
    }

    /// The fingerprint of a candidate the index found, to confirm it
    /// ([`Fingerprint::confirms_in`]): [`Fingerprint::of`] without the signature, which only
    /// finds candidates. It has no band keys.
    pub fn of_candidate(text: &str) -> Fingerprint {
        Fingerprint::without_signature(text)
    }

    fn without_signature(text: &str) -> Fingerprint {
        let normalised = normalise(text);
        let shingles = Shingles::of_normalised_where(&normalised, |_| true);
        let signature = None;
        let stripped = strip_places(&normalised);
        let matter = Shingles::of_normalised_where(&stripped, |s| {
            let mut chars = s.chars();
            !matches!((chars.next(), chars.next()), (Some(c), None) if STOP_CHARACTERS.contains(c))
        });
        let places = Places::of(&normalised);
        Fingerprint {
            shingles,
            signature,
            matter,
            places,
        }
    }

    pub fn shingles(&self) -> &Shingles {
        &self.shingles
    }

    /// The shingles of the text without its place spans and [`STOP_CHARACTERS`]: what
    /// happened, not where (see [`strip_places`]).
    pub fn matter(&self) -> &Shingles {
        &self.matter
    }

    /// The units the text names and the kinds of body it mentions.
    pub fn places(&self) -> &Places {
        &self.places
    }

    /// `None` when the text had no shingles: such a text is never a candidate.
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// The band keys to store and look up: those of the first [`INDEXED_BANDS`] bands; none for
    /// a text without shingles.
    pub fn band_keys(&self) -> Vec<BandKey> {
        self.signature
            .as_ref()
            .map(|s| s.band_keys()[..INDEXED_BANDS].to_vec())
            .unwrap_or_default()
    }

    /// Whether the two texts share a stored band key (what the band table finds).
    pub fn is_candidate(&self, other: &Fingerprint) -> bool {
        let (a, b) = (self.band_keys(), other.band_keys());
        a.iter().zip(&b).any(|(x, y)| x == y)
    }

    /// The text side of the suggestion, for a candidate: the whole texts' [`score`] reaches
    /// [`THRESHOLD`], their matter shingles' reaches [`MATTER_THRESHOLD`], and the texts do not
    /// name different units of one kind or different kinds of body ([`Places::conflicts`]).
    pub fn similar(&self, other: &Fingerprint) -> bool {
        confirms(&self.shingles, &other.shingles)
            && score(&self.matter, &other.matter) >= MATTER_THRESHOLD
            && !self.places.conflicts(&other.places)
    }

    /// The suggestion "possibly the same matter" on the texts alone: an LSH candidate that is
    /// [`Fingerprint::similar`].
    pub fn suggests(&self, other: &Fingerprint) -> bool {
        self.is_candidate(other) && self.similar(other)
    }

    /// The service's decision: the cases are [`in_scope`] (one region subtree or the same
    /// target unit) and [`Fingerprint::suggests`]. `Some(score)` of the whole texts when
    /// suggested, to rank several.
    pub fn suggests_in(&self, other: &Fingerprint, mine: &Scope, theirs: &Scope) -> Option<f64> {
        (in_scope(mine, theirs) && self.suggests(other)).then(|| score(&self.shingles, &other.shingles))
    }

    /// [`Fingerprint::suggests_in`] for a candidate the index found — it shares a stored band
    /// key with this text in the same area, which is [`Fingerprint::is_candidate`] — so the
    /// candidate test is not made again and `other` may come from
    /// [`Fingerprint::of_candidate`].
    pub fn confirms_in(&self, other: &Fingerprint, mine: &Scope, theirs: &Scope) -> Option<f64> {
        (in_scope(mine, theirs) && self.similar(other)).then(|| score(&self.shingles, &other.shingles))
    }
}
