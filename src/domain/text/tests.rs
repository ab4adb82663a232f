//! The text rule, class by class: normalising, rejecting in free text, removing from terms.

use super::*;
use crate::i18n::Lang;
use proptest::prelude::*;

const CONTROLS: &[char] = &['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'];
const BIDI: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];
const INVISIBLE: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
];

#[test]
fn body_counts_characters_not_bytes() {
    let ten_chinese = "派出所办事效率很高好";
    assert_eq!(ten_chinese.chars().count(), 10);
    assert!(Body::parse(ten_chinese).is_ok());
    assert_eq!(Body::parse("太短了"), Err(Problem::TooShort { min: 10 }));
    let long = "字".repeat(5001);
    assert_eq!(Body::parse(&long), Err(Problem::TooLong { max: 5000 }));
    assert!(Body::parse(&"字".repeat(5000)).is_ok());
}

#[test]
fn trims_and_normalises_to_nfc() {
    let body = Body::parse("  e\u{301} is decomposed here  \r\n").unwrap();
    assert_eq!(body.as_str(), "\u{e9} is decomposed here");
    let body = Body::parse("line one\r\nline two ok").unwrap();
    assert_eq!(body.as_str(), "line one\nline two ok");
    let body = Body::parse("old mac\rline breaks").unwrap();
    assert_eq!(body.as_str(), "old mac\nline breaks");
    // Full-width spaces trim too.
    assert_eq!(Title::parse("\u{3000}标题\u{3000}").unwrap().as_str(), "标题");
    // NFC composes Hangul jamo and the like; the measured length is the composed one.
    let jamo = "\u{1100}\u{1161}";
    assert_eq!(Title::parse(jamo).unwrap().as_str(), "\u{AC00}");
    assert_eq!(term(" e\u{301} "), "\u{e9}");
}

#[test]
fn every_control_character_is_refused_in_free_text() {
    for &c in CONTROLS {
        let text = format!("hello{c}world, long enough");
        assert_eq!(Body::parse(&text), Err(Problem::ControlCharacters), "{:?}", c);
        assert_eq!(Title::parse(&text), Err(Problem::ControlCharacters), "{:?}", c);
        let reason = FreeText::parse(&text, Shape::Paragraph, 1000);
        assert_eq!(reason, Err(Problem::ControlCharacters), "{:?}", c);
    }
}

#[test]
fn bidi_and_invisible_characters_are_refused_in_free_text() {
    for &c in BIDI.iter().chain(INVISIBLE) {
        let text = format!("rtl {c} trick in here");
        assert_eq!(Body::parse(&text), Err(Problem::InvisibleCharacters), "{:?}", c);
        assert_eq!(
            PersonName::parse(&text),
            Err(Problem::InvisibleCharacters),
            "{:?}",
            c
        );
        assert_eq!(
            FreeText::parse(&text, Shape::Line, 100),
            Err(Problem::InvisibleCharacters),
            "{:?}",
            c
        );
    }
    // A byte-order mark at the start is not trimmed away silently either.
    assert_eq!(Title::parse("\u{FEFF}标题"), Err(Problem::InvisibleCharacters));
}

#[test]
fn line_breaks_and_tabs_only_in_paragraphs() {
    assert_eq!(Title::parse("two\nlines"), Err(Problem::LineBreak));
    assert_eq!(Title::parse("two\r\nlines"), Err(Problem::LineBreak));
    assert_eq!(Title::parse("a\ttab"), Err(Problem::ControlCharacters));
    assert!(Body::parse("two\nlines\tand a tab").is_ok());
    assert!(FreeText::parse("two\nlines", Shape::Paragraph, 100).is_ok());
}

#[test]
fn empty_is_required_and_optional_is_none() {
    assert_eq!(Title::parse("   "), Err(Problem::Required));
    assert_eq!(FreeText::parse(" \r\n ", Shape::Line, 10), Err(Problem::Required));
    assert_eq!(FreeText::optional(Some("  "), Shape::Line, 10), Ok(None));
    assert_eq!(FreeText::optional(None, Shape::Line, 10), Ok(None));
    assert_eq!(
        FreeText::optional(Some("x\u{0}"), Shape::Line, 10),
        Err(Problem::ControlCharacters)
    );
    assert_eq!(
        FreeText::optional(Some("abcdef"), Shape::Line, 5),
        Err(Problem::TooLong { max: 5 })
    );
}

#[test]
fn terms_lose_forbidden_characters() {
    for &c in CONTROLS.iter().chain(BIDI).chain(INVISIBLE) {
        // A control that is also white space (NEL) becomes a space, as TAB and LF do.
        let expected = if c.is_whitespace() { "370 983" } else { "370983" };
        assert_eq!(term(&format!("370{c}983")), expected, "{:?}", c);
    }
    assert_eq!(term("ad\tmin\n"), "ad min");
    assert_eq!(term("\u{0}"), "");
    assert_eq!(normalize_optional(Some("\u{200B} \u{0}")), None);
    assert_eq!(normalize_optional(Some(" 派出所 ")), Some("派出所".to_owned()));
}

#[test]
fn every_problem_of_the_rule_has_a_message_in_both_languages() {
    for p in [
        Problem::ControlCharacters,
        Problem::InvisibleCharacters,
        Problem::LineBreak,
    ] {
        let (zh, en) = (p.message(Lang::Zh), p.message(Lang::En));
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
        assert!(en.is_ascii() && !en.is_empty(), "{en}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_is_idempotent(s in "\\PC{0,200}") {
        if let Ok(b) = Body::parse(&s) {
            let again = Body::parse(b.as_str()).unwrap();
            prop_assert_eq!(again, b);
        }
    }

    #[test]
    fn accepted_bodies_keep_the_length_rule(s in "[\\p{Han}a-z ]{0,60}") {
        match Body::parse(&s) {
            Ok(b) => {
                let n = b.as_str().chars().count();
                prop_assert!((10..=5000).contains(&n));
            }
            Err(p) => prop_assert!(matches!(p, Problem::TooShort { .. }), "unexpected {:?}", p),
        }
    }

    #[test]
    fn no_forbidden_character_survives_free_text(s in any::<String>()) {
        if let Ok(t) = FreeText::parse(&s, Shape::Paragraph, 10_000) {
            prop_assert!(t.as_str().chars().all(|c| c == '\n' || c == '\t' || forbidden(c).is_none()));
        }
        if let Ok(t) = FreeText::parse(&s, Shape::Line, 10_000) {
            prop_assert!(t.as_str().chars().all(|c| forbidden(c).is_none()));
        }
    }

    #[test]
    fn terms_are_clean_and_stable(s in any::<String>()) {
        let t = term(&s);
        prop_assert!(t.chars().all(|c| forbidden(c).is_none()));
        prop_assert_eq!(term(&t), t.clone());
        prop_assert_eq!(t.trim(), t.as_str());
    }

    #[test]
    fn a_forbidden_character_anywhere_is_refused(
        a in "[\\p{Han}a-z]{5,20}",
        b in "[\\p{Han}a-z]{5,20}",
        i in 0..(CONTROLS.len() + BIDI.len() + INVISIBLE.len()),
    ) {
        let all: Vec<char> = CONTROLS.iter().chain(BIDI).chain(INVISIBLE).copied().collect();
        let text = format!("{a}{}{b}", all[i]);
        prop_assert!(Body::parse(&text).is_err());
        prop_assert!(FreeText::parse(&text, Shape::Line, 100).is_err());
    }
}
