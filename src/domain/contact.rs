//! A reporter's contact details and identity: mainland phone numbers, e-mail addresses and
//! 18-digit resident ID numbers (GB 11643, check digit by ISO 7064 MOD 11-2).

use std::sync::LazyLock;

use regex::Regex;
use validator::ValidateEmail;

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
        let text = normalize(raw);
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

/// An e-mail address, lower-cased in the domain part for the blind index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text = normalize(raw);
        check_controls(&text, Shape::Line)?;
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Problem::TooLong { max: Self::MAX_CHARS });
        }
        if !text.validate_email() {
            return Err(Problem::InvalidEmail);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(Problem::InvalidEmail)?;
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
    }
}
