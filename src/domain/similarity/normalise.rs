//! Normalisation and shingling: the text a signature is computed from, the same on every
//! platform and backend.
//!
//! 1. **NFKC** folds full-width Latin letters and digits (`Ｗｉｎｄｏｗ３` → `Window3`), the
//!    ideographic space and compatibility forms; then **lower case**.
//! 2. Every character that is not a letter or a number (`char::is_alphanumeric`: punctuation,
//!    symbols, whitespace, emoji, marks) is a **separator**; runs of separators become one space.
//! 3. Each space-free piece splits further where the script changes between **CJK** (Han,
//!    kana, Hangul: scripts written without spaces) and everything else, so `3号窗口` is the
//!    two runs `3` and `号窗口`.
//!
//! **Shingles** of a run: a CJK run gives its **characters and character bigrams**; any other
//! run is one **word** — except a few English function words
//! ([`ENGLISH_STOP_WORDS`]), which every English text shares and which would make unrelated
//! English texts look alike. Bigrams never span a separator, so `窗口，排队` has no `口排`.
//! Single characters are kept beside the bigrams because people rewording a matter keep its
//! key characters more often than its key words (罚 in 罚款 and 罚单, 证 in 身份证 and 证件):
//! on the labelled pairs they raise precision at every recall (see [`super`]).
//!
//! **Digits are kept, as whole words.** A window, room, house or case number often tells two
//! matters at the same place apart (`3号窗口` and `5号窗口`, `12号楼`), and a reworded
//! duplicate usually keeps the number while changing the words around it. Splitting numbers into
//! digit bigrams would make `2021` and `2023` half alike; dropping them would lose that signal.

/// English function words that are not shingles (lower case, as after normalisation).
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has", "have", "he",
    "her", "his", "i", "in", "is", "it", "me", "my", "no", "not", "of", "on", "or", "our", "she", "that",
    "the", "there", "they", "this", "to", "was", "we", "were", "with",
];

/// `text` normalised: NFKC, lower case, every run of non-alphanumeric characters one space,
/// trimmed. `"Ｗｉｎｄｏｗ ３，排队！"` → `"window 3 排队"`.
pub fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;

    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// Whether `c` belongs to a script written without spaces between words: Han (CJK unified
/// ideographs and their extensions, compatibility ideographs), Japanese kana, Hangul
/// syllables. Fixed ranges, not a Unicode-version-dependent property, so the result never
/// changes with a toolchain.
pub fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
            | '\u{3400}'..='\u{4DBF}' // extension A
            | '\u{4E00}'..='\u{9FFF}' // unified ideographs
            | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
            | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
            | '\u{20000}'..='\u{3FFFF}' // extensions B and later
    )
}

/// Calls `each` with every shingle of normalised text (see [`normalise`]), in text order,
/// repeats included. Shingles are slices of `normalised`: nothing is allocated.
pub fn for_each_shingle(normalised: &str, mut each: impl FnMut(&str)) {
    for piece in normalised.split(' ') {
        let mut start = 0;
        let mut previous: Option<bool> = None;
        for (i, c) in piece.char_indices() {
            let cjk = is_cjk(c);
            if let Some(was) = previous.filter(|&was| was != cjk) {
                run_shingles(&piece[start..i], was, &mut each);
                start = i;
            }
            previous = Some(cjk);
        }
        if let Some(was) = previous {
            run_shingles(&piece[start..], was, &mut each);
        }
    }
}

/// The shingles of one non-empty run of one script class.
fn run_shingles(run: &str, cjk: bool, each: &mut impl FnMut(&str)) {
    if !cjk {
        if !ENGLISH_STOP_WORDS.contains(&run) {
            each(run);
        }
        return;
    }
    // Byte offsets of the character boundaries: character i is run[a..b], bigram i run[a..c].
    let mut bounds = run.char_indices().map(|(i, _)| i).skip(1).chain([run.len()]);
    let (mut a, Some(mut b)) = (0, bounds.next()) else {
        return;
    };
    for c in bounds {
        each(&run[a..b]);
        each(&run[a..c]);
        (a, b) = (b, c);
    }
    each(&run[a..b]);
}
