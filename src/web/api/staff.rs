//! The staff JSON API under `/api/v1/staff`, for integrations: a bearer API token identifies the
//! user. The queue, one case, and actions on it — the same service functions and checks the web
//! pages use. No token or a bad one is 401; a case outside the caller's reach is 404.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse, ResponseError};

use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::{self, Staff};
use crate::services::cases::{self, ActionRequest, PublishRequest, QueueParams};
use crate::services::cases::{CaseView, QueuePage};
use crate::services::stats::{self, ReportOut, StatsParams};
use crate::web::error::{ApiError, ApiErrorBody, ErrorIn};
use crate::web::lang::negotiate;
use crate::web::AppState;

/// The member of staff behind the request's bearer token.
pub struct ApiStaff(pub Staff);

impl FromRequest for ApiStaff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = negotiate(req);
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let unauthorized = || -> actix_web::Error {
                let mut resp = ApiError {
                    error: AppError::Unauthorized,
                    lang,
                }
                .error_response();
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                actix_web::error::InternalError::from_response("unauthorized", resp).into()
            };
            let (Some(token), Some(state)) = (token, state) else {
                return Err(unauthorized());
            };
            let staff = accounts::staff_with_token(&state.db, token)
                .await
                .map_err(|e| actix_web::Error::from(ApiError { error: e, lang }))?;
            staff.map(ApiStaff).ok_or_else(unauthorized)
        })
    }
}

/// The caller's queue, nearest deadline first, 50 a page, with counts per state.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_queue",
    params(QueueParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the queue", body = QueuePage),
        (status = 400, description = "A malformed or unknown query parameter", body = ApiErrorBody),
        (status = 401, description = "No token or a bad one", body = ApiErrorBody),
    )
)]
#[get("/staff/queue")]
pub async fn queue(
    state: web::Data<AppState>,
    staff: ApiStaff,
    lang: Lang,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, ApiError> {
    let page = cases::queue(&state, staff.0, params.into_inner())
        .await
        .api(lang)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}

/// A case as the caller may see it, with the actions allowed now.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_case",
    params(("tracking_code" = String, Path, description = "E.g. `MS-7K3Q-9F2D-XW4P`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (status = 401, description = "No token or a bad one", body = ApiErrorBody),
        (status = 404, description = "No such case within the caller's reach", body = ApiErrorBody),
    )
)]
#[get("/staff/cases/{tracking_code}")]
pub async fn case(
    state: web::Data<AppState>,
    staff: ApiStaff,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = cases::view(&state, staff.0, path.into_inner()).await.api(lang)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// Takes an action on a case; answers the case as it is afterwards (a reveal includes the
/// reporter's identity).
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_act",
    params(("tracking_code" = String, Path, description = "E.g. `MS-7K3Q-9F2D-XW4P`")),
    request_body = ActionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done; the case afterwards", body = CaseView),
        (status = 400, description = "Malformed JSON or an unknown field", body = ApiErrorBody),
        (status = 401, description = "No token or a bad one", body = ApiErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ApiErrorBody),
        (status = 404, description = "No such case within the caller's reach", body = ApiErrorBody),
        (status = 409, description = "The case's state, or the conflict-of-interest rule, does not allow it", body = ApiErrorBody),
        (status = 413, description = "Too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "A field the action needs is missing or invalid", body = ApiErrorBody),
    )
)]
#[post("/staff/cases/{tracking_code}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    staff: ApiStaff,
    lang: Lang,
    path: web::Path<String>,
    body: web::Json<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = cases::act(&state, staff.0, path.into_inner(), body.into_inner())
        .await
        .api(lang)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// Publishes a concluded case's question and answer on the public board (with the citizen's
/// consent; never a report): `{summary, answer}`.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_publish",
    params(("tracking_code" = String, Path, description = "E.g. `MS-7K3Q-9F2D-XW4P`")),
    request_body = PublishRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published; the case afterwards", body = CaseView),
        (status = 400, description = "Malformed JSON or an unknown field", body = ApiErrorBody),
        (status = 401, description = "No token or a bad one", body = ApiErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ApiErrorBody),
        (status = 404, description = "No such case within the caller's reach", body = ApiErrorBody),
        (status = 409, description = "No consent, a report, or not concluded yet", body = ApiErrorBody),
        (status = 413, description = "Too large", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "A text missing or too long", body = ApiErrorBody),
    )
)]
#[post("/staff/cases/{tracking_code}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    staff: ApiStaff,
    lang: Lang,
    path: web::Path<String>,
    body: web::Json<PublishRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = cases::publish(&state, staff.0, path.into_inner(), body.into_inner())
        .await
        .api(lang)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// Every figure, per group, with numerators and denominators (see README "Statistics").
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_stats",
    params(StatsParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures", body = ReportOut),
        (status = 400, description = "A malformed query", body = ApiErrorBody),
        (status = 401, description = "No token or a bad one", body = ApiErrorBody),
        (status = 404, description = "No such open day (`event`)", body = ApiErrorBody),
        (status = 422, description = "A parameter names no choice, or the period is too long", body = ApiErrorBody),
    )
)]
#[get("/staff/stats")]
pub async fn figures(
    state: web::Data<AppState>,
    staff: ApiStaff,
    lang: Lang,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    let req = params.parse(stats::today(&state)).api(lang)?;
    let report = stats::report(&state, &staff.0, req).await.api(lang)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(stats::report_json(&report)))
}
