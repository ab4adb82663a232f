//! One voice not satisfied reopens the whole matter (一件多诉, issue #16): when a citizen rates
//! the answer of a case that is one of a matter's voices as not satisfied, every other case of
//! the matter still awaiting its rating is reviewed one level up with it, and each citizen is
//! told. A case already closed (its citizen was satisfied) keeps its answer.

use chrono::{DateTime, Utc};

use super::{reopen, verdict};
use crate::domain::case::{Actor, Step};
use crate::error::AppError;
use crate::services::context::Context;
use crate::storage::matters;
use crate::storage::submissions::{record_event, update_case, CaseChanges, NewEventRow, SubmissionRow};
use crate::storage::DbConn;

/// Reopens the rest of the matter of `rated`, which its citizen just rated not satisfied (and
/// which is reopened already). If the matter's lead cannot be reopened (it is closed), the case
/// rated leads the review and the reopened cases follow it.
pub(super) fn reopen_all(
    state: &Context,
    conn: &mut DbConn,
    rated: &SubmissionRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let lead_id = rated.lead_id.unwrap_or(rated.id);
    let mut members = matters::followers(conn, lead_id)?;
    if rated.lead_id.is_some() {
        members.extend(matters::find_by_id(conn, lead_id)?);
    }
    members.retain(|m| m.id != rated.id);
    if members.is_empty() {
        return Ok(());
    }
    let mut lead_reopened = rated.lead_id.is_none();
    let mut reopened = Vec::new();
    for m in &members {
        if verdict(m, Step::ReopenMatter, Actor::System).is_ok() {
            reopen(state, conn, m, None, now, true)?;
            lead_reopened |= m.id == lead_id;
            reopened.push(m.id);
        }
    }
    if lead_reopened {
        return Ok(());
    }
    let at = now.naive_utc();
    let changes = |id: Option<i64>, code: Option<&'static str>| CaseChanges {
        lead_id: Some(id),
        merged_into: Some(code),
        updated_at: Some(at),
        ..Default::default()
    };
    update_case(conn, rated.id, &changes(None, None))?;
    // As it stands now, reopened: the event names its state and unit after the review began.
    let rated = matters::find_by_id(conn, rated.id)?.ok_or(AppError::NotFound)?;
    event(
        conn,
        &rated,
        "unlinked",
        "复查时本件作为主办件办理。",
        "Handled as the lead case of the review.",
        None,
        at,
    )?;
    for id in reopened {
        update_case(
            conn,
            id,
            &CaseChanges {
                merged_into: Some(Some(&rated.tracking_code)),
                ..changes(Some(rated.id), None)
            },
        )?;
        if let Some(row) = matters::find_by_id(conn, id)? {
            event(
                conn,
                &row,
                "merged",
                "复查随同一事项的其他来件一并办理。",
                "The review is handled with another case of the same matter.",
                Some(&rated.tracking_code),
                at,
            )?;
        }
    }
    Ok(())
}

/// A system event on `row`'s timeline for a change of its matter during a review; the deadline
/// in force stays.
fn event(
    conn: &mut DbConn,
    row: &SubmissionRow,
    action: &str,
    note: &str,
    note_en: &str,
    lead: Option<&str>,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action,
            state: row.state.code(),
            note: Some(note),
            note_en: Some(note_en),
            public: false,
            unit: row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref()),
            deadline: row.due_at,
            detail: lead,
            ..Default::default()
        },
    )?;
    Ok(())
}
