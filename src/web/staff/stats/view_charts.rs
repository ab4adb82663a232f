//! The dashboard's three server-rendered charts, built from a report: 查结率 and 按期办结率 per
//! group, the weekly trend of received against concluded, and the outcomes stacked per group.

use super::*;
use std::collections::BTreeMap;

use crate::domain::stats::{period, Figures, RateKind};
use crate::i18n::Lang;
use crate::services::stats::Report;
use crate::web::charts::{self, BarGroup, Series, StackRow, TrendPoint, PALETTE};
use crate::web::staff::stats_texts::stats_texts;
use crate::web::staff::texts::outcome_label;

/// A rate as the bar chart prints it: `87.5% (7/8)`.
pub(super) fn rate_words(f: &Figures, r: RateKind) -> Option<(f64, String)> {
    let rate = f.rate(r);
    rate.percent().map(|p| {
        (
            p,
            format!("{} ({}/{})", rate.display(), rate.numerator, rate.denominator),
        )
    })
}

pub(super) fn charts_of(report: &Report, lang: Lang, names: &[String]) -> Vec<Chart> {
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
