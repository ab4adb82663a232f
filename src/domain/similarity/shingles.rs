//! The set of a text's shingles, each a stable 128-bit hash, and the exact set measures.

use siphasher::sip128::{Hasher128, SipHasher24};
use std::hash::Hasher;

use super::normalise::{for_each_shingle, normalise};

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
/// two different shingles of the texts one compares share a hash with negligible probability.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shingles(Vec<u128>);

impl Shingles {
    /// The shingles of `text` (raw: it is normalised here).
    pub fn of(text: &str) -> Shingles {
        let normalised = normalise(text);
        let mut hashes = Vec::new();
        for_each_shingle(&normalised, |s| hashes.push(shingle_hash(s)));
        hashes.sort_unstable();
        hashes.dedup();
        Shingles(hashes)
    }

    /// The number of distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text had nothing to compare (only punctuation, symbols or stop words).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The hashes, sorted and distinct.
    pub fn hashes(&self) -> &[u128] {
        &self.0
    }

    /// |A ∩ B|, by one merge of the two sorted lists.
    pub fn common(&self, other: &Shingles) -> usize {
        let (mut i, mut j, mut n) = (0, 0, 0);
        while let (Some(a), Some(b)) = (self.0.get(i), other.0.get(j)) {
            match a.cmp(b) {
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
