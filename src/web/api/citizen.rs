//! The JSON API under `/api/v1`: the catalog, new submissions, and status by tracking code with
//! the access key in a header. Errors are `{error: {code, message, fields}}` in the request's
//! language; bad input is always a 4xx.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::catalog::Named;
use crate::domain::{Channel, FieldErrors, Kind, NewSubmission, Problem, State, SubmissionInput};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{self as service, Idempotency};
use crate::web::client::ClientIp;
use crate::web::error::{ApiError, ApiErrorBody, ErrorIn};
use crate::web::lang::negotiate;
use crate::web::AppState;

/// A code and its name in the request's language.
#[derive(Serialize, ToSchema)]
pub struct CodeName {
    pub code: String,
    pub name: String,
}

/// A category and the kinds of submission it belongs to.
#[derive(Serialize, ToSchema)]
pub struct CategoryOut {
    pub code: String,
    pub name: String,
    pub kinds: Vec<String>,
}

/// A region (GB/T 2260 code) and the region it lies in.
#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// A unit of the directory.
#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub parent: Option<String>,
}

/// Everything a submission may name: kinds, categories, regions and units.
#[derive(Serialize, ToSchema)]
pub struct CatalogOut {
    pub kinds: Vec<CodeName>,
    pub categories: Vec<CategoryOut>,
    pub regions: Vec<RegionOut>,
    pub units: Vec<UnitOut>,
}

/// Kinds, categories, regions and units, named in the request's language.
#[utoipa::path(
    tag = "citizen",
    operation_id = "catalog",
    responses((status = 200, description = "The catalog", body = CatalogOut))
)]
#[get("/catalog")]
pub async fn catalog(state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let c = &state.catalog;
    let own = |s: &str| s.to_owned();
    HttpResponse::Ok().json(CatalogOut {
        kinds: c
            .kinds
            .iter()
            .map(|k| CodeName {
                code: own(&k.code),
                name: own(k.name(lang)),
            })
            .collect(),
        categories: c
            .categories
            .iter()
            .map(|x| CategoryOut {
                code: own(&x.code),
                name: own(x.name(lang)),
                kinds: x.kinds.clone(),
            })
            .collect(),
        regions: c
            .regions
            .iter()
            .map(|r| RegionOut {
                code: own(&r.code),
                name: own(r.name(lang)),
                parent: r.parent.clone(),
            })
            .collect(),
        units: c
            .units
            .iter()
            .map(|u| UnitOut {
                code: own(&u.code),
                name: own(u.name(lang)),
                kind: own(&u.kind),
                region: own(&u.region),
                parent: u.parent.clone(),
            })
            .collect(),
    })
}

/// A new submission as sent. The handler reads the object field by field (a wrong type is a
/// field error, 422), so this type is its shape for the document; [`TEXT_FIELDS`] and
/// [`BOOL_FIELDS`] are checked against it in the tests.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "complaint", "category": "service_attitude", "region": "370983",
    "body": "肥城市某派出所户籍窗口只开一个，排队两个小时没有人管。",
    "title": "派出所窗口排长队", "email": "citizen@example.com", "phone": "13800138000",
    "target_unit": "370983-police", "publishable": true, "lang": "zh-CN"
}))]
pub struct SubmissionRequest {
    pub kind: Kind,
    /// A category of this kind (see `/api/v1/catalog`).
    pub category: String,
    /// The region's six-digit code (see `/api/v1/catalog`).
    pub region: String,
    /// What happened and what is asked: 10 to 5,000 characters; line breaks allowed, control,
    /// bidi and zero-width characters refused.
    #[schema(min_length = 10, max_length = 5000)]
    pub body: String,
    /// At most 100 characters on one line.
    #[schema(max_length = 100)]
    pub title: Option<String>,
    /// The reporter's name, at most 50 characters.
    #[schema(max_length = 50)]
    pub name: Option<String>,
    /// A mainland mobile or landline number.
    pub phone: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// An 18-character resident ID number (checked digit included).
    pub id_number: Option<String>,
    /// The unit the matter is about, if any (see `/api/v1/catalog`).
    pub target_unit: Option<String>,
    /// For reports only, and then without any identity.
    pub anonymous: Option<bool>,
    /// The citizen agrees that the question and answer may be published without personal data.
    pub publishable: Option<bool>,
    /// The language of the answers and mails: `zh-CN` or `en`.
    pub lang: Option<String>,
}

pub const TEXT_FIELDS: &[&str] = &[
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

pub const BOOL_FIELDS: &[&str] = &["anonymous", "publishable"];

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

/// The receipt of a new submission. The access key is shown this once.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// E.g. `MS-7K3Q-9F2D-XW4P`.
    pub tracking_code: String,
    /// The secret for `X-Access-Key`: keep it, it is not shown again.
    pub access_key: String,
    pub state: State,
    /// Where the case's status is read (with the access key).
    pub status_url: String,
}

/// The request header that makes a submission idempotent.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Sends an opinion, complaint, request for help or report. The answer comes only after the
/// submission is stored durably.
#[utoipa::path(
    tag = "citizen",
    operation_id = "create_submission",
    request_body = SubmissionRequest,
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$",
         description = "A retry with the same key (1-255 visible ASCII characters) gets the first answer")
    ),
    responses(
        (status = 201, description = "Stored; a retry with the same key gets the same answer", body = Created,
         headers(
            ("Location" = String, description = "The status URL"),
            ("Idempotent-Replayed" = String, description = "`true` on a retry's answer")
         )),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = ApiErrorBody),
        (status = 413, description = "Too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "Invalid fields, every one named; or a reused Idempotency-Key", body = ApiErrorBody),
        (status = 429, description = "Too many submissions", body = ApiErrorBody),
    )
)]
#[post("/submissions")]
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
            state: receipt.state,
            status_url,
        })
}

/// A unit by code and name.
#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

/// One step of a case as the citizen sees it.
#[derive(Serialize, ToSchema)]
pub struct TimelineOut {
    /// RFC 3339, UTC.
    pub at: String,
    pub state: String,
    pub note: Option<String>,
}

/// A case as its citizen sees it.
#[derive(Serialize, ToSchema)]
pub struct StatusOut {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub region: String,
    pub state: State,
    pub assigned_unit: Option<UnitRef>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub overdue: bool,
    pub timeline: Vec<TimelineOut>,
}

fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A case's status, for the citizen who holds its access key. An unknown code and a wrong or
/// missing key get the same 404.
#[utoipa::path(
    tag = "citizen",
    operation_id = "get_submission",
    params(("tracking_code" = String, Path, description = "E.g. `MS-7K3Q-9F2D-XW4P`")),
    security(("access_key" = [])),
    responses(
        (status = 200, description = "The case", body = StatusOut),
        (status = 404, description = "No such case, or not with this key", body = ApiErrorBody),
        (status = 429, description = "Too many look-ups", body = ApiErrorBody),
    )
)]
#[get("/submissions/{tracking_code}")]
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
