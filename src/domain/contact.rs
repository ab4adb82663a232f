//! A reporter's contact details and identity: mainland phone numbers, e-mail addresses and
//! 18-digit resident ID numbers (GB 11643, check digit by ISO 7064 MOD 11-2).
//!
//! **What a contact is keyed by.** The per-contact daily quota and the blind index (the keyed
//! HMAC stored with a submission so a reporter's own cases can be found by contact) are computed
//! from a normalised form, never from the text as typed:
//!
//! - e-mail ([`email_index_form`]): Unicode **NFKC**, invisible characters removed (soft hyphen
//!   U+00AD, zero-width space/non-joiner/joiner U+200B–U+200D, word joiner U+2060, BOM U+FEFF),
//!   trimmed, lower-cased as a whole. NFKC rather than NFC because an address is an identifier,
//!   not prose: Chinese input methods readily produce full-width forms (`ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ`),
//!   and compatibility folding turns them into the ASCII the mail system uses; NFC would keep
//!   them distinct. Lower-casing the local part is not what RFC 5321 promises, but every
//!   mailbox provider a citizen uses treats it case-insensitively.
//! - the **quota** ([`email_quota_form`]) additionally ignores a `+tag` in the local part
//!   (`a.b+x@example.com` counts as `a.b@example.com`), so one mailbox cannot multiply its
//!   quota. The **blind index keeps the tag**: it finds cases *for* a reporter, and merging two
//!   addresses that may belong to different people (not every provider delivers `+tag` to the
//!   same mailbox) would show one person's cases to another. Over-counting a quota is harmless;
//!   over-matching an index is not. Dots are kept in both (only some providers ignore them).
//! - phone ([`phone_form`]): NFKC (full-width digits), then digits only.
//!
//! Both forms are HMAC'd with the blind-index key ([`crate::vault::Vault::blind_index`]).
//! **Stored values.** Earlier versions hashed the NFC text lower-cased. For ASCII addresses (the
//! local part always was ASCII: the old check refused anything else there) and for phones (always
//! stored as digits) the new index form is the same, so existing indexes and today's quota rows
//! keep matching. The one difference: the old check let a domain through IDNA mapping, so a
//! stored address could hold full-width letters or a soft hyphen in its domain; its old index
//! differs from the new form. The same-reporter look-up (issue #16) reads `submissions.contact_index`,
//! so `minsheng contacts reindex` re-indexes the stored ones from the sealed identities (each
//! opened with its tracking code, its contact hashed with [`contact_index_form`]); run it once
//! after upgrading a database that has such addresses. Quota rows only live for their day.
//!
//! E-mail validation refuses, each with its own message: a domain without a dot or `localhost`,
//! an IP literal (`user@[1.2.3.4]`, `user@1.2.3.4`), and invisible characters.

use std::sync::LazyLock;

use regex::Regex;
use validator::ValidateEmail;

use unicode_normalization::UnicodeNormalization;

use super::text::{check_controls, normalize, Shape};
use super::Problem;

// Literal patterns, compiled on first use and exercised by the tests below.
#[allow(clippy::expect_used, reason = "a literal pattern that the tests compile")]
static MOBILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\+?86)?1[3-9][0-9]{9}$").expect("valid regex"));
#[allow(clippy::expect_used, reason = "a literal pattern that the tests compile")]
static LANDLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^0[1-9][0-9]{1,2}[0-9]{7,8}$").expect("valid regex"));

/// A mainland mobile number (11 digits starting 13–19) or a landline with its area code.
/// Stored without separators, e.g. `13800138000` or `05381234567`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        // Full-width digits (１３８…) from an input method are the same number.
        let text: String = normalize(raw).nfkc().collect();
        check_controls(&text, Shape::Line).map_err(|_| Problem::InvalidPhone)?;
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
            .collect();
        if MOBILE.is_match(&digits) {
            let national = digits.trim_start_matches('+');
            let national = national.strip_prefix("86").unwrap_or(national);
            Ok(Phone(national.to_owned()))
        } else if LANDLINE.is_match(&digits) {
            Ok(Phone(digits))
        } else {
            Err(Problem::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address that mail can reach: NFKC-normalised (full-width forms become ASCII), the
/// domain lower-cased; the local part is kept as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text: String = normalize(raw).nfkc().collect();
        if text.chars().any(is_invisible) {
            return Err(Problem::InvisibleCharacters);
        }
        check_controls(&text, Shape::Line)?;
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Problem::TooLong { max: Self::MAX_CHARS });
        }
        let (local, domain) = text.rsplit_once('@').ok_or(Problem::InvalidEmail)?;
        let domain = domain.to_lowercase();
        if local.is_empty() || domain.is_empty() {
            return Err(Problem::InvalidEmail);
        }
        if is_ip_literal(&domain) {
            return Err(Problem::EmailIpLiteral);
        }
        if !domain.contains('.') || domain == "localhost" || domain.ends_with(".localhost") {
            return Err(Problem::EmailDomainIncomplete);
        }
        if !text.validate_email() {
            return Err(Problem::InvalidEmail);
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that print as nothing and are used to make one address look like another.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// `[1.2.3.4]`, `[IPv6:…]`, or a bare dotted IPv4 address.
fn is_ip_literal(domain: &str) -> bool {
    domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok()
}

/// The form of an e-mail address its blind index is made from: NFKC, invisible characters
/// removed, trimmed, lower-cased. A `+tag` is kept (see the module doc).
pub fn email_index_form(email: &str) -> String {
    let folded: String = email.nfkc().filter(|c| !is_invisible(*c)).collect();
    // Lower-casing can leave text that is not in NFKC (rarely); fold again so the form is stable.
    folded.trim().to_lowercase().nfkc().collect()
}

/// The form of an e-mail address its daily quota is counted under: [`email_index_form`] without
/// a `+tag` in the local part.
pub fn email_quota_form(email: &str) -> String {
    let index = email_index_form(email);
    match index.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => index,
    }
}

/// The form of a phone number both keys are made from: NFKC (full-width digits), digits only.
pub fn phone_form(phone: &str) -> String {
    phone.nfkc().filter(char::is_ascii_digit).collect()
}

/// The blind-index form of a contact (an e-mail address if it holds `@`, else a phone number).
pub fn contact_index_form(contact: &str) -> String {
    if contact.contains('@') {
        email_index_form(contact)
    } else {
        phone_form(contact)
    }
}

/// The daily-quota form of a contact (an e-mail address if it holds `@`, else a phone number).
pub fn contact_quota_form(contact: &str) -> String {
    if contact.contains('@') {
        email_quota_form(contact)
    } else {
        phone_form(contact)
    }
}

/// An 18-character resident identity number whose last character is the MOD 11-2 check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text = normalize(raw).to_ascii_uppercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
            return Err(Problem::InvalidIdNumber);
        }
        if check_digit(&text[..17]) != Some(chars[17]) {
            return Err(Problem::InvalidIdNumber);
        }
        Ok(IdNumber(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The ISO 7064 MOD 11-2 check character for 17 leading digits.
pub fn check_digit(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(ID_WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(ID_CHECK[(sum % 11) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_id_numbers() {
        // The example number printed in GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(Problem::InvalidIdNumber)
        );
        assert_eq!(IdNumber::parse("1101051949123100"), Err(Problem::InvalidIdNumber));
        assert_eq!(
            IdNumber::parse("11010519491231002Ｘ"),
            Err(Problem::InvalidIdNumber)
        );
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("138 0013 8000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("+86 13800138000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("0538-1234567").unwrap().as_str(), "05381234567");
        assert_eq!(Phone::parse("010-12345678").unwrap().as_str(), "01012345678");
        assert_eq!(Phone::parse("12800138000"), Err(Problem::InvalidPhone));
        assert_eq!(Phone::parse("1380013800"), Err(Problem::InvalidPhone));
        assert_eq!(Phone::parse("phone"), Err(Problem::InvalidPhone));
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Li.Ming@Example.COM ").unwrap().as_str(),
            "Li.Ming@example.com"
        );
        assert_eq!(Email::parse("not an email"), Err(Problem::InvalidEmail));
        assert_eq!(Email::parse("a@"), Err(Problem::InvalidEmail));
        assert_eq!(Email::parse("@example.com"), Err(Problem::InvalidEmail));
    }

    #[test]
    fn emails_that_mail_cannot_reach_are_refused_with_their_reason() {
        use Problem::*;
        for (raw, why) in [
            ("li@example", EmailDomainIncomplete),
            ("li@localhost", EmailDomainIncomplete),
            ("li@LOCALHOST", EmailDomainIncomplete),
            ("li@mail.localhost", EmailDomainIncomplete),
            ("li@[1.2.3.4]", EmailIpLiteral),
            ("li@[IPv6:2001:db8::1]", EmailIpLiteral),
            ("li@1.2.3.4", EmailIpLiteral),
            ("li\u{200B}@example.com", InvisibleCharacters),
            ("li@exam\u{00AD}ple.com", InvisibleCharacters),
            ("l\u{200D}i@example.com", InvisibleCharacters),
            ("li@example.com\u{2060}x", InvisibleCharacters),
            ("\u{FEFF}li@example.com", InvisibleCharacters),
        ] {
            assert_eq!(Email::parse(raw), Err(why), "{raw:?}");
        }
        assert!(Email::parse("li@mail.example.cn").is_ok());
    }

    #[test]
    fn full_width_input_is_folded_to_ascii() {
        assert_eq!(
            Email::parse("ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ").unwrap().as_str(),
            "li@example.com"
        );
        assert_eq!(
            Phone::parse("１３８００１３８０００").unwrap().as_str(),
            "13800138000"
        );
    }

    #[test]
    fn index_and_quota_forms() {
        assert_eq!(email_index_form(" A.B+x@Example.COM "), "a.b+x@example.com");
        assert_eq!(email_quota_form("A.B+x@Example.COM"), "a.b@example.com");
        assert_eq!(email_quota_form("a.b@example.com"), "a.b@example.com");
        assert_eq!(email_quota_form("a.b+x+y@example.com"), "a.b@example.com");
        assert_eq!(
            email_index_form("a\u{00AD}b\u{200B}@ex\u{FEFF}ample.com"),
            "ab@example.com"
        );
        assert_eq!(email_index_form("ＡＢ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "ab@example.com");
        // Dots are kept: only some providers ignore them.
        assert_ne!(
            email_quota_form("ab@example.com"),
            email_quota_form("a.b@example.com")
        );
        assert_eq!(phone_form("138-0013\u{200B} 8000"), "13800138000");
        assert_eq!(phone_form("１３８００１３８０００"), "13800138000");
        assert_eq!(contact_quota_form("X+1@Example.com"), "x@example.com");
        assert_eq!(contact_index_form("X+1@Example.com"), "x+1@example.com");
        assert_eq!(contact_quota_form("0538-1234567"), "05381234567");
    }

    #[test]
    fn plain_addresses_index_as_before() {
        // What earlier versions hashed: the NFC text, lower-cased. Unchanged for ASCII.
        for raw in [
            "Li.Ming@example.com",
            "li+tag@example.com",
            "x_y-z@sub.example.org",
        ] {
            let e = Email::parse(raw).unwrap();
            assert_eq!(email_index_form(e.as_str()), e.as_str().to_lowercase());
        }
    }

    proptest! {
        #[test]
        fn every_correct_check_digit_parses(digits in "[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}") {
            let check = check_digit(&digits).unwrap();
            let id = format!("{digits}{check}");
            prop_assert!(IdNumber::parse(&id).is_ok());
        }

        #[test]
        fn every_wrong_check_digit_fails(digits in "[0-9]{17}", wrong in 0usize..11) {
            let right = check_digit(&digits).unwrap();
            let candidate = ID_CHECK[wrong];
            prop_assume!(candidate != right);
            let id = format!("{digits}{candidate}");
            prop_assert_eq!(IdNumber::parse(&id), Err(Problem::InvalidIdNumber));
        }

        #[test]
        fn mobile_numbers_parse(rest in "1[3-9][0-9]{9}") {
            let phone = Phone::parse(&rest).unwrap();
            prop_assert_eq!(phone.as_str(), rest.as_str());
        }

        #[test]
        fn phone_parser_never_panics(s in "\\PC{0,40}") {
            let _ = Phone::parse(&s);
            let _ = Email::parse(&s);
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn normal_forms_are_idempotent(s in "\\PC{0,40}") {
            let once = email_quota_form(&s);
            prop_assert_eq!(email_quota_form(&once), once.clone());
            let index = email_index_form(&s);
            prop_assert_eq!(email_index_form(&index), index.clone());
            prop_assert!(!index.chars().any(is_invisible));
        }
    }
}
