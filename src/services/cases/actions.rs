//! The actions staff take on a case. Each is checked by the state machine
//! ([`crate::domain::case::check`]) against the actor's role and reach, validated, applied, and
//! left on the case's timeline (and so in the audit log), with the mail it causes, in one
//! transaction. Every change of hands passes the conflict-of-interest guard.

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::notices::{action_event, queue_mail};
use super::view::{build_view, CaseView};
use super::{extension_code, facts, load, reach, refusal, Ctx};
use crate::domain::case::{check, Action, Extension, Outcome, Reach};
use crate::domain::deadlines::{day_label, parse_deadline};
use crate::domain::kind::State;
use crate::domain::stats;
use crate::domain::text::{normalize_optional, Body, FreeText, Shape};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::routing::{guard, Holder, Subject};
use crate::services::accounts::Staff;
use crate::services::context::Context;
use crate::storage::submissions::{self, CaseChanges, NewEventRow};
use crate::storage::DbConn;

/// An action as asked for, before it is checked. Which fields matter depends on the action.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "accept"}))]
pub struct ActionRequest {
    /// `accept`, `reject`, `transfer`, `decline`, `escalate`, `request_extension`,
    /// `approve_extension`, `refuse_extension`, `resolve`, `merge`, `dispatch`, `supervise` or
    /// `reveal_identity`.
    #[schema(
        pattern = "^(accept|reject|transfer|decline|escalate|request_extension|approve_extension|refuse_extension|resolve|merge|dispatch|supervise|reveal_identity)$"
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
enum Input {
    None,
    Reason(String),
    UnitReason(String, Option<String>),
    Extension(u32, String),
    Resolve(Outcome, String),
    Into(String),
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
        Action::Merge => code(&mut e, "into", &req.into)
            .map(Input::Into)
            .unwrap_or(Input::None),
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
    let now = ctx.state.clock.now();
    let at = now.naive_utc();
    // Every change of hands passes the conflict-of-interest rule (routing::guard).
    let subject = Subject::of(dir, f.kind, &row.region, row.target_unit.as_deref());
    let known_unit = |code: &str| {
        dir.unit(code).ok_or_else(|| {
            let mut e = FieldErrors::default();
            e.add("unit", Problem::UnknownUnit);
            AppError::Invalid(e)
        })
    };

    let mut changes = CaseChanges {
        state: Some(next.code()),
        updated_at: Some(at),
        ..Default::default()
    };
    // What the timeline says (citizens read the public ones) and, for staff, why.
    let (mut note, mut note_en): (String, String);
    let mut public = true;
    let mut reason: Option<String> = None;
    let mut reveal = false;
    let mut detail: Option<&str> = None;
    let new_unit: String;
    let mut holder: Option<Holder> = None;
    let handle_deadline: NaiveDateTime;
    let rating_until: NaiveDateTime;
    match (action, input) {
        (Action::Accept, _) => {
            handle_deadline = deadlines.handle_by(now);
            if row.accepted_day.is_none() {
                changes.accepted_day = Some(Some(stats::period::day_of(at)));
            }
            changes.handle_deadline = Some(Some(handle_deadline));
            changes.due_at = Some(Some(handle_deadline));
            note = "已受理，正在办理。".into();
            note_en = "Accepted; being handled.".into();
        }
        (Action::Reject, Input::Reason(why)) => {
            changes.due_at = Some(None);
            note = format!("不予受理：{why}");
            note_en = format!("Not accepted: {why}");
            reason = Some(why);
        }
        (Action::Transfer, Input::UnitReason(unit, why))
        | (Action::Dispatch, Input::UnitReason(unit, why)) => {
            let u = known_unit(&unit)?;
            if Some(unit.as_str()) == row.assigned_unit.as_deref() {
                return Err(AppError::Conflict("the case is with this unit already"));
            }
            holder = Some(guard::chosen(dir, &subject, u).map_err(|_| {
                AppError::Conflict("a report may not go to the unit it is about, or one below it")
            })?);
            note = format!("交{}办理。", dir.units[u].name);
            note_en = format!("Sent to {}.", dir.units[u].name_en);
            reason = why;
        }
        (Action::Decline, Input::Reason(why)) => {
            let placed = guard::dispatch(dir, &subject);
            // Declining hands the case to a dispatcher. When no office may hold it (a report about
            // the top office), say so: the unit can escalate or transfer it instead.
            if placed.holder.dispatch_unit().is_none() {
                return Err(AppError::Conflict("no rectification office may take this case"));
            }
            holder = Some(placed.holder);
            (note, note_en) = placed.diverted.unwrap_or_else(|| {
                (
                    "退回分派，另行确定承办单位。".into(),
                    "Returned for dispatch to another unit.".into(),
                )
            });
            reason = Some(why);
        }
        (Action::Escalate, Input::Reason(why)) => {
            let current = row
                .assigned_unit
                .as_deref()
                .and_then(|u| dir.unit(u))
                .ok_or(AppError::Conflict("the case is not assigned"))?;
            let up = dir.units[current]
                .parent
                .ok_or(AppError::Conflict("there is no unit above this one"))?;
            let placed = guard::worked_out(dir, &subject, up);
            // Escalation assigns: a unit above that may hold the case, or nothing.
            if placed.holder.assigned_unit().is_none() {
                return Err(AppError::Conflict("no unit above may take this case"));
            }
            holder = Some(placed.holder);
            (note, note_en) = placed.diverted.unwrap_or_else(|| {
                (
                    format!("提级交{}办理。", dir.units[up].name),
                    format!("Escalated to {}.", dir.units[up].name_en),
                )
            });
            reason = Some(why);
        }
        (Action::RequestExtension, Input::Extension(days, why)) => {
            changes.extension = Some(extension_code(Extension::Requested));
            changes.extension_days = Some(Some(days as i32));
            public = false;
            note = format!("申请延期 {days} 日。");
            note_en = format!("Asked for an extension of {days} days.");
            reason = Some(why);
        }
        (Action::ApproveExtension, _) => {
            let days = row.extension_days.unwrap_or(0).max(0) as u32;
            handle_deadline = deadlines.extended(row.handle_deadline.unwrap_or(at), days);
            changes.extension = Some(extension_code(Extension::Granted));
            changes.handle_deadline = Some(Some(handle_deadline));
            changes.due_at = Some(Some(handle_deadline));
            note = format!("经批准延期 {days} 日办理。");
            note_en = format!("An extension of {days} days was approved.");
        }
        (Action::RefuseExtension, Input::Reason(why)) => {
            changes.extension = Some(extension_code(Extension::Refused));
            public = false;
            note = "延期申请未获批准。".into();
            note_en = "The extension was refused.".into();
            reason = Some(why);
        }
        (Action::Resolve, Input::Resolve(outcome, result)) => {
            new_unit = result;
            changes.outcome = Some(Some(outcome.code()));
            // The conclusion in force, and whether it met the handling deadline (with extension).
            changes.concluded_day = Some(Some(stats::period::day_of(at)));
            changes.on_time = Some(Some(row.handle_deadline.is_some_and(|d| at <= d)));
            detail = Some(outcome.code());
            changes.result = Some(Some(&new_unit));
            changes.due_at = Some(None);
            // The citizen's rating window opens with the answer.
            rating_until = deadlines.rating_until(now);
            changes.rating_until = Some(Some(rating_until));
            note = format!("已办结：{new_unit}");
            note_en = format!("Handled: {new_unit}");
        }
        (Action::Merge, Input::Into(into)) => {
            // A code that does not exist and a case out of the actor's reach get the same answer,
            // decided after the same single look-up: no oracle for which codes exist. Only then
            // may the other case's state or holder be spoken of.
            let unknown = || {
                let mut e = FieldErrors::default();
                e.add("into", Problem::UnknownCase);
                AppError::Invalid(e)
            };
            let other = match load(conn, &into) {
                Ok(other) if reach(dir, &ctx.staff, &other) != Reach::Outside => other,
                Ok(_) | Err(AppError::NotFound) => return Err(unknown()),
                Err(other) => return Err(other),
            };
            if other.id == row.id || other.state == State::Merged {
                return Err(AppError::Conflict("cannot merge into this case"));
            }
            // The case is handled where the other one is: that unit must be allowed to hold it.
            let lead = other.assigned_unit.as_deref().or(other.dispatch_unit.as_deref());
            if lead
                .and_then(|u| dir.unit(u))
                .is_some_and(|u| !subject.may_hold(dir, u))
            {
                return Err(AppError::Conflict(
                    "a report may not be handled by the unit it is about, or one below it",
                ));
            }
            new_unit = other.tracking_code;
            changes.merged_into = Some(Some(&new_unit));
            changes.due_at = Some(None);
            note = format!("与 {new_unit} 合并办理。");
            note_en = format!("Merged with {new_unit}; handled there.");
        }
        (Action::Supervise, Input::Supervise(deadline, remark)) => {
            changes.supervised = Some(true);
            changes.due_at = Some(Some(deadline));
            public = false;
            let day = day_label(deadline);
            note = format!("督办：限 {day} 前办理。");
            note_en = format!("Supervision: to be done by {day}.");
            reason = remark;
        }
        (Action::RevealIdentity, Input::Reason(why)) => {
            reveal = true;
            public = false;
            note = "查看举报人身份。".into();
            note_en = "The reporter's identity was revealed.".into();
            reason = Some(why);
        }
        _ => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "action and input do not match"
            )))
        }
    }
    if let Some(holder) = &holder {
        // A case that changes hands gets a fresh clock at the receiver: decide acceptance within
        // the kind's limit from now; the handling clock starts again on acceptance.
        let accept_by = deadlines.accept_by(now);
        changes.holder = Some(holder);
        changes.accept_deadline = Some(Some(accept_by));
        changes.due_at = Some(Some(accept_by));
        changes.handle_deadline = Some(None);
        changes.extension = Some(extension_code(Extension::None));
        changes.extension_days = Some(None);
        let day = day_label(accept_by);
        note = format!("{note}受理期限：{day}。");
        note_en = format!("{note_en} To be accepted or not by {day}.");
    }
    submissions::update_case(conn, row.id, &changes)?;
    let before = row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref());
    let after = holder.as_ref().map_or(before, |h| h.unit());
    submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            received_day: row.received_day,
            at,
            action: action_event(action),
            state: next.code(),
            note: Some(&note),
            note_en: Some(&note_en),
            public,
            actor: Some(&ctx.staff.username),
            reason: reason.as_deref(),
            unit: after,
            from_unit: holder.is_some().then_some(before).flatten(),
            deadline: changes.due_at.flatten(),
            detail,
        },
    )?;
    let updated = load(conn, code)?;
    queue_mail(ctx, conn, action, &updated, reason.as_deref(), at)?;
    build_view(ctx, conn, updated, reveal)
}
