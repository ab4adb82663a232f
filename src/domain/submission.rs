//! A citizen's submission as typed ([`SubmissionInput`], checked field by field with `validator`)
//! and as accepted ([`NewSubmission`], built only from valid domain values).

use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::contact::{Email, IdNumber, Phone};
use super::text::{normalize, normalize_optional, term, Body, PersonName, Title};
use super::{Channel, FieldErrors, Kind, Problem};
use crate::catalog::Catalog;
use crate::i18n::Lang;

/// What arrives from the web form or the API, before anything is trusted.
#[derive(Debug, Clone, Default, Validate)]
pub struct SubmissionInput {
    pub kind: String,
    pub category: String,
    pub region: String,
    #[validate(custom(function = "check_body"))]
    pub body: String,
    #[validate(custom(function = "check_title"))]
    pub title: Option<String>,
    #[validate(custom(function = "check_name"))]
    pub name: Option<String>,
    #[validate(custom(function = "check_phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "check_email"))]
    pub email: Option<String>,
    #[validate(custom(function = "check_id_number"))]
    pub id_number: Option<String>,
    pub anonymous: bool,
    pub target_unit: Option<String>,
    /// The citizen agrees that the question and its answer may be published without personal
    /// data (default no). Never kept for a report.
    pub publishable: bool,
}

/// The reporter's identity. Encrypted as a whole before it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub id_number: Option<String>,
}

impl Reporter {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.email.is_none() && self.id_number.is_none()
    }

    /// The contact used for per-contact limits: the e-mail address, else the phone number.
    pub fn contact(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone.as_deref())
    }
}

/// A valid submission, ready to be stored. Only [`NewSubmission::parse`] makes one.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub kind: Kind,
    pub category: String,
    pub region: String,
    pub target_unit: Option<String>,
    pub title: Option<Title>,
    pub body: Body,
    pub reporter: Reporter,
    pub anonymous: bool,
    /// Consent to publication (see [`crate::domain::publication`]); always false for a report.
    pub publishable: bool,
    pub channel: Channel,
    pub lang: Lang,
    pub origin: Origin,
}

/// Where a submission was made, beyond its channel: at an open-day event (whose host unit a rule
/// may route to), on which kiosk, and which member of staff entered it for a visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub event_id: Option<i64>,
    pub event_host: Option<String>,
    pub kiosk_id: Option<i64>,
    pub entered_by: Option<String>,
}

impl NewSubmission {
    /// Checks every field (all problems at once) against the rules and the catalog.
    pub fn parse(
        input: &SubmissionInput,
        catalog: &Catalog,
        channel: Channel,
        lang: Lang,
    ) -> Result<NewSubmission, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = input.validate() {
            collect(&e, &mut errors);
        }

        // Codes are terms of the text rule: forbidden characters removed, then looked up.
        let kind_code = term(&input.kind);
        let kind = match Kind::from_code(&kind_code) {
            Some(k) => Some(k),
            None => {
                errors.add(
                    "kind",
                    if kind_code.is_empty() {
                        Problem::Required
                    } else {
                        Problem::UnknownKind
                    },
                );
                None
            }
        };
        let category = term(&input.category);
        let category = category.as_str();
        match catalog.category(category) {
            None if category.is_empty() => errors.add("category", Problem::Required),
            None => errors.add("category", Problem::UnknownCategory),
            Some(c) => {
                if let Some(k) = kind {
                    if !c.kinds.iter().any(|ck| ck == k.code()) {
                        errors.add("category", Problem::CategoryNotForKind);
                    }
                }
            }
        }
        let region = term(&input.region);
        let region = region.as_str();
        if region.is_empty() {
            errors.add("region", Problem::Required);
        } else if catalog.region(region).is_none() {
            errors.add("region", Problem::UnknownRegion);
        }
        let target_unit = normalize_optional(input.target_unit.as_deref());
        if let Some(u) = &target_unit {
            if catalog.unit(u).is_none() {
                errors.add("target_unit", Problem::UnknownUnit);
            }
        }

        let reporter = Reporter {
            name: optional(&input.name, PersonName::parse, |v| v.into_inner()),
            phone: optional(&input.phone, Phone::parse, |v| v.as_str().to_owned()),
            email: optional(&input.email, Email::parse, |v| v.as_str().to_owned()),
            id_number: optional(&input.id_number, IdNumber::parse, |v| v.as_str().to_owned()),
        };
        if input.anonymous {
            if let Some(k) = kind {
                if !k.may_be_anonymous() {
                    errors.add("anonymous", Problem::AnonymousNotAllowed);
                }
            }
            if !reporter.is_empty() {
                errors.add("anonymous", Problem::AnonymousWithIdentity);
            }
        }

        let body = Body::parse(&input.body).map_err(|p| errors.add("body", p)).ok();
        // Free text keeps the rule's free-text half: a forbidden character is refused, not removed.
        let title = match present(&input.title) {
            None => Some(None),
            Some(t) => Title::parse(t).map(Some).map_err(|p| errors.add("title", p)).ok(),
        };
        match (kind, body, title) {
            (Some(kind), Some(body), Some(title)) if errors.is_empty() => Ok(NewSubmission {
                kind,
                category: category.to_owned(),
                region: region.to_owned(),
                target_unit,
                title,
                body,
                reporter,
                anonymous: input.anonymous,
                publishable: super::publication::consent_for(kind, input.publishable),
                channel,
                lang,
                origin: Origin::default(),
            }),
            _ => Err(errors),
        }
    }
}

/// Parses an optional field that `validate()` has already checked.
fn optional<T>(
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, Problem>,
    out: fn(T) -> String,
) -> Option<String> {
    present(raw).and_then(|s| parse(s).ok()).map(out)
}

/// An optional field that is given and not blank, as typed.
fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().filter(|s| !normalize(s).is_empty())
}

// --- validator glue: each check delegates to the domain newtype, and the problem travels back ---

fn to_error(problem: Problem) -> ValidationError {
    let mut e = ValidationError::new("problem");
    match problem {
        Problem::TooShort { min } => {
            e.code = "too_short".into();
            e.add_param("min".into(), &min);
        }
        Problem::TooLong { max } => {
            e.code = "too_long".into();
            e.add_param("max".into(), &max);
        }
        other => e.code = problem_code(&other).into(),
    }
    e
}

fn problem_code(p: &Problem) -> &'static str {
    match p {
        Problem::Required => "required",
        Problem::ControlCharacters => "control_characters",
        Problem::InvisibleCharacters => "invisible_characters",
        Problem::LineBreak => "line_break",
        Problem::InvalidEmail => "invalid_email",
        Problem::EmailDomainIncomplete => "email_domain_incomplete",
        Problem::EmailIpLiteral => "email_ip_literal",
        Problem::InvalidPhone => "invalid_phone",
        Problem::InvalidIdNumber => "invalid_id_number",
        _ => "invalid",
    }
}

fn from_error(e: &ValidationError) -> Problem {
    let param = |name: &str| e.params.get(name).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
    match e.code.as_ref() {
        "too_short" => Problem::TooShort { min: param("min") },
        "too_long" => Problem::TooLong { max: param("max") },
        "required" => Problem::Required,
        "control_characters" => Problem::ControlCharacters,
        "invisible_characters" => Problem::InvisibleCharacters,
        "line_break" => Problem::LineBreak,
        "invalid_email" => Problem::InvalidEmail,
        "email_domain_incomplete" => Problem::EmailDomainIncomplete,
        "email_ip_literal" => Problem::EmailIpLiteral,
        "invalid_phone" => Problem::InvalidPhone,
        "invalid_id_number" => Problem::InvalidIdNumber,
        _ => Problem::UnknownField,
    }
}

fn collect(errors: &ValidationErrors, into: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        if let ValidationErrorsKind::Field(list) = kind {
            for e in list {
                into.add(field.to_string(), from_error(e));
            }
        }
    }
}

fn check_with<T>(
    value: &str,
    parse: fn(&str) -> Result<T, Problem>,
    optional: bool,
) -> Result<(), ValidationError> {
    if optional && value.trim().is_empty() {
        return Ok(());
    }
    parse(value).map(|_| ()).map_err(to_error)
}

fn check_body(v: &str) -> Result<(), ValidationError> {
    check_with(v, Body::parse, false)
}
fn check_title(v: &str) -> Result<(), ValidationError> {
    check_with(v, Title::parse, true)
}
fn check_name(v: &str) -> Result<(), ValidationError> {
    check_with(v, PersonName::parse, true)
}
fn check_phone(v: &str) -> Result<(), ValidationError> {
    check_with(v, Phone::parse, true)
}
fn check_email(v: &str) -> Result<(), ValidationError> {
    check_with(v, Email::parse, true)
}
fn check_id_number(v: &str) -> Result<(), ValidationError> {
    check_with(v, IdNumber::parse, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn catalog() -> Catalog {
        Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap()
    }

    fn valid() -> SubmissionInput {
        SubmissionInput {
            kind: "complaint".into(),
            category: "service_attitude".into(),
            region: "370983".into(),
            body: "派出所窗口排队两个小时没有人管，希望改进。".into(),
            email: Some("citizen@example.com".into()),
            ..Default::default()
        }
    }

    fn parse(input: &SubmissionInput) -> Result<NewSubmission, FieldErrors> {
        NewSubmission::parse(input, &catalog(), Channel::Web, Lang::Zh)
    }

    #[test]
    fn valid_input_parses() {
        let s = parse(&valid()).unwrap();
        assert_eq!(s.kind, Kind::Complaint);
        assert_eq!(s.reporter.contact(), Some("citizen@example.com"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = SubmissionInput {
            kind: "complaint".into(),
            category: "illegal_business".into(),
            region: "999999".into(),
            body: "short".into(),
            phone: Some("123".into()),
            id_number: Some("110105194912310021".into()),
            ..Default::default()
        };
        let errors = parse(&input).unwrap_err();
        for field in ["category", "region", "body", "phone", "id_number"] {
            assert!(errors.has(field), "{field} missing in {errors:?}");
        }
        assert!(!errors.has("kind"));
        let body = errors.iter().find(|(f, _)| *f == "body").unwrap().1;
        assert_eq!(body, &[Problem::TooShort { min: 10 }]);
    }

    #[test]
    fn anonymity_is_for_reports_without_identity() {
        let mut input = valid();
        input.anonymous = true;
        let errors = parse(&input).unwrap_err();
        assert!(errors.has("anonymous"));

        let report = SubmissionInput {
            kind: "report".into(),
            category: "illegal_business".into(),
            region: "370983".into(),
            body: "某派出所民警在辖区内违规经营酒店。".into(),
            anonymous: true,
            target_unit: Some("370983-police".into()),
            ..Default::default()
        };
        let s = parse(&report).unwrap();
        assert!(s.anonymous && s.reporter.is_empty());
    }

    #[test]
    fn empty_optional_fields_are_absent() {
        let mut input = valid();
        input.title = Some("   ".into());
        input.phone = Some(String::new());
        let s = parse(&input).unwrap();
        assert!(s.title.is_none());
        assert!(s.reporter.phone.is_none());
    }
}
