//! Open311 documents in the two formats the spec names, chosen by the path's suffix. Each
//! document is built once as its JSON shape; XML is written from it with `quick-xml` (which
//! escapes every text), lists becoming a container of named items (`<services><service>`,
//! `<service_requests><request>`, `<errors><error>`…). Errors are the spec's `{code, description}`
//! list with 400, 403, 404 (and 429 with `Retry-After`, 503 when the database is away).

use std::io::Cursor;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::{json, Value};

use crate::error::AppError;
use crate::i18n::Lang;

/// The format asked for by the suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `xml` or `json`; the routes accept nothing else.
    pub fn parse(suffix: &str) -> Format {
        if suffix.eq_ignore_ascii_case("xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }
}

/// The element each item of a list is written as, by the list's element name.
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

fn write_element(w: &mut Writer<Cursor<Vec<u8>>>, name: &str, value: &Value) -> std::io::Result<()> {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Null => w.write_event(Event::Empty(BytesStart::new(name))),
        Value::Array(items) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for item in items {
                write_element(w, item_name(name), item)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))
        }
        Value::Object(fields) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for (k, v) in fields {
                write_element(w, k, v)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))
        }
        other => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            w.write_event(Event::Text(BytesText::new(&scalar(other))))?;
            w.write_event(Event::End(BytesEnd::new(name)))
        }
    }
}

/// The XML document whose root element is `root`, holding `value`.
pub fn to_xml(root: &str, value: &Value) -> Result<String, AppError> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
        .and_then(|()| write_element(&mut w, root, value))
        .map_err(|e| AppError::Internal(e.into()))?;
    String::from_utf8(w.into_inner().into_inner()).map_err(|e| AppError::Internal(e.into()))
}

/// A document in the format asked for; `root` names the XML root element.
pub fn document(format: Format, root: &str, value: &Value, status: StatusCode) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.insert_header((header::CACHE_CONTROL, "no-store"));
    match format {
        Format::Json => resp.json(value),
        Format::Xml => match to_xml(root, value) {
            Ok(xml) => resp.content_type("text/xml; charset=utf-8").body(xml),
            Err(e) => Open311Error::new(e, Lang::En, Format::Json).error_response(),
        },
    }
}

/// A failure answered as the spec's error list.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Open311Error {
    pub error: AppError,
    pub lang: Lang,
    pub format: Format,
}

impl Open311Error {
    pub fn new(error: AppError, lang: Lang, format: Format) -> Open311Error {
        Open311Error { error, lang, format }
    }

    /// `{code, description}` for each problem: one per field problem, else one.
    fn errors(&self) -> Vec<Value> {
        let code = self.status_code().as_u16();
        match &self.error {
            AppError::Invalid(fields) => fields
                .iter()
                .flat_map(|(field, problems)| {
                    problems.iter().map(move |p| {
                        json!({"code": code, "description": format!("{field}: {}", p.message(self.lang))})
                    })
                })
                .collect(),
            AppError::Malformed(detail) => vec![json!({"code": code, "description": detail})],
            AppError::Forbidden => vec![json!({
                "code": code,
                "description": self.lang.pick(
                    "api_key 无效或已被撤销。",
                    "Invalid api_key received: it is unknown or was revoked.",
                ),
            })],
            other => vec![json!({"code": code, "description": other.message(self.lang)})],
        }
    }
}

impl ResponseError for Open311Error {
    fn status_code(&self) -> StatusCode {
        match &self.error {
            AppError::Invalid(_)
            | AppError::Malformed(_)
            | AppError::IdempotencyKeyReused
            | AppError::Conflict(_)
            | AppError::UnsupportedMediaType => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::Unauthorized | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::CommitUnknown(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.error.log();
        let body = Value::Array(self.errors());
        let mut resp = document(self.format, "errors", &body, self.status_code());
        if let Some(secs) = self.error.retry_after() {
            if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_text_and_names_list_items() {
        let v = json!([{"service_code": "a-b", "description": "<b>&\"x\"</b>", "account_id": null}]);
        let xml = to_xml("service_requests", &v).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "{xml}"
        );
        assert!(xml.contains("<service_requests><request>"), "{xml}");
        assert!(xml.contains("&lt;b&gt;&amp;"), "{xml}");
        assert!(!xml.contains("<b>"), "{xml}");
        assert!(xml.contains("<account_id/>"), "{xml}");
    }

    #[test]
    fn field_problems_become_one_error_each() {
        let mut f = crate::domain::FieldErrors::default();
        f.add("description", crate::domain::Problem::Required);
        f.add("attribute[region]", crate::domain::Problem::UnknownRegion);
        let e = Open311Error::new(AppError::Invalid(f), Lang::En, Format::Json);
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
        let errors = e.errors();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e["code"] == 400));
    }
}
