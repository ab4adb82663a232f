//! The staff pages under `/handler`: sign-in, the queue (and the supervision view), and the case
//! page with the actions allowed now. Thin handlers over [`super::cases`] — the same service
//! functions and checks as the staff API. Every form carries a CSRF token.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::session::{self, SignedIn};
use super::texts::{action_label, staff_texts, StaffTexts};
use crate::catalog::Named;
use crate::domain::case::{Action, Outcome};
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::{Channel, Kind, Role, State};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::{self, Staff};
use crate::services::cases::{self, ActionRequest, CaseView, QueueParams};
use crate::web::client::ClientIp;
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::pages::{render_private, set_retry_after, Chrome, PageError, PageResult};
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

/// Who is signed in, for the page header.
pub struct Me {
    pub(crate) username: String,
    pub(crate) unit_name: String,
    pub(crate) supervises: bool,
    pub(crate) admin: bool,
}

pub(crate) fn me(state: &AppState, staff: &Staff, lang: Lang) -> Me {
    Me {
        username: staff.username.clone(),
        unit_name: state
            .catalog
            .unit(&staff.unit)
            .map(|u| u.name(lang).to_owned())
            .unwrap_or_default(),
        supervises: staff.role == Role::Supervisor,
        admin: staff.role == Role::Admin,
    }
}

pub(crate) fn respond(status: StatusCode, page: &impl Template, token: csrf::CsrfToken) -> HttpResponse {
    render_private(status, page, token.cookie)
}

#[derive(Template)]
#[template(path = "handler/login.html")]
struct LoginPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    username: String,
    banner: Option<String>,
}

pub async fn login_form(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let token = csrf::issue_for(&req, &state);
    let page = LoginPage {
        s: staff_texts(lang),
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/login"),
        me: None,
        csrf: token.token.clone(),
        username: String::new(),
        banner: None,
    };
    respond(StatusCode::OK, &page, token)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf_token: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    let token = csrf::issue_for(&req, &state);
    let username = form.username.trim().to_lowercase();
    let again = |status: StatusCode, banner: &str, retry: Option<u64>| {
        let page = LoginPage {
            s: staff_texts(lang),
            t: texts(lang),
            chrome: Chrome::new(lang, "/handler/login"),
            me: None,
            csrf: token.token.clone(),
            username: form.username.clone(),
            banner: Some(banner.to_owned()),
        };
        let mut resp = respond(
            status,
            &page,
            csrf::CsrfToken {
                token: token.token.clone(),
                cookie: token.cookie.clone(),
            },
        );
        set_retry_after(&mut resp, retry);
        resp
    };
    if let Err(e) = state.limits.check_login(client.0, &username) {
        return Ok(again(e.status(), e.message(lang), e.retry_after()));
    }
    let staff = accounts::authenticate(&state.db, &username, &form.password)
        .await
        .page(lang)?;
    match staff {
        Some(staff) => {
            tracing::info!(user = %staff.username, "signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/handler"))
                .cookie(session::cookie(
                    &state.vault,
                    &staff.username,
                    state.settings.security.secure_cookies,
                ))
                .finish())
        }
        // One message for every failure: it does not say which part was wrong.
        None => Ok(again(
            StatusCode::UNAUTHORIZED,
            staff_texts(lang).login_failed,
            None,
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/handler/login"))
        .cookie(session::removal())
        .finish())
}

struct Row {
    code: String,
    title: String,
    kind: String,
    state: String,
    unit: String,
    deadline: String,
    days_left: String,
    overdue: bool,
    soon: bool,
    supervised: bool,
}

#[derive(Template)]
#[template(path = "handler/queue.html")]
struct QueuePage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    heading: String,
    path: &'static str,
    states: Vec<(&'static str, &'static str, bool)>,
    kinds: Vec<(&'static str, String, bool)>,
    categories: Vec<(String, String, bool)>,
    channels: Vec<(&'static str, &'static str, bool)>,
    q: String,
    overdue_only: bool,
    counts: Vec<(&'static str, i64)>,
    rows: Vec<Row>,
    next_href: Option<String>,
}

fn channel_label(c: Channel, lang: Lang) -> &'static str {
    match c {
        Channel::Web => lang.pick("网站", "Web"),
        Channel::Kiosk => lang.pick("开放日自助终端", "Open-day kiosk"),
        Channel::Api => "API",
        Channel::Open311 => "Open311",
        Channel::Staff => lang.pick("工作人员代录", "Staff-assisted"),
    }
}

/// The next page's query string: the same filters, the new cursor.
fn query_string(p: &QueueParams, cursor: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = [
        ("state", &p.state),
        ("kind", &p.kind),
        ("category", &p.category),
        ("channel", &p.channel),
        ("q", &p.q),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    if p.overdue == Some(true) {
        pairs.push(("overdue", "true"));
    }
    pairs.push(("cursor", cursor));
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Query parameters as typed in the filter form: empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueForm {
    pub state: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub q: String,
    pub overdue: String,
    pub cursor: String,
    pub lang: String,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_owned())
}

async fn queue_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    form: QueueForm,
    supervision: bool,
) -> Result<HttpResponse, PageError> {
    let token = csrf::issue_for(&req, &state);
    let params = QueueParams {
        state: non_empty(&form.state),
        kind: non_empty(&form.kind),
        category: non_empty(&form.category),
        channel: non_empty(&form.channel),
        overdue: Some(form.overdue == "true"),
        attention: Some(supervision),
        q: non_empty(&form.q),
        cursor: non_empty(&form.cursor),
    };
    let s = staff_texts(lang);
    let page = cases::queue(&state, staff.clone(), params.clone())
        .await
        .page(lang)?;
    let catalog = &state.catalog;
    let rows = page
        .cases
        .iter()
        .map(|c| Row {
            code: c.tracking_code.clone(),
            title: c.title.clone().unwrap_or_default(),
            kind: Kind::from_code(&c.kind)
                .map(|k| catalog.kind_info(k).name(lang).to_owned())
                .unwrap_or_default(),
            state: state_label(&c.state, lang).to_owned(),
            unit: c
                .assigned_unit
                .as_deref()
                .and_then(|u| catalog.unit(u))
                .map(|u| u.name(lang).to_owned())
                .unwrap_or_default(),
            deadline: c.due_at.map(|d| beijing_time(d.naive_utc())).unwrap_or_default(),
            days_left: c.days_left.map(|d| d.to_string()).unwrap_or_default(),
            overdue: c.overdue,
            soon: c.days_left.is_some_and(|d| d <= 3),
            supervised: c.supervised,
        })
        .collect();
    let path = if supervision {
        "/handler/supervision"
    } else {
        "/handler"
    };
    let body = QueuePage {
        s,
        t: texts(lang),
        chrome: Chrome::new(lang, path),
        me: Some(me(&state, &staff, lang)),
        csrf: token.token.clone(),
        heading: if supervision { s.supervision } else { s.queue }.to_owned(),
        path,
        states: [
            State::Assigned,
            State::Accepted,
            State::Reopened,
            State::PendingDispatch,
        ]
        .iter()
        .map(|st| {
            (
                st.code(),
                state_label(st.code(), lang),
                params.state.as_deref() == Some(st.code()),
            )
        })
        .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| {
                (
                    k.code(),
                    catalog.kind_info(*k).name(lang).to_owned(),
                    params.kind.as_deref() == Some(k.code()),
                )
            })
            .collect(),
        categories: catalog
            .categories
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    c.name(lang).to_owned(),
                    params.category.as_deref() == Some(c.code.as_str()),
                )
            })
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| {
                (
                    c.code(),
                    channel_label(*c, lang),
                    params.channel.as_deref() == Some(c.code()),
                )
            })
            .collect(),
        q: form.q.clone(),
        overdue_only: params.overdue == Some(true),
        counts: page
            .counts
            .iter()
            .map(|(st, n)| (state_label(st, lang), *n))
            .collect(),
        rows,
        next_href: page
            .next_cursor
            .map(|c| format!("{path}?{}", query_string(&params, &c))),
    };
    Ok(respond(StatusCode::OK, &body, token))
}

pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    form: web::Query<QueueForm>,
) -> Result<HttpResponse, PageError> {
    queue_page(req, state, lang, staff.0, form.into_inner(), false).await
}

/// Supervisors: what runs late in their subtree.
pub async fn supervision(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    form: web::Query<QueueForm>,
) -> Result<HttpResponse, PageError> {
    if staff.0.role != Role::Supervisor {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    queue_page(req, state, lang, staff.0, form.into_inner(), true).await
}

struct ActionForm {
    code: &'static str,
    label: &'static str,
    reason: bool,
    unit: bool,
    days: bool,
    resolve: bool,
    into: bool,
    deadline: bool,
    prefill_reason: String,
    prefill_days: String,
    prefill_result: String,
    prefill_into: String,
    prefill_deadline: String,
}

#[derive(Template)]
#[template(path = "handler/case.html")]
struct CasePage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    c: CaseView,
    kind: String,
    state: String,
    unit: String,
    accept_deadline: String,
    handle_deadline: String,
    days_left: String,
    timeline: Vec<(String, String, String, String)>,
    forms: Vec<ActionForm>,
    units: Vec<(String, String)>,
    outcomes: Vec<(&'static str, &'static str)>,
    banner: Option<String>,
    field_errors: Vec<String>,
}

fn case_page(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    c: CaseView,
    csrf: String,
    last: Option<&ActionRequest>,
    error: Option<&AppError>,
) -> CasePage {
    let catalog = &state.catalog;
    let unit_name = |u: &Option<String>| {
        u.as_deref()
            .and_then(|u| catalog.unit(u))
            .map(|u| u.name(lang).to_owned())
            .unwrap_or_default()
    };
    let when =
        |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| beijing_time(d.naive_utc())).unwrap_or_default();
    let forms = c
        .allowed_actions
        .iter()
        .filter_map(|code| Action::from_code(code))
        .map(|a| {
            let prefill = last.filter(|l| l.action == a.code());
            let text = |f: fn(&ActionRequest) -> Option<String>| prefill.and_then(f).unwrap_or_default();
            ActionForm {
                code: a.code(),
                label: action_label(a, lang),
                reason: matches!(
                    a,
                    Action::Reject
                        | Action::Transfer
                        | Action::Decline
                        | Action::Escalate
                        | Action::RequestExtension
                        | Action::RefuseExtension
                        | Action::RevealIdentity
                ),
                unit: matches!(a, Action::Transfer | Action::Dispatch),
                days: a == Action::RequestExtension,
                resolve: a == Action::Resolve,
                into: a == Action::Merge,
                deadline: a == Action::Supervise,
                prefill_reason: text(|l| l.reason.clone().or(l.note.clone())),
                prefill_days: prefill
                    .and_then(|l| l.days)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                prefill_result: text(|l| l.result.clone()),
                prefill_into: text(|l| l.into.clone()),
                prefill_deadline: text(|l| l.deadline.clone()),
            }
        })
        .collect();
    let field_errors = match error {
        Some(AppError::Invalid(f)) => f
            .messages(lang)
            .into_iter()
            .flat_map(|(field, msgs)| msgs.into_iter().map(move |m| format!("{field}: {m}")))
            .collect(),
        _ => Vec::new(),
    };
    CasePage {
        s: staff_texts(lang),
        t: texts(lang),
        chrome: Chrome::new(lang, &format!("/handler/cases/{}", c.tracking_code)),
        me: Some(me(state, staff, lang)),
        csrf,
        kind: Kind::from_code(&c.kind)
            .map(|k| catalog.kind_info(k).name(lang).to_owned())
            .unwrap_or_default(),
        state: state_label(&c.state, lang).to_owned(),
        unit: unit_name(&c.assigned_unit),
        accept_deadline: when(c.accept_deadline),
        handle_deadline: when(c.handle_deadline),
        days_left: c
            .due_at
            .filter(|_| State::from_code(&c.state).is_some_and(State::is_open))
            .map(|d| crate::domain::calendar::days_left(chrono::Utc::now(), d).to_string())
            .unwrap_or_default(),
        timeline: c
            .timeline
            .iter()
            .map(|e| {
                let note = e.note.clone();
                let mut extra = Vec::new();
                if let Some(a) = &e.actor {
                    extra.push(a.clone());
                }
                if let Some(r) = &e.reason {
                    extra.push(r.clone());
                }
                if !e.public {
                    extra.push(staff_texts(lang).internal.to_owned());
                }
                (
                    beijing_time(e.at.naive_utc()),
                    state_label(&e.state, lang).to_owned(),
                    note.unwrap_or_default(),
                    extra.join(" · "),
                )
            })
            .collect(),
        forms,
        units: catalog
            .units
            .iter()
            .map(|u| (u.code.clone(), format!("{} ({})", u.name(lang), u.code)))
            .collect(),
        outcomes: [
            Outcome::Substantiated,
            Outcome::Partly,
            Outcome::Unsubstantiated,
            Outcome::Unresolvable,
        ]
        .iter()
        .map(|o| {
            let label = match o {
                Outcome::Substantiated => lang.pick("属实并已处理", "Substantiated and dealt with"),
                Outcome::Partly => lang.pick("部分属实", "Partly substantiated"),
                Outcome::Unsubstantiated => lang.pick("不属实", "Not substantiated"),
                Outcome::Unresolvable => lang.pick("无法办理", "Cannot be resolved"),
            };
            (o.code(), label)
        })
        .collect(),
        banner: error.map(|e| e.message(lang).to_owned()),
        field_errors,
        c,
    }
}

pub async fn case(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = csrf::issue_for(&req, &state);
    let view = cases::view(&state, staff.0.clone(), path.into_inner())
        .await
        .page(lang)?;
    let page = case_page(&state, lang, &staff.0, view, token.token.clone(), None, None);
    Ok(respond(StatusCode::OK, &page, token))
}

/// An action as posted by the case page's forms.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionFormInput {
    pub csrf_token: String,
    pub action: String,
    pub reason: String,
    pub unit: String,
    pub days: String,
    pub outcome: String,
    pub result: String,
    pub into: String,
    pub deadline: String,
    pub note: String,
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    path: web::Path<String>,
    form: web::Form<ActionFormInput>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    let code = path.into_inner();
    let request = ActionRequest {
        action: form.action.clone(),
        reason: non_empty(&form.reason),
        unit: non_empty(&form.unit),
        days: form.days.trim().parse().ok(),
        outcome: non_empty(&form.outcome),
        result: non_empty(&form.result),
        into: non_empty(&form.into),
        deadline: non_empty(&form.deadline),
        note: non_empty(&form.note),
    };
    let token = csrf::issue_for(&req, &state);
    match cases::act(&state, staff.0.clone(), code.clone(), request.clone()).await {
        // The revealed identity is shown in this answer only; nothing is redirected or cached.
        Ok(view) if request.action == Action::RevealIdentity.code() => {
            let page = case_page(&state, lang, &staff.0, view, token.token.clone(), None, None);
            Ok(respond(StatusCode::OK, &page, token))
        }
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/handler/cases/{code}")))
            .finish()),
        Err(AppError::NotFound) => Err(PageError::new(AppError::NotFound, lang)),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden | AppError::Conflict(_))) => {
            // The page again, with the message and what was typed.
            let view = cases::view(&state, staff.0.clone(), code).await.page(lang)?;
            let page = case_page(
                &state,
                lang,
                &staff.0,
                view,
                token.token.clone(),
                Some(&request),
                Some(&e),
            );
            Ok(respond(e.status(), &page, token))
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}
