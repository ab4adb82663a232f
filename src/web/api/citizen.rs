//! The JSON API under `/api/v1`: the catalog, new submissions, and status by tracking code with
//! the access key in a header. Errors are `{error: {code, message, fields}}` in the request's
//! language; bad input is always a 4xx.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::Named;
use crate::domain::{Channel, FieldErrors, NewSubmission, Problem, State, SubmissionInput};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{self as service, Idempotency};
use crate::web::client::ClientIp;
use crate::web::error::{ApiError, ErrorIn};
use crate::web::lang::negotiate;
use crate::web::AppState;

#[derive(Serialize)]
struct CodeName<'a> {
    code: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct CategoryOut<'a> {
    code: &'a str,
    name: &'a str,
    kinds: &'a [String],
}

#[derive(Serialize)]
struct RegionOut<'a> {
    code: &'a str,
    name: &'a str,
    parent: Option<&'a str>,
}

#[derive(Serialize)]
struct UnitOut<'a> {
    code: &'a str,
    name: &'a str,
    kind: &'a str,
    region: &'a str,
    parent: Option<&'a str>,
}

pub async fn catalog(state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let c = &state.catalog;
    HttpResponse::Ok().json(serde_json::json!({
        "kinds": c.kinds.iter().map(|k| CodeName { code: &k.code, name: k.name(lang) }).collect::<Vec<_>>(),
        "categories": c.categories.iter().map(|x| CategoryOut { code: &x.code, name: x.name(lang), kinds: &x.kinds }).collect::<Vec<_>>(),
        "regions": c.regions.iter().map(|r| RegionOut { code: &r.code, name: r.name(lang), parent: r.parent.as_deref() }).collect::<Vec<_>>(),
        "units": c.units.iter().map(|u| UnitOut { code: &u.code, name: u.name(lang), kind: &u.kind, region: &u.region, parent: u.parent.as_deref() }).collect::<Vec<_>>(),
    }))
}

const TEXT_FIELDS: &[&str] = &[
    "kind",
    "category",
    "region",
    "body",
    "title",
    "name",
    "phone",
    "email",
    "id_number",
    "target_unit",
    "lang",
];

const BOOL_FIELDS: &[&str] = &["anonymous", "publishable"];

/// Reads the JSON object field by field, so a wrong type is a field error (422), not a crash.
fn input_from_json(object: &Map<String, Value>) -> Result<(SubmissionInput, Option<Lang>), FieldErrors> {
    let mut errors = FieldErrors::default();
    for key in object.keys() {
        if !TEXT_FIELDS.contains(&key.as_str()) && !BOOL_FIELDS.contains(&key.as_str()) {
            errors.add(key.clone(), Problem::UnknownField);
        }
    }
    let mut text = |field: &str| -> Option<String> {
        match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.add(field, Problem::NotText);
                None
            }
        }
    };
    let input = SubmissionInput {
        kind: text("kind").unwrap_or_default(),
        category: text("category").unwrap_or_default(),
        region: text("region").unwrap_or_default(),
        body: text("body").unwrap_or_default(),
        title: text("title"),
        name: text("name"),
        phone: text("phone"),
        email: text("email"),
        id_number: text("id_number"),
        target_unit: text("target_unit"),
        anonymous: false,
        publishable: false,
    };
    let lang_text = text("lang");
    let mut flag = |field: &str| match object.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.add(field, Problem::NotBoolean);
            false
        }
    };
    // Both default to no: publication only with the citizen's explicit consent.
    let anonymous = flag("anonymous");
    let publishable = flag("publishable");
    let lang = lang_text.as_deref().and_then(Lang::parse);
    errors.into_result()?;
    Ok((
        SubmissionInput {
            anonymous,
            publishable,
            ..input
        },
        lang,
    ))
}

#[derive(Serialize)]
struct Created {
    tracking_code: String,
    access_key: String,
    state: &'static str,
    status_url: String,
}

/// The request header that makes a submission idempotent.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

pub async fn create_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut lang = negotiate(&req);
    let Value::Object(object) = body.into_inner() else {
        return Err(AppError::Malformed("expected a JSON object".into())).api(lang);
    };
    // A retry with the same Idempotency-Key gets the first answer; the key is bound to the request
    // as sent (serde_json keeps object keys sorted, so the same fields hash the same).
    let idem = match req.headers().get(IDEMPOTENCY_KEY) {
        Some(v) => {
            let key = v.to_str().unwrap_or("\u{0}");
            let request = serde_json::to_vec(&object)
                .map_err(|e| AppError::Internal(e.into()))
                .api(lang)?;
            Some(Idempotency::new("api", key, &request).api(lang)?)
        }
        None => None,
    };
    // A retry of a request already answered is answered from its key, whatever the limit says.
    if let Some(i) = &idem {
        if let Some(receipt) = service::earlier_answer(&state, i).await.api(lang)? {
            return Ok(created(&receipt));
        }
    }
    state.limits.check_submit(client.0).api(lang)?;
    let (input, chosen) = input_from_json(&object).map_err(AppError::Invalid).api(lang)?;
    lang = chosen.unwrap_or(lang);
    let cmd = NewSubmission::parse(&input, &state.catalog, Channel::Api, lang)
        .map_err(AppError::Invalid)
        .api(lang)?;
    let receipt = service::submit_once(&state, cmd, idem).await.api(lang)?;
    Ok(created(&receipt))
}

/// 201 with the receipt; a retry's answer is marked `Idempotent-Replayed`.
fn created(receipt: &service::Receipt) -> HttpResponse {
    let code = receipt.tracking_code.display();
    let status_url = format!("/api/v1/submissions/{code}");
    let mut answer = HttpResponse::Created();
    if receipt.replayed {
        answer.insert_header(("Idempotent-Replayed", "true"));
    }
    answer
        .insert_header((header::LOCATION, status_url.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Created {
            tracking_code: code,
            access_key: receipt.access_key.reveal(),
            state: receipt.state.code(),
            status_url,
        })
}

#[derive(Serialize)]
struct UnitRef {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct TimelineOut {
    at: String,
    state: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct StatusOut {
    tracking_code: String,
    kind: String,
    category: String,
    region: String,
    state: State,
    assigned_unit: Option<UnitRef>,
    created_at: String,
    updated_at: String,
    overdue: bool,
    timeline: Vec<TimelineOut>,
}

fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub async fn get_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientIp,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lang = negotiate(&req);
    state.limits.check_track(client.0).api(lang)?;
    let key = req
        .headers()
        .get("x-access-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let s = service::status(&state, &path.into_inner(), key).await.api(lang)?;
    let c = &state.catalog;
    let out = StatusOut {
        assigned_unit: s.assigned_unit.as_deref().map(|u| UnitRef {
            code: u.to_owned(),
            name: c
                .unit(u)
                .map(|x| x.name(lang).to_owned())
                .unwrap_or_else(|| u.to_owned()),
        }),
        created_at: rfc3339(s.created_at),
        updated_at: rfc3339(s.updated_at),
        timeline: s
            .timeline
            .into_iter()
            .map(|e| TimelineOut {
                at: rfc3339(e.at),
                state: e.state,
                note: match lang {
                    Lang::Zh => e.note,
                    Lang::En => e.note_en.or(e.note),
                },
            })
            .collect(),
        tracking_code: s.tracking_code,
        kind: s.kind,
        category: s.category,
        region: s.region,
        state: s.state,
        overdue: s.overdue,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
