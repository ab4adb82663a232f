//! `/handler/events`: open days and their kiosks for admins (add an event, add a kiosk and see its
//! enrolment code once, revoke one), visitor counts for the host unit's staff, and the figures per
//! event — also as JSON at `GET /api/v1/events/{public_id}/stats` (an unguessable id; the staff
//! pages behind sign-in keep the row id).

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::catalog::Named;
use crate::domain::deadlines::{beijing_time, parse_moment};
use crate::domain::kind::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::open_days::{self as service, EventInput, EventStats};
use crate::storage::events::KioskRow;
use crate::web::csrf;
use crate::web::error::ApiError;
use crate::web::extract::{Admin, CsrfForm};
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::staff::pages::{me, respond, CsrfOnly, Me};
use crate::web::staff::texts::{staff_texts, StaffTexts};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

struct EventView {
    stats: EventStats,
    host_name: String,
    when: String,
    kiosks: Vec<KioskRow>,
    may_count: bool,
}

#[derive(Template)]
#[template(path = "handler/events.html")]
struct EventsPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    admin: bool,
    notice: Option<String>,
    errors: Vec<String>,
    events: Vec<EventView>,
    units: Vec<(String, String)>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    staff: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let rows = service::list_events(&state.db).await.page(lang)?;
    let admin = staff.0.role == Role::Admin;
    let mut events = Vec::new();
    for e in rows {
        let may_count = admin || staff.0.unit == e.host_unit;
        if !admin && !may_count {
            continue;
        }
        let stats = service::stats(&state.db, e.id).await.page(lang)?;
        let kiosks = service::kiosks_of(&state.db, e.id).await.page(lang)?;
        events.push(EventView {
            host_name: state
                .catalog
                .unit(&e.host_unit)
                .map(|u| u.name(lang).to_owned())
                .unwrap_or_default(),
            when: format!("{} – {}", beijing_time(e.starts_at), beijing_time(e.ends_at)),
            stats,
            kiosks,
            may_count,
        });
    }
    let token = csrf::issue_for(req, state);
    let body = EventsPage {
        s: staff_texts(lang),
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/events"),
        me: Some(me(state, &staff.0, lang)),
        csrf: token.token.clone(),
        admin,
        notice,
        errors,
        events,
        units: state
            .catalog
            .units
            .iter()
            .map(|u| (u.code.clone(), u.name(lang).to_owned()))
            .collect(),
    };
    Ok(respond(status, &body, token))
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
) -> Result<HttpResponse, PageError> {
    page(&req, &state, lang, &staff, StatusCode::OK, None, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EventForm {
    pub host_unit: String,
    pub title: String,
    pub place: String,
    pub starts_at: String,
    pub ends_at: String,
    pub csrf_token: String,
}

pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    form: CsrfForm<EventForm>,
) -> Result<HttpResponse, PageError> {
    let input = EventInput {
        host_unit: form.host_unit.trim().to_owned(),
        title: form.title.clone(),
        place: form.place.clone(),
        starts_at: parse_moment(&form.starts_at),
        ends_at: parse_moment(&form.ends_at),
    };
    let added = service::add_event(&state.db, &state.catalog, &input).await;
    match added {
        Ok(_) => Ok(see_events()),
        Err(AppError::Invalid(errors)) => {
            let messages = errors
                .messages(lang)
                .into_iter()
                .flat_map(|(field, ms)| ms.into_iter().map(move |m| format!("{field}: {m}")))
                .collect();
            page(
                &req,
                &state,
                lang,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                messages,
            )
            .await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

fn see_events() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/handler/events"))
        .finish()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KioskForm {
    pub name: String,
    pub csrf_token: String,
}

/// Adds a kiosk and shows its enrolment code, this once.
pub async fn add_kiosk(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    path: web::Path<i64>,
    form: CsrfForm<KioskForm>,
) -> Result<HttpResponse, PageError> {
    let (id, code) = service::add_kiosk(&state.db, path.into_inner(), &form.name)
        .await
        .page(lang)?;
    let s = staff_texts(lang);
    let notice = s
        .kiosk_added
        .replace("{id}", &id.to_string())
        .replace("{code}", &code);
    page(
        &req,
        &state,
        lang,
        &staff,
        StatusCode::OK,
        Some(notice),
        Vec::new(),
    )
    .await
}

pub async fn revoke(
    state: web::Data<AppState>,
    lang: Lang,
    _admin: Admin,
    path: web::Path<i64>,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    service::revoke(&state.db, path.into_inner()).await.page(lang)?;
    Ok(see_events())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisitorsForm {
    pub visitors: String,
    pub csrf_token: String,
}

/// Staff of the host unit (or an admin) add the visitors they counted.
pub async fn visitors(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<VisitorsForm>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let stats = service::stats(&state.db, id).await.page(lang)?;
    if staff.0.role != Role::Admin && staff.0.unit != stats.host_unit {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let Ok(n) = form.visitors.trim().parse::<i32>() else {
        let message = staff_texts(lang).visitors_number.to_owned();
        return page(
            &req,
            &state,
            lang,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            vec![message],
        )
        .await;
    };
    service::add_visitors(&state.db, id, n).await.page(lang)?;
    Ok(see_events())
}

/// `GET /api/v1/events/{public_id}/stats`: what an event collected, for anyone (figures only).
/// The URL carries the event's unguessable public id, never its row id.
#[utoipa::path(
    tag = "public",
    operation_id = "event_stats",
    params(("public_id" = String, Path, description = "The event's public id")),
    responses(
        (status = 200, description = "The event's figures", body = EventStats),
        (status = 404, description = "No such event", body = crate::web::error::ApiErrorBody),
    )
)]
#[get("/events/{public_id}/stats")]
pub async fn public_stats(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let stats = service::public_stats(&state.db, &path.into_inner())
        .await
        .map_err(|error| ApiError { error, lang })?;
    Ok(HttpResponse::Ok().json(stats))
}

crate::has_csrf!(EventForm, KioskForm, VisitorsForm);
