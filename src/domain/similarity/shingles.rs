//! The set of a text's shingles, each a stable 128-bit hash, and the exact set measures.

use siphasher::sip128::{Hasher128, SipHasher24};
use std::hash::Hasher;

use super::normalise::{for_each_shingle, is_cjk, normalise};

/// SipHash-2-4 keys of the shingle hash. Fixed for [`super::ALGORITHM_VERSION`]: changing
/// them changes every signature and band key.
const SHINGLE_KEYS: (u64, u64) = (0x6d69_6e73_6865_6e67, 0x7369_6d69_6c61_7231);

/// The shingle hash: SipHash-2-4 with 128-bit output (the reference algorithm's 128-bit mode)
/// over the shingle's UTF-8 bytes, with fixed keys. Its two halves are the two base hashes of
/// the MinHash permutations.
pub fn shingle_hash(shingle: &str) -> u128 {
    let mut hasher = SipHasher24::new_with_keys(SHINGLE_KEYS.0, SHINGLE_KEYS.1);
    hasher.write(shingle.as_bytes());
    hasher.finish128().as_u128()
}

/// A text's distinct shingles (see [`super::normalise`]) as sorted, distinct 128-bit hashes —
/// two different shingles of the texts one compares share a hash with negligible probability —
/// in two parts: the **grams** (CJK bigrams and words), which the MinHash signature is made of,
/// and the single CJK **characters**, which only the exact measures count. Characters such as
/// 的 or 了 are in nearly every text: in the signature they would make a single MinHash value
/// shared by unrelated texts (40% of the unrelated labelled pairs became LSH candidates), while
/// in the exact measure they help (see [`super`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shingles {
    grams: Vec<u128>,
    characters: Vec<u128>,
}

impl Shingles {
    /// The shingles of `text` (raw: it is normalised here).
    pub fn of(text: &str) -> Shingles {
        Shingles::of_normalised_where(&normalise(text), |_| true)
    }

    /// The shingles of already [`normalise`]d text for which `keep` holds.
    pub fn of_normalised_where(normalised: &str, mut keep: impl FnMut(&str) -> bool) -> Shingles {
        let (mut grams, mut characters) = (Vec::new(), Vec::new());
        for_each_shingle(normalised, |s| {
            if !keep(s) {
                return;
            }
            let mut chars = s.chars();
            let single_cjk = chars.next().is_some_and(is_cjk) && chars.next().is_none();
            if single_cjk { &mut characters } else { &mut grams }.push(shingle_hash(s));
        });
        for hashes in [&mut grams, &mut characters] {
            hashes.sort_unstable();
            hashes.dedup();
        }
        Shingles { grams, characters }
    }

    /// The number of distinct shingles, grams and characters.
    pub fn len(&self) -> usize {
        self.grams.len() + self.characters.len()
    }

    /// Whether the text had nothing to compare (only punctuation, symbols or stop words).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The grams' hashes, sorted and distinct.
    pub fn grams(&self) -> &[u128] {
        &self.grams
    }

    /// The single CJK characters' hashes, sorted and distinct.
    pub fn characters(&self) -> &[u128] {
        &self.characters
    }

    /// |A ∩ B| over grams and characters.
    pub fn common(&self, other: &Shingles) -> usize {
        common(&self.grams, &other.grams) + common(&self.characters, &other.characters)
    }
}

/// The size of the intersection of two sorted, distinct lists, by one merge.
fn common(a: &[u128], b: &[u128]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Exact Jaccard similarity |A ∩ B| / |A ∪ B|; 0 when both are empty.
pub fn jaccard(a: &Shingles, b: &Shingles) -> f64 {
    let common = a.common(b);
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Containment |A ∩ B| / min(|A|, |B|): how much of the shorter text the longer one holds; 0
/// when either is empty. A terse kiosk note and a long web text about one matter score high
/// here while their Jaccard stays low, the long text's extra words counting against it.
pub fn containment(a: &Shingles, b: &Shingles) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        0.0
    } else {
        a.common(b) as f64 / smaller as f64
    }
}
