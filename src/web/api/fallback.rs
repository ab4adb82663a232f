//! What `/api/v1` answers when no route matched: a documented path asked with a method it does
//! not answer is `405` with `Allow` (the methods the document lists for it), anything else `404`;
//! both with the API's JSON error body.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::error::{ApiError, ApiErrorBody};
use crate::web::AppState;

pub async fn unmatched(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let Some(methods) = state.api_doc.methods_of(req.path()) else {
        return actix_web::ResponseError::error_response(&ApiError {
            error: AppError::NotFound,
            lang,
        });
    };
    HttpResponse::build(StatusCode::METHOD_NOT_ALLOWED)
        .insert_header((header::ALLOW, methods.join(", ")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ApiErrorBody::new(
            "method_not_allowed",
            lang.pick(
                "此地址不支持该请求方法。",
                "This address does not answer that method.",
            ),
            BTreeMap::new(),
        ))
}
