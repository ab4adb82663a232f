//! The status look-up: the code and key travel in the form body, never in a URL; the page shows
//! the state, the unit, the running deadline and the public timeline.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::catalog::Named;
use crate::domain::deadlines::beijing_time;
use crate::domain::{Kind, TrackingCode};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{self as service, CaseStatus};
use crate::web::client::ClientIp;
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::extract::CsrfForm;
use crate::web::pages::{render_private, set_retry_after, Chrome, PageError};
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    t: &'static Texts,
    chrome: Chrome,
    csrf: String,
    code: String,
    banner: Option<String>,
}

pub async fn track_form(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let token = csrf::issue_for(&req, &state);
    // A receipt's QR code links here with the (public) tracking code filled in; never the key.
    let code = web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("code").and_then(|c| TrackingCode::parse(c)))
        .map(|c| c.display())
        .unwrap_or_default();
    let page = TrackPage {
        t: texts(lang),
        chrome: Chrome::new(lang, "/track"),
        csrf: token.token,
        code,
        banner: None,
    };
    render_private(StatusCode::OK, &page, token.cookie)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub code: String,
    pub key: String,
    pub csrf_token: String,
}

struct StatusView {
    tracking_code: String,
    kind: String,
    category: String,
    region: String,
    state: String,
    unit: Option<String>,
    /// The running deadline's label and day.
    deadline: Option<(&'static str, String)>,
    created_at: String,
    updated_at: String,
    overdue: bool,
    /// Where to rate the answer, while it can be rated.
    rating_href: Option<String>,
    timeline: Vec<EntryView>,
}

struct EntryView {
    at: String,
    state: String,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    t: &'static Texts,
    chrome: Chrome,
    s: StatusView,
}

fn status_view(state: &AppState, s: CaseStatus, lang: Lang) -> StatusView {
    let c = &state.catalog;
    let name = |n: Option<&dyn Named>, code: &str| {
        n.map(|n| n.name(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    StatusView {
        kind: Kind::from_code(&s.kind)
            .map(|k| c.kind_info(k).name(lang).to_owned())
            .unwrap_or_else(|| s.kind.clone()),
        category: name(c.category(&s.category).map(|x| x as &dyn Named), &s.category),
        region: name(c.region(&s.region).map(|x| x as &dyn Named), &s.region),
        state: state_label(s.state.code(), lang).to_owned(),
        unit: s
            .assigned_unit
            .as_deref()
            .map(|u| name(c.unit(u).map(|x| x as &dyn Named), u)),
        deadline: s.deadline.map(|(answer, at)| {
            let t = texts(lang);
            let label = if answer {
                t.deadline_answer
            } else {
                t.deadline_accept
            };
            (label, crate::mail::notify::day(at))
        }),
        created_at: beijing_time(s.created_at),
        updated_at: beijing_time(s.updated_at),
        overdue: s.overdue,
        rating_href: s.rating_token.map(|t| format!("/rate/{t}?lang={}", lang.code())),
        timeline: s
            .timeline
            .into_iter()
            .map(|e| EntryView {
                at: beijing_time(e.at),
                state: state_label(&e.state, lang).to_owned(),
                note: match lang {
                    Lang::Zh => e.note,
                    Lang::En => e.note_en.or(e.note),
                },
            })
            .collect(),
        tracking_code: s.tracking_code,
    }
}

/// The status page. Code and key travel in the POST body, never in a URL.
pub async fn track(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: CsrfForm<TrackForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let token = csrf::issue_for(&req, &state);
    let again = |status: StatusCode, banner: String, retry_after: Option<u64>| {
        let page = TrackPage {
            t: texts(lang),
            chrome: Chrome::new(lang, "/track"),
            csrf: token.token.clone(),
            code: form.code.clone(),
            banner: Some(banner),
        };
        let mut resp = render_private(status, &page, token.cookie.clone());
        set_retry_after(&mut resp, retry_after);
        resp
    };
    if let Err(e) = state.limits.check_track(client.0) {
        return Ok(again(e.status(), e.message(lang).to_owned(), e.retry_after()));
    }
    match service::status(&state, &form.code, &form.key).await {
        Ok(s) => {
            let page = StatusPage {
                t: texts(lang),
                chrome: Chrome::new(lang, "/track"),
                s: status_view(&state, s, lang),
            };
            Ok(render_private(StatusCode::OK, &page, token.cookie.clone()))
        }
        Err(AppError::NotFound) => Ok(again(
            StatusCode::NOT_FOUND,
            texts(lang).track_not_found.to_owned(),
            None,
        )),
        Err(e) => Err(PageError::new(e, lang)),
    }
}

crate::has_csrf!(TrackForm);
