//! What a member of staff sees of a case: its facts, deadlines, routing reason, timeline and
//! the actions allowed now; a reporter's identity only where the rules allow.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{facts, load, reach, utc, Ctx};
use crate::domain::case::{check, Action, Reach};
use crate::domain::kind::{Kind, State};
use crate::domain::Reporter;
use crate::error::AppError;
use crate::services::accounts::Staff;
use crate::services::context::Context;
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
    Ok(CaseView {
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
