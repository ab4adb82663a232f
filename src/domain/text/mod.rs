//! Text from people — citizens, kiosks, integrations, staff and admins — and THE one rule every
//! piece of it passes before it is checked further, stored or looked up. Nothing is ever silently
//! truncated, and length is measured in characters, not bytes.
//!
//! # The rule
//!
//! 1. **Normalise.** CR LF and a lone CR become LF; the text is trimmed and normalised to NFC.
//! 2. **Forbidden characters** ([`forbidden`]) are of three classes:
//!    - *control* characters (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F, NUL included) — except
//!      LF and TAB in multi-line free text ([`Shape::Paragraph`]);
//!    - *bidirectional* controls that can make text read differently from how it is stored:
//!      embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the marks U+200E,
//!      U+200F, U+061C;
//!    - *invisible* characters: zero-width space, non-joiner and joiner U+200B–U+200D, word
//!      joiner U+2060, byte-order mark U+FEFF, soft hyphen U+00AD.
//! 3. In **free text** — what a person writes for people to read: a submission's body, title and
//!    name, a rating comment, staff reasons, notes and results, published texts, event titles
//!    and places, kiosk names ([`FreeText`], [`Body`], [`Title`], …) — a forbidden character is
//!    **rejected**: the field gets a message in the reader's language ([`Problem::LineBreak`],
//!    [`Problem::ControlCharacters`] or [`Problem::InvisibleCharacters`]), a 422 (a form comes
//!    back with everything typed), and nothing is stored. Staff text obeys the same rule as a
//!    citizen's, since what staff write reaches citizens.
//! 4. In **terms** — identifiers and search words: codes of kinds, categories, regions, units and
//!    states in forms and filters, the queue's and the board's search words, statistics
//!    parameters, the username at sign-in ([`term`], [`normalize_optional`]) — forbidden
//!    characters are **removed** (a TAB or line break becomes a space), then step 1 applies. A
//!    term is never shown back as someone's words, and one that names nothing after cleaning is
//!    simply unknown: an empty result, a 404, or the caller's 422 when it checks the term
//!    against its list. Tracking codes, access keys and enrolment codes have stricter parsers of
//!    their own ([`super::codes`]) and never match with a forbidden character in them.
//!
//! So no text that reaches a query holds a NUL or any other forbidden character, on either
//! database.

use unicode_normalization::UnicodeNormalization;
use validator::ValidateLength;

use super::Problem;

#[cfg(test)]
mod tests;

/// Whether free text may hold line breaks and tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One line: no line breaks, no tabs.
    Line,
    /// Several lines: LF and TAB allowed.
    Paragraph,
}

/// The class of a forbidden character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    Control,
    Bidi,
    Invisible,
}

/// The class of `c` if the rule forbids it anywhere (LF and TAB are controls too; free text of
/// several lines lets them through).
pub fn forbidden(c: char) -> Option<Forbidden> {
    match c {
        _ if c.is_control() => Some(Forbidden::Control),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => {
            Some(Forbidden::Bidi)
        }
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Some(Forbidden::Invisible),
        _ => None,
    }
}

/// Step 1 of the rule: CR LF and lone CR become LF, trimmed, NFC. No character is checked here:
/// use [`clean`] for free text or [`term`] for identifiers and search words.
pub fn normalize(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    unified.trim().nfc().collect()
}

/// An identifier or search word under the rule: forbidden characters removed (a TAB or line
/// break becomes a space), then normalised. Never fails; may be empty.
pub fn term(raw: &str) -> String {
    let kept: String = raw
        .chars()
        .filter_map(|c| match forbidden(c) {
            None => Some(c),
            Some(_) if c.is_whitespace() => Some(' '),
            Some(_) => None,
        })
        .collect();
    normalize(&kept)
}

/// An optional term: `Some(term)` unless it is empty after cleaning.
pub fn normalize_optional(raw: Option<&str>) -> Option<String> {
    raw.map(term).filter(|s| !s.is_empty())
}

/// Refuses forbidden characters in normalised free text of `shape`, naming the first class met:
/// a line break in one line, another control character, or an invisible one.
pub fn check_controls(text: &str, shape: Shape) -> Result<(), Problem> {
    for c in text.chars() {
        let allowed = shape == Shape::Paragraph && (c == '\n' || c == '\t');
        match forbidden(c) {
            _ if allowed => {}
            None => {}
            Some(Forbidden::Control) if c == '\n' => return Err(Problem::LineBreak),
            Some(Forbidden::Control) => return Err(Problem::ControlCharacters),
            Some(Forbidden::Bidi | Forbidden::Invisible) => return Err(Problem::InvisibleCharacters),
        }
    }
    Ok(())
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

/// Free text under the rule: normalised, free of forbidden characters for its `shape`, and
/// between `min` and `max` characters (`min` 0 or 1: required unless empty is allowed by the
/// caller — see [`FreeText::optional`]).
pub fn clean(raw: &str, shape: Shape, min: usize, max: usize) -> Result<String, Problem> {
    let text = normalize(raw);
    check_controls(&text, shape)?;
    check_length(&text, min.max(1), max)?;
    Ok(text)
}

/// Free text whose length limit the caller sets (a reason, a note, a comment, an event's title):
/// the rule's free-text half, required unless asked for with [`FreeText::optional`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText(String);

impl FreeText {
    /// Required text of one `shape`, at most `max` characters.
    pub fn parse(raw: &str, shape: Shape, max: usize) -> Result<Self, Problem> {
        clean(raw, shape, 1, max).map(FreeText)
    }

    /// Text that may be left out: `None` when absent or blank, else as [`FreeText::parse`].
    pub fn optional(raw: Option<&str>, shape: Shape, max: usize) -> Result<Option<Self>, Problem> {
        match raw {
            Some(r) if !normalize(r).is_empty() => Self::parse(r, shape, max).map(Some),
            _ => Ok(None),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident, min = $min:expr, max = $max:expr, shape = $shape:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MIN_CHARS: usize = $min;
            pub const MAX_CHARS: usize = $max;

            /// Normalises `raw` and accepts it only if it keeps every rule.
            pub fn parse(raw: &str) -> Result<Self, Problem> {
                clean(raw, $shape, $min, $max).map(Self)
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
    Body, min = 10, max = 5000, shape = Shape::Paragraph
);
text_newtype!(
    /// An optional one-line title of at most 100 characters.
    Title, min = 1, max = 100, shape = Shape::Line
);
text_newtype!(
    /// A reporter's name, at most 50 characters.
    PersonName, min = 1, max = 50, shape = Shape::Line
);
text_newtype!(
    /// The question of a published answer as staff retell it for the public board, without
    /// anything that names a person: 10 to 300 characters.
    PublicSummary, min = 10, max = 300, shape = Shape::Paragraph
);
text_newtype!(
    /// The answer as published on the public board: 10 to 2,000 characters.
    PublicAnswer, min = 10, max = 2000, shape = Shape::Paragraph
);
