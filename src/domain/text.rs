//! Free text from citizens: trimmed, NFC-normalised, free of control characters, and measured in
//! characters (not bytes). Nothing is ever silently truncated.

use unicode_normalization::UnicodeNormalization;
use validator::ValidateLength;

use super::Problem;

/// Trims, turns CR LF and lone CR into LF, and normalises to NFC.
pub fn normalize(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    unified.trim().nfc().collect()
}

/// `Some(normalized)` unless the text is empty after normalising.
pub fn normalize_optional(raw: Option<&str>) -> Option<String> {
    raw.map(normalize).filter(|s| !s.is_empty())
}

/// Control characters are refused; a multi-line field may hold line breaks and tabs.
pub fn check_controls(text: &str, multiline: bool) -> Result<(), Problem> {
    let bad = text.chars().any(|c| {
        let allowed = multiline && (c == '\n' || c == '\t');
        !allowed && (c.is_control() || is_format_trap(c))
    });
    if bad {
        Err(Problem::ControlCharacters)
    } else {
        Ok(())
    }
}

/// Invisible characters that are not `is_control` but are used to disguise text.
fn is_format_trap(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn check_length(text: &str, min: usize, max: usize) -> Result<(), Problem> {
    // validator counts characters (`chars().count()`), not bytes.
    if !text.validate_length(Some(min as u64), None, None) {
        return Err(if min <= 1 {
            Problem::Required
        } else {
            Problem::TooShort { min }
        });
    }
    if !text.validate_length(None, Some(max as u64), None) {
        return Err(Problem::TooLong { max });
    }
    Ok(())
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident, min = $min:expr, max = $max:expr, multiline = $ml:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MIN_CHARS: usize = $min;
            pub const MAX_CHARS: usize = $max;

            /// Normalises `raw` and accepts it only if it keeps every rule.
            pub fn parse(raw: &str) -> Result<Self, Problem> {
                let text = normalize(raw);
                check_controls(&text, $ml)?;
                check_length(&text, $min, $max)?;
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// The body of a submission: 10 to 5,000 characters, line breaks allowed.
    Body, min = 10, max = 5000, multiline = true
);
text_newtype!(
    /// An optional one-line title of at most 100 characters.
    Title, min = 1, max = 100, multiline = false
);
text_newtype!(
    /// A reporter's name, at most 50 characters.
    PersonName, min = 1, max = 50, multiline = false
);
text_newtype!(
    /// The question of a published answer as staff retell it for the public board, without
    /// anything that names a person: 10 to 300 characters.
    PublicSummary, min = 10, max = 300, multiline = true
);
text_newtype!(
    /// The answer as published on the public board: 10 to 2,000 characters.
    PublicAnswer, min = 10, max = 2000, multiline = true
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    fn trims_and_normalises() {
        let body = Body::parse("  e\u{301} is decomposed here  \r\n").unwrap();
        assert_eq!(body.as_str(), "\u{e9} is decomposed here");
        let body = Body::parse("line one\r\nline two ok").unwrap();
        assert_eq!(body.as_str(), "line one\nline two ok");
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(Body::parse("hello\u{0}world!!"), Err(Problem::ControlCharacters));
        assert_eq!(Title::parse("bell\u{7}"), Err(Problem::ControlCharacters));
        assert_eq!(Title::parse("two\nlines"), Err(Problem::ControlCharacters));
        assert_eq!(
            Body::parse("rtl \u{202E} trick here"),
            Err(Problem::ControlCharacters)
        );
        assert!(Body::parse("two\nlines\tand a tab").is_ok());
    }

    #[test]
    fn empty_title_is_required_not_too_short() {
        assert_eq!(Title::parse("   "), Err(Problem::Required));
    }

    proptest! {
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
        fn no_control_character_survives(s in "\\PC{0,30}", c in proptest::char::range('\u{0}', '\u{1f}')) {
            let text = format!("{s}{c}{s}padding");
            if let Ok(b) = Title::parse(&text) {
                prop_assert!(!b.as_str().chars().any(char::is_control));
            }
        }
    }
}
