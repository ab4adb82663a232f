//! Secrets at rest: reporter identity sealed with XChaCha20-Poly1305, a keyed blind index (HMAC)
//! for contact look-ups, HMAC tokens for CSRF and short-lived cookies, and the short keyed tag a
//! case is named by in logs ([`Vault::case_tag`]) so tracking codes never reach them.
//!
//! One 32-byte data key (`MINSHENG__SECURITY__DATA_KEY`, 64 hex characters) is expanded with HKDF
//! into a separate key per purpose. In development a key is generated under the data directory on
//! first run; `production` refuses to start without one.

use std::path::Path;

use anyhow::{bail, Context};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::config::Settings;

const SEALED_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const KEY_FILE: &str = "data.key";

type HmacSha256 = Hmac<Sha256>;

/// Keys derived from the data key. Cheap to clone behind an `Arc`.
pub struct Vault {
    aead: XChaCha20Poly1305,
    blind_index_key: [u8; 32],
    token_key: [u8; 32],
    log_tag_key: [u8; 32],
}

/// Hex characters in a case's log tag: 40 bits, enough to join a case's lines among millions of
/// cases without being a way back to its code.
pub const CASE_TAG_LEN: usize = 10;

#[derive(Debug, thiserror::Error)]
#[error("sealed data could not be opened (wrong key or tampered)")]
pub struct OpenError;

impl Vault {
    /// Builds the vault from the configured key, or (outside production) a key kept in the data dir.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Vault> {
        let configured = settings.security.data_key.expose_secret().trim();
        if !configured.is_empty() {
            return Self::from_hex(configured).context("MINSHENG__SECURITY__DATA_KEY");
        }
        if settings.security.require_data_key || settings.is_production() {
            bail!("no data key: set MINSHENG__SECURITY__DATA_KEY to 64 hex characters (32 random bytes)");
        }
        let key = load_or_create_key_file(&settings.data_dir)?;
        Self::from_hex(key.expose_secret())
    }

    pub fn from_hex(hex_key: &str) -> anyhow::Result<Vault> {
        let bytes = hex::decode(hex_key).context("the data key is not hex")?;
        if bytes.len() != 32 {
            bail!(
                "the data key must be 32 bytes (64 hex characters), got {}",
                bytes.len()
            );
        }
        let hk = Hkdf::<Sha256>::new(Some(b"minsheng/v1"), &bytes);
        let mut aead_key = [0u8; 32];
        let mut blind_index_key = [0u8; 32];
        let mut token_key = [0u8; 32];
        let mut log_tag_key = [0u8; 32];
        hk.expand(b"reporter-identity", &mut aead_key)
            .and_then(|_| hk.expand(b"contact-blind-index", &mut blind_index_key))
            .and_then(|_| hk.expand(b"web-tokens", &mut token_key))
            .and_then(|_| hk.expand(b"log-case-tags", &mut log_tag_key))
            .map_err(|_| anyhow::anyhow!("key expansion failed"))?;
        Ok(Vault {
            aead: XChaCha20Poly1305::new(&aead_key.into()),
            blind_index_key,
            token_key,
            log_tag_key,
        })
    }

    /// Encrypts `plaintext`, bound to `context` (e.g. the tracking code) so sealed values cannot
    /// be moved between records. Layout: version byte, 24-byte nonce, ciphertext with tag.
    #[allow(
        clippy::expect_used,
        reason = "XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail"
    )]
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != SEALED_VERSION {
            return Err(OpenError);
        }
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        self.aead
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: context,
                },
            )
            .map_err(|_| OpenError)
    }

    /// A keyed, deterministic index of a contact (e-mail or phone): equal inputs give equal
    /// indexes, and without the key the index reveals nothing.
    pub fn blind_index(&self, contact: &str) -> String {
        let mut mac = hmac(&self.blind_index_key);
        mac.update(contact.to_lowercase().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// What a case is called in logs instead of its tracking code: the first
    /// [`CASE_TAG_LEN`] hex characters of an HMAC of the code (as printed, so `ms-7k3q…` and
    /// `MS-7K3Q…` tag alike). The same in every line about the case, so lines still join; without
    /// the data key it leads nowhere.
    pub fn case_tag(&self, code: &str) -> String {
        let canonical = crate::domain::TrackingCode::parse(code)
            .map(|c| c.display())
            .unwrap_or_else(|| code.trim().to_owned());
        let mut mac = hmac(&self.log_tag_key);
        mac.update(canonical.as_bytes());
        let mut tag = hex::encode(mac.finalize().into_bytes());
        tag.truncate(CASE_TAG_LEN);
        tag
    }

    /// A MAC over `purpose` and `value`, for CSRF tokens and the like.
    pub fn token(&self, purpose: &str, value: &[u8]) -> String {
        let mut mac = hmac(&self.token_key);
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Checks a token made by [`Vault::token`] in constant time.
    pub fn verify_token(&self, purpose: &str, value: &[u8], token: &str) -> bool {
        let Ok(tag) = hex::decode(token) else { return false };
        let mut mac = hmac(&self.token_key);
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.verify_slice(&tag).is_ok()
    }
}

/// Reads `data_dir/data.key`, creating it (mode 0600) with a fresh random key if absent.
fn load_or_create_key_file(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let mut key = [0u8; 32];
    chacha20poly1305::aead::rand_core::RngCore::fill_bytes(&mut OsRng, &mut key);
    let hex_key = hex::encode(key);
    write_private(&path, &hex_key).with_context(|| format!("writing {}", path.display()))?;
    tracing::warn!(path = %path.display(), "generated a development data key; set MINSHENG__SECURITY__DATA_KEY in production");
    Ok(SecretString::from(hex_key))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// HMAC-SHA-256 under `key`.
#[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn hmac(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).expect("any key length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::from_hex(&"11".repeat(32)).unwrap()
    }

    #[test]
    fn sealed_data_opens_only_in_its_context() {
        let v = vault();
        let sealed = v.seal(b"Li Ming 13800138000", b"MS-AAAA-BBBB-CCCC");
        assert!(!sealed.windows(7).any(|w| w == b"Li Ming"));
        assert_eq!(
            v.open(&sealed, b"MS-AAAA-BBBB-CCCC").unwrap(),
            b"Li Ming 13800138000"
        );
        assert!(v.open(&sealed, b"MS-AAAA-BBBB-CCCD").is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(v.open(&tampered, b"MS-AAAA-BBBB-CCCC").is_err());
        let other = Vault::from_hex(&"22".repeat(32)).unwrap();
        assert!(other.open(&sealed, b"MS-AAAA-BBBB-CCCC").is_err());
    }

    #[test]
    fn blind_index_is_keyed_and_case_insensitive() {
        let v = vault();
        assert_eq!(v.blind_index("A@Example.com"), v.blind_index("a@example.com"));
        assert_ne!(v.blind_index("a@example.com"), v.blind_index("b@example.com"));
        let other = Vault::from_hex(&"22".repeat(32)).unwrap();
        assert_ne!(v.blind_index("a@example.com"), other.blind_index("a@example.com"));
    }

    #[test]
    fn case_tags_are_short_stable_and_keyed() {
        let v = vault();
        let code = "MS-7K3Q-9F2D-XW4P";
        let tag = v.case_tag(code);
        assert_eq!(tag.len(), CASE_TAG_LEN);
        assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(tag, v.case_tag(code), "the same in every line");
        assert_eq!(tag, v.case_tag("ms-7k3q-9f2d-xw4p"), "however it was typed");
        assert_ne!(tag, v.case_tag("MS-7K3Q-9F2D-XW4Q"));
        assert!(!tag.contains("7K3Q") && !code.to_lowercase().contains(&tag));
        let other = Vault::from_hex(&"22".repeat(32)).unwrap();
        assert_ne!(tag, other.case_tag(code), "keyed");
    }

    #[test]
    fn tokens_verify() {
        let v = vault();
        let t = v.token("csrf", b"abc");
        assert!(v.verify_token("csrf", b"abc", &t));
        assert!(!v.verify_token("csrf", b"abd", &t));
        assert!(!v.verify_token("other", b"abc", &t));
        assert!(!v.verify_token("csrf", b"abc", "zz"));
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Vault::from_hex("abcd").is_err());
        assert!(Vault::from_hex(&"zz".repeat(32)).is_err());
    }
}
