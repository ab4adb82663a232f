//! A new case's first two timeline events and their audit entries, made before the write (see
//! [`crate::storage::new_case`]): received, then routed or awaiting dispatch.

use chrono::NaiveDateTime;

use crate::domain::State;
use crate::routing::{Decision, Outcome};
use crate::storage::audit::{self, AuditEntry};
use crate::storage::submissions::NewEventRow;

/// A new case's first two timeline events: received, then routed (or awaiting dispatch).
pub(super) fn first_events(
    decision: &Decision,
    holder: Option<&str>,
    new_state: State,
    deadline: NaiveDateTime,
) -> (FirstEvent, FirstEvent) {
    (
        FirstEvent {
            action: "submitted",
            state: State::Submitted,
            note: "已收到您的来件。".to_owned(),
            note_en: "Your message was received.".to_owned(),
            unit: None,
            deadline: None,
        },
        FirstEvent {
            action: if matches!(decision.outcome, Outcome::Assigned(_)) {
                "routed"
            } else {
                "awaiting_dispatch"
            },
            state: new_state,
            note: decision.explanation.clone(),
            note_en: decision.explanation_en.clone(),
            unit: holder.map(str::to_owned),
            deadline: Some(deadline),
        },
    )
}

/// One of a new case's first events, owned so it can be made before the write.
pub(super) struct FirstEvent {
    action: &'static str,
    state: State,
    note: String,
    note_en: String,
    unit: Option<String>,
    deadline: Option<NaiveDateTime>,
}

impl FirstEvent {
    pub(super) fn row(&self, at: NaiveDateTime) -> NewEventRow<'_> {
        NewEventRow {
            at,
            action: self.action,
            state: self.state.code(),
            note: Some(&self.note),
            note_en: Some(&self.note_en),
            public: true,
            unit: self.unit.as_deref(),
            deadline: self.deadline,
            ..Default::default()
        }
    }

    /// The audit entry recording it (as `record_event` writes for every later event).
    pub(super) fn audit<'a>(&'a self, code: &'a str, at: NaiveDateTime) -> AuditEntry<'a> {
        AuditEntry {
            at,
            actor: audit::SYSTEM,
            action: self.action,
            case_code: Some(code),
            detail: Some(self.state.code()),
        }
    }
}
