//! What a member of staff sees of a case: its facts, deadlines, routing reason, timeline and
//! the actions allowed now; a reporter's identity only where the rules allow.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{facts, load, reach, utc, Ctx};
use crate::domain::case::{check, Action, Reach};
use crate::domain::kind::{Kind, State};
use crate::domain::stats::period::day_of;
use crate::domain::Reporter;
use crate::error::AppError;
use crate::services::accounts::Staff;
use crate::services::context::Context;
use crate::services::similarity::{self, Suggestion};
use crate::storage::matters;
use crate::storage::submissions::{self, SubmissionRow};
use crate::storage::DbConn;

/// One step on a case's timeline, as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CaseEvent)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub state: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub public: bool,
}

/// A case as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub region: String,
    pub target_unit: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub state: State,
    pub assigned_unit: Option<String>,
    pub dispatch_unit: Option<String>,
    pub routing_rule: Option<String>,
    pub routing_note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub accept_deadline: Option<DateTime<Utc>>,
    pub handle_deadline: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub extension: String,
    pub extension_days: Option<i32>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    pub merged_into: Option<String>,
    pub supervised: bool,
    pub anonymous: bool,
    /// Shown to the assigned unit for non-reports; for reports only in the answer to a reveal.
    pub reporter: Option<Reporter>,
    pub identity_hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub timeline: Vec<EventView>,
    /// The actions this user may take now.
    pub allowed_actions: Vec<&'static str>,
    /// The citizen agreed that the question and answer may be published without personal data.
    pub publishable: bool,
    /// What is on the public board, if anything.
    pub public_summary: Option<String>,
    pub public_answer: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// This user may publish (or edit the published) question and answer now.
    pub may_publish: bool,
    /// The matter this case belongs to (一件多诉), if it is linked or others are linked to it.
    pub matter: Option<MatterView>,
    /// Cases that may be the same matter, best first (at most 5; only those this user reaches).
    pub suggestions: Vec<Suggestion>,
    /// The same reporter's other cases in the window (through the contact's blind index).
    pub same_reporter: Option<SameReporter>,
}

/// A case beside another: its code, channel, state and when it came.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRef {
    pub tracking_code: String,
    pub channel: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl CaseRef {
    fn of(row: &SubmissionRow) -> CaseRef {
        CaseRef {
            tracking_code: row.tracking_code.clone(),
            channel: row.channel.clone(),
            state: row.state.code().to_owned(),
            created_at: utc(row.created_at),
        }
    }
}

/// The matter a case is part of: its lead and every case linked to the lead (the voices).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatterView {
    /// The lead case; this case when it is the lead.
    pub lead: String,
    /// The cases linked to the lead, oldest first.
    pub linked: Vec<CaseRef>,
    /// How many people raised it: the lead and the cases linked to it.
    pub voices: usize,
}

/// The same reporter's other cases in the window: how many, and the latest few.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SameReporter {
    pub count: i64,
    pub cases: Vec<CaseRef>,
}

/// How many of the same reporter's cases a case page lists, of how many it looks at (those out
/// of the viewer's reach are counted, never named).
const SAME_REPORTER_LISTED: usize = 5;
const SAME_REPORTER_LOOKED_AT: i64 = 20;

fn matter_of(conn: &mut DbConn, row: &SubmissionRow) -> Result<Option<MatterView>, AppError> {
    let (lead_code, lead_id) = match row.lead_id {
        Some(id) => match matters::find_by_id(conn, id)? {
            Some(lead) => (lead.tracking_code, id),
            None => return Ok(None),
        },
        None => (row.tracking_code.clone(), row.id),
    };
    let followers = matters::followers(conn, lead_id)?;
    if followers.is_empty() {
        return Ok(None);
    }
    let linked: Vec<CaseRef> = followers.iter().map(CaseRef::of).collect();
    Ok(Some(MatterView {
        lead: lead_code,
        voices: linked.len() + 1,
        linked,
    }))
}

pub(super) fn build_view(
    ctx: &Ctx,
    conn: &mut DbConn,
    row: SubmissionRow,
    reveal: bool,
) -> Result<CaseView, AppError> {
    let dir = &ctx.state.router.directory;
    let r = reach(dir, &ctx.staff, &row);
    let f = facts(&row)?;
    let is_report = f.kind == Kind::Report;
    let may_see = matches!(r, Reach::OwnUnit | Reach::Subordinate) && (!is_report || reveal);
    let reporter = match (&row.reporter_sealed, may_see) {
        (Some(sealed), true) => {
            let plain = ctx
                .state
                .vault
                .open(sealed, row.tracking_code.as_bytes())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            Some(serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.into()))?)
        }
        _ => None,
    };
    let events = submissions::events(conn, row.id, false)?;
    let now = ctx.state.clock.now().naive_utc();
    let open = f.state.is_open();
    let may_publish = crate::domain::publication::may_publish_as(ctx.staff.role, r)
        && crate::domain::publication::may_publish(f.kind, f.state, row.publishable).is_ok();
    let window = ctx.state.settings.similarity.window_days;
    let matter = matter_of(conn, &row)?;
    let suggestions = if row.lead_id.is_none() && f.state != State::Merged {
        similarity::suggestions(conn, &row, ctx.state.clock.now(), window, |c| {
            reach(dir, &ctx.staff, c) != Reach::Outside
        })?
    } else {
        Vec::new()
    };
    // Reports only beside reports: another kind's case would show the reporter's identity.
    let same_reporter = match &row.contact_index {
        Some(index) => {
            let since = day_of(now) - window as i32;
            let (cases, count) =
                matters::same_reporter(conn, index, is_report, since, row.id, SAME_REPORTER_LOOKED_AT)?;
            (count > 0).then(|| SameReporter {
                count,
                cases: cases
                    .into_iter()
                    .filter(|c| reach(dir, &ctx.staff, c) != Reach::Outside)
                    .take(SAME_REPORTER_LISTED)
                    .map(|c| CaseRef::of(&c))
                    .collect(),
            })
        }
        None => None,
    };
    Ok(CaseView {
        matter,
        suggestions,
        same_reporter,
        may_publish,
        publishable: row.publishable,
        public_summary: row.public_summary,
        public_answer: row.public_answer,
        published_at: row.published_at.map(utc),
        allowed_actions: Action::ALL
            .iter()
            .filter(|a| check(**a, ctx.staff.role, r, f).is_ok())
            .map(|a| a.code())
            .collect(),
        identity_hidden: row.reporter_sealed.is_some() && reporter.is_none(),
        overdue: open && row.due_at.is_some_and(|d| d < now),
        timeline: events
            .into_iter()
            .map(|e| EventView {
                at: utc(e.at),
                action: e.action,
                state: e.state,
                actor: e.actor,
                note: e.note,
                reason: e.reason,
                public: e.public,
            })
            .collect(),
        tracking_code: row.tracking_code,
        kind: row.kind,
        category: row.category,
        channel: row.channel,
        region: row.region,
        target_unit: row.target_unit,
        title: row.title,
        body: row.body,
        state: row.state,
        assigned_unit: row.assigned_unit,
        dispatch_unit: row.dispatch_unit,
        routing_rule: row.routing_rule,
        routing_note: row.routing_note,
        due_at: row.due_at.map(utc),
        accept_deadline: row.accept_deadline.map(utc),
        handle_deadline: row.handle_deadline.map(utc),
        extension: row.extension,
        extension_days: row.extension_days,
        outcome: row.outcome,
        result: row.result,
        merged_into: row.merged_into,
        supervised: row.supervised,
        anonymous: row.anonymous,
        reporter,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// The case as `staff` may see it; a case outside their reach is `NotFound`.
pub async fn view(state: &Context, staff: Staff, code: String) -> Result<CaseView, AppError> {
    let ctx = Ctx {
        state: state.clone(),
        staff: Arc::new(staff),
    };
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = load(conn, &code)?;
            if reach(&ctx.state.router.directory, &ctx.staff, &row) == Reach::Outside {
                return Err(AppError::NotFound);
            }
            build_view(&ctx, conn, row, false)
        })
        .await
}
