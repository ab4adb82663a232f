//! One matter, many voices (一件多诉, issue #16): the pure rules around linking cases that are
//! the same matter. A *matter* is a lead case and the cases linked to it (its *followers*);
//! each keeps its own tracking code, timeline and deadlines, and follows the lead's handling.
//!
//! - Which cases may be looked up as candidates of one another ([`area`], [`area_key`]): the
//!   band keys of [`crate::domain::similarity`] are mixed with the case's area — the city of
//!   its region (GB/T 2260: `370983` → `3709`), or the province for a case at province level —
//!   so a look-up reads only its own area's keys.
//! - Which may be linked ([`may_link`]): a report only with reports, anything else only with
//!   non-reports.
//! - What a follower takes from its lead when the lead moves ([`follows`]).

use std::hash::Hasher;

use siphasher::sip::SipHasher24;

use super::case::Action;
use super::kind::Kind;
use super::similarity::{BandKey, ALGORITHM_VERSION};

/// The area of a region whose candidates are looked up together: its city's code prefix (4
/// digits), or its province's (2) for a province-level region.
pub fn area(region: &str) -> &str {
    let digits = region.as_bytes();
    if digits.len() != 6 || !digits.iter().all(u8::is_ascii_digit) {
        return region;
    }
    if &region[2..] == "0000" {
        &region[..2]
    } else {
        &region[..4]
    }
}

/// A band key mixed with an area and the algorithm's version: what the band table stores and a
/// look-up asks for. A new [`ALGORITHM_VERSION`]'s keys differ from the old ones, so stored keys
/// of an old version match nothing and need no deleting. SipHash-2-4 with fixed keys (as the
/// similarity module's hashes), so the value never depends on the process or the platform.
pub fn area_key(band: BandKey, area: &str) -> i64 {
    let mut h = SipHasher24::new_with_keys(0x6d61_7474_6572_0001, 0x6172_6561_0000_0001);
    h.write(&ALGORITHM_VERSION.to_le_bytes());
    h.write(&band.band.to_le_bytes());
    h.write(&band.key.to_le_bytes());
    h.write(area.as_bytes());
    h.finish() as i64
}

/// Whether cases of these kinds may be one matter: reports (misconduct of officers) only with
/// reports — their identity protection and routing differ from every other kind.
pub fn may_link(a: Kind, b: Kind) -> bool {
    (a == Kind::Report) == (b == Kind::Report)
}

/// Whether an action taken on a lead is taken on its followers too. Revealing a reporter's
/// identity is about one case; linking is decided per case.
pub fn follows(action: Action) -> bool {
    !matches!(action, Action::RevealIdentity | Action::Merge | Action::Unlink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_cities_or_the_province() {
        assert_eq!(area("370983"), "3709");
        assert_eq!(area("370900"), "3709");
        assert_eq!(area("370000"), "37");
        assert_eq!(area("odd"), "odd");
    }

    #[test]
    fn area_keys_differ_by_area_and_are_stable() {
        let band = BandKey { band: 3, key: 42 };
        assert_ne!(area_key(band, "3709"), area_key(band, "3701"));
        assert_eq!(area_key(band, "3709"), area_key(band, "3709"));
        assert_ne!(
            area_key(band, "3709"),
            area_key(BandKey { band: 4, key: 42 }, "3709")
        );
    }

    #[test]
    fn reports_link_only_with_reports() {
        assert!(may_link(Kind::Report, Kind::Report));
        assert!(may_link(Kind::Complaint, Kind::Opinion));
        assert!(!may_link(Kind::Report, Kind::Complaint));
        assert!(!may_link(Kind::Help, Kind::Report));
    }
}
