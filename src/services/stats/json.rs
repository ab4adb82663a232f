//! The figures as JSON (the staff API, `GET /api/v1/staff/stats`): every count, and every rate
//! with its numerator and denominator, per group and in total.

use serde_json::{json, Map, Value};

use super::Report;
use crate::domain::stats::{period, Count, Days, Figures, RateKind};
use crate::i18n::Lang;

fn days(d: &Days) -> Value {
    json!({ "cases": d.cases(), "total_days": d.total(), "mean": d.mean(), "p90": d.p90() })
}

/// One group's figures.
pub fn figures_json(f: &Figures) -> Value {
    let counts: Map<String, Value> = Count::ALL
        .iter()
        .map(|c| (c.code().to_owned(), json!(f.get(*c))))
        .collect();
    let rates: Map<String, Value> = RateKind::ALL
        .iter()
        .map(|r| {
            let rate = f.rate(*r);
            let (num, den) = r.parts();
            let percent = rate.percent().map(|p| (p * 10.0).round() / 10.0);
            (
                r.code().to_owned(),
                json!({
                    "numerator": rate.numerator,
                    "denominator": rate.denominator,
                    "numerator_is": num.code(),
                    "denominator_is": den.code(),
                    "percent": percent,
                }),
            )
        })
        .collect();
    json!({
        "counts": counts,
        "rates": rates,
        "days_to_accept": days(&f.to_accept),
        "days_to_conclude": days(&f.to_conclude),
    })
}

/// The whole report.
pub fn report_json(r: &Report) -> Value {
    let day = |d: i32| period::date_of(d).format("%Y-%m-%d").to_string();
    let groups: Vec<Value> = r
        .groups
        .iter()
        .map(|g| {
            let mut v = figures_json(&g.figures);
            v["key"] = json!(g.key);
            v["name"] = json!(g.name);
            v["name_en"] = json!(g.name_en);
            v["outcomes"] = json!(g.outcomes);
            v
        })
        .collect();
    let mut total = figures_json(&r.total);
    total["outcomes"] = json!(r.total_outcomes);
    let definitions: Map<String, Value> = Count::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_owned(),
                json!({ "zh": c.definition(Lang::Zh), "en": c.definition(Lang::En) }),
            )
        })
        .collect();
    json!({
        "from": day(r.request.period.from),
        "to": day(r.request.period.to),
        "group_by": r.request.group_by.code(),
        "unit": r.request.unit,
        "below": r.request.below,
        "groups": groups,
        "total": total,
        "weeks": r.weeks.iter().map(|(w, rec, con)| json!({
            "week_of": w.format("%Y-%m-%d").to_string(), "received": rec, "concluded": con,
        })).collect::<Vec<_>>(),
        "definitions": definitions,
    })
}
