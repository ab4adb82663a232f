//! The figures as JSON (the staff API, `GET /api/v1/staff/stats`): every count, and every rate
//! with its numerator and denominator, per group and in total. Typed, so the API's document
//! describes exactly what is sent.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::Report;
use crate::domain::stats::{period, Count, Days, Figures, RateKind};
use crate::i18n::Lang;

/// How many days cases took.
#[derive(Debug, Serialize, ToSchema)]
pub struct DaysOut {
    pub cases: i64,
    pub total_days: i64,
    /// To one decimal; `null` with no cases.
    pub mean: Option<f64>,
    /// The 90th percentile by nearest rank; `null` with no cases.
    pub p90: Option<i32>,
}

/// A rate with what it divides.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateOut {
    pub numerator: i64,
    pub denominator: i64,
    /// The count the numerator is.
    pub numerator_is: String,
    /// The count the denominator is.
    pub denominator_is: String,
    /// To one decimal; `null` when the denominator is 0.
    pub percent: Option<f64>,
}

/// One group's figures (or the total's).
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresOut {
    /// Every count by its code (`received`, `accepted`, `concluded`, …).
    pub counts: BTreeMap<String, i64>,
    /// Every rate by its code (`closure`, `on_time`, `resolution`, `satisfaction`, …).
    pub rates: BTreeMap<String, RateOut>,
    pub days_to_accept: DaysOut,
    pub days_to_conclude: DaysOut,
    /// Concluded cases per outcome code.
    pub outcomes: BTreeMap<String, i64>,
}

/// One group: a unit, region, kind, category, channel or open day.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub key: String,
    pub name: String,
    pub name_en: String,
    #[serde(flatten)]
    pub figures: FiguresOut,
}

/// Received and concluded in one week.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekOut {
    /// The week's Monday, `YYYY-MM-DD`.
    pub week_of: String,
    pub received: i64,
    pub concluded: i64,
}

/// What a count means, in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct DefinitionOut {
    pub zh: String,
    pub en: String,
}

/// The whole report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// `YYYY-MM-DD`, Beijing time.
    pub from: String,
    pub to: String,
    pub group_by: String,
    pub unit: Option<String>,
    pub below: bool,
    pub groups: Vec<GroupOut>,
    pub total: FiguresOut,
    pub weeks: Vec<WeekOut>,
    /// Every count's definition by its code.
    pub definitions: BTreeMap<String, DefinitionOut>,
}

fn days(d: &Days) -> DaysOut {
    DaysOut {
        cases: d.cases(),
        total_days: d.total(),
        mean: d.mean(),
        p90: d.p90(),
    }
}

/// One group's figures.
pub fn figures_json(f: &Figures, outcomes: &BTreeMap<String, i64>) -> FiguresOut {
    let counts = Count::ALL
        .iter()
        .map(|c| (c.code().to_owned(), f.get(*c)))
        .collect();
    let rates = RateKind::ALL
        .iter()
        .map(|r| {
            let rate = f.rate(*r);
            let (num, den) = r.parts();
            (
                r.code().to_owned(),
                RateOut {
                    numerator: rate.numerator,
                    denominator: rate.denominator,
                    numerator_is: num.code().to_owned(),
                    denominator_is: den.code().to_owned(),
                    percent: rate.percent().map(|p| (p * 10.0).round() / 10.0),
                },
            )
        })
        .collect();
    FiguresOut {
        counts,
        rates,
        days_to_accept: days(&f.to_accept),
        days_to_conclude: days(&f.to_conclude),
        outcomes: outcomes.clone(),
    }
}

/// The whole report.
pub fn report_json(r: &Report) -> ReportOut {
    let day = |d: i32| period::date_of(d).format("%Y-%m-%d").to_string();
    ReportOut {
        from: day(r.request.period.from),
        to: day(r.request.period.to),
        group_by: r.request.group_by.code().to_owned(),
        unit: r.request.unit.clone(),
        below: r.request.below,
        groups: r
            .groups
            .iter()
            .map(|g| GroupOut {
                key: g.key.clone(),
                name: g.name.clone(),
                name_en: g.name_en.clone(),
                figures: figures_json(&g.figures, &g.outcomes),
            })
            .collect(),
        total: figures_json(&r.total, &r.total_outcomes),
        weeks: r
            .weeks
            .iter()
            .map(|(w, received, concluded)| WeekOut {
                week_of: w.format("%Y-%m-%d").to_string(),
                received: *received,
                concluded: *concluded,
            })
            .collect(),
        definitions: Count::ALL
            .iter()
            .map(|c| {
                (
                    c.code().to_owned(),
                    DefinitionOut {
                        zh: c.definition(Lang::Zh).to_owned(),
                        en: c.definition(Lang::En).to_owned(),
                    },
                )
            })
            .collect(),
    }
}
