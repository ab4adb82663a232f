//! What the extractors (JSON, form, query string, path) answer when a request does not parse:
//! one of our errors with fixed wording. serde's own messages quote what they could not parse
//! (`invalid type: string "13800138000"`, `unknown variant "…"`), so none of their text reaches a
//! log or a response — only the kind of failure and, for JSON, where in the body it was.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError, UrlencodedError};
use actix_web::HttpRequest;

use crate::error::AppError;
use crate::web::error::ApiError;
use crate::web::lang::negotiate;
use crate::web::pages::PageError;

/// JSON under `/api/`, a page elsewhere.
fn answer(error: AppError, req: &HttpRequest) -> actix_web::Error {
    let lang = negotiate(req);
    if req.path().starts_with("/api/") {
        ApiError { error, lang }.into()
    } else {
        PageError::new(error, lang).into()
    }
}

/// The JSON body: 400 (with the line and column, never the text), 413 or 415.
pub fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    answer(json_problem(&err), req)
}

fn json_problem(err: &JsonPayloadError) -> AppError {
    use serde_json::error::Category;
    match err {
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
        JsonPayloadError::Overflow { .. }
        | JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => AppError::PayloadTooLarge,
        JsonPayloadError::Deserialize(e) => {
            let what = match e.classify() {
                Category::Syntax | Category::Eof => "the body is not well-formed JSON",
                Category::Data => "a field has the wrong type or an unknown value",
                Category::Io => "the body could not be read",
            };
            AppError::Malformed(format!("{what} (line {}, column {})", e.line(), e.column()))
        }
        _ => AppError::Malformed("the body could not be read".into()),
    }
}

/// A form body: 400, 413 or 415.
pub fn form_error(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    answer(form_problem(&err), req)
}

fn form_problem(err: &UrlencodedError) -> AppError {
    match err {
        UrlencodedError::Overflow { .. } | UrlencodedError::Payload(PayloadError::Overflow) => {
            AppError::PayloadTooLarge
        }
        UrlencodedError::ContentType => AppError::UnsupportedMediaType,
        UrlencodedError::Parse(_) => AppError::Malformed("a form field has the wrong form".into()),
        _ => AppError::Malformed("the form could not be read".into()),
    }
}

/// A query string that does not fit its parameters: 400.
pub fn query_error(_err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    answer(
        AppError::Malformed("a query parameter has the wrong form".into()),
        req,
    )
}

/// A path segment that does not fit (a letter where an id goes): 404, as for any unknown path.
pub fn path_error(_err: PathError, req: &HttpRequest) -> actix_web::Error {
    answer(AppError::NotFound, req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(e: AppError) -> String {
        match e {
            AppError::Malformed(d) => d,
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only parsed")]
    struct Probe {
        days: u32,
    }

    #[test]
    fn json_failures_never_quote_the_request() {
        let secret = "13800138000";
        for body in [
            format!(r#"{{"days": "{secret}"}}"#),
            format!(r#"{{"days": 1, "{secret}": 2}}"#),
            format!(r#"{{"days": {secret}{secret}{secret}}}"#),
            format!(r#"{{"days": "{secret}"#),
        ] {
            let err = serde_json::from_str::<Probe>(&body).unwrap_err();
            let text = detail(json_problem(&JsonPayloadError::Deserialize(err)));
            assert!(!text.contains(secret) && !text.contains("1380"), "{text}");
            assert!(text.contains("line 1"), "{text}");
        }
    }

    #[test]
    fn form_and_size_failures_are_classed() {
        assert!(matches!(
            form_problem(&UrlencodedError::ContentType),
            AppError::UnsupportedMediaType
        ));
        assert!(matches!(
            form_problem(&UrlencodedError::Overflow { size: 2, limit: 1 }),
            AppError::PayloadTooLarge
        ));
        assert!(matches!(
            json_problem(&JsonPayloadError::ContentType),
            AppError::UnsupportedMediaType
        ));
    }
}
