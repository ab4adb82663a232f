//! The statistics service: the figures of [`crate::domain::stats`] for a viewer, scoped by their
//! reach, grouped and filtered as asked, with the cases behind every number.
//!
//! Reach: a handler sees their own unit; a supervisor or dispatcher their unit and every unit
//! below it; an administrator, and staff of a top-level rectification office, everything.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::accounts::Staff;
use super::context::Context;
use crate::domain::kind::{Role, UnitKind};
use crate::domain::stats::{period, Count, Figures, GroupBy, Period};
use crate::error::AppError;
use crate::routing::Directory;
use crate::storage::stats::{self as store, StatsQuery};
use crate::storage::submissions::SubmissionRow;

mod json;
mod params;

pub use json::{report_json, ReportOut};
pub use params::{today, StatsParams, MAX_PERIOD_DAYS};

/// What a viewer asks for.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    pub period: Period,
    pub group_by: GroupBy,
    /// One unit (with `below`, every unit under it too); `None` for the whole reach.
    pub unit: Option<String>,
    pub below: bool,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// A region and every region inside it.
    pub region: Option<String>,
    pub event: Option<i64>,
}

/// One group's figures, named.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub figures: Figures,
    /// Concluded cases per outcome code.
    pub outcomes: BTreeMap<String, i64>,
}

/// Every group, their total, and the weekly trend.
#[derive(Debug, Clone)]
pub struct Report {
    pub request: StatsRequest,
    pub groups: Vec<Group>,
    pub total: Figures,
    pub total_outcomes: BTreeMap<String, i64>,
    /// Per week (its Monday): received, concluded.
    pub weeks: Vec<(NaiveDate, i64, i64)>,
}

/// The units `staff` may see figures of; `None` for everything.
pub fn reach(dir: &Directory, staff: &Staff) -> Option<Vec<String>> {
    let Some(me) = dir.unit(&staff.unit) else {
        return Some(Vec::new());
    };
    let top_office = dir.units[me].kind == UnitKind::Office && dir.units[me].parent.is_none();
    match staff.role {
        Role::Admin => None,
        _ if top_office => None,
        Role::Handler => Some(vec![staff.unit.clone()]),
        Role::Supervisor | Role::Dispatcher => Some(with_below(dir, me)),
    }
}

fn with_below(dir: &Directory, me: usize) -> Vec<String> {
    (0..dir.units.len())
        .filter(|&u| u == me || dir.is_subordinate(u, me))
        .map(|u| dir.units[u].code.clone())
        .collect()
}

/// The storage query for a request by `staff`: their reach narrowed to what they asked. Asking
/// for a unit outside the reach is `Forbidden`; an unknown unit or region is `NotFound`.
pub fn query_for(ctx: &Context, staff: &Staff, req: &StatsRequest) -> Result<StatsQuery, AppError> {
    let dir = &ctx.router.directory;
    query_within(dir, reach(dir, staff), req, ctx.clock.now().naive_utc())
}

/// The storage query for a request within `reach` (`None` for everything), as of `now`: for
/// callers that are not a signed-in member of staff (the command line's ledger export).
pub fn query_within(
    dir: &Directory,
    reach: Option<Vec<String>>,
    req: &StatsRequest,
    now: chrono::NaiveDateTime,
) -> Result<StatsQuery, AppError> {
    let units = match &req.unit {
        None => reach,
        Some(code) => {
            let u = dir.unit(code).ok_or(AppError::NotFound)?;
            let asked = if req.below {
                with_below(dir, u)
            } else {
                vec![code.clone()]
            };
            if let Some(reach) = &reach {
                if asked.iter().any(|a| !reach.contains(a)) {
                    return Err(AppError::Forbidden);
                }
            }
            Some(asked)
        }
    };
    let regions = match &req.region {
        None => None,
        Some(code) => {
            let r = dir.region(code).ok_or(AppError::NotFound)?;
            Some(
                (0..dir.regions.len())
                    .filter(|&x| dir.region_within(x, r))
                    .map(|x| dir.regions[x].code.clone())
                    .collect(),
            )
        }
    };
    Ok(StatsQuery {
        period: req.period,
        units,
        kind: req.kind.clone(),
        category: req.category.clone(),
        channel: req.channel.clone(),
        regions,
        event: req.event,
        group_by: req.group_by,
        now,
    })
}

/// The names of a group key, in Chinese and English.
pub fn group_name(ctx: &Context, group_by: GroupBy, key: &str) -> (String, String) {
    let c = &ctx.catalog;
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    match group_by {
        GroupBy::Unit => c.unit(key).map(|u| pair(&u.name, &u.name_en)),
        GroupBy::Region => c.region(key).map(|r| pair(&r.name, &r.name_en)),
        GroupBy::Kind => crate::domain::Kind::from_code(key).map(|k| {
            let info = c.kind_info(k);
            pair(&info.name, &info.name_en)
        }),
        GroupBy::Category => c.category(key).map(|x| pair(&x.name, &x.name_en)),
        GroupBy::Channel => Some(channel_name(key)),
        GroupBy::Event if key.is_empty() => Some(pair("非开放日", "Not at an open day")),
        GroupBy::Event => Some((format!("开放日 #{key}"), format!("Open day #{key}"))),
    }
    .unwrap_or_else(|| {
        if key.is_empty() {
            pair("（无）", "(none)")
        } else {
            pair(key, key)
        }
    })
}

fn channel_name(code: &str) -> (String, String) {
    let (zh, en) = match code {
        "web" => ("网上", "Web"),
        "kiosk" => ("开放日触摸屏", "Open-day kiosk"),
        "api" => ("接口", "API"),
        "open311" => ("Open311", "Open311"),
        "staff" => ("工作人员代录", "Entered by staff"),
        other => (other, other),
    };
    (zh.to_owned(), en.to_owned())
}

/// The figures `staff` asked for.
pub async fn report(ctx: &Context, staff: &Staff, req: StatsRequest) -> Result<Report, AppError> {
    let q = query_for(ctx, staff, &req)?;
    let (by_group, outcomes, weeks) = ctx
        .db
        .read(move |conn| -> Result<_, AppError> {
            let (figures, outcomes) = store::figures_and_outcomes(conn, &q)?;
            Ok((figures, outcomes, store::weekly(conn, &q)?))
        })
        .await?;
    let mut total = Figures::default();
    let mut total_outcomes: BTreeMap<String, i64> = BTreeMap::new();
    let mut groups: Vec<Group> = by_group
        .into_iter()
        .map(|(key, figures)| {
            total.merge(&figures);
            let outcomes = outcomes.get(&key).cloned().unwrap_or_default();
            for (o, n) in &outcomes {
                *total_outcomes.entry(o.clone()).or_default() += n;
            }
            let (name, name_en) = group_name(ctx, req.group_by, &key);
            Group {
                key,
                name,
                name_en,
                figures,
                outcomes,
            }
        })
        .collect();
    // The units with the most overdue cases first: who is behind is what a supervisor looks for.
    groups.sort_by(|a, b| {
        let late = |g: &Group| g.figures.get(Count::OverdueNow) + g.figures.get(Count::Flagged);
        late(b).cmp(&late(a)).then_with(|| a.key.cmp(&b.key))
    });
    let weeks = weeks
        .into_iter()
        .map(|(w, r, c)| (period::date_of(w), r, c))
        .collect();
    Ok(Report {
        request: req,
        groups,
        total,
        total_outcomes,
        weeks,
    })
}

/// A page of the cases behind one number: `count` in `group` (or in every group), after the
/// case id `after`, oldest first.
pub async fn cases(
    ctx: &Context,
    staff: &Staff,
    req: &StatsRequest,
    count: Count,
    group: Option<String>,
    after: i64,
    limit: i64,
) -> Result<Vec<SubmissionRow>, AppError> {
    let q = query_for(ctx, staff, req)?;
    ctx.db
        .read(move |conn| -> Result<_, AppError> {
            let ids = store::case_ids(conn, &q, count, group.as_deref(), after, limit)?;
            Ok(crate::storage::submissions::by_ids(conn, &ids)?)
        })
        .await
}
