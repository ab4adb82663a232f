//! Applying one staff action to one case: the change, the timeline event (and so the audit
//! entry) and the mail it causes. The action was checked before: by the state machine against
//! the actor ([`super::actions`]), or, for a case linked to a matter, as the lead's step it
//! follows ([`super::matter`]). Every change of hands passes the conflict-of-interest guard.

use chrono::NaiveDateTime;

use super::actions::Input;
use super::notices::{action_event, queue_mail};
use super::{extension_code, facts, load, Ctx};
use crate::domain::case::{Action, Extension};
use crate::domain::deadlines::day_label;
use crate::domain::kind::State;
use crate::domain::stats;
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::routing::{guard, Holder, Subject};
use crate::storage::submissions::{self, CaseChanges, NewEventRow, SubmissionRow};
use crate::storage::DbConn;

/// Applies `action` with its checked `input` to `row`, moving it to `next`; the case as it is
/// afterwards. For a `follower` (a case repeating its lead's step) the units are not told again:
/// they heard of the lead.
pub(super) fn apply(
    ctx: &Ctx,
    conn: &mut DbConn,
    row: &SubmissionRow,
    action: Action,
    input: &Input,
    next: State,
    follower: bool,
) -> Result<SubmissionRow, AppError> {
    let dir = &ctx.state.router.directory;
    let f = facts(row)?;
    let deadlines = ctx.state.sla.deadlines(f.kind);
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
            reason = Some(why.clone());
        }
        (Action::Transfer, Input::UnitReason(unit, why))
        | (Action::Dispatch, Input::UnitReason(unit, why)) => {
            let u = known_unit(unit)?;
            // A linked case goes where its lead went, wherever it stood.
            if !follower && Some(unit.as_str()) == row.assigned_unit.as_deref() {
                return Err(AppError::Conflict("the case is with this unit already"));
            }
            holder = Some(guard::chosen(dir, &subject, u).map_err(|_| {
                AppError::Conflict("a report may not go to the unit it is about, or one below it")
            })?);
            note = format!("交{}办理。", dir.units[u].name);
            note_en = format!("Sent to {}.", dir.units[u].name_en);
            reason = why.clone();
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
            reason = Some(why.clone());
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
            reason = Some(why.clone());
        }
        (Action::RequestExtension, Input::Extension(days, why)) => {
            changes.extension = Some(extension_code(Extension::Requested));
            changes.extension_days = Some(Some(*days as i32));
            public = false;
            note = format!("申请延期 {days} 日。");
            note_en = format!("Asked for an extension of {days} days.");
            reason = Some(why.clone());
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
            reason = Some(why.clone());
        }
        (Action::Resolve, Input::Resolve(outcome, result)) => {
            new_unit = result.clone();
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
        (Action::Supervise, Input::Supervise(deadline, remark)) => {
            changes.supervised = Some(true);
            changes.due_at = Some(Some(*deadline));
            public = false;
            let day = day_label(*deadline);
            note = format!("督办：限 {day} 前办理。");
            note_en = format!("Supervision: to be done by {day}.");
            reason = remark.clone();
        }
        (Action::RevealIdentity, Input::Reason(why)) => {
            public = false;
            note = "查看举报人身份。".into();
            note_en = "The reporter's identity was revealed.".into();
            reason = Some(why.clone());
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
    let updated = load(conn, &row.tracking_code)?;
    queue_mail(ctx, conn, action, &updated, reason.as_deref(), at, follower)?;
    Ok(updated)
}
