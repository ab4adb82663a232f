//! Reading a statistics request from text (a query string, command-line flags), field by field.

use chrono::NaiveDate;

use super::StatsRequest;
use crate::domain::stats::{period, GroupBy, Period};
use crate::domain::text::normalize_optional;
use crate::error::AppError;
use crate::services::Context;

/// A request as it arrives (a query string, command-line flags): every field text, checked by
/// [`StatsParams::parse`].
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// `this_week`, `this_month` (the default), `last_month`, `last_12_months` or `custom`.
    #[param(pattern = "^(this_week|this_month|last_month|last_12_months|custom)?$")]
    pub period: Option<String>,
    /// `YYYY-MM-DD`; with `to`, a custom period (at most 1,098 days). Empty is not given.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
    /// `unit` (the default), `region`, `kind`, `category`, `channel` or `event`.
    #[param(pattern = "^(unit|region|kind|category|channel|event)?$")]
    pub group_by: Option<String>,
    pub unit: Option<String>,
    /// `true`, `on`, `1` or `yes`: include every unit below `unit`.
    pub below: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub region: Option<String>,
    /// An open day's id (digits).
    #[param(pattern = "^[0-9]{0,18}$")]
    pub event: Option<String>,
}

/// The longest period one request may cover.
pub const MAX_PERIOD_DAYS: u32 = 3 * 366;

/// A filter that is given, as a term of the text rule (forbidden characters removed).
fn given(v: &Option<String>) -> Option<String> {
    normalize_optional(v.as_deref())
}

/// A value of a fixed shape (a date, a choice, a number), exactly as sent: empty is not given,
/// and anything else — a stray space or control character included — must fit the shape.
fn exact(v: &Option<String>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

impl StatsParams {
    /// Checks every field; each problem is reported against its field. `today` is the Beijing day.
    pub fn parse(&self, today: NaiveDate) -> Result<StatsRequest, AppError> {
        use crate::domain::stats::PeriodChoice;
        use crate::domain::{FieldErrors, Problem};
        let mut e = FieldErrors::default();
        let date = |e: &mut FieldErrors, field: &str, v: &Option<String>| -> Option<NaiveDate> {
            let v = exact(v)?;
            let d = NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
            if d.is_none() {
                e.add(field, Problem::InvalidDate);
            }
            d
        };
        let from = date(&mut e, "from", &self.from);
        let to = date(&mut e, "to", &self.to);
        let choice = match exact(&self.period) {
            Some(code) => PeriodChoice::from_code(&code).or_else(|| {
                e.add("period", Problem::UnknownChoice);
                None
            }),
            None if from.is_some() || to.is_some() => Some(PeriodChoice::Custom),
            None => Some(PeriodChoice::ThisMonth),
        };
        let period = match choice {
            Some(PeriodChoice::Custom) => match (from, to) {
                (Some(a), Some(b)) => Some(Period::between(a, b)),
                (a, b) => {
                    if a.is_none() && !e.has("from") {
                        e.add("from", Problem::Required);
                    }
                    if b.is_none() && !e.has("to") {
                        e.add("to", Problem::Required);
                    }
                    None
                }
            },
            Some(c) => c.days(today),
            None => None,
        };
        if let Some(p) = period {
            if p.to - p.from >= MAX_PERIOD_DAYS as i32 {
                e.add(
                    "to",
                    Problem::PeriodTooLong {
                        max_days: MAX_PERIOD_DAYS,
                    },
                );
            }
        }
        let group_by = match exact(&self.group_by) {
            None => Some(GroupBy::Unit),
            Some(code) => GroupBy::from_code(&code).or_else(|| {
                e.add("group_by", Problem::UnknownChoice);
                None
            }),
        };
        let event = exact(&self.event).and_then(|v| {
            v.parse::<i64>().ok().or_else(|| {
                e.add("event", Problem::UnknownChoice);
                None
            })
        });
        let below = matches!(given(&self.below).as_deref(), Some("true" | "on" | "1" | "yes"));
        e.clone().into_result().map_err(AppError::Invalid)?;
        match (period, group_by) {
            (Some(period), Some(group_by)) => Ok(StatsRequest {
                period,
                group_by,
                unit: given(&self.unit),
                below,
                kind: given(&self.kind),
                category: given(&self.category),
                channel: given(&self.channel),
                region: given(&self.region),
                event,
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

impl StatsRequest {
    /// The same request as parameters: for links to the cases behind a number, and exports.
    pub fn params(&self) -> StatsParams {
        let day = |d: i32| Some(period::date_of(d).format("%Y-%m-%d").to_string());
        StatsParams {
            period: Some("custom".to_owned()),
            from: day(self.period.from),
            to: day(self.period.to),
            group_by: Some(self.group_by.code().to_owned()),
            unit: self.unit.clone(),
            below: self.below.then(|| "true".to_owned()),
            kind: self.kind.clone(),
            category: self.category.clone(),
            channel: self.channel.clone(),
            region: self.region.clone(),
            event: self.event.map(|e| e.to_string()),
        }
    }
}

/// Today in Beijing, by the service's clock.
pub fn today(ctx: &Context) -> NaiveDate {
    period::beijing_date(ctx.clock.now().naive_utc())
}
