//! The mail an action causes, queued in the action's transaction, and the event name it leaves.

use chrono::NaiveDateTime;

use super::Ctx;
use crate::domain::case::Action;
use crate::error::AppError;
use crate::mail::{notify, MailData, MailKind};
use crate::storage::submissions::SubmissionRow;
use crate::storage::DbConn;

/// Queues the mail an action causes, in the action's transaction: the citizen hears of
/// acceptance, rejection, an extension and the answer; a unit hears of a case that is now
/// theirs and of supervision — once per matter: not for a `follower`, a case repeating its lead's
/// step (its citizen still hears, with their own tracking code and rating link).
pub(super) fn queue_mail(
    ctx: &Ctx,
    conn: &mut DbConn,
    action: Action,
    row: &SubmissionRow,
    reason: Option<&str>,
    at: NaiveDateTime,
    follower: bool,
) -> Result<(), AppError> {
    let catalog = &ctx.state.catalog;
    let holder = row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref());
    let base = notify::case_data(catalog, row, holder);
    let day = |t: Option<NaiveDateTime>| t.map(notify::day).unwrap_or_default();
    let to_citizen = |conn: &mut DbConn, kind: MailKind, data: MailData| {
        let email = notify::citizen_email(&ctx.state.vault, row);
        notify::citizen(
            conn,
            &ctx.state.vault,
            &row.tracking_code,
            email.as_deref(),
            &row.lang,
            kind,
            &data,
            at,
        )
    };
    match action {
        Action::Accept => to_citizen(
            conn,
            MailKind::Accepted,
            MailData {
                deadline: day(row.handle_deadline),
                ..base
            },
        )?,
        Action::Reject => to_citizen(
            conn,
            MailKind::Rejected,
            MailData {
                reason: reason.unwrap_or_default().to_owned(),
                ..base
            },
        )?,
        Action::ApproveExtension => to_citizen(
            conn,
            MailKind::Extended,
            MailData {
                days: row.extension_days.unwrap_or(0).max(0).unsigned_abs(),
                deadline: day(row.handle_deadline),
                ..base
            },
        )?,
        Action::Resolve => to_citizen(
            conn,
            MailKind::Result,
            MailData {
                outcome: row.outcome.clone().unwrap_or_default(),
                result: row.result.clone().unwrap_or_default(),
                deadline: day(row.rating_until),
                round: row.review_round,
                rating_until: row.rating_until.map_or(0, |t| t.and_utc().timestamp()),
                ..base
            },
        )?,
        _ if follower => {}
        Action::Transfer | Action::Escalate | Action::Dispatch | Action::Decline => {
            if let Some(unit) = holder {
                let data = MailData {
                    deadline: day(row.due_at),
                    ..base
                };
                notify::unit(conn, catalog, unit, MailKind::NewCase, &data, at)?;
            }
        }
        Action::Supervise => {
            if let Some(unit) = holder {
                let data = MailData {
                    deadline: day(row.due_at),
                    note: reason.unwrap_or_default().to_owned(),
                    ..base
                };
                notify::unit(conn, catalog, unit, MailKind::SupervisionNotice, &data, at)?;
            }
        }
        Action::RequestExtension
        | Action::RefuseExtension
        | Action::Merge
        | Action::Unlink
        | Action::RevealIdentity => {}
    }
    Ok(())
}

/// The event name recorded for an action.
pub(super) fn action_event(action: Action) -> &'static str {
    match action {
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::Transfer => "transferred",
        Action::Decline => "declined",
        Action::Escalate => "escalated",
        Action::RequestExtension => "extension_requested",
        Action::ApproveExtension => "extension_approved",
        Action::RefuseExtension => "extension_refused",
        Action::Resolve => "resolved",
        Action::Merge => "merged",
        Action::Unlink => "unlinked",
        Action::Dispatch => "dispatched",
        Action::Supervise => "supervised",
        Action::RevealIdentity => "identity_revealed",
    }
}
