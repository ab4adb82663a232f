//! `/handler/stats/cases`: the exact cases behind one number, page by page.

use crate::catalog::Named;
use crate::domain::case::Outcome;
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::Kind;
use crate::domain::stats::{period, Count};
use crate::domain::text::term;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::stats::{self};
use crate::web::csrf;
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::staff::pages::{me, respond, Me};
use crate::web::staff::stats_texts::{stats_texts, StatsTexts};
use crate::web::staff::texts::{outcome_label, staff_texts, StaffTexts};
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::*;

// ---------------------------------------------------------------------------------------------
// The cases behind a number

pub(super) struct CaseLine {
    code: String,
    title: String,
    kind: String,
    category: String,
    unit: String,
    state: String,
    outcome: String,
    received: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "handler/stats_cases.html")]
pub(super) struct CasesPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    x: &'static StatsTexts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    heading: String,
    /// The group and period, in words.
    scope: String,
    /// The number these cases make up (the one clicked).
    number: Option<i64>,
    errors: Vec<String>,
    rows: Vec<CaseLine>,
    next_href: Option<String>,
    first_href: Option<String>,
    back_href: String,
}

pub async fn cases(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    form: web::Query<StatsForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let x = stats_texts(lang);
    let token = csrf::issue_for(&req, &state);
    let mut page = CasesPage {
        s: staff_texts(lang),
        t: texts(lang),
        x,
        chrome: Chrome::new(lang, PATH),
        me: Some(me(&state, &staff.0, lang)),
        csrf: token.token.clone(),
        heading: x.cases_heading.to_owned(),
        scope: String::new(),
        number: None,
        errors: Vec::new(),
        rows: Vec::new(),
        next_href: None,
        first_href: None,
        back_href: PATH.to_owned(),
    };
    let count = Count::from_code(form.count.trim());
    let request = match read_request(&state, &form) {
        Ok(r) => Some(r),
        Err(AppError::Invalid(e)) => {
            page.errors = e
                .iter()
                .flat_map(|(field, problems)| {
                    problems
                        .iter()
                        .map(move |p| format!("{}: {}", field_label(x, field), p.message(lang)))
                })
                .collect();
            None
        }
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let per = match form.per.trim() {
        "" => Some(PER_PAGE),
        n => n.parse::<i64>().ok().filter(|n| (1..=200).contains(n)),
    };
    let after = match form.after.trim() {
        "" => Some(0),
        n => n.parse::<i64>().ok().filter(|n| *n >= 0),
    };
    let (Some(count), Some(request), Some(per), Some(after)) = (count, request, per, after) else {
        if page.errors.is_empty() {
            page.errors.push(x.unknown_count.to_owned());
        }
        return Ok(respond(StatusCode::BAD_REQUEST, &page, token));
    };
    let query = query_of(&request);
    page.back_href = format!("{PATH}?{query}");
    // A group's key is a term of the text rule; empty names the group whose key is empty.
    let group = form.group.as_deref().map(term);
    let report = stats::report(&state, &staff.0, request.clone())
        .await
        .page(lang)?;
    page.number = Some(match &group {
        None => report.total.get(count),
        Some(key) => report
            .groups
            .iter()
            .find(|g| &g.key == key)
            .map_or(0, |g| g.figures.get(count)),
    });
    let group_words = match &group {
        None => x.total.to_owned(),
        Some(key) => {
            let (zh, en) = stats::group_name(&state, request.group_by, key);
            format!("{}：{}", request.group_by.label(lang), lang.pick(&zh, &en))
        }
    };
    page.heading = format!("{} · {}", count.label(lang), x.cases_heading);
    page.scope = format!(
        "{group_words} · {} {} – {}",
        x.showing,
        period::date_of(request.period.from),
        period::date_of(request.period.to)
    );
    let mut rows = stats::cases(&state, &staff.0, &request, count, group.clone(), after, per + 1)
        .await
        .page(lang)?;
    let more = rows.len() as i64 > per;
    rows.truncate(usize::try_from(per).unwrap_or(usize::MAX));
    let here = {
        let mut pairs = vec![("count", count.code().to_owned())];
        if let Some(g) = &group {
            pairs.push(("group", g.clone()));
        }
        if !form.per.trim().is_empty() {
            pairs.push(("per", per.to_string()));
        }
        format!(
            "{CASES_PATH}?{}&{query}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    };
    if more {
        if let Some(last) = rows.last() {
            page.next_href = Some(format!("{here}&after={}", last.id));
        }
    }
    if after > 0 {
        page.first_href = Some(here);
    }
    let c = &state.catalog;
    page.rows = rows
        .iter()
        .map(|r| CaseLine {
            code: r.tracking_code.clone(),
            title: r.title.clone().unwrap_or_default(),
            kind: Kind::from_code(&r.kind)
                .map(|k| c.kind_info(k).name(lang).to_owned())
                .unwrap_or_else(|| r.kind.clone()),
            category: c
                .category(&r.category)
                .map_or_else(|| r.category.clone(), |cat| cat.name(lang).to_owned()),
            unit: r
                .assigned_unit
                .as_deref()
                .and_then(|u| c.unit(u))
                .map(|u| u.name(lang).to_owned())
                .unwrap_or_default(),
            state: state_label(r.state.code(), lang).to_owned(),
            outcome: r
                .outcome
                .as_deref()
                .and_then(Outcome::from_code)
                .map(|o| outcome_label(o, lang).to_owned())
                .unwrap_or_default(),
            received: period::date_of(r.received_day).to_string(),
            deadline: r.due_at.map(beijing_time).unwrap_or_default(),
        })
        .collect();
    Ok(respond(StatusCode::OK, &page, token))
}
