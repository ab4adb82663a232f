//! The Open311 handlers: each parses the path, query or form, checks the `api_key` where one is
//! given (a wrong or revoked one is 403; each key has its own rate limit), calls one service and
//! renders the spec's document.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::render::{document, Format, Open311Error};
use super::Params;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::open311::catalog as services;
use crate::services::open311::listing::{self, ListRequest, RequestView};
use crate::services::open311::requests::{self, FileRequest};
use crate::services::open311::{check_jurisdiction, keys};
use crate::web::api::citizen::IDEMPOTENCY_KEY;
use crate::web::lang::negotiate;
use crate::web::AppState;

type Answer = Result<HttpResponse, Open311Error>;

/// The request's language, format and query parameters.
fn start(req: &HttpRequest, format: &str) -> (Lang, Format, Params) {
    let params = Params::parse(req.query_string().as_bytes()).unwrap_or_default();
    (negotiate(req), Format::parse(format), params)
}

/// The key's id when `api_key` is given (checked, and counted against its own limit).
async fn caller(state: &AppState, params: &Params) -> Result<Option<i64>, AppError> {
    match params.get("api_key") {
        None => Ok(None),
        Some(key) => {
            let id = keys::authenticate(state, &key).await?;
            state.limits.check_open311(id)?;
            Ok(Some(id))
        }
    }
}

fn ok(format: Format, root: &str, value: &Value) -> Answer {
    Ok(document(format, root, value, StatusCode::OK))
}

pub async fn discovery(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Answer {
    let (lang, format, _) = start(&req, &path);
    let base = state.settings.mail.public_url.trim_end_matches('/');
    let changeset = "2026-12-02T00:00:00+08:00";
    let doc = json!({
        "changeset": changeset,
        "contact": lang.pick(
            "请联系本服务的运营单位（政法委教育整顿办）。",
            "Contact the operator of this service (the rectification office).",
        ),
        "key_service": lang.pick(
            "api_key 由运营单位用 `minsheng open311 key create --name 名称` 签发。",
            "An api_key is issued by the operator with `minsheng open311 key create --name NAME`.",
        ),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    ok(format, "discovery", &doc)
}

pub async fn services(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Answer {
    let (lang, format, params) = start(&req, &path);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    check_jurisdiction(&state.catalog, params.get("jurisdiction_id").as_deref()).map_err(fail)?;
    let list: Vec<Value> = services::services(&state.catalog, lang)
        .into_iter()
        .map(|s| {
            json!({
                "service_code": s.code,
                "service_name": s.name,
                "description": s.description,
                "metadata": true,
                "type": "realtime",
                "keywords": s.keywords,
                "group": s.group,
            })
        })
        .collect();
    ok(format, "services", &Value::Array(list))
}

pub async fn definition(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Answer {
    let (code, suffix) = path.into_inner();
    let (lang, format, params) = start(&req, &suffix);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    check_jurisdiction(&state.catalog, params.get("jurisdiction_id").as_deref()).map_err(fail)?;
    let attributes = services::definition(&state.catalog, &code, lang)
        .ok_or(AppError::NotFound)
        .map_err(fail)?;
    let attributes: Vec<Value> = attributes
        .into_iter()
        .map(|a| {
            json!({
                "variable": true,
                "code": a.code,
                "datatype": a.datatype.code(),
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": a.values.into_iter().map(|(key, name)| json!({"key": key, "name": name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    ok(
        format,
        "service_definition",
        &json!({"service_code": code.trim(), "attributes": attributes}),
    )
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let (lang, format, _) = start(&req, &path);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(fail(AppError::Malformed(
            "send the request as application/x-www-form-urlencoded".into(),
        )));
    }
    let params = Params::parse(&body)
        .ok_or_else(|| AppError::Malformed("the form could not be read".into()))
        .map_err(fail)?;
    // The key is required to file, and only taken from the body (never from a URL).
    let key = params.get("api_key").ok_or(AppError::Forbidden).map_err(fail)?;
    let key_id = keys::authenticate(&state, &key).await.map_err(fail)?;
    state.limits.check_open311(key_id).map_err(fail)?;
    let idempotency = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| (v.to_str().unwrap_or("\u{0}").to_owned(), body.to_vec()));
    let filed = requests::file(
        &state,
        FileRequest {
            key_id,
            jurisdiction_id: params.get("jurisdiction_id"),
            service_code: params.get("service_code").unwrap_or_default(),
            description: params.get("description").unwrap_or_default(),
            attributes: params.attributes.clone(),
            first_name: params.get("first_name"),
            last_name: params.get("last_name"),
            email: params.get("email"),
            phone: params.get("phone"),
            lat: params.get("lat"),
            long: params.get("long"),
            address_string: params.get("address_string"),
            address_id: params.get("address_id"),
            lang,
            idempotency,
        },
    )
    .await
    .map_err(fail)?;
    let doc = json!([{
        "service_request_id": filed.service_request_id,
        "service_notice": filed.service_notice,
        "account_id": null,
        "access_key": filed.access_key,
    }]);
    Ok(document(format, "service_requests", &doc, StatusCode::CREATED))
}

fn request_json(r: RequestView) -> Value {
    let at = |t: chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    json!({
        "service_request_id": r.service_request_id,
        "status": r.status.code(),
        "status_notes": r.status_notes,
        "service_name": r.service_name,
        "service_code": r.service_code,
        "description": r.description,
        "agency_responsible": r.agency_responsible,
        "service_notice": null,
        "requested_datetime": at(r.requested_datetime),
        "updated_datetime": at(r.updated_datetime),
        "expected_datetime": r.expected_datetime.map(at),
        "address": r.address,
        "address_id": r.address_id,
        "zipcode": null,
        "lat": r.lat,
        "long": r.long,
        "media_url": null,
    })
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Answer {
    let (lang, format, params) = start(&req, &path);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    let key_id = caller(&state, &params).await.map_err(fail)?;
    let found = listing::list_requests(
        &state,
        ListRequest {
            key_id,
            jurisdiction_id: params.get("jurisdiction_id"),
            service_request_id: params.get("service_request_id"),
            service_code: params.get("service_code"),
            start_date: params.get("start_date"),
            end_date: params.get("end_date"),
            status: params.get("status"),
            lang,
        },
    )
    .await
    .map_err(fail)?;
    let list = found.into_iter().map(request_json).collect();
    ok(format, "service_requests", &Value::Array(list))
}

pub async fn one(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> Answer {
    let (id, suffix) = path.into_inner();
    let (lang, format, params) = start(&req, &suffix);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    check_jurisdiction(&state.catalog, params.get("jurisdiction_id").as_deref()).map_err(fail)?;
    let key_id = caller(&state, &params).await.map_err(fail)?;
    let found = listing::one(&state, key_id, &id, lang).await.map_err(fail)?;
    ok(format, "service_requests", &json!([request_json(found)]))
}

pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Answer {
    let (token, suffix) = path.into_inner();
    let (lang, format, params) = start(&req, &suffix);
    let fail = |e: AppError| Open311Error::new(e, lang, format);
    check_jurisdiction(&state.catalog, params.get("jurisdiction_id").as_deref()).map_err(fail)?;
    let key_id = caller(&state, &params).await.map_err(fail)?;
    let id = listing::token(&state, key_id, &token).await.map_err(fail)?;
    ok(
        format,
        "service_requests",
        &json!([{"service_request_id": id, "token": token}]),
    )
}
