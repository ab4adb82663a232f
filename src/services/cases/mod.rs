//! Working a case: what a member of staff sees of it ([`view`]), the actions they take on it
//! ([`act`]), their queue ([`queue`]), and the mail an action causes. Each action is checked by
//! the state machine ([`crate::domain::case::check`]) against the actor's role and reach, changes
//! the case, and leaves an event on its timeline (and so in the audit log), all in one
//! transaction. The staff API and the staff pages call these same functions. Here: who the actor
//! is to a case ([`reach`]), and the helpers the parts share.

mod actions;
mod apply;
mod matter;
mod notices;
mod publish;
mod queue;
mod view;

pub use actions::{act, ActionRequest};
pub use publish::{publish, PublishRequest};
pub use queue::{queue, QueueItem, QueuePage, QueueParams, CURSOR_PATTERN, QUEUE_PAGE};
pub use view::{view, CaseRef, CaseView, EventView, MatterView, SameReporter};

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::accounts::Staff;
use super::context::Context;
use crate::domain::case::{CaseFacts, Extension, Reach, Refusal};
use crate::domain::kind::{Kind, Role, State};
use crate::domain::TrackingCode;
use crate::error::AppError;
use crate::routing::Directory;
use crate::storage::submissions::{self, SubmissionRow};
use crate::storage::DbConn;

pub(super) fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

pub(super) fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::NotFound => AppError::NotFound,
        Refusal::Forbidden => AppError::Forbidden,
        Refusal::Conflict => AppError::Conflict("state"),
    }
}

fn extension_of(code: &str) -> Extension {
    match code {
        "requested" => Extension::Requested,
        "granted" => Extension::Granted,
        "refused" => Extension::Refused,
        _ => Extension::None,
    }
}

pub(super) fn extension_code(e: Extension) -> &'static str {
    match e {
        Extension::None => "none",
        Extension::Requested => "requested",
        Extension::Granted => "granted",
        Extension::Refused => "refused",
    }
}

/// Who `staff` is relative to the case.
pub fn reach(dir: &Directory, staff: &Staff, row: &SubmissionRow) -> Reach {
    let Some(me) = dir.unit(&staff.unit) else {
        return Reach::Outside;
    };
    match staff.role {
        Role::Handler | Role::Supervisor => match row.assigned_unit.as_deref().and_then(|u| dir.unit(u)) {
            Some(u) if u == me => Reach::OwnUnit,
            Some(u) if staff.role == Role::Supervisor && dir.is_subordinate(u, me) => Reach::Subordinate,
            _ => Reach::Outside,
        },
        // A dispatcher reaches what waits at their office and at the offices below it — the
        // same office the case's notices go to, so whoever is told can act.
        Role::Dispatcher => {
            let pending = row.state == State::PendingDispatch;
            let mine = row
                .dispatch_unit
                .as_deref()
                .and_then(|o| dir.unit(o))
                .is_some_and(|o| o == me || dir.is_subordinate(o, me));
            if pending && mine {
                Reach::DispatchArea
            } else {
                Reach::Outside
            }
        }
        Role::Admin => Reach::Outside,
    }
}

pub(super) fn facts(row: &SubmissionRow) -> Result<CaseFacts, AppError> {
    let state = row.state;
    let kind = Kind::from_code(&row.kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad kind")))?;
    Ok(CaseFacts {
        state,
        kind,
        extension: extension_of(&row.extension),
        linked: row.lead_id.is_some(),
    })
}

/// The shared pieces the functions below need inside a blocking database closure.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) state: Context,
    pub(super) staff: Arc<Staff>,
}

pub(super) fn load(conn: &mut DbConn, code: &str) -> Result<SubmissionRow, AppError> {
    let code = TrackingCode::parse(code).ok_or(AppError::NotFound)?;
    submissions::find_by_code(conn, &code.display())?.ok_or(AppError::NotFound)
}
