//! `GET /api/docs`: the API's reference for people, rendered on the server from the very
//! document `/api/v1/openapi.json` serves — every operation with its parameters, body and
//! answers, then every schema. No script, nothing fetched from elsewhere; headings in Simplified
//! Chinese and English.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::Value;

use crate::i18n::Lang;
use crate::web::pages::{render, Chrome};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

pub struct Param {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub schema: String,
    pub description: String,
}

pub struct Answer {
    pub status: String,
    pub description: String,
    pub schema: String,
    pub headers: String,
}

pub struct Operation {
    pub method: String,
    pub path: String,
    pub id: String,
    pub tag: String,
    pub summary: String,
    pub security: String,
    pub params: Vec<Param>,
    pub body: String,
    pub answers: Vec<Answer>,
}

pub struct Field {
    pub name: String,
    pub schema: String,
    pub required: bool,
    pub description: String,
}

pub struct SchemaDoc {
    pub name: String,
    pub description: String,
    pub shape: String,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    t: &'static Texts,
    chrome: Chrome,
    zh: bool,
    title: String,
    version: String,
    description: String,
    operations: Vec<Operation>,
    schemas: Vec<SchemaDoc>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A schema in a few words: `CaseView`, `array of QueueItem`, `string (date)`, `one of: …`.
pub fn describe(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(describe).collect();
            return parts.join(" | ");
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let shown: Vec<String> = values.iter().take(8).map(|v| v.to_string()).collect();
        let more = if values.len() > 8 {
            format!(" … ({})", values.len())
        } else {
            String::new()
        };
        return format!("{}{more}", shown.join(" | "));
    }
    let ty = match s.get("type") {
        Some(Value::Array(types)) => types.iter().map(text).collect::<Vec<_>>().join(" | "),
        Some(t) => text(t),
        None => "any".to_owned(),
    };
    let mut out = if ty.starts_with("array") {
        format!("array of {}", s.get("items").map(describe).unwrap_or_default())
    } else if ty.starts_with("object") {
        match s.get("additionalProperties") {
            Some(extra) if extra.is_object() => format!("map of {}", describe(extra)),
            _ => ty,
        }
    } else {
        ty
    };
    let mut notes = Vec::new();
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        notes.push(f.to_owned());
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        notes.push(format!("pattern {p}"));
    }
    for (key, word) in [("minLength", "min"), ("maxLength", "max"), ("minimum", "≥")] {
        if let Some(n) = s.get(key) {
            notes.push(format!("{word} {n}"));
        }
    }
    if !notes.is_empty() {
        out = format!("{out} ({})", notes.join(", "));
    }
    out
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let params = op["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|p| Param {
                            name: text(&p["name"]),
                            place: text(&p["in"]),
                            required: p["required"].as_bool().unwrap_or(false),
                            schema: describe(&p["schema"]),
                            description: text(&p["description"]),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let answers = op["responses"]
                .as_object()
                .map(|r| {
                    r.iter()
                        .map(|(status, a)| Answer {
                            status: status.clone(),
                            description: text(&a["description"]),
                            schema: a["content"]["application/json"]
                                .get("schema")
                                .map(describe)
                                .unwrap_or_default(),
                            headers: a["headers"]
                                .as_object()
                                .map(|h| h.keys().cloned().collect::<Vec<_>>().join(", "))
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let security = op["security"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_object)
                        .flat_map(|o| o.keys().cloned())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            out.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                id: text(&op["operationId"]),
                tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                summary: [text(&op["summary"]), text(&op["description"])]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                security,
                params,
                body: op["requestBody"]["content"]["application/json"]
                    .get("schema")
                    .map(describe)
                    .unwrap_or_default(),
                answers,
            });
        }
    }
    out
}

fn schemas(doc: &Value) -> Vec<SchemaDoc> {
    let Some(all) = doc["components"]["schemas"].as_object() else {
        return Vec::new();
    };
    all.iter()
        .map(|(name, s)| {
            let required: Vec<&str> = s["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields = s["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(field, p)| Field {
                            name: field.clone(),
                            schema: describe(p),
                            required: required.contains(&field.as_str()),
                            description: text(&p["description"]),
                        })
                        .collect()
                })
                .unwrap_or_default();
            SchemaDoc {
                name: name.clone(),
                description: text(&s["description"]),
                shape: describe(s),
                fields,
            }
        })
        .collect()
}

pub async fn page(state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let doc = &state.api_doc.value;
    render(
        StatusCode::OK,
        &DocsPage {
            t: texts(lang),
            chrome: Chrome::new(lang, "/api/docs"),
            zh: lang == Lang::Zh,
            title: text(&doc["info"]["title"]),
            version: format!(
                "{} · OpenAPI {}",
                text(&doc["info"]["version"]),
                text(&doc["openapi"])
            ),
            description: text(&doc["info"]["description"]),
            operations: operations(doc),
            schemas: schemas(doc),
        },
    )
}
