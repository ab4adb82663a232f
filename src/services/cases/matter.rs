//! One matter, many voices (一件多诉, issue #16): linking a case to a matter, unlinking it, and
//! the lead's steps reaching the cases linked to it. A matter is a lead case and the cases that
//! follow it ([`crate::domain::matter`]); staff handle the lead, and every follower takes the
//! same step in the same transaction, keeping its own tracking code, timeline, deadlines and
//! mail to its own citizen.
//!
//! Linking moves the case to the lead's unit past the conflict-of-interest guard (a report
//! never reaches the unit it is about), and brings it level with the lead: accepted if the lead
//! was, answered with the lead's answer if the lead was answered.

use super::actions::Input;
use super::apply::apply;
use super::{facts, load, reach, Ctx};
use crate::domain::case::{decide, Action, Actor, Reach, Step};
use crate::domain::kind::State;
use crate::domain::matter::{follows, may_link};
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::routing::{guard, Subject};
use crate::storage::matters;
use crate::storage::submissions::{self, CaseChanges, NewEventRow, SubmissionRow};
use crate::storage::DbConn;

/// The steps of `action` on `lead` repeated on every case linked to it, where the case's own
/// state has that step (a follower already accepted skips an acceptance).
pub(super) fn follow(
    ctx: &Ctx,
    conn: &mut DbConn,
    lead: &SubmissionRow,
    action: Action,
    input: &Input,
) -> Result<(), AppError> {
    if !follows(action) || lead.lead_id.is_some() {
        return Ok(());
    }
    for follower in matters::followers(conn, lead.id)? {
        let f = facts(&follower)?;
        if let Ok(next) = decide(Step::Follow(action), Actor::System, f) {
            apply(ctx, conn, &follower, action, input, next, true)?;
        }
    }
    Ok(())
}

fn conflict(why: &'static str) -> AppError {
    AppError::Conflict(why)
}

/// Links `row` to the matter of the case `into` (its lead, when `into` follows one).
pub(super) fn link(
    ctx: &Ctx,
    conn: &mut DbConn,
    row: &SubmissionRow,
    into: &str,
    why: &str,
) -> Result<SubmissionRow, AppError> {
    let dir = &ctx.state.router.directory;
    // A code that does not exist and a case out of the actor's reach get the same answer,
    // decided after the same single look-up: no oracle for which codes exist.
    let unknown = || {
        let mut e = FieldErrors::default();
        e.add("into", Problem::UnknownCase);
        AppError::Invalid(e)
    };
    let named = match load(conn, into) {
        Ok(other) if reach(dir, &ctx.staff, &other) != Reach::Outside => other,
        Ok(_) | Err(AppError::NotFound) => return Err(unknown()),
        Err(other) => return Err(other),
    };
    let lead = match named.lead_id {
        Some(id) => matters::find_by_id(conn, id)?.ok_or(AppError::NotFound)?,
        None => named,
    };
    if lead.id == row.id || matches!(lead.state, State::Merged | State::Rejected | State::Submitted) {
        return Err(conflict("cannot link to this case"));
    }
    let kind = facts(row)?.kind;
    if !may_link(kind, facts(&lead)?.kind) {
        return Err(conflict(
            "a report is linked only with reports, and only reports with them",
        ));
    }
    let at = ctx.state.clock.now().naive_utc();
    // Handled where the lead is: the case moves there past the guard.
    let subject = Subject::of(dir, kind, &row.region, row.target_unit.as_deref());
    let mut changes = CaseChanges {
        lead_id: Some(Some(lead.id)),
        merged_into: Some(Some(&lead.tracking_code)),
        updated_at: Some(at),
        ..Default::default()
    };
    let holder;
    let mut due = row.due_at;
    let moved = match (lead.assigned_unit.as_deref(), lead.state) {
        (_, State::PendingDispatch) => {
            if row.state != State::PendingDispatch || row.dispatch_unit != lead.dispatch_unit {
                return Err(conflict("the lead case waits for dispatch: dispatch it first"));
            }
            false
        }
        (Some(unit), _) if row.assigned_unit.as_deref() != Some(unit) => {
            let u = dir
                .unit(unit)
                .ok_or(conflict("the lead case's unit is unknown"))?;
            holder = guard::chosen(dir, &subject, u).map_err(|_| {
                conflict("a report may not be handled by the unit it is about, or one below it")
            })?;
            changes.holder = Some(&holder);
            // It arrives at the unit as a new case would; the catch-up below accepts it when
            // the lead was accepted.
            let accept_by = ctx.state.sla.deadlines(kind).accept_by(ctx.state.clock.now());
            changes.state = Some(State::Assigned.code());
            changes.accept_deadline = Some(Some(accept_by));
            changes.due_at = Some(Some(accept_by));
            due = Some(accept_by);
            changes.handle_deadline = Some(None);
            changes.extension = Some("none");
            changes.extension_days = Some(None);
            true
        }
        (Some(_), _) => false,
        (None, _) => return Err(conflict("cannot link to this case")),
    };
    submissions::update_case(conn, row.id, &changes)?;
    let unit = if moved {
        lead.assigned_unit.as_deref()
    } else {
        row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref())
    };
    let state = if moved { State::Assigned } else { row.state };
    // The citizen's timeline never names the other case: it is someone else's.
    submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: "merged",
            state: state.code(),
            note: Some("与其他群众反映的同一事项合并办理，办理结果将同样答复您。"),
            note_en: Some(
                "Handled together with the same matter raised by others; you will get the answer too.",
            ),
            public: true,
            actor: Some(&ctx.staff.username),
            reason: Some(why),
            unit,
            from_unit: if moved {
                row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref())
            } else {
                None
            },
            // The deadline in force after linking: a fresh one where it moved.
            deadline: due,
            detail: Some(&lead.tracking_code),
            ..Default::default()
        },
    )?;
    lead_event(ctx, conn, &lead, "voice_linked", &row.tracking_code, why, at)?;
    catch_up(ctx, conn, &row.tracking_code, &lead)?;
    // Cases that followed this one join the matter's lead with it. Those still open move there
    // past the guard (a report that may not go there stops the whole link) and are brought
    // level; those answered or closed keep their answer and only follow the new lead from now.
    for f in matters::followers(conn, row.id)? {
        let open = matches!(
            f.state,
            State::PendingDispatch | State::Assigned | State::Accepted | State::Reopened
        );
        if open {
            link(ctx, conn, &f, &lead.tracking_code, why)?;
        } else {
            submissions::update_case(
                conn,
                f.id,
                &CaseChanges {
                    lead_id: Some(Some(lead.id)),
                    merged_into: Some(Some(&lead.tracking_code)),
                    updated_at: Some(at),
                    ..Default::default()
                },
            )?;
        }
    }
    load(conn, &row.tracking_code)
}

/// Brings a newly linked case level with its lead: accepted if the lead was, and answered with
/// the lead's answer if the lead was answered (its citizen gets the answer and a rating link).
fn catch_up(ctx: &Ctx, conn: &mut DbConn, code: &str, lead: &SubmissionRow) -> Result<(), AppError> {
    let answered = matches!(lead.state, State::Resolved | State::Closed);
    if matches!(lead.state, State::Accepted) || answered {
        step(ctx, conn, code, Action::Accept, &Input::None)?;
    }
    if let (true, Some(outcome), Some(result)) = (
        answered,
        lead.outcome
            .as_deref()
            .and_then(crate::domain::case::Outcome::from_code),
        lead.result.as_ref(),
    ) {
        step(
            ctx,
            conn,
            code,
            Action::Resolve,
            &Input::Resolve(outcome, result.clone()),
        )?;
    }
    Ok(())
}

/// One step a linked case takes after its lead, where its state has it.
fn step(ctx: &Ctx, conn: &mut DbConn, code: &str, action: Action, input: &Input) -> Result<(), AppError> {
    let row = load(conn, code)?;
    if let Ok(next) = decide(Step::Follow(action), Actor::System, facts(&row)?) {
        apply(ctx, conn, &row, action, input, next, true)?;
    }
    Ok(())
}

/// Takes `row` out of its matter: it is handled on its own again, where it stands.
pub(super) fn unlink(
    ctx: &Ctx,
    conn: &mut DbConn,
    row: &SubmissionRow,
    why: &str,
) -> Result<SubmissionRow, AppError> {
    let lead_id = row.lead_id.ok_or(conflict("the case is not linked"))?;
    let lead = matters::find_by_id(conn, lead_id)?.ok_or(AppError::NotFound)?;
    let at = ctx.state.clock.now().naive_utc();
    submissions::update_case(
        conn,
        row.id,
        &CaseChanges {
            lead_id: Some(None),
            merged_into: Some(None),
            updated_at: Some(at),
            ..Default::default()
        },
    )?;
    submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: "unlinked",
            state: row.state.code(),
            note: Some("改为单独办理。"),
            note_en: Some("Now handled on its own."),
            public: true,
            actor: Some(&ctx.staff.username),
            reason: Some(why),
            unit: row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref()),
            detail: Some(&lead.tracking_code),
            ..Default::default()
        },
    )?;
    lead_event(ctx, conn, &lead, "voice_unlinked", &row.tracking_code, why, at)?;
    load(conn, &row.tracking_code)
}

/// The staff-only event on the lead's timeline naming the case that joined or left its matter.
fn lead_event(
    ctx: &Ctx,
    conn: &mut DbConn,
    lead: &SubmissionRow,
    action: &str,
    other: &str,
    why: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let (note, note_en) = if action == "voice_linked" {
        (
            format!("{other} 并入本事项办理。"),
            format!("{other} joined this matter."),
        )
    } else {
        (
            format!("{other} 移出本事项，单独办理。"),
            format!("{other} left this matter; handled on its own."),
        )
    };
    submissions::record_event(
        conn,
        &lead.tracking_code,
        &NewEventRow {
            submission_id: lead.id,
            at,
            action,
            state: lead.state.code(),
            note: Some(&note),
            note_en: Some(&note_en),
            public: false,
            actor: Some(&ctx.staff.username),
            reason: Some(why),
            unit: lead.assigned_unit.as_deref().or(lead.dispatch_unit.as_deref()),
            detail: Some(other),
            ..Default::default()
        },
    )?;
    Ok(())
}
