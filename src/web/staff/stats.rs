//! `/handler/stats`, the supervision figures as a page: a GET form (period, grouping, unit,
//! filters), a table with every figure per group and in total, the groups most behind, charts
//! drawn on the server ([`crate::web::charts`]), and the definition of every figure.
//! `/handler/stats/cases` lists the cases behind any one number of that table, page by page.
//!
//! The figures come from [`crate::services::stats`], which scopes them by the viewer's reach: a
//! unit outside it is a 403 page. Fields that cannot be read come back on the form, each with its
//! message, as a 400.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{me, respond, Me};
use super::stats_texts::{stats_texts, StatsTexts};
use super::texts::{outcome_label, staff_texts, StaffTexts};
use crate::catalog::Named;
use crate::domain::case::Outcome;
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::{Channel, Kind};
use crate::domain::stats::{period, Count, Days, Figures, GroupBy, PeriodChoice, RateKind};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::open_days;
use crate::services::stats::{self, Report, StatsParams, StatsRequest};
use crate::web::charts::{self, BarGroup, Series, StackRow, TrendPoint, PALETTE};
use crate::web::csrf;
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

const PATH: &str = "/handler/stats";
const CASES_PATH: &str = "/handler/stats/cases";
/// Cases per page of `/handler/stats/cases`, unless `per` asks for another number (1–200).
const PER_PAGE: i64 = 50;
const OUTCOMES: [Outcome; 4] = [
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
fn read_request(state: &AppState, form: &StatsForm) -> Result<StatsRequest, AppError> {
    let c = &state.catalog;
    let mut e = FieldErrors::default();
    let mut check = |field: &str, value: &str, known: &dyn Fn(&str) -> bool, problem: Problem| {
        let v = value.trim();
        if !v.is_empty() && !known(v) {
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
fn query_of(req: &StatsRequest) -> String {
    serde_urlencoded::to_string(req.params()).unwrap_or_default()
}

/// The link to the cases behind `count` in `group` (`None`: the total).
fn cases_href(query: &str, count: Count, group: Option<&str>) -> String {
    let mut pairs = vec![("count", count.code())];
    if let Some(g) = group {
        pairs.push(("group", g));
    }
    let head = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("{CASES_PATH}?{head}&{query}")
}

// ---------------------------------------------------------------------------------------------
// The dashboard

/// A choice of a select: value, words, selected.
type Choice = (String, String, bool);

/// The form as it is shown: what was typed, the choices, and the problems per field.
struct FormView {
    from: String,
    to: String,
    below: bool,
    periods: Vec<Choice>,
    group_bys: Vec<Choice>,
    units: Vec<Choice>,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    channels: Vec<Choice>,
    regions: Vec<Choice>,
    events: Vec<Choice>,
}

struct CountCell {
    code: &'static str,
    label: &'static str,
    value: i64,
    href: String,
}

struct RateCell {
    code: &'static str,
    shown: String,
    numerator: i64,
    denominator: i64,
}

struct DayCell {
    code: &'static str,
    shown: String,
}

/// One line of the table: a group (`key` set) or the total.
struct Line {
    key: Option<String>,
    name: String,
    counts: Vec<CountCell>,
    rates: Vec<RateCell>,
    days: Vec<DayCell>,
}

struct Behind {
    name: String,
    overdue: CountCell,
    flagged: CountCell,
}

struct Chart {
    heading: &'static str,
    svg: String,
    /// The groups the chart leaves out, and why.
    note: Option<String>,
}

struct ReportView {
    from: String,
    to: String,
    group_label: &'static str,
    lines: Vec<Line>,
    total: Line,
    behind: Vec<Behind>,
    charts: Vec<Chart>,
    /// The same cases as a 台账 download (see [`super::ledger`]).
    ledger_csv: String,
    ledger_xlsx: String,
}

struct Definition {
    label: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "handler/stats.html")]
struct StatsPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    x: &'static StatsTexts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    form: FormView,
    /// Field, label, message: the summary at the top.
    summary: Vec<(String, &'static str, String)>,
    errors: BTreeMap<String, Vec<String>>,
    count_heads: Vec<(&'static str, &'static str)>,
    rate_heads: Vec<(&'static str, &'static str)>,
    day_heads: Vec<(&'static str, &'static str)>,
    report: Option<ReportView>,
    count_definitions: Vec<Definition>,
    rate_definitions: Vec<Definition>,
}

impl StatsPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    fn errors_of(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn field_label(x: &StatsTexts, field: &str) -> &'static str {
    match field {
        "period" => x.period,
        "from" => x.from,
        "to" => x.to,
        "group_by" => x.group_by,
        "unit" => x.unit,
        "kind" => x.kind,
        "category" => x.category,
        "channel" => x.channel,
        "region" => x.region,
        "event" => x.event,
        _ => "",
    }
}

fn period_label(x: &StatsTexts, p: PeriodChoice) -> &'static str {
    match p {
        PeriodChoice::ThisWeek => x.this_week,
        PeriodChoice::ThisMonth => x.this_month,
        PeriodChoice::LastMonth => x.last_month,
        PeriodChoice::Last12Months => x.last_12_months,
        PeriodChoice::Custom => x.custom,
    }
}

fn day_heads(x: &'static StatsTexts) -> Vec<(&'static str, &'static str)> {
    vec![
        ("to_accept_mean", x.accept_mean),
        ("to_accept_p90", x.accept_p90),
        ("to_conclude_mean", x.conclude_mean),
        ("to_conclude_p90", x.conclude_p90),
    ]
}

async fn form_view(
    state: &AppState,
    staff: &crate::services::accounts::Staff,
    form: &StatsForm,
    lang: Lang,
) -> Result<FormView, AppError> {
    let c = &state.catalog;
    let x = stats_texts(lang);
    let chosen = |value: &str, code: &str| value.trim() == code;
    let period = match form.period.trim() {
        "" if !form.from.trim().is_empty() || !form.to.trim().is_empty() => "custom",
        "" => "this_month",
        p => p,
    };
    let group_by = match form.group_by.trim() {
        "" => "unit",
        g => g,
    };
    let reach = stats::reach(&state.router.directory, staff);
    let units = c
        .units
        .iter()
        .filter(|u| reach.as_ref().is_none_or(|r| r.contains(&u.code)))
        .map(|u| {
            (
                u.code.clone(),
                u.name(lang).to_owned(),
                chosen(&form.unit, &u.code),
            )
        })
        .collect();
    let events = open_days::list_events(&state.db)
        .await?
        .into_iter()
        .map(|e| {
            let id = e.id.to_string();
            let selected = chosen(&form.event, &id);
            (id, format!("#{} {}", e.id, e.title), selected)
        })
        .collect();
    Ok(FormView {
        from: form.from.clone(),
        to: form.to.clone(),
        // A first visit (nothing asked yet) offers the units below, which is what a supervisor
        // usually wants once they pick a unit.
        below: form.is_blank() || !form.below.trim().is_empty(),
        periods: PeriodChoice::ALL
            .iter()
            .map(|p| {
                (
                    p.code().to_owned(),
                    period_label(x, *p).to_owned(),
                    period == p.code(),
                )
            })
            .collect(),
        group_bys: GroupBy::ALL
            .iter()
            .map(|g| {
                (
                    g.code().to_owned(),
                    g.label(lang).to_owned(),
                    group_by == g.code(),
                )
            })
            .collect(),
        units,
        kinds: Kind::ALL
            .iter()
            .map(|k| {
                (
                    k.code().to_owned(),
                    c.kind_info(*k).name(lang).to_owned(),
                    chosen(&form.kind, k.code()),
                )
            })
            .collect(),
        categories: c
            .categories
            .iter()
            .map(|cat| {
                (
                    cat.code.clone(),
                    cat.name(lang).to_owned(),
                    chosen(&form.category, &cat.code),
                )
            })
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|ch| {
                let (zh, en) = stats::group_name(state, GroupBy::Channel, ch.code());
                (
                    ch.code().to_owned(),
                    lang.pick(&zh, &en).to_owned(),
                    chosen(&form.channel, ch.code()),
                )
            })
            .collect(),
        regions: c
            .regions_tree()
            .into_iter()
            .map(|(r, depth)| {
                (
                    r.code.clone(),
                    format!("{}{}", "\u{3000}".repeat(depth), r.name(lang)),
                    chosen(&form.region, &r.code),
                )
            })
            .collect(),
        events,
    })
}

fn count_cells(f: &Figures, query: &str, group: Option<&str>, lang: Lang) -> Vec<CountCell> {
    Count::ALL
        .iter()
        .map(|c| CountCell {
            code: c.code(),
            label: c.label(lang),
            value: f.get(*c),
            href: cases_href(query, *c, group),
        })
        .collect()
}

fn day_cells(f: &Figures) -> Vec<DayCell> {
    let mean = |d: &Days| d.mean().map_or_else(|| "—".to_owned(), |m| format!("{m:.1}"));
    let p90 = |d: &Days| d.p90().map_or_else(|| "—".to_owned(), |p| p.to_string());
    vec![
        DayCell {
            code: "to_accept_mean",
            shown: mean(&f.to_accept),
        },
        DayCell {
            code: "to_accept_p90",
            shown: p90(&f.to_accept),
        },
        DayCell {
            code: "to_conclude_mean",
            shown: mean(&f.to_conclude),
        },
        DayCell {
            code: "to_conclude_p90",
            shown: p90(&f.to_conclude),
        },
    ]
}

fn line(key: Option<String>, name: String, f: &Figures, query: &str, lang: Lang) -> Line {
    Line {
        counts: count_cells(f, query, key.as_deref(), lang),
        rates: RateKind::ALL
            .iter()
            .map(|r| {
                let rate = f.rate(*r);
                RateCell {
                    code: r.code(),
                    shown: rate.display(),
                    numerator: rate.numerator,
                    denominator: rate.denominator,
                }
            })
            .collect(),
        days: day_cells(f),
        key,
        name,
    }
}

/// A rate as the bar chart prints it: `87.5% (7/8)`.
fn rate_words(f: &Figures, r: RateKind) -> Option<(f64, String)> {
    let rate = f.rate(r);
    rate.percent().map(|p| {
        (
            p,
            format!("{} ({}/{})", rate.display(), rate.numerator, rate.denominator),
        )
    })
}

fn charts_of(report: &Report, lang: Lang, names: &[String]) -> Vec<Chart> {
    let x = stats_texts(lang);
    let list = |v: Vec<&str>| v.join(lang.pick("、", ", "));

    let rate_series: Vec<Series> = [RateKind::Closure, RateKind::OnTime]
        .iter()
        .zip(PALETTE)
        .map(|(r, colour)| Series {
            name: r.label(lang).to_owned(),
            colour,
        })
        .collect();
    let bars: Vec<BarGroup> = report
        .groups
        .iter()
        .zip(names)
        .map(|(g, name)| BarGroup {
            label: name.clone(),
            values: vec![
                rate_words(&g.figures, RateKind::Closure),
                rate_words(&g.figures, RateKind::OnTime),
            ],
        })
        .collect();
    let no_rate: Vec<&str> = bars
        .iter()
        .filter(|b| b.values.iter().all(Option::is_none))
        .map(|b| b.label.as_str())
        .collect();

    let trend_series = vec![
        Series {
            name: Count::Received.label(lang).to_owned(),
            colour: PALETTE[0],
        },
        Series {
            name: Count::Concluded.label(lang).to_owned(),
            colour: PALETTE[2],
        },
    ];
    // Every week of the period, the quiet ones too, so the line does not skip over them.
    let p = report.request.period;
    let by_week: BTreeMap<i32, (i64, i64)> = report
        .weeks
        .iter()
        .map(|(d, r, c)| (period::day_number(*d), (*r, *c)))
        .collect();
    let mut points = Vec::new();
    let mut w = period::week_start(p.from);
    while w <= p.to {
        let (r, c) = by_week.get(&w).copied().unwrap_or((0, 0));
        let monday = period::date_of(w);
        points.push(TrendPoint {
            label: x
                .week_of
                .replace("{date}", &monday.format("%Y-%m-%d").to_string()),
            tick: monday.format("%m-%d").to_string(),
            values: vec![r, c],
        });
        w += 7;
    }

    let outcome_series: Vec<Series> = OUTCOMES
        .iter()
        .zip(PALETTE)
        .map(|(o, colour)| Series {
            name: outcome_label(*o, lang).to_owned(),
            colour,
        })
        .collect();
    let stacks: Vec<StackRow> = report
        .groups
        .iter()
        .zip(names)
        .map(|(g, name)| StackRow {
            label: name.clone(),
            values: OUTCOMES
                .iter()
                .map(|o| g.outcomes.get(o.code()).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    let no_outcome: Vec<&str> = stacks
        .iter()
        .filter(|s| s.values.iter().sum::<i64>() == 0)
        .map(|s| s.label.as_str())
        .collect();

    let note = |why: &str, who: Vec<&str>| {
        (!who.is_empty()).then(|| format!("{why}{}{}", lang.pick("：", ": "), list(who)))
    };
    let nothing = |n: usize| (n == 0).then(|| x.chart_nothing.to_owned());
    vec![
        Chart {
            heading: x.chart_rates,
            svg: charts::percent_bars("chart-rates", x.chart_rates, &rate_series, &bars),
            note: note(x.chart_no_rate, no_rate.clone()).or_else(|| nothing(bars.len() - no_rate.len())),
        },
        Chart {
            heading: x.chart_trend,
            svg: charts::trend("chart-trend", x.chart_trend, &trend_series, &points),
            note: None,
        },
        Chart {
            heading: x.chart_outcomes,
            svg: charts::stacked_bars("chart-outcomes", x.chart_outcomes, &outcome_series, &stacks),
            note: note(x.chart_no_outcome, no_outcome.clone())
                .or_else(|| nothing(stacks.len() - no_outcome.len())),
        },
    ]
}

fn report_view(report: &Report, lang: Lang) -> ReportView {
    let query = query_of(&report.request);
    let names: Vec<String> = report
        .groups
        .iter()
        .map(|g| lang.pick(&g.name, &g.name_en).to_owned())
        .collect();
    let lines: Vec<Line> = report
        .groups
        .iter()
        .zip(&names)
        .map(|(g, name)| line(Some(g.key.clone()), name.clone(), &g.figures, &query, lang))
        .collect();
    // The groups come most overdue first; the five at the top that have any.
    let behind = report
        .groups
        .iter()
        .zip(&names)
        .filter(|(g, _)| g.figures.get(Count::OverdueNow) + g.figures.get(Count::Flagged) > 0)
        .take(5)
        .map(|(g, name)| {
            let cell = |c: Count| CountCell {
                code: c.code(),
                label: c.label(lang),
                value: g.figures.get(c),
                href: cases_href(&query, c, Some(&g.key)),
            };
            Behind {
                name: name.clone(),
                overdue: cell(Count::OverdueNow),
                flagged: cell(Count::Flagged),
            }
        })
        .collect();
    let x = stats_texts(lang);
    ReportView {
        from: period::date_of(report.request.period.from).to_string(),
        to: period::date_of(report.request.period.to).to_string(),
        group_label: report.request.group_by.label(lang),
        total: line(None, x.total.to_owned(), &report.total, &query, lang),
        charts: charts_of(report, lang, &names),
        ledger_csv: format!("/handler/stats/ledger.csv?{query}"),
        ledger_xlsx: format!("/handler/stats/ledger.xlsx?{query}"),
        lines,
        behind,
    }
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

// ---------------------------------------------------------------------------------------------
// The cases behind a number

struct CaseLine {
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
struct CasesPage {
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
    let group = form.group.clone();
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
