//! The case page: facts, deadlines, the routing reason, the timeline, and a form for each
//! action allowed now — thin over [`crate::services::cases`], as the staff API is.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::case_matter::{matter_texts, rows, Listed, MatterTexts};
use super::pages::{me, non_empty, respond, Me};
use super::texts::{action_label, outcome_label, staff_texts, StaffTexts};
use crate::catalog::Named;
use crate::domain::case::{Action, Outcome};
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::Kind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::Staff;
use crate::services::cases::{self, ActionRequest, CaseView, PublishRequest};
use crate::web::csrf::{self, CsrfToken};
use crate::web::error::HttpStatus;
use crate::web::extract::CsrfForm;
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

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
    /// The publish form's texts: what was typed, else what is published.
    publish_summary: String,
    publish_answer: String,
    p: &'static PublishTexts,
    m: &'static MatterTexts,
    /// The same-matter part: the matter's cases, the suggestions, the same reporter's cases.
    matter_rows: Vec<Listed>,
    suggested_rows: Vec<Listed>,
    same_reporter_rows: Vec<Listed>,
    /// A suggestion may be linked to from here (the merge action is allowed now).
    may_link: bool,
}

/// The publish form's words (kept here, beside the form).
pub struct PublishTexts {
    heading: &'static str,
    intro: &'static str,
    summary: &'static str,
    summary_hint: &'static str,
    answer: &'static str,
    answer_hint: &'static str,
    button: &'static str,
    published: &'static str,
}

static PUBLISH_ZH: PublishTexts = PublishTexts {
    heading: "在公开栏公开答复",
    intro: "反映人同意公开。请用自己的话写问题摘要和答复，不要写姓名、电话、地址、身份证号、查询码等任何能认出人的信息。",
    summary: "问题摘要",
    summary_hint: "10 到 300 字。",
    answer: "公开的答复",
    answer_hint: "10 到 2000 字。",
    button: "公开",
    published: "已在公开栏公开",
};

static PUBLISH_EN: PublishTexts = PublishTexts {
    heading: "Publish the answer on the public board",
    intro: "The sender agreed to publication. Retell the question and the answer in your own words, with no name, phone number, address, ID number, tracking code or anything else that could identify anyone.",
    summary: "Summary of the question",
    summary_hint: "10 to 300 characters.",
    answer: "Answer as published",
    answer_hint: "10 to 2,000 characters.",
    button: "Publish",
    published: "Published on the public board",
};

/// What was typed in the form that came back with a message.
#[derive(Clone, Copy)]
enum Typed<'a> {
    Nothing,
    Action(&'a ActionRequest),
    Publish(&'a PublishRequest),
}

fn case_page(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    c: CaseView,
    csrf: String,
    typed: Typed<'_>,
    error: Option<&AppError>,
) -> CasePage {
    let (last, publish) = match typed {
        Typed::Nothing => (None, None),
        Typed::Action(a) => (Some(a), None),
        Typed::Publish(p) => (None, Some(p)),
    };
    let catalog = &state.catalog;
    let (matter_rows, suggested_rows, same_reporter_rows) = rows(&c, lang);
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
                        | Action::Merge
                        | Action::Unlink
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
        state: state_label(c.state.code(), lang).to_owned(),
        unit: unit_name(&c.assigned_unit),
        accept_deadline: when(c.accept_deadline),
        handle_deadline: when(c.handle_deadline),
        days_left: c
            .due_at
            .filter(|_| c.state.is_open())
            .map(|d| crate::domain::calendar::days_left(state.clock.now(), d).to_string())
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
        .map(|o| (o.code(), outcome_label(*o, lang)))
        .collect(),
        banner: error.map(|e| e.message(lang).to_owned()),
        field_errors,
        publish_summary: publish
            .and_then(|p| p.summary.clone())
            .or_else(|| c.public_summary.clone())
            .unwrap_or_default(),
        publish_answer: publish
            .and_then(|p| p.answer.clone())
            .or_else(|| c.public_answer.clone())
            .unwrap_or_default(),
        p: match lang {
            Lang::Zh => &PUBLISH_ZH,
            Lang::En => &PUBLISH_EN,
        },
        m: matter_texts(lang),
        matter_rows,
        suggested_rows,
        same_reporter_rows,
        may_link: c.allowed_actions.contains(&Action::Merge.code()),
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
    let page = case_page(
        &state,
        lang,
        &staff.0,
        view,
        token.token.clone(),
        Typed::Nothing,
        None,
    );
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
    form: CsrfForm<ActionFormInput>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
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
            let page = case_page(
                &state,
                lang,
                &staff.0,
                view,
                token.token.clone(),
                Typed::Nothing,
                None,
            );
            Ok(respond(StatusCode::OK, &page, token))
        }
        // Back to the case under its canonical code, never the path as typed.
        Ok(view) => Ok(back_to_case(&view.tracking_code)),
        Err(e) => refused(&state, lang, &staff.0, code, token, Typed::Action(&request), e).await,
    }
}

/// After a change: back to the case page (post, redirect, get).
fn back_to_case(code: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/handler/cases/{code}")))
        .finish()
}

/// A refused change: the case page again with the message and what was typed, for a problem the
/// member of staff can act on; otherwise the error page.
async fn refused(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    code: String,
    token: CsrfToken,
    typed: Typed<'_>,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    match e {
        AppError::Invalid(_) | AppError::Forbidden | AppError::Conflict(_) => {
            let view = cases::view(state, staff.clone(), code).await.page(lang)?;
            let page = case_page(state, lang, staff, view, token.token.clone(), typed, Some(&e));
            Ok(respond(e.status(), &page, token))
        }
        e => Err(PageError::new(e, lang)),
    }
}

crate::has_csrf!(ActionFormInput);

/// The publish form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublishFormInput {
    pub csrf_token: String,
    pub summary: String,
    pub answer: String,
}

crate::has_csrf!(PublishFormInput);

/// Publishes the case's question and answer on the public board; on a refusal or a field
/// problem the page comes back with the message and what was typed.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    path: web::Path<String>,
    form: CsrfForm<PublishFormInput>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let code = path.into_inner();
    let request = PublishRequest {
        summary: Some(form.summary),
        answer: Some(form.answer),
    };
    let token = csrf::issue_for(&req, &state);
    match cases::publish(&state, staff.0.clone(), code.clone(), request.clone()).await {
        Ok(view) => Ok(back_to_case(&view.tracking_code)),
        Err(e) => refused(&state, lang, &staff.0, code, token, Typed::Publish(&request), e).await,
    }
}
