//! An [`AppError`] at the edge: its HTTP status, the JSON error shape of the API
//! (`{error: {code, message, fields}}`, with `Retry-After` where it helps), and the helper that
//! turns a service's result into it. Pages render errors through [`super::pages::PageError`].

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::Lang;

/// The HTTP status of a service's error.
pub trait HttpStatus {
    fn status(&self) -> StatusCode;
}

impl HttpStatus for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Csrf | AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::CommitUnknown(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An [`AppError`] answered as JSON: `{error: {code, message, fields}}`.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApiError {
    pub error: AppError,
    pub lang: Lang,
}

/// The body of every API error: `{"error": {code, message, fields}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

/// What went wrong, in the request's language.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// A stable code, e.g. `validation_failed`, `not_found`, `rate_limited`.
    pub code: String,
    /// A sentence for people, in the request's language.
    pub message: String,
    /// Per field, what is wrong with it (validation errors only; otherwise empty).
    pub fields: BTreeMap<String, Vec<String>>,
}

impl ApiErrorBody {
    pub fn new(code: &str, message: &str, fields: BTreeMap<String, Vec<String>>) -> ApiErrorBody {
        ApiErrorBody {
            error: ApiErrorDetail {
                code: code.to_owned(),
                message: message.to_owned(),
                fields,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.error.log();
        let fields = match &self.error {
            AppError::Invalid(f) => f.messages(self.lang),
            _ => BTreeMap::new(),
        };
        let mut resp = HttpResponse::build(self.status_code());
        if let Some(secs) = self.error.retry_after() {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        resp.json(ApiErrorBody::new(
            self.error.code(),
            self.error.message(self.lang),
            fields,
        ))
    }
}

/// Turns a result's [`AppError`] into the API or page form.
pub trait ErrorIn<T> {
    fn api(self, lang: Lang) -> Result<T, ApiError>;
}

impl<T> ErrorIn<T> for Result<T, AppError> {
    fn api(self, lang: Lang) -> Result<T, ApiError> {
        self.map_err(|error| ApiError { error, lang })
    }
}
