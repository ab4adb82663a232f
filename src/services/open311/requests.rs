//! Filing a request (`POST requests`): the spec's fields become the web form's input, checked by
//! the same [`NewSubmission::parse`] and stored and routed by the same intake service (channel
//! `open311`). The row that ties the case to the integration's key and keeps the location sent is
//! written in the intake transaction. Problems come back under the spec's field names.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::catalog::{ANONYMOUS, PUBLISHABLE, REGION, TARGET_UNIT, TITLE};
use super::check_jurisdiction;
use crate::domain::open311::{full_name, parse_service_code};
use crate::domain::{Channel, FieldErrors, NewSubmission, Problem, SubmissionInput};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{self, Idempotency, Link};
use crate::services::Context;
use crate::storage::open311::{self as store, NewRequestRow};
use crate::storage::DbConn;

/// A `POST requests` as sent, after the caller's key was checked.
#[derive(Debug, Clone, Default)]
pub struct FileRequest {
    pub key_id: i64,
    pub jurisdiction_id: Option<String>,
    pub service_code: String,
    pub description: String,
    /// `attribute[code]` → value.
    pub attributes: BTreeMap<String, String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub lang: Lang,
    /// An `Idempotency-Key` and the request's bytes: a retry returns the first answer.
    pub idempotency: Option<(String, Vec<u8>)>,
}

/// What the integration is told once.
#[derive(Debug, Clone)]
pub struct Filed {
    pub service_request_id: String,
    /// The citizen's secret access key, for the status page: in this answer only.
    pub access_key: String,
    pub service_notice: String,
}

/// The spec's name of a form field, for problems.
fn spec_field(field: &str) -> String {
    match field {
        "kind" | "category" => "service_code".into(),
        "body" => "description".into(),
        "name" => "first_name".into(),
        "region" => format!("attribute[{REGION}]"),
        "target_unit" => format!("attribute[{TARGET_UNIT}]"),
        "title" => format!("attribute[{TITLE}]"),
        "anonymous" => format!("attribute[{ANONYMOUS}]"),
        "publishable" => format!("attribute[{PUBLISHABLE}]"),
        other => other.into(),
    }
}

fn flag(raw: Option<&String>, field: &str, errors: &mut FieldErrors) -> bool {
    match raw.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") | Some("no") => false,
        Some("true") | Some("1") | Some("yes") => true,
        Some(_) => {
            errors.add(format!("attribute[{field}]"), Problem::NotBoolean);
            false
        }
    }
}

/// A coordinate within `limit` degrees, or a problem.
fn coordinate(raw: Option<&str>, limit: f64) -> Result<Option<f64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= limit => Ok(Some(v)),
            _ => Err(AppError::Malformed(
                "lat and long must be decimal degrees (WGS84)".into(),
            )),
        },
    }
}

/// Checks, stores and routes the request; the answer carries the tracking code and access key.
pub async fn file(ctx: &Context, req: FileRequest) -> Result<Filed, AppError> {
    check_jurisdiction(&ctx.catalog, req.jurisdiction_id.as_deref())?;
    let lang = req.lang;
    let Some((kind, category)) = parse_service_code(&req.service_code, &ctx.catalog) else {
        let mut errors = FieldErrors::default();
        let problem = if req.service_code.trim().is_empty() {
            Problem::Required
        } else {
            Problem::UnknownCategory
        };
        errors.add("service_code", problem);
        return Err(AppError::Invalid(errors));
    };
    let lat = coordinate(req.lat.as_deref(), 90.0)?;
    let long = coordinate(req.long.as_deref(), 180.0)?;
    if lat.is_some() != long.is_some() {
        return Err(AppError::Malformed("lat and long come together".into()));
    }
    let mut errors = FieldErrors::default();
    let allowed: &[&str] = if kind.may_be_anonymous() {
        &[REGION, TARGET_UNIT, TITLE, ANONYMOUS]
    } else {
        &[REGION, TARGET_UNIT, TITLE, PUBLISHABLE]
    };
    for code in req.attributes.keys() {
        if !allowed.contains(&code.as_str()) {
            errors.add(format!("attribute[{code}]"), Problem::UnknownField);
        }
    }
    let attr = |code: &str| req.attributes.get(code).filter(|v| !v.trim().is_empty()).cloned();
    // The region: the attribute, else an address_id that is a region code.
    let region = attr(REGION).or_else(|| {
        req.address_id
            .clone()
            .filter(|a| ctx.catalog.region(a.trim()).is_some())
    });
    let input = SubmissionInput {
        kind: kind.code().to_owned(),
        category: category.code.clone(),
        region: region.unwrap_or_default(),
        body: req.description.clone(),
        title: attr(TITLE),
        name: full_name(req.first_name.as_deref(), req.last_name.as_deref()),
        phone: req.phone.clone(),
        email: req.email.clone(),
        id_number: None,
        anonymous: flag(req.attributes.get(ANONYMOUS), ANONYMOUS, &mut errors),
        target_unit: attr(TARGET_UNIT),
        publishable: flag(req.attributes.get(PUBLISHABLE), PUBLISHABLE, &mut errors),
    };
    let parsed = NewSubmission::parse(&input, &ctx.catalog, Channel::Open311, lang);
    let cmd = match parsed {
        Ok(cmd) if errors.is_empty() => cmd,
        other => {
            if let Err(found) = other {
                for (field, problems) in found.iter() {
                    for p in problems {
                        errors.add(spec_field(field), p.clone());
                    }
                }
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let idem = match &req.idempotency {
        Some((key, bytes)) => Some(Idempotency::new(&format!("open311:{}", req.key_id), key, bytes)?),
        None => None,
    };
    let row = NewRequestRow {
        submission_id: 0,
        key_id: req.key_id,
        lat,
        long,
        address_string: req
            .address_string
            .as_deref()
            .map(crate::domain::text::normalize)
            .filter(|a| !a.is_empty())
            .map(|a| a.chars().take(500).collect()),
        created_at: ctx.clock.now().naive_utc(),
    };
    let link: Link = Arc::new(move |conn: &mut DbConn, submission_id: i64| {
        let row = NewRequestRow {
            submission_id,
            ..row.clone()
        };
        Ok(store::insert_request(conn, &row)?)
    });
    let receipt = intake::submit_linked(ctx, cmd, idem, Some(link)).await?;
    let code = receipt.tracking_code.display();
    let key = receipt.access_key.reveal();
    let status_url = format!("{}/track", ctx.settings.mail.public_url.trim_end_matches('/'));
    let service_notice = match lang {
        Lang::Zh => format!(
            "已收到。查询码 {code}，查询密钥 {key}（只显示这一次，请告知来件人并提醒其妥善保存）。凭查询码和密钥可在 {status_url} 查看办理进展。"
        ),
        Lang::En => format!(
            "Received. Tracking code {code}, access key {key} (shown this once: give it to the citizen and ask them to keep it). With both, the progress can be followed at {status_url}."
        ),
    };
    Ok(Filed {
        service_request_id: code,
        access_key: key,
        service_notice,
    })
}
