//! Errors in three levels: storage returns `QueryResult`; workers and start-up use `anyhow` with
//! context; services and handlers use one [`AppError`]. It is rendered at the edge as JSON for
//! the API ([`ApiError`]) or as a page in the visitor's language ([`crate::web::pages::PageError`]).
//! Internal error text never reaches a client: a 500 is opaque and its cause chain is logged.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("not found")]
    NotFound,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not allowed for this role")]
    Forbidden,
    #[error("not allowed in the case's current state: {0}")]
    Conflict(&'static str),
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error("not signed in")]
    Unauthorized,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            // Busy past the timeout or a lost connection: an honest 503 with Retry-After.
            other if crate::storage::connection::is_unavailable(&other) => {
                AppError::Unavailable(other.into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
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
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "validation_failed",
            AppError::Malformed(_) => "malformed_request",
            AppError::NotFound => "not_found",
            AppError::Csrf => "csrf_failed",
            AppError::Forbidden => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::IdempotencyKeyReused => "idempotency_key_reused",
            AppError::Unauthorized => "unauthorized",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// A short message for a person, in their language. Never includes internal details.
    pub fn message(&self, lang: Lang) -> &'static str {
        match self {
            AppError::Invalid(_) => {
                lang.pick("填写的内容有误，请按提示修改。", "Some fields need correcting.")
            }
            AppError::Malformed(_) => lang.pick("请求格式不正确。", "The request is malformed."),
            AppError::NotFound => lang.pick("没有找到。", "Not found."),
            AppError::Csrf => lang.pick(
                "页面已过期或来源不明，请返回重新打开页面后再提交。",
                "The page expired or did not come from this site; please go back, reload and send again.",
            ),
            AppError::Forbidden => lang.pick("您的角色不能执行此操作。", "Your role may not do this."),
            AppError::IdempotencyKeyReused => lang.pick(
                "这个 Idempotency-Key 已用于另一份不同的提交。",
                "This Idempotency-Key was already used for a different submission.",
            ),
            AppError::Conflict(_) => lang.pick(
                "案件当前的状态不允许此操作。",
                "The case's current state does not allow this.",
            ),
            AppError::Unauthorized => lang.pick("请先登录。", "Please sign in."),
            AppError::PayloadTooLarge => lang.pick("提交的内容太大。", "The request is too large."),
            AppError::UnsupportedMediaType => lang.pick(
                "请以 application/json 格式发送。",
                "Please send application/json.",
            ),
            AppError::RateLimited { .. } => lang.pick(
                "提交太频繁了，请稍后再试。",
                "Too many requests; please wait a moment and try again.",
            ),
            AppError::Unavailable(_) => lang.pick(
                "服务暂时繁忙，您的内容没有保存，请稍后再试。",
                "The service is busy; nothing was saved. Please try again shortly.",
            ),
            AppError::Internal(_) => lang.pick(
                "服务出现问题，您的内容没有保存，请稍后再试。",
                "Something went wrong; nothing was saved. Please try again later.",
            ),
        }
    }

    /// Logs server-side failures with their cause chain (never personal data).
    pub fn log(&self) {
        match self {
            AppError::Internal(e) | AppError::Unavailable(e) => {
                tracing::error!(
                    error.kind = self.code(),
                    error.cause = format!("{e:#}"),
                    "request failed"
                )
            }
            AppError::Malformed(detail) => tracing::debug!(detail, "malformed request"),
            _ => {}
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(5),
            _ => None,
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

#[derive(Serialize)]
struct ApiErrorBody<'a> {
    error: ApiErrorDetail<'a>,
}

#[derive(Serialize)]
struct ApiErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    fields: BTreeMap<String, Vec<String>>,
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
        resp.json(ApiErrorBody {
            error: ApiErrorDetail {
                code: self.error.code(),
                message: self.error.message(self.lang),
                fields,
            },
        })
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
