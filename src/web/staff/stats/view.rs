//! The dashboard's view: the form, the table of every figure, the units most behind, the charts.

use crate::catalog::Named;
use crate::domain::kind::{Channel, Kind};
use crate::domain::stats::{period, Count, Days, Figures, GroupBy, PeriodChoice, RateKind};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::open_days;
use crate::services::stats::{self, Report};
use crate::web::pages::Chrome;
use crate::web::staff::pages::Me;
use crate::web::staff::stats_texts::{stats_texts, StatsTexts};
use crate::web::staff::texts::StaffTexts;
use crate::web::texts::Texts;
use crate::web::AppState;
use askama::Template;
use std::collections::BTreeMap;

use super::view_charts::charts_of;
use super::*;

// ---------------------------------------------------------------------------------------------
// The dashboard

/// A choice of a select: value, words, selected.
pub(super) type Choice = (String, String, bool);

/// The form as it is shown: what was typed, the choices, and the problems per field.
pub(super) struct FormView {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) below: bool,
    pub(super) periods: Vec<Choice>,
    pub(super) group_bys: Vec<Choice>,
    pub(super) units: Vec<Choice>,
    pub(super) kinds: Vec<Choice>,
    pub(super) categories: Vec<Choice>,
    pub(super) channels: Vec<Choice>,
    pub(super) regions: Vec<Choice>,
    pub(super) events: Vec<Choice>,
}

pub(super) struct CountCell {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) value: i64,
    pub(super) href: String,
}

pub(super) struct RateCell {
    pub(super) code: &'static str,
    pub(super) shown: String,
    pub(super) numerator: i64,
    pub(super) denominator: i64,
}

pub(super) struct DayCell {
    pub(super) code: &'static str,
    pub(super) shown: String,
}

/// One line of the table: a group (`key` set) or the total.
pub(super) struct Line {
    pub(super) key: Option<String>,
    pub(super) name: String,
    pub(super) counts: Vec<CountCell>,
    pub(super) rates: Vec<RateCell>,
    pub(super) days: Vec<DayCell>,
}

pub(super) struct Behind {
    pub(super) name: String,
    pub(super) overdue: CountCell,
    pub(super) flagged: CountCell,
}

pub(super) struct Chart {
    pub(super) heading: &'static str,
    pub(super) svg: String,
    /// The groups the chart leaves out, and why.
    pub(super) note: Option<String>,
}

pub(super) struct ReportView {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) group_label: &'static str,
    pub(super) lines: Vec<Line>,
    pub(super) total: Line,
    pub(super) behind: Vec<Behind>,
    pub(super) charts: Vec<Chart>,
    /// The same cases as a 台账 download (see [`super::ledger`]).
    pub(super) ledger_csv: String,
    pub(super) ledger_xlsx: String,
}

pub(super) struct Definition {
    pub(super) label: &'static str,
    pub(super) text: String,
}

#[derive(Template)]
#[template(path = "handler/stats.html")]
pub(super) struct StatsPage {
    pub(super) s: &'static StaffTexts,
    pub(super) t: &'static Texts,
    pub(super) x: &'static StatsTexts,
    pub(super) chrome: Chrome,
    pub(super) me: Option<Me>,
    pub(super) csrf: String,
    pub(super) form: FormView,
    /// Field, label, message: the summary at the top.
    pub(super) summary: Vec<(String, &'static str, String)>,
    pub(super) errors: BTreeMap<String, Vec<String>>,
    pub(super) count_heads: Vec<(&'static str, &'static str)>,
    pub(super) rate_heads: Vec<(&'static str, &'static str)>,
    pub(super) day_heads: Vec<(&'static str, &'static str)>,
    pub(super) report: Option<ReportView>,
    pub(super) count_definitions: Vec<Definition>,
    pub(super) rate_definitions: Vec<Definition>,
}

impl StatsPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    fn errors_of(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}

pub(super) fn field_label(x: &StatsTexts, field: &str) -> &'static str {
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

pub(super) fn period_label(x: &StatsTexts, p: PeriodChoice) -> &'static str {
    match p {
        PeriodChoice::ThisWeek => x.this_week,
        PeriodChoice::ThisMonth => x.this_month,
        PeriodChoice::LastMonth => x.last_month,
        PeriodChoice::Last12Months => x.last_12_months,
        PeriodChoice::Custom => x.custom,
    }
}

pub(super) fn day_heads(x: &'static StatsTexts) -> Vec<(&'static str, &'static str)> {
    vec![
        ("to_accept_mean", x.accept_mean),
        ("to_accept_p90", x.accept_p90),
        ("to_conclude_mean", x.conclude_mean),
        ("to_conclude_p90", x.conclude_p90),
    ]
}

pub(super) async fn form_view(
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

pub(super) fn count_cells(f: &Figures, query: &str, group: Option<&str>, lang: Lang) -> Vec<CountCell> {
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

pub(super) fn day_cells(f: &Figures) -> Vec<DayCell> {
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

pub(super) fn line(key: Option<String>, name: String, f: &Figures, query: &str, lang: Lang) -> Line {
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

pub(super) fn report_view(report: &Report, lang: Lang) -> ReportView {
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
