//! MinHash signatures, their storage encoding, and LSH band keys.

use siphasher::sip::SipHasher24;
use std::hash::Hasher;

use super::shingles::Shingles;

/// The number of MinHash values in a signature.
pub const PERMUTATIONS: usize = 128;
/// LSH bands; `BANDS × ROWS = PERMUTATIONS`.
pub const BANDS: usize = 128;
/// MinHash values per band.
pub const ROWS: usize = PERMUTATIONS / BANDS;
/// The length of [`Signature::to_bytes`].
pub const SIGNATURE_BYTES: usize = PERMUTATIONS * 4;

/// SipHash-2-4 keys of the band hash. Fixed for [`super::ALGORITHM_VERSION`].
const BAND_KEYS: (u64, u64) = (0x6d69_6e73_6865_6e67, 0x6c73_682d_6261_6e64);

/// A MinHash signature: for each of [`PERMUTATIONS`] hash functions, the least value it takes
/// over the text's grams ([`Shingles::grams`]). The share of equal positions in two signatures
/// estimates the Jaccard similarity of the two sets of grams (standard error about √(J(1−J)/128) ≤ 0.045).
///
/// The functions are `g_i(x) = h1(x) + i·h2(x) mod 2⁶⁴` (Kirsch–Mitzenmacher) with `h1`, `h2`
/// the two 64-bit halves of the shingle's SipHash-2-4-128 (`h2` made odd, so the 128 functions
/// differ for every shingle); the value kept is the top 32 bits. **u32, not u64**: a MinHash
/// value is only ever compared for equality, and two different shingles give the same minimum
/// by accident with probability about 2⁻³² per position — far below the estimate's own
/// error — while storage (512 bytes a case) and the band keys' input halve.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature([u32; PERMUTATIONS]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({:08x} {:08x} …)", self.0[0], self.0[1])
    }
}

/// One LSH band key: what a later table stores as `(band, key)` and looks candidates up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BandKey {
    /// The band, `0..BANDS` (an `i32` so it maps to INTEGER on both backends).
    pub band: i32,
    /// SipHash-2-4 of the band's index and its [`ROWS`] values (little-endian), as the bits of
    /// an `i64` (BIGINT on both backends).
    pub key: i64,
}

/// Bytes that are not a signature: the wrong length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a similarity signature is {SIGNATURE_BYTES} bytes, not {0}")]
pub struct BadSignature(pub usize);

impl Signature {
    /// The signature of a shingle set's grams (its characters when it has no grams: a text of
    /// lone CJK characters), or `None` for an empty set (a text of only punctuation has
    /// nothing to compare, and would otherwise match every other such text). One pass over
    /// the shingles; nothing allocated.
    pub fn of(shingles: &Shingles) -> Option<Signature> {
        let hashes = match (shingles.grams(), shingles.characters()) {
            ([], []) => return None,
            ([], characters) => characters,
            (grams, _) => grams,
        };
        let mut minima = [u32::MAX; PERMUTATIONS];
        for &hash in hashes {
            let h1 = (hash >> 64) as u64;
            let h2 = (hash as u64) | 1;
            let mut g = h1;
            for slot in minima.iter_mut() {
                *slot = (*slot).min((g >> 32) as u32);
                g = g.wrapping_add(h2);
            }
        }
        Some(Signature(minima))
    }

    /// The values, one per permutation.
    pub fn values(&self) -> &[u32; PERMUTATIONS] {
        &self.0
    }

    /// The storage encoding: the values as little-endian u32, in order — for a BLOB or BYTEA
    /// column, stored beside [`super::ALGORITHM_VERSION`].
    pub fn to_bytes(&self) -> [u8; SIGNATURE_BYTES] {
        let mut bytes = [0u8; SIGNATURE_BYTES];
        for (chunk, value) in bytes.chunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }

    /// Reads [`Signature::to_bytes`] back.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, BadSignature> {
        if bytes.len() != SIGNATURE_BYTES {
            return Err(BadSignature(bytes.len()));
        }
        let mut values = [0u32; PERMUTATIONS];
        for (value, chunk) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *value = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Ok(Signature(values))
    }

    /// The estimated Jaccard similarity: the share of positions where the signatures agree.
    pub fn estimated_jaccard(&self, other: &Signature) -> f64 {
        let equal = self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count();
        equal as f64 / PERMUTATIONS as f64
    }

    /// The [`BANDS`] band keys. Two texts are LSH candidates when they share any `(band, key)`.
    pub fn band_keys(&self) -> [BandKey; BANDS] {
        let mut keys = [BandKey { band: 0, key: 0 }; BANDS];
        for (band, (out, rows)) in keys.iter_mut().zip(self.0.chunks_exact(ROWS)).enumerate() {
            let mut hasher = SipHasher24::new_with_keys(BAND_KEYS.0, BAND_KEYS.1);
            hasher.write(&(band as u32).to_le_bytes());
            for value in rows {
                hasher.write(&value.to_le_bytes());
            }
            *out = BandKey {
                band: band as i32,
                key: hasher.finish() as i64,
            };
        }
        keys
    }

    /// Whether the two signatures share a band key: the LSH candidate test, as the table will
    /// answer it.
    pub fn is_candidate(&self, other: &Signature) -> bool {
        self.band_keys()
            .iter()
            .zip(other.band_keys().iter())
            .any(|(a, b)| a == b)
    }
}
