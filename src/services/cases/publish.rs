//! Publishing a concluded case's question and answer on the public board (FixMyStreet-style):
//! only with the citizen's consent, never a report, and in words staff write for the public —
//! a retold question and the answer, without anything that names a person. The publication is
//! an internal event on the case's timeline, and so in the audit log, in the same transaction.

use std::sync::Arc;

use super::view::{build_view, CaseView};
use super::{facts, load, reach, Ctx};
use crate::domain::publication::{self, may_publish};
use crate::domain::text::{PublicAnswer, PublicSummary};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::services::accounts::Staff;
use crate::services::context::Context;
use crate::storage::board as store;
use crate::storage::submissions::{self, NewEventRow};

/// What staff write for the public board.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "summary": "群众反映派出所户籍窗口排队时间长。",
    "answer": "已增开一个窗口，并在高峰时段安排专人引导。"
}))]
pub struct PublishRequest {
    /// The question retold for the public, without personal data: 10 to 300 characters.
    #[schema(min_length = 10, max_length = 300)]
    pub summary: Option<String>,
    /// The answer: 10 to 2,000 characters.
    #[schema(min_length = 10, max_length = 2000)]
    pub answer: Option<String>,
}

fn texts(req: &PublishRequest) -> Result<(PublicSummary, PublicAnswer), AppError> {
    let mut e = FieldErrors::default();
    let summary = PublicSummary::parse(req.summary.as_deref().unwrap_or_default())
        .map_err(|p| e.add("summary", p))
        .ok();
    let answer = PublicAnswer::parse(req.answer.as_deref().unwrap_or_default())
        .map_err(|p| e.add("answer", p))
        .ok();
    match (summary, answer) {
        (Some(s), Some(a)) if e.is_empty() => Ok((s, a)),
        _ => {
            if e.is_empty() {
                e.add("summary", Problem::Required);
            }
            Err(AppError::Invalid(e))
        }
    }
}

/// Publishes (or, published already, replaces the texts of) a case's question and answer.
/// Outside the caller's reach: `NotFound`; no consent, a report, or no answer in force:
/// `Conflict`; a missing or too long text: `Invalid` with the field.
#[tracing::instrument(skip_all, fields(case = %state.vault.case_tag(&code)))]
pub async fn publish(
    state: &Context,
    staff: Staff,
    code: String,
    req: PublishRequest,
) -> Result<CaseView, AppError> {
    let ctx = Ctx {
        state: state.clone(),
        staff: Arc::new(staff),
    };
    state
        .db
        .write(move |conn| {
            let row = load(conn, &code)?;
            let r = reach(&ctx.state.router.directory, &ctx.staff, &row);
            if !publication::may_publish_as(ctx.staff.role, r) {
                return Err(AppError::NotFound);
            }
            let f = facts(&row)?;
            may_publish(f.kind, f.state, row.publishable).map_err(|why| AppError::Conflict(why.code()))?;
            let (summary, answer) = texts(&req)?;
            let at = ctx.state.clock.now().naive_utc();
            let again = row.published_at.is_some();
            store::publish(conn, row.id, summary.as_str(), answer.as_str(), at)?;
            let (note, note_en) = if again {
                ("公开答复已修改。", "The published answer was edited.")
            } else {
                (
                    "答复已在公开栏公开（不含个人信息）。",
                    "The answer was published on the public board, without personal data.",
                )
            };
            submissions::record_event(
                conn,
                &row.tracking_code,
                &NewEventRow {
                    submission_id: row.id,
                    at,
                    action: "published",
                    state: row.state.code(),
                    note: Some(note),
                    note_en: Some(note_en),
                    public: false,
                    actor: Some(&ctx.staff.username),
                    unit: row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref()),
                    ..Default::default()
                },
            )?;
            let updated = load(conn, &code)?;
            build_view(&ctx, conn, updated, false)
        })
        .await
}
