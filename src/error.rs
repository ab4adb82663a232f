//! Errors in three levels: storage returns `QueryResult` or its own [`crate::storage::StorageError`];
//! workers and start-up use `anyhow` with context; services return one [`AppError`], which says
//! what went wrong (a conflict names its reason) and never loses its cause: a database that
//! cannot be reached stays "unavailable" all the way out. The web layer renders it as JSON for
//! the API or as a page in the visitor's language ([`crate::web::error`]). Internal error text
//! never reaches a client: a 500 is opaque and its cause chain is logged.

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
    /// The connection broke as the work was committed: it may or may not be stored. The same
    /// request again (with its idempotency key) finds out without making a second one.
    #[error("commit outcome unknown")]
    CommitUnknown(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<crate::storage::StorageError> for AppError {
    fn from(e: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError;
        match e {
            StorageError::Unavailable(e) => AppError::Unavailable(e),
            StorageError::CommitUnknown(e) => AppError::CommitUnknown(e),
            StorageError::Query(q) => q.into(),
            StorageError::Task(t) => AppError::Internal(anyhow::anyhow!("database task failed: {t}")),
        }
    }
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
            AppError::CommitUnknown(_) => "commit_unknown",
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
            AppError::CommitUnknown(_) => lang.pick(
                "保存时与数据库的连接中断，无法确定您的内容是否已经保存。请原样再次提交同一份表单（API：同一个 Idempotency-Key），不会重复登记。",
                "The connection to the database broke while saving, so we cannot tell whether your submission was stored. Please send the same form again, unchanged (API: with the same Idempotency-Key); it will not be recorded twice.",
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
            AppError::Internal(e) | AppError::Unavailable(e) | AppError::CommitUnknown(e) => {
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
            AppError::CommitUnknown(_) => Some(1),
            _ => None,
        }
    }
}
