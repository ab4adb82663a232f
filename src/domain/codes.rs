//! Public tracking codes and secret access keys, drawn from the operating system's CSPRNG and
//! written in Crockford base32 so they can be read aloud and typed back forgivingly.

use base32::Alphabet;
use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Upper-cases, drops separators and maps the look-alikes Crockford allows (O→0, I/L→1).
fn canonical(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '_' | '\u{3000}' | '—' | '－'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

#[allow(
    clippy::expect_used,
    reason = "without the OS's random source no code or key can be safe: stop rather than make a guessable one"
)]
fn random_symbols(bytes: usize, symbols: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng
        .try_fill_bytes(&mut buf)
        .expect("the operating system's random source is available");
    let mut text = base32::encode(Alphabet::Crockford, &buf);
    text.truncate(symbols);
    text
}

fn group(symbols: &str) -> String {
    symbols
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// A public tracking code such as `MS-7K3Q-9F2D-XW4P`: 12 symbols, 60 random bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    const SYMBOLS: usize = 12;

    pub fn generate() -> Self {
        // 8 bytes encode to 13 symbols; the first 12 carry the first 60 bits.
        TrackingCode(random_symbols(8, Self::SYMBOLS))
    }

    /// Accepts what a person may type: any case, with or without `MS` and dashes.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut text = canonical(raw.trim());
        if text.len() == Self::SYMBOLS + 2 && text.starts_with("MS") {
            text.drain(..2);
        }
        (text.len() == Self::SYMBOLS && text.chars().all(|c| CROCKFORD.contains(c)))
            .then_some(TrackingCode(text))
    }

    /// The form stored and shown: `MS-XXXX-XXXX-XXXX`.
    pub fn display(&self) -> String {
        format!("MS-{}", group(&self.0))
    }
}

impl std::fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// The secret that opens a submission's status: 16 symbols, 80 random bits, shown once.
pub struct AccessKey(String);

impl AccessKey {
    const SYMBOLS: usize = 16;

    pub fn generate() -> Self {
        AccessKey(random_symbols(10, Self::SYMBOLS))
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let text = canonical(raw.trim());
        (text.len() == Self::SYMBOLS && text.chars().all(|c| CROCKFORD.contains(c)))
            .then_some(AccessKey(text))
    }

    /// The grouped form shown to the citizen once: `XXXX-XXXX-XXXX-XXXX`.
    pub fn reveal(&self) -> String {
        group(&self.0)
    }

    /// What is stored: a SHA-256 digest. The key has 80 random bits, so a fast hash suffices.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// Compares with a stored digest in constant time.
    pub fn matches(&self, stored_hash: &str) -> bool {
        self.hash().as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

/// A kiosk's one-time enrolment code such as `4QX7-M2KD-9TGH`: 12 symbols, 60 random bits,
/// shown once to the admin who adds the kiosk and typed on the kiosk's screen.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentCode(String);

impl EnrolmentCode {
    const SYMBOLS: usize = 12;

    pub fn generate() -> Self {
        EnrolmentCode(random_symbols(8, Self::SYMBOLS))
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let text = canonical(raw.trim());
        (text.len() == Self::SYMBOLS && text.chars().all(|c| CROCKFORD.contains(c)))
            .then_some(EnrolmentCode(text))
    }

    pub fn reveal(&self) -> String {
        group(&self.0)
    }

    /// What is stored: a SHA-256 digest (the code is used once, within days).
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// A long random secret (256 bits) for a device credential, and the digest that is stored of it.
pub fn device_secret() -> String {
    random_symbols(32, 52)
}

/// An open-day event's public id: 24 lowercase hex characters, 96 random bits. Public URLs carry
/// it instead of the sequential row id, so events cannot be walked.
#[allow(
    clippy::expect_used,
    reason = "without the OS's random source no id can be unguessable: stop rather than make a guessable one"
)]
pub fn event_public_id() -> String {
    let mut buf = [0u8; 12];
    OsRng
        .try_fill_bytes(&mut buf)
        .expect("the operating system's random source is available");
    hex::encode(buf)
}

/// Whether `text` has the shape of an [`event_public_id`] (checked before any look-up).
pub fn is_event_public_id(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn event_public_ids_are_random_hex() {
        let ids: HashSet<String> = (0..1000).map(|_| event_public_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| is_event_public_id(id)));
        assert!(!is_event_public_id("12"));
        assert!(!is_event_public_id("ABCDEF0123456789abcdef01"), "lower case only");
        assert!(!is_event_public_id("zzzzzzzzzzzzzzzzzzzzzzzz"));
    }

    #[test]
    fn generated_codes_have_the_documented_shape() {
        let code = TrackingCode::generate().display();
        assert_eq!(code.len(), "MS-7K3Q-9F2D-XW4P".len());
        assert!(code.starts_with("MS-"));
        let key = AccessKey::generate().reveal();
        assert_eq!(key.len(), 19);
    }

    #[test]
    fn codes_do_not_repeat() {
        let codes: HashSet<String> = (0..10_000).map(|_| TrackingCode::generate().display()).collect();
        assert_eq!(codes.len(), 10_000);
    }

    #[test]
    fn typing_is_forgiving() {
        let code = TrackingCode::parse("MS-7K3Q-9F2D-XW4P").unwrap();
        assert_eq!(TrackingCode::parse("ms 7k3q 9f2d xw4p"), Some(code.clone()));
        assert_eq!(TrackingCode::parse("7K3Q9F2DXW4P"), Some(code));
        assert_eq!(
            TrackingCode::parse("MS-OOOO-IIII-LLLL").unwrap().display(),
            "MS-0000-1111-1111"
        );
        assert_eq!(TrackingCode::parse("MS-7K3Q-9F2D-XW4"), None);
        assert_eq!(TrackingCode::parse("MS-7K3Q-9F2D-XW4U"), None);
    }

    #[test]
    fn enrolment_codes_are_typed_back_forgivingly() {
        let code = EnrolmentCode::generate();
        assert_eq!(code.reveal().len(), 14);
        let typed = EnrolmentCode::parse(&code.reveal().to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(typed.hash(), code.hash());
        assert!(EnrolmentCode::parse("4QX7-M2KD").is_none());
        assert_ne!(device_secret(), device_secret());
    }

    #[test]
    fn access_keys_verify_against_their_hash_only() {
        let key = AccessKey::generate();
        let stored = key.hash();
        let typed = AccessKey::parse(&key.reveal().to_lowercase()).unwrap();
        assert!(typed.matches(&stored));
        assert!(!AccessKey::generate().matches(&stored));
    }

    proptest! {
        #[test]
        fn generated_codes_parse_back(_seed in 0u8..50) {
            let code = TrackingCode::generate();
            prop_assert_eq!(TrackingCode::parse(&code.display()), Some(code));
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = TrackingCode::parse(&s);
            let _ = AccessKey::parse(&s);
        }
    }
}
