//! The OpenAPI 3.1 document of `/api/v1`, generated from the routes themselves: the scope is
//! registered through `utoipa_actix_web` ([`super::scope`]), so every path and method comes from
//! a handler's own `#[get]`/`#[post]` and `#[utoipa::path]`, and every schema from the types the
//! handlers read and write. On top of that, what holds for every operation is added here once:
//! the security schemes, `X-Request-Id` on every response, `503` with `Retry-After` (an outage
//! of the database), and `Retry-After` on `429`. The catalog's codes become the enums of a new
//! submission's fields. Served as `GET /api/v1/openapi.json`; read by people at `/api/docs`.

use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::catalog::Catalog;
use crate::web::error::ApiErrorBody;
use crate::web::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "minsheng 民声 API",
        description = "Public feedback and complaint intake: submissions, their status, the public \
                       board, open days' figures, and the staff API. Errors are \
                       `{\"error\": {\"code\", \"message\", \"fields\"}}` in the request's language \
                       (`?lang=`, `Accept-Language`; Simplified Chinese by default)."
    ),
    tags(
        (name = "citizen", description = "新来件与查询 · Submissions and their status"),
        (name = "public", description = "公开数据 · The public board and open days"),
        (name = "staff", description = "工作人员 · The staff API (bearer token)"),
        (name = "meta", description = "本文档 · This document"),
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&Security)
)]
struct Base;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A staff API token (`minsheng token create`): `Authorization: Bearer <token>`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "access_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Access-Key",
                "The secret key given once with a submission's tracking code",
            ))),
        );
    }
}

/// The document, as served and as the reference page reads it.
pub struct ApiDoc {
    /// The document as JSON.
    pub value: Value,
    /// The same, serialised once.
    pub json: Bytes,
    /// Each path's template split in segments, and the methods it answers (upper case).
    pub routes: Vec<(Vec<String>, Vec<String>)>,
}

impl ApiDoc {
    /// Builds the document from the routes and the catalog.
    pub fn build(catalog: &Catalog) -> ApiDoc {
        let (_, routes) = actix_web::App::new()
            .into_utoipa_app()
            .service(super::scope())
            .split_for_parts();
        let mut doc = Base::openapi();
        doc.merge(routes);
        let mut value = serde_json::to_value(&doc).unwrap_or(Value::Null);
        finish(&mut value);
        with_catalog(&mut value, catalog);
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        let routes = value["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, item)| {
                        let segments = path.split('/').map(str::to_owned).collect();
                        let methods = item
                            .as_object()
                            .map(|m| m.keys().map(|k| k.to_uppercase()).collect())
                            .unwrap_or_default();
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApiDoc { value, json, routes }
    }

    /// The methods of the documented path that `path` is, if any.
    pub fn methods_of(&self, path: &str) -> Option<&[String]> {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| {
                        if t.starts_with('{') {
                            !s.is_empty()
                        } else {
                            t == s
                        }
                    })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

/// What every operation shares: `X-Request-Id` on each response, `503` with `Retry-After` when
/// the database is out of reach, `Retry-After` on `429`.
fn finish(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let responses = &mut operation["responses"];
            if responses.get("503").is_none() {
                responses["503"] = json!({
                    "description": "The database is out of reach, or the outcome of a commit is unknown: try again",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorBody"}}},
                });
            }
            let Some(responses) = responses.as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let headers = response
                    .as_object_mut()
                    .map(|r| r.entry("headers").or_insert_with(|| json!({})));
                let Some(headers) = headers.and_then(Value::as_object_mut) else {
                    continue;
                };
                headers.insert(
                    "X-Request-Id".to_owned(),
                    json!({"description": "This request's id, as logged", "schema": {"type": "string"}}),
                );
                if status == "429" || status == "503" {
                    headers.insert(
                        "Retry-After".to_owned(),
                        json!({
                            "description": "Seconds to wait before trying again",
                            "required": true,
                            "schema": {"type": "string", "pattern": "^[0-9]+$"},
                        }),
                    );
                }
            }
        }
    }
}

/// The catalog's codes as the enums of a new submission's fields.
fn with_catalog(doc: &mut Value, catalog: &Catalog) {
    let props = &mut doc["components"]["schemas"]["SubmissionRequest"]["properties"];
    if !props.is_object() {
        return;
    }
    let codes = |it: &mut dyn Iterator<Item = &String>, nullable: bool| -> Value {
        let mut v: Vec<Value> = it.map(|c| Value::String(c.clone())).collect();
        if nullable {
            v.push(Value::Null);
        }
        Value::Array(v)
    };
    let set = |props: &mut Value, field: &str, values: Value| {
        if let Some(p) = props.get_mut(field).and_then(Value::as_object_mut) {
            p.insert("enum".to_owned(), values);
        }
    };
    set(
        props,
        "category",
        codes(&mut catalog.categories.iter().map(|c| &c.code), false),
    );
    set(
        props,
        "region",
        codes(&mut catalog.regions.iter().map(|r| &r.code), false),
    );
    set(
        props,
        "target_unit",
        codes(&mut catalog.units.iter().map(|u| &u.code), true),
    );
}

/// This document.
#[utoipa::path(
    tag = "meta",
    operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI 3.1 document of /api/v1", body = serde_json::Value))
)]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(state.api_doc.json.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::cases::CURSOR_PATTERN;
    use crate::web::api::citizen::{BOOL_FIELDS, TEXT_FIELDS};

    fn doc() -> Value {
        let catalog = Catalog::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config"
        )))
        .unwrap();
        ApiDoc::build(&catalog).value
    }

    #[test]
    fn a_new_submission_has_the_fields_the_handler_reads() {
        let doc = doc();
        let props = doc["components"]["schemas"]["SubmissionRequest"]["properties"]
            .as_object()
            .unwrap();
        let mut documented: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut read: Vec<&str> = TEXT_FIELDS.iter().chain(BOOL_FIELDS).copied().collect();
        documented.sort_unstable();
        read.sort_unstable();
        assert_eq!(documented, read);
        assert_eq!(
            doc["components"]["schemas"]["SubmissionRequest"]["additionalProperties"],
            false
        );
    }

    #[test]
    fn the_queue_cursor_is_documented_as_the_service_reads_it() {
        let doc = doc();
        let params = doc["paths"]["/api/v1/staff/queue"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let cursor = params.iter().find(|p| p["name"] == "cursor").unwrap();
        assert_eq!(cursor["schema"]["pattern"], CURSOR_PATTERN);
    }

    #[test]
    fn a_path_template_matches_its_paths_only() {
        let doc = ApiDoc {
            value: Value::Null,
            json: Bytes::new(),
            routes: vec![(
                "/api/v1/submissions/{tracking_code}"
                    .split('/')
                    .map(str::to_owned)
                    .collect(),
                vec!["GET".to_owned()],
            )],
        };
        assert!(doc.methods_of("/api/v1/submissions/MS-1").is_some());
        assert!(doc.methods_of("/api/v1/submissions/").is_none());
        assert!(doc.methods_of("/api/v1/submissions/MS-1/x").is_none());
    }
}
