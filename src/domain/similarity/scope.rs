//! The scope of a suggestion (issue #16): two cases are compared only when they are about the
//! same region subtree or the same target unit. Pure: the service calls [`in_scope`] with the
//! structured fields the citizen picked, before looking at the texts.
//!
//! Regions are GB/T 2260 six-digit codes. A code's **prefix** is the part that names it:
//! a province `370000` is `37`, a city `370900` is `3709`, a county `370983` is `370983`.
//! One region contains another when its prefix starts the other's: `37` ⊃ `3709` ⊃ `370983`.
//! Two counties of one city are siblings, neither containing the other: out of scope unless
//! the cases share a target unit.

/// The structured fields of a case that decide whether another case can be the same matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The case's region, a GB/T 2260 six-digit code (`370983`).
    pub region: &'a str,
    /// The unit the matter is about, if the citizen picked one: any stable code.
    pub target_unit: Option<&'a str>,
}

/// Whether `code` is six ASCII digits.
fn is_region_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The part of a six-digit region code that names the region: the first 2 digits of a
/// province (`37xxxx` ending in `0000`), the first 4 of a city (ending in `00`), all 6 of a
/// county. Anything that is not six ASCII digits is returned whole.
pub fn region_prefix(code: &str) -> &str {
    if !is_region_code(code) {
        return code;
    }
    if code.ends_with("0000") {
        &code[..2]
    } else if code.ends_with("00") {
        &code[..4]
    } else {
        code
    }
}

/// Whether region `outer` is region `inner` or one of its ancestors (`370000` and `370900`
/// both contain `370983`; `370983` contains only itself). A string that is not a six-digit
/// code contains only an equal string, and nothing contains the empty string.
pub fn region_contains(outer: &str, inner: &str) -> bool {
    if !is_region_code(outer) || !is_region_code(inner) {
        return !outer.is_empty() && outer == inner;
    }
    region_prefix(inner).starts_with(region_prefix(outer))
}

/// The scope rule: the two cases' regions are one subtree (equal, or one an ancestor of the
/// other), or they name the same target unit.
pub fn in_scope(a: &Scope, b: &Scope) -> bool {
    let same_subtree = region_contains(a.region, b.region) || region_contains(b.region, a.region);
    let same_unit = matches!((a.target_unit, b.target_unit), (Some(x), Some(y)) if x == y);
    same_subtree || same_unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(region: &str) -> Scope<'_> {
        Scope {
            region,
            target_unit: None,
        }
    }

    #[test]
    fn prefixes_by_level() {
        assert_eq!(region_prefix("370000"), "37");
        assert_eq!(region_prefix("370900"), "3709");
        assert_eq!(region_prefix("370983"), "370983");
        assert_eq!(region_prefix("37098"), "37098");
        assert_eq!(region_prefix(""), "");
    }

    #[test]
    fn ancestors_and_descendants_are_in_scope() {
        for (a, b) in [
            ("370983", "370983"),
            ("370000", "370983"),
            ("370900", "370983"),
            ("370000", "370900"),
            ("370000", "371402"),
        ] {
            assert!(in_scope(&at(a), &at(b)), "{a} {b}");
            assert!(in_scope(&at(b), &at(a)), "{b} {a}");
        }
    }

    #[test]
    fn siblings_and_other_provinces_are_not() {
        for (a, b) in [
            ("370983", "370921"), // two counties of Tai'an
            ("370900", "370500"), // two cities
            ("370983", "370500"), // a county and another city
            ("370000", "410000"), // two provinces
            ("370900", "370983x"),
            ("", "370983"),
        ] {
            assert!(!in_scope(&at(a), &at(b)), "{a} {b}");
            assert!(!in_scope(&at(b), &at(a)), "{b} {a}");
        }
    }

    #[test]
    fn the_same_target_unit_is_in_scope_across_regions() {
        let a = Scope {
            region: "370983",
            target_unit: Some("370900-court"),
        };
        let b = Scope {
            region: "370921",
            target_unit: Some("370900-court"),
        };
        assert!(in_scope(&a, &b));
        let other = Scope {
            target_unit: Some("370921-court"),
            ..b
        };
        assert!(!in_scope(&a, &other));
        assert!(
            !in_scope(&at("370983"), &at("370921")),
            "no unit is not the same unit"
        );
        // Two police stations of one county: the same region, so in scope by region alone.
        let station = |unit| Scope {
            region: "370112",
            target_unit: Some(unit),
        };
        assert!(in_scope(
            &station("police-wangsheren"),
            &station("police-huashan")
        ));
    }
}
