//! Open311 GeoReport v2, the pure part: service codes (one per kind/category pair a citizen may
//! choose), the spec's two statuses, integration keys, the name a citizen gives in two fields, and
//! the window `GET requests` searches. No I/O, no HTTP.

use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::kind::{Kind, State};
use crate::catalog::{Catalog, Category};

/// The longest window `GET requests` searches, and its default (the spec's 90 days).
pub const MAX_WINDOW_DAYS: i64 = 90;
/// The most requests one `GET requests` answers.
pub const MAX_RESULTS: usize = 1000;

/// The service code of a kind and category: `complaint-service_attitude`. Kinds have no `-`.
pub fn service_code(kind: Kind, category: &str) -> String {
    format!("{}-{category}", kind.code())
}

/// The kind and category a service code names, if the catalog offers that pair.
pub fn parse_service_code<'c>(code: &str, catalog: &'c Catalog) -> Option<(Kind, &'c Category)> {
    let (kind, category) = code.trim().split_once('-')?;
    let kind = Kind::from_code(kind)?;
    let category = catalog.category(category)?;
    category
        .kinds
        .iter()
        .any(|k| k == kind.code())
        .then_some((kind, category))
}

/// Every service, in catalog order: each kind's categories in turn.
pub fn services(catalog: &Catalog) -> Vec<(Kind, &Category)> {
    Kind::ALL
        .iter()
        .flat_map(|&kind| catalog.categories_of(kind).map(move |c| (kind, c)))
        .collect()
}

/// The spec's statuses: `open` while someone still has to act or answer, `closed` once the
/// citizen has an answer (or the case was merged into another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn of(state: State) -> Status {
        match state {
            State::Resolved | State::Closed | State::Rejected | State::Merged => Status::Closed,
            State::Submitted
            | State::PendingDispatch
            | State::Assigned
            | State::Accepted
            | State::Reopened => Status::Open,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// The states this status covers, as stored.
    pub fn states(self) -> Vec<&'static str> {
        State::ALL
            .iter()
            .filter(|s| Status::of(**s) == self)
            .map(|s| s.code())
            .collect()
    }

    /// `open`, `closed` or both, comma-separated (the spec allows a list). `None` on anything else.
    pub fn parse_list(raw: &str) -> Option<Vec<Status>> {
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let s = match part.to_ascii_lowercase().as_str() {
                "open" => Status::Open,
                "closed" => Status::Closed,
                _ => return None,
            };
            if !out.contains(&s) {
                out.push(s);
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// An integration's API key: `o311_` and 52 Crockford symbols (256 random bits), shown once.
/// Only its SHA-256 is stored; 256 random bits need no slow hash.
pub struct ApiKey(String);

impl ApiKey {
    pub const PREFIX: &'static str = "o311_";

    /// A new key, or `None` if the system's random source fails.
    pub fn generate() -> Option<ApiKey> {
        let mut buf = [0u8; 32];
        rand::rngs::OsRng.try_fill_bytes(&mut buf).ok()?;
        let text = base32::encode(base32::Alphabet::Crockford, &buf).to_lowercase();
        Some(ApiKey(format!("{}{text}", Self::PREFIX)))
    }

    /// The key as it is given to the integration, once.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What is stored and looked up.
    pub fn hash(&self) -> String {
        digest(&self.0)
    }
}

/// The digest a presented key is looked up by (surrounding blanks ignored).
pub fn digest(presented: &str) -> String {
    hex::encode(Sha256::digest(presented.trim().as_bytes()))
}

/// Whether two digests are equal, in constant time.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The reporter's name from the spec's two fields: a Chinese name is family name first without a
/// space (`张` + `三` → `张三`), any other `first last`.
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let first = first.map(str::trim).filter(|s| !s.is_empty());
    let last = last.map(str::trim).filter(|s| !s.is_empty());
    match (first, last) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (Some(f), Some(l)) => {
            let cjk = |s: &str| {
                s.chars()
                    .all(|c| ('\u{3400}'..='\u{9fff}').contains(&c) || c == '·')
            };
            Some(if cjk(f) && cjk(l) {
                format!("{l}{f}")
            } else {
                format!("{f} {l}")
            })
        }
    }
}

/// Why a search window is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    EndsBeforeStart,
    TooLong,
}

/// The window `GET requests` searches: the last 90 days by default; one end given, 90 days from
/// or to it; both given, at most 90 days apart.
pub fn window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), WindowError> {
    let span = Duration::days(MAX_WINDOW_DAYS);
    let (from, to) = match (start, end) {
        (None, None) => (now - span, now),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (Some(s), Some(e)) => (s, e),
    };
    if to < from {
        return Err(WindowError::EndsBeforeStart);
    }
    if to - from > span {
        return Err(WindowError::TooLong);
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn catalog() -> Catalog {
        Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap()
    }

    #[test]
    fn every_service_code_round_trips_and_pairs_are_checked() {
        let c = catalog();
        let all = services(&c);
        assert!(all.len() > 10);
        for (kind, category) in &all {
            let code = service_code(*kind, &category.code);
            let (k, cat) = parse_service_code(&code, &c).unwrap();
            assert_eq!((k, cat.code.as_str()), (*kind, category.code.as_str()));
        }
        assert!(parse_service_code("complaint-illegal_business", &c).is_none());
        assert!(parse_service_code("nonsense", &c).is_none());
        assert!(parse_service_code("complaint-nope", &c).is_none());
    }

    #[test]
    fn statuses_split_every_state() {
        assert_eq!(Status::of(State::Assigned), Status::Open);
        assert_eq!(Status::of(State::Resolved), Status::Closed);
        let (open, closed) = (Status::Open.states(), Status::Closed.states());
        assert_eq!(open.len() + closed.len(), State::ALL.len());
        assert_eq!(
            Status::parse_list("open, closed"),
            Some(vec![Status::Open, Status::Closed])
        );
        assert_eq!(Status::parse_list("pending"), None);
        assert_eq!(Status::parse_list(""), None);
    }

    #[test]
    fn keys_are_random_and_stored_as_digests() {
        let (a, b) = (ApiKey::generate().unwrap(), ApiKey::generate().unwrap());
        assert!(a.reveal().starts_with(ApiKey::PREFIX));
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.hash(), digest(&format!(" {} ", a.reveal())));
        assert!(same_digest(&a.hash(), &digest(a.reveal())));
        assert!(!same_digest(&a.hash(), &b.hash()));
    }

    #[test]
    fn names_follow_their_language() {
        assert_eq!(full_name(Some("三"), Some("张")).as_deref(), Some("张三"));
        assert_eq!(full_name(Some("Ann"), Some("Lee")).as_deref(), Some("Ann Lee"));
        assert_eq!(full_name(None, Some(" 李 ")).as_deref(), Some("李"));
        assert_eq!(full_name(Some(" "), None), None);
    }

    #[test]
    fn windows_default_to_ninety_days_and_never_exceed_them() {
        let now = Utc::now();
        let (from, to) = window(None, None, now).unwrap();
        assert_eq!((to - from).num_days(), 90);
        assert_eq!(to, now);
        let start = now - Duration::days(200);
        assert_eq!(
            window(Some(start), None, now).unwrap().1,
            start + Duration::days(90)
        );
        assert_eq!(window(Some(start), Some(now), now), Err(WindowError::TooLong));
        assert_eq!(
            window(Some(now), Some(start), now),
            Err(WindowError::EndsBeforeStart)
        );
    }
}
