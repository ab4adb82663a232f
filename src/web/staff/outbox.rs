//! `/handler/outbox` (admins only): how much mail waits, was sent or is dead, each dead mail with
//! its last error and a button that puts it back in line.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::pages::{me, respond, CsrfOnly, Me};
use super::texts::{staff_texts, StaffTexts};
use crate::domain::deadlines::beijing_time;
use crate::i18n::Lang;
use crate::services::outbox;
use crate::web::csrf;
use crate::web::extract::{Admin, CsrfForm};
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

/// How many dead mails the page lists (newest first).
const SHOWN: i64 = 200;

struct DeadRow {
    id: i64,
    created: String,
    template: String,
    case_code: Option<String>,
    recipient: String,
    attempts: i32,
    error: String,
}

#[derive(Template)]
#[template(path = "handler/outbox.html")]
struct OutboxPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    notice: Option<&'static str>,
    pending: i64,
    sent: i64,
    dead: i64,
    rows: Vec<DeadRow>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    pub retried: Option<String>,
    pub lang: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, PageError> {
    let s = staff_texts(lang);
    let outbox::Overview {
        pending,
        sent,
        dead,
        dead_rows: rows,
    } = outbox::overview(&state.db, SHOWN).await.page(lang)?;
    let token = csrf::issue_for(&req, &state);
    let body = OutboxPage {
        s,
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/outbox"),
        me: Some(me(&state, &staff.0, lang)),
        csrf: token.token.clone(),
        notice: query.retried.is_some().then_some(s.outbox_retried),
        pending,
        sent,
        dead,
        rows: rows
            .into_iter()
            .map(|r| DeadRow {
                id: r.id,
                created: beijing_time(r.created_at),
                template: r.template,
                case_code: r.case_code,
                recipient: if r.audience == "citizen" {
                    s.outbox_citizen.to_owned()
                } else {
                    r.recipient
                },
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
            })
            .collect(),
    };
    Ok(respond(StatusCode::OK, &body, token))
}

pub async fn retry(
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    path: web::Path<i64>,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    outbox::retry(&state.db, id).await.page(lang)?;
    tracing::info!(mail = id, user = %staff.0.username, "dead mail put back in line");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/handler/outbox?retried=1"))
        .finish())
}
