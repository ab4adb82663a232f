//! Fuzzing every form, JSON endpoint, query parameter, path segment and header that carries text,
//! on both backends: arbitrary strings and bytes — NUL and other control characters, bidi and
//! zero-width characters, lone surrogates as JSON escapes, invalid UTF-8, 1 MB bodies — must never
//! get a 5xx, and the submissions table grows only when the answer says a submission was stored
//! (201, or 303 to a receipt). Inputs are drawn by proptest; each endpoint gets at most
//! [`CASES`] of them per backend, so the suite stays fast. A failure prints the input.
//!
//! The citizen's side is in [`citizen`], the staff's in [`staff`].

mod citizen;
mod staff;

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::HeaderValue;

use crate::helpers::TestApp;

/// Inputs per endpoint and backend.
pub const CASES: usize = 40;

/// Pieces of text that have broken services like this one.
const NASTY: &[&str] = &[
    "\0",
    "\u{1}",
    "\u{7}",
    "\u{8}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{9f}",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\u{202A}",
    "\u{202B}",
    "\u{202C}",
    "\u{202D}",
    "\u{202E}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200E}",
    "\u{200F}",
    "\u{061C}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{AD}",
    "\u{FFFD}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "\u{E000}",
    "e\u{301}",
    "\u{1100}\u{1161}",
    "𝕏",
    "%00",
    "%",
    "'; DROP TABLE submissions; --",
    "\\",
    "\"",
    "<script>",
    "&amp;",
    "\u{3000}",
    " ",
];

/// One of [`NASTY`], NUL most often (PostgreSQL refuses it in any text).
pub fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just("\0".to_owned()), 3 => select(NASTY).prop_map(str::to_owned)]
}

/// A form's fields from `(name, valid value)` pairs: mostly one field drawn by [`text`] and the
/// rest valid, so the odd one reaches as deep as it can; sometimes every field drawn.
pub fn form(bases: &'static [(&'static str, &'static str)]) -> BoxedStrategy<Vec<(&'static str, String)>> {
    let valid = || {
        bases
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    let one = (0..bases.len())
        .prop_flat_map(move |i| text(bases[i].1).prop_map(move |t| (i, t)))
        .prop_map(move |(i, t)| {
            let mut fields = valid();
            fields[i].1 = t;
            fields
        });
    let all = bases
        .iter()
        .map(|(_, v)| text(v))
        .collect::<Vec<_>>()
        .prop_map(move |values| bases.iter().map(|(k, _)| *k).zip(values).collect());
    prop_oneof![3 => one, 1 => all].boxed()
}

/// The value of `name` among `fields`.
pub fn field<'a>(fields: &'a [(&str, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| *k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Mostly `base` with nasty pieces put in anywhere (so the rest of a request stays valid and
/// the text reaches deep), sometimes `base` itself, sometimes anything at all.
pub fn text(base: &'static str) -> BoxedStrategy<String> {
    let spiked = prop::collection::vec((nasty(), any::<Index>()), 1..4).prop_map(move |spikes| {
        let mut pieces: Vec<String> = base.chars().map(String::from).collect();
        for (piece, at) in spikes {
            let i = at.index(pieces.len() + 1);
            pieces.insert(i, piece);
        }
        pieces.concat()
    });
    prop_oneof![
        5 => spiked,
        1 => Just(base.to_owned()),
        1 => any::<String>(),
        1 => prop::collection::vec(prop_oneof![nasty(), "\\PC{0,3}".boxed()], 0..8)
            .prop_map(|v| v.concat()),
    ]
    .boxed()
}

/// How a form body or query string is spoiled beyond its text: not at all (most often),
/// percent-escaped invalid UTF-8, raw bytes that are not UTF-8, or a broken escape.
#[derive(Debug, Clone, Copy)]
pub enum Spoil {
    None,
    EscapedInvalidUtf8,
    RawInvalidUtf8,
    BrokenEscape,
}

pub fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        6 => Just(Spoil::None),
        1 => Just(Spoil::EscapedInvalidUtf8),
        1 => Just(Spoil::RawInvalidUtf8),
        1 => Just(Spoil::BrokenEscape),
    ]
}

/// `pairs` url-encoded, then spoiled in the field `field`.
pub fn encoded(pairs: &[(&str, String)], spoil: Spoil, field: &str) -> Vec<u8> {
    let mut body = serde_urlencoded::to_string(pairs).unwrap().into_bytes();
    match spoil {
        Spoil::None => {}
        Spoil::EscapedInvalidUtf8 => body.extend(format!("&{field}=%FF%FE%C0%80%ED%A0%80").bytes()),
        Spoil::RawInvalidUtf8 => {
            body.extend(format!("&{field}=").bytes());
            body.extend([0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80]);
        }
        Spoil::BrokenEscape => body.extend(format!("&{field}=%E4%B8").bytes()),
    }
    body
}

/// A query string for `path` from `pairs`, spoiled like a body.
pub fn with_query(path: &str, pairs: &[(&str, String)], spoil: Spoil, field: &str) -> String {
    let query = encoded(pairs, spoil, field);
    // Bytes that are not UTF-8 travel escaped in a URL; the server sees the same bytes.
    let query: String = query
        .iter()
        .map(|&b| {
            if b.is_ascii() && !b.is_ascii_control() && b != b' ' && b != b'#' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{path}?{query}")
}

/// `raw` as one escaped path segment.
pub fn segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `raw` as a header value, when HTTP allows it at all (no NUL, CR or LF).
pub fn header(raw: &str) -> Option<HeaderValue> {
    HeaderValue::from_bytes(raw.as_bytes()).ok()
}

/// Draws inputs from strategies, [`CASES`] per endpoint.
pub struct Draw(TestRunner);

impl Draw {
    pub fn new() -> Draw {
        Draw(TestRunner::new(Config::default()))
    }

    pub fn one<S: Strategy>(&mut self, strategy: S) -> S::Value {
        strategy.new_tree(&mut self.0).unwrap().current()
    }
}

/// Whether an answer says a submission was stored: 201, or 303 on to a receipt.
fn stored(resp: &reqwest::Response) -> bool {
    let to_receipt = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.ends_with("/receipt"));
    resp.status() == 201 || (resp.status() == 303 && to_receipt)
}

/// Checks one answer to `input` at `what`: no 5xx, and the submissions grew by one exactly when
/// the answer says one was stored. Returns the status.
pub async fn check(
    app: &TestApp,
    before: i64,
    what: &str,
    input: &impl Debug,
    resp: reqwest::Response,
) -> u16 {
    let status = resp.status().as_u16();
    let stored = stored(&resp);
    // An answer cut off half way (a download whose query failed) is a server error too.
    let body = match resp.text().await {
        Ok(body) => body,
        Err(e) => panic!("{what} broke off its answer ({status}) to {input:?}: {e}"),
    };
    assert!(
        status < 500,
        "{what} answered {status} to {input:?}: {}",
        body.chars().take(300).collect::<String>()
    );
    let after = app.submission_count();
    assert_eq!(
        after,
        before + i64::from(stored),
        "{what} answered {status} to {input:?}, and the submissions went from {before} to {after}"
    );
    status
}
