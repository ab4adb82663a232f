//! The staff queue page and the supervision view: filters, counts per state, keyset pages.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{me, non_empty, respond, Me};
use super::texts::{staff_texts, StaffTexts};
use crate::catalog::Named;
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::{Channel, Kind, Role, State};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::Staff;
use crate::services::cases::{self, QueueParams};
use crate::web::csrf;
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

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
    /// The same-matter line: "handled with X", "N more voices", "possibly the same matter as …".
    matter: String,
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

pub(super) fn channel_label(c: Channel, lang: Lang) -> &'static str {
    match c {
        Channel::Web => lang.pick("网站", "Web"),
        Channel::Kiosk => lang.pick("开放日自助终端", "Open-day kiosk"),
        Channel::Api => "API",
        Channel::Open311 => "Open311",
        Channel::Staff => lang.pick("工作人员代录", "Staff-assisted"),
    }
}

/// The queue's line on a case's matter (一件多诉), empty when there is nothing to say.
fn matter_line(c: &crate::services::cases::QueueItem, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(lead) = &c.lead {
        parts.push(format!("{}{lead}", lang.pick("随主办件办理：", "Handled with ")));
    }
    if c.linked > 0 {
        parts.push(match lang {
            Lang::Zh => format!("同一事项另有 {} 件来件", c.linked),
            Lang::En => format!("{} more case(s) of this matter", c.linked),
        });
    }
    if !c.suggestions.is_empty() {
        let list: Vec<String> = c
            .suggestions
            .iter()
            .map(|s| {
                format!(
                    "{} ({:.0}%, {}, {}, {})",
                    s.tracking_code,
                    s.similarity * 100.0,
                    Channel::from_code(&s.channel).map_or("", |ch| channel_label(ch, lang)),
                    beijing_time(s.created_at.naive_utc()),
                    state_label(s.state.code(), lang)
                )
            })
            .collect();
        parts.push(format!(
            "{}{}",
            lang.pick("可能与以下来件是同一事项：", "Possibly the same matter as: "),
            list.join(lang.pick("；", "; "))
        ));
    }
    parts.join(" · ")
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
            state: state_label(c.state.code(), lang).to_owned(),
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
            matter: matter_line(c, lang),
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
