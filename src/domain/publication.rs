//! Published answers (公开答复): which cases may be shown on the public board, FixMyStreet-style.
//! The citizen decides (consent is asked on every form, default no); staff write what is shown
//! (a retold question and the answer, without personal data); reports of misconduct are never
//! published, whatever was ticked, and only a concluded case has an answer to show.

use super::case::Reach;
use super::kind::{Kind, Role, State};

/// Why a case may not be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpublishable {
    /// The citizen did not agree.
    NoConsent,
    /// A report of misconduct: never public.
    Report,
    /// No answer in force yet (or none any more).
    NotConcluded,
}

impl Unpublishable {
    pub fn code(self) -> &'static str {
        match self {
            Unpublishable::NoConsent => "the citizen did not agree to publication",
            Unpublishable::Report => "a report is never published",
            Unpublishable::NotConcluded => "the case has no answer in force",
        }
    }
}

/// Whether `role` at `reach` may publish a case's answer: those who work it — a handler of its
/// unit, a supervisor of it or of a unit above it.
pub fn may_publish_as(role: Role, reach: Reach) -> bool {
    match role {
        Role::Handler => reach == Reach::OwnUnit,
        Role::Supervisor => matches!(reach, Reach::OwnUnit | Reach::Subordinate),
        Role::Dispatcher | Role::Admin => false,
    }
}

/// Whether a case of `kind` in `state`, whose citizen `consented` or not, may be published.
pub fn may_publish(kind: Kind, state: State, consented: bool) -> Result<(), Unpublishable> {
    if kind == Kind::Report {
        return Err(Unpublishable::Report);
    }
    if !consented {
        return Err(Unpublishable::NoConsent);
    }
    if !matches!(state, State::Resolved | State::Closed) {
        return Err(Unpublishable::NotConcluded);
    }
    Ok(())
}

/// Whether consent may be stored for a submission of `kind`: a report's is never kept.
pub fn consent_for(kind: Kind, asked: bool) -> bool {
    asked && kind != Kind::Report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_concluded_consented_non_reports() {
        for kind in [Kind::Opinion, Kind::Complaint, Kind::Help] {
            assert_eq!(may_publish(kind, State::Resolved, true), Ok(()));
            assert_eq!(may_publish(kind, State::Closed, true), Ok(()));
            assert_eq!(
                may_publish(kind, State::Resolved, false),
                Err(Unpublishable::NoConsent)
            );
            for s in [
                State::Submitted,
                State::PendingDispatch,
                State::Assigned,
                State::Accepted,
                State::Rejected,
                State::Reopened,
                State::Merged,
            ] {
                assert_eq!(may_publish(kind, s, true), Err(Unpublishable::NotConcluded));
            }
        }
        assert_eq!(
            may_publish(Kind::Report, State::Closed, true),
            Err(Unpublishable::Report)
        );
        assert!(!consent_for(Kind::Report, true));
        assert!(consent_for(Kind::Help, true));
        assert!(!consent_for(Kind::Help, false));
    }
}
