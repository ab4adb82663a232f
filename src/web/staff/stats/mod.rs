//! `/handler/stats`, the supervision figures as a page: a GET form (period, grouping, unit,
//! filters), a table with every figure per group and in total, the groups most behind, charts
//! drawn on the server ([`crate::web::charts`]), and the definition of every figure.
//! `/handler/stats/cases` lists the cases behind any one number of that table, page by page.
//!
//! The figures come from [`crate::services::stats`], which scopes them by the viewer's reach: a
//! unit outside it is a 403 page. Fields that cannot be read come back on the form, each with its
//! message, as a 400.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::pages::{me, respond};
use super::stats_texts::stats_texts;
use super::texts::staff_texts;
use crate::domain::case::Outcome;
use crate::domain::kind::{Channel, Kind};
use crate::domain::stats::{Count, RateKind};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::stats::{self, StatsParams, StatsRequest};
use crate::web::csrf;
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::texts::texts;
use crate::web::AppState;

mod cases;
mod view;
mod view_charts;

pub use cases::cases;
use view::*;

pub(super) const PATH: &str = "/handler/stats";
pub(super) const CASES_PATH: &str = "/handler/stats/cases";
/// Cases per page of `/handler/stats/cases`, unless `per` asks for another number (1–200).
pub(super) const PER_PAGE: i64 = 50;
pub(super) const OUTCOMES: [Outcome; 4] = [
    Outcome::Substantiated,
    Outcome::Partly,
    Outcome::Unsubstantiated,
    Outcome::Unresolvable,
];

/// The query string of both pages, as typed: empty fields mean "any" (or the default).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct StatsForm {
    pub period: String,
    pub from: String,
    pub to: String,
    pub group_by: String,
    pub unit: String,
    pub below: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub region: String,
    pub event: String,
    pub lang: String,
    /// The cases page: which count, in which group (absent: the total; empty: the group whose
    /// key is empty, such as "not at an open day").
    pub count: String,
    pub group: Option<String>,
    pub after: String,
    pub per: String,
}

impl StatsForm {
    fn params(&self) -> StatsParams {
        let f = |s: &String| Some(s.clone());
        StatsParams {
            period: f(&self.period),
            from: f(&self.from),
            to: f(&self.to),
            group_by: f(&self.group_by),
            unit: f(&self.unit),
            below: f(&self.below),
            kind: f(&self.kind),
            category: f(&self.category),
            channel: f(&self.channel),
            region: f(&self.region),
            event: f(&self.event),
        }
    }

    fn is_blank(&self) -> bool {
        [
            &self.period,
            &self.from,
            &self.to,
            &self.group_by,
            &self.unit,
            &self.below,
            &self.kind,
            &self.category,
            &self.channel,
            &self.region,
            &self.event,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// The request the form asks for, or every problem with it, field by field: the service's
/// checks of period and grouping, and here whether each filter names something that exists.
pub(super) fn read_request(state: &AppState, form: &StatsForm) -> Result<StatsRequest, AppError> {
    let c = &state.catalog;
    let mut e = FieldErrors::default();
    // Each filter as the service reads it: a term of the text rule (domain::text).
    let mut check = |field: &str, value: &str, known: &dyn Fn(&str) -> bool, problem: Problem| {
        let v = crate::domain::text::term(value);
        if !v.is_empty() && !known(&v) {
            e.add(field, problem);
        }
    };
    check(
        "unit",
        &form.unit,
        &|v: &str| c.unit(v).is_some(),
        Problem::UnknownUnit,
    );
    check(
        "region",
        &form.region,
        &|v: &str| c.region(v).is_some(),
        Problem::UnknownRegion,
    );
    check(
        "kind",
        &form.kind,
        &|v: &str| Kind::from_code(v).is_some(),
        Problem::UnknownKind,
    );
    check(
        "category",
        &form.category,
        &|v: &str| c.category(v).is_some(),
        Problem::UnknownCategory,
    );
    check(
        "channel",
        &form.channel,
        &|v: &str| Channel::from_code(v).is_some(),
        Problem::UnknownChoice,
    );
    match form.params().parse(stats::today(state)) {
        Ok(req) if e.is_empty() => Ok(req),
        Ok(_) => Err(AppError::Invalid(e)),
        Err(AppError::Invalid(more)) => {
            for (field, problems) in more.iter() {
                for p in problems {
                    e.add(field, p.clone());
                }
            }
            Err(AppError::Invalid(e))
        }
        Err(other) => Err(other),
    }
}

/// The query string that asks for `req` again (always as a custom period, so a link made today
/// still means the same days tomorrow).
pub(super) fn query_of(req: &StatsRequest) -> String {
    serde_urlencoded::to_string(req.params()).unwrap_or_default()
}

/// The link to the cases behind `count` in `group` (`None`: the total).
pub(super) fn cases_href(query: &str, count: Count, group: Option<&str>) -> String {
    let mut pairs = vec![("count", count.code())];
    if let Some(g) = group {
        pairs.push(("group", g));
    }
    let head = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("{CASES_PATH}?{head}&{query}")
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    form: web::Query<StatsForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (status, report, field_errors) = match read_request(&state, &form) {
        Ok(r) => {
            let report = stats::report(&state, &staff.0, r).await.page(lang)?;
            (
                StatusCode::OK,
                Some(report_view(&report, lang)),
                FieldErrors::default(),
            )
        }
        Err(AppError::Invalid(e)) => (StatusCode::BAD_REQUEST, None, e),
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let x = stats_texts(lang);
    let token = csrf::issue_for(&req, &state);
    let page = StatsPage {
        s: staff_texts(lang),
        t: texts(lang),
        x,
        chrome: Chrome::new(lang, PATH),
        me: Some(me(&state, &staff.0, lang)),
        csrf: token.token.clone(),
        form: form_view(&state, &staff.0, &form, lang).await.page(lang)?,
        summary: field_errors
            .iter()
            .flat_map(|(field, problems)| {
                problems
                    .iter()
                    .map(move |p| (field.to_owned(), field_label(x, field), p.message(lang)))
            })
            .collect(),
        errors: field_errors.messages(lang),
        count_heads: Count::ALL.iter().map(|c| (c.code(), c.label(lang))).collect(),
        rate_heads: RateKind::ALL.iter().map(|r| (r.code(), r.label(lang))).collect(),
        day_heads: day_heads(x),
        report,
        count_definitions: Count::ALL
            .iter()
            .map(|c| Definition {
                label: c.label(lang),
                text: c.definition(lang).to_owned(),
            })
            .collect(),
        rate_definitions: RateKind::ALL
            .iter()
            .map(|r| {
                let (num, den) = r.parts();
                Definition {
                    label: r.label(lang),
                    text: format!("{} ÷ {}", num.label(lang), den.label(lang)),
                }
            })
            .collect(),
    };
    Ok(respond(status, &page, token))
}
