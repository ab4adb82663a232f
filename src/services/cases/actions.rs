//! The actions staff take on a case. Each is checked by the state machine
//! ([`crate::domain::case::check`]) against the actor's role and reach, validated, applied
//! ([`super::apply`]) and left on the case's timeline (and so in the audit log), with the mail it
//! causes, in one transaction. An action on the lead of a matter reaches the cases linked to it
//! in the same transaction; linking and unlinking are [`super::matter`].

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::apply::apply;
use super::view::{build_view, CaseView};
use super::{facts, load, matter, reach, refusal, Ctx};
use crate::domain::case::{check, Action, Outcome};
use crate::domain::deadlines::parse_deadline;
use crate::domain::text::{normalize_optional, Body, FreeText, Shape};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::services::accounts::Staff;
use crate::services::context::Context;
use crate::storage::DbConn;

/// An action as asked for, before it is checked. Which fields matter depends on the action.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "accept"}))]
pub struct ActionRequest {
    /// `accept`, `reject`, `transfer`, `decline`, `escalate`, `request_extension`,
    /// `approve_extension`, `refuse_extension`, `resolve`, `merge` (link to the matter of the case
    /// `into`, with a `reason`), `unlink` (with a `reason`), `dispatch`, `supervise` or
    /// `reveal_identity`.
    #[schema(
        pattern = "^(accept|reject|transfer|decline|escalate|request_extension|approve_extension|refuse_extension|resolve|merge|unlink|dispatch|supervise|reveal_identity)$"
    )]
    pub action: String,
    pub reason: Option<String>,
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub days: Option<u32>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    pub into: Option<String>,
    /// `YYYY-MM-DD` (end of that day, Beijing time) or RFC 3339.
    pub deadline: Option<String>,
    pub note: Option<String>,
}

/// A count of days: a JSON number with no fraction (`7` or `7.0`), as JSON does not tell them
/// apart.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => Ok(Some(n as u32)),
        Some(_) => Err(D::Error::custom("not a whole number of days")),
    }
}

/// The longest reason or note staff may write.
pub const REASON_MAX: usize = 1000;

/// A reason or note under the text rule (free text: a forbidden character is refused), required.
fn required(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> Option<String> {
    FreeText::parse(value.as_deref().unwrap_or_default(), Shape::Paragraph, REASON_MAX)
        .map(FreeText::into_inner)
        .map_err(|p| errors.add(field, p))
        .ok()
}

/// A reason or note that may be left out.
fn optional(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> Option<String> {
    FreeText::optional(value.as_deref(), Shape::Paragraph, REASON_MAX)
        .map_err(|p| errors.add(field, p))
        .ok()
        .flatten()
        .map(FreeText::into_inner)
}

/// A unit's code or a tracking code, as a term of the text rule (forbidden characters removed);
/// whether it names something is checked against the directory or the database.
fn code(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> Option<String> {
    let code = normalize_optional(value.as_deref());
    if code.is_none() {
        errors.add(field, Problem::Required);
    }
    code
}

/// What an action needs, checked before the database is touched.
#[derive(Debug, Clone)]
pub(super) enum Input {
    None,
    Reason(String),
    UnitReason(String, Option<String>),
    Extension(u32, String),
    Resolve(Outcome, String),
    /// The case whose matter to join, and why.
    Into(String, String),
    Supervise(NaiveDateTime, Option<String>),
}

fn validate(action: Action, req: &ActionRequest, max_extension_days: u32) -> Result<Input, AppError> {
    let mut e = FieldErrors::default();
    let input = match action {
        Action::Accept | Action::ApproveExtension => Input::None,
        Action::Reject
        | Action::Decline
        | Action::Escalate
        | Action::RefuseExtension
        | Action::Unlink
        | Action::RevealIdentity => required(&mut e, "reason", &req.reason)
            .map(Input::Reason)
            .unwrap_or(Input::None),
        Action::Transfer => {
            let unit = code(&mut e, "unit", &req.unit);
            let reason = required(&mut e, "reason", &req.reason);
            unit.map(|u| Input::UnitReason(u, reason)).unwrap_or(Input::None)
        }
        Action::Dispatch => {
            let unit = code(&mut e, "unit", &req.unit);
            let reason = optional(&mut e, "reason", &req.reason);
            unit.map(|u| Input::UnitReason(u, reason)).unwrap_or(Input::None)
        }
        Action::RequestExtension => {
            let reason = required(&mut e, "reason", &req.reason);
            match req.days {
                None => e.add("days", Problem::Required),
                Some(0) => e.add("days", Problem::TooShort { min: 1 }),
                Some(d) if d > max_extension_days => e.add(
                    "days",
                    Problem::TooLong {
                        max: max_extension_days as usize,
                    },
                ),
                Some(_) => {}
            }
            match (req.days, reason) {
                (Some(d), Some(r)) => Input::Extension(d, r),
                _ => Input::None,
            }
        }
        Action::Resolve => {
            let outcome = match req.outcome.as_deref().map(Outcome::from_code) {
                Some(Some(o)) => Some(o),
                Some(None) => {
                    e.add("outcome", Problem::UnknownOutcome);
                    None
                }
                None => {
                    e.add("outcome", Problem::Required);
                    None
                }
            };
            let result = match Body::parse(req.result.as_deref().unwrap_or_default()) {
                Ok(b) => Some(b.into_inner()),
                Err(p) => {
                    e.add("result", p);
                    None
                }
            };
            match (outcome, result) {
                (Some(o), Some(r)) => Input::Resolve(o, r),
                _ => Input::None,
            }
        }
        Action::Merge => {
            let into = code(&mut e, "into", &req.into);
            let reason = required(&mut e, "reason", &req.reason);
            match (into, reason) {
                (Some(i), Some(r)) => Input::Into(i, r),
                _ => Input::None,
            }
        }
        Action::Supervise => match req.deadline.as_deref().map(parse_deadline) {
            Some(Some(at)) => optional(&mut e, "note", &req.note)
                .map(|note| Input::Supervise(at, Some(note)))
                .unwrap_or(Input::Supervise(at, None)),
            Some(None) => {
                e.add("deadline", Problem::InvalidDeadline);
                Input::None
            }
            None => {
                e.add("deadline", Problem::Required);
                Input::None
            }
        },
    };
    e.into_result().map_err(AppError::Invalid)?;
    Ok(input)
}

/// Performs an action on a case and returns the case as it is afterwards.
#[tracing::instrument(skip_all, fields(case = %state.vault.case_tag(&code), action = tracing::field::Empty))]
pub async fn act(
    state: &Context,
    staff: Staff,
    code: String,
    req: ActionRequest,
) -> Result<CaseView, AppError> {
    let action = Action::from_code(&req.action).ok_or_else(|| {
        let mut e = FieldErrors::default();
        e.add("action", Problem::UnknownAction);
        AppError::Invalid(e)
    })?;
    // Only a known action's code is logged, never the text asked for.
    tracing::Span::current().record("action", action.code());
    let ctx = Ctx {
        state: state.clone(),
        staff: Arc::new(staff),
    };
    let view = state
        .db
        .write(move |conn| perform(&ctx, conn, &code, action, &req))
        .await?;
    state.queue_counts.clear();
    Ok(view)
}

fn perform(
    ctx: &Ctx,
    conn: &mut DbConn,
    code: &str,
    action: Action,
    req: &ActionRequest,
) -> Result<CaseView, AppError> {
    let dir = &ctx.state.router.directory;
    let row = load(conn, code)?;
    let f = facts(&row)?;
    let r = reach(dir, &ctx.staff, &row);
    let next = check(action, ctx.staff.role, r, f).map_err(refusal)?;
    let deadlines = ctx.state.sla.deadlines(f.kind);
    let input = validate(action, req, deadlines.limits.max_extension_days)?;
    let updated = match (action, &input) {
        (Action::Merge, Input::Into(into, why)) => matter::link(ctx, conn, &row, into, why)?,
        (Action::Unlink, Input::Reason(why)) => matter::unlink(ctx, conn, &row, why)?,
        _ => {
            let updated = apply(ctx, conn, &row, action, &input, next, false)?;
            // The matter is handled once: its linked cases take the same step.
            matter::follow(ctx, conn, &row, action, &input)?;
            updated
        }
    };
    build_view(ctx, conn, updated, action == Action::RevealIdentity)
}
