//! THE case state machine: every change of a case's state — a staff action, the citizen's
//! rating, the sweeper closing an unrated answer or flagging a deadline — is decided here
//! ([`decide`]; staff actions also through [`check`]): whether this actor may take this step in
//! this state, and what state follows. Pure: the services supply who the actor is relative to
//! the case ([`Reach`]) and the case's facts, and get back the next state or why not.
//!
//! ```text
//! submitted → assigned(unit) → accepted → resolved(outcome) → closed
//!    │            │  ↑   │                   │
//!    │            │  └───┴── transfer / escalate (提级) / decline "not ours" → dispatch queue
//!    │            └── reject (不予受理, reason, citizen told) → rejected
//!    └── (before issue #16) merge → merged           resolved + "not satisfied" → reopened
//! ```
//!
//! One matter, many voices (issue #16): `merge` links a case to a matter's lead case and leaves
//! its state alone; from then on the case is *linked* and follows the lead
//! ([`Step::Follow`]): staff act on the lead, and only `unlink`, `supervise` and
//! `reveal_identity` are taken on the linked case itself. `merged` remains the state of the
//! cases merged before, with their history.

use super::kind::{Kind, Role, State};

/// Everything staff can do to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Reject,
    Transfer,
    Decline,
    Escalate,
    RequestExtension,
    ApproveExtension,
    RefuseExtension,
    Resolve,
    /// Link to a matter (一件多诉): the case follows the matter's lead case.
    Merge,
    /// Take a linked case out of its matter: it is handled on its own again.
    Unlink,
    Dispatch,
    Supervise,
    RevealIdentity,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Accept,
        Action::Reject,
        Action::Transfer,
        Action::Decline,
        Action::Escalate,
        Action::RequestExtension,
        Action::ApproveExtension,
        Action::RefuseExtension,
        Action::Resolve,
        Action::Merge,
        Action::Unlink,
        Action::Dispatch,
        Action::Supervise,
        Action::RevealIdentity,
    ];

    /// The code used in the staff API (`{"action": "accept", …}`).
    pub fn code(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Transfer => "transfer",
            Action::Decline => "decline",
            Action::Escalate => "escalate",
            Action::RequestExtension => "request_extension",
            Action::ApproveExtension => "approve_extension",
            Action::RefuseExtension => "refuse_extension",
            Action::Resolve => "resolve",
            Action::Merge => "merge",
            Action::Unlink => "unlink",
            Action::Dispatch => "dispatch",
            Action::Supervise => "supervise",
            Action::RevealIdentity => "reveal_identity",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.code() == code)
    }
}

/// How a handled case ended. Only the first two count towards the resolution rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 属实并已处理
    Substantiated,
    Partly,
    /// 不属实
    Unsubstantiated,
    /// Cannot be resolved; a reason is required.
    Unresolvable,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Substantiated => "substantiated",
            Outcome::Partly => "partly",
            Outcome::Unsubstantiated => "unsubstantiated",
            Outcome::Unresolvable => "unresolvable",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        [
            Outcome::Substantiated,
            Outcome::Partly,
            Outcome::Unsubstantiated,
            Outcome::Unresolvable,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    pub fn counts_as_resolved(self) -> bool {
        matches!(self, Outcome::Substantiated | Outcome::Partly)
    }
}

/// Where an extension request stands. A case gets at most one extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    None,
    Requested,
    Granted,
    Refused,
}

/// Who the actor is relative to the case; the service works it out from the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The case is assigned to the actor's own unit.
    OwnUnit,
    /// The case is assigned to a unit below the actor's unit.
    Subordinate,
    /// The case waits for dispatch in the actor's area.
    DispatchArea,
    /// None of these: the case is invisible to the actor (answered as 404, never 403).
    Outside,
}

/// What the state machine needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: State,
    pub kind: Kind,
    pub extension: Extension,
    /// Linked to a matter's lead case: handled through the lead.
    pub linked: bool,
}

/// Why an action is refused. Each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The case is outside the actor's reach: 404, so its existence does not leak.
    NotFound,
    /// The actor's role may not do this here: 403.
    Forbidden,
    /// Not in the case's current state: 409.
    Conflict,
}

/// Checks `action` by `role` at `reach` on a case; returns the state that follows.
pub fn check(action: Action, role: Role, reach: Reach, case: CaseFacts) -> Result<State, Refusal> {
    use Action::*;
    let in_reach = match role {
        Role::Handler => reach == Reach::OwnUnit,
        Role::Supervisor => matches!(reach, Reach::OwnUnit | Reach::Subordinate),
        Role::Dispatcher => matches!(reach, Reach::DispatchArea),
        Role::Admin => false,
    };
    if !in_reach {
        return Err(Refusal::NotFound);
    }
    let permitted = match action {
        Accept | Reject | Transfer | Decline | Escalate | RequestExtension | Resolve => {
            matches!(role, Role::Handler | Role::Supervisor)
        }
        // A handler links the cases of their unit, a dispatcher those waiting for dispatch.
        Merge | Unlink => matches!(role, Role::Handler | Role::Supervisor | Role::Dispatcher),
        ApproveExtension | RefuseExtension | Supervise | RevealIdentity => role == Role::Supervisor,
        Dispatch => role == Role::Dispatcher,
    };
    if !permitted {
        return Err(Refusal::Forbidden);
    }
    // A linked case is handled through its lead: on the case itself only what concerns it alone.
    if case.linked && !matches!(action, Unlink | Supervise | RevealIdentity) {
        return Err(Refusal::Conflict);
    }
    transition(action, case)
}

/// The state an action leads to from the case's state, whoever takes it: the staff member
/// [`check`] permitted, or the service repeating the lead's action on a linked case.
fn transition(action: Action, case: CaseFacts) -> Result<State, Refusal> {
    use Action::*;
    let s = case.state;
    let next = match action {
        Accept if matches!(s, State::Assigned | State::Reopened) => State::Accepted,
        Reject if matches!(s, State::Assigned | State::Reopened) => State::Rejected,
        Transfer | Escalate if matches!(s, State::Assigned | State::Accepted | State::Reopened) => {
            State::Assigned
        }
        Decline if s == State::Assigned => State::PendingDispatch,
        RequestExtension if s == State::Accepted && case.extension == Extension::None => State::Accepted,
        ApproveExtension | RefuseExtension
            if s == State::Accepted && case.extension == Extension::Requested =>
        {
            State::Accepted
        }
        Resolve if s == State::Accepted => State::Resolved,
        // Linking changes no state: the case follows its lead from here.
        Merge
            if !case.linked
                && matches!(
                    s,
                    State::PendingDispatch | State::Assigned | State::Accepted | State::Reopened
                ) =>
        {
            s
        }
        Unlink if case.linked && s.is_open() => s,
        Dispatch if s == State::PendingDispatch => State::Assigned,
        Supervise if s.is_open() => s,
        // Identity of other kinds is shown to the unit anyway; revealing is for reports.
        RevealIdentity if case.kind == Kind::Report => s,
        _ => return Err(Refusal::Conflict),
    };
    Ok(next)
}

/// Who moves a case: a member of staff (with their reach over it), the citizen who sent it, or
/// the service itself (the sweeper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff(Role, Reach),
    Citizen,
    System,
}

/// Every way a case changes: a staff [`Action`], the citizen's rating of an answer, and what
/// the sweeper does when a clock runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Staff(Action),
    /// 满意 or 基本满意: the answer stands and the case closes.
    RateSatisfied,
    /// 不满意: the case is reviewed one level up ("群众不满意不放过").
    RateNotSatisfied,
    /// The rating window closed without a rating: the case closes as not rated.
    CloseUnrated,
    /// A deadline passed: the case is flagged and supervised; its state stays.
    FlagOverdue,
    /// The lead of the case's matter took this action: the linked case takes it too, where its
    /// state allows (a case that has no such step skips it).
    Follow(Action),
    /// Another voice of the case's matter was not satisfied: the whole matter is reviewed.
    ReopenMatter,
}

impl Step {
    /// The steps that are not staff actions ([`Step::Follow`] aside: it repeats one).
    pub const OTHERS: [Step; 5] = [
        Step::RateSatisfied,
        Step::RateNotSatisfied,
        Step::CloseUnrated,
        Step::FlagOverdue,
        Step::ReopenMatter,
    ];
}

/// THE state machine: whether `actor` may take `step` on a case, and the state that follows.
/// Staff actions are checked by [`check`]; the citizen may only rate an answer, and the system
/// only close an unrated answer or flag an open case overdue.
pub fn decide(step: Step, actor: Actor, case: CaseFacts) -> Result<State, Refusal> {
    let s = case.state;
    match (step, actor) {
        (Step::Staff(action), Actor::Staff(role, reach)) => check(action, role, reach, case),
        (Step::RateSatisfied, Actor::Citizen) | (Step::CloseUnrated, Actor::System) => {
            if s == State::Resolved {
                Ok(State::Closed)
            } else {
                Err(Refusal::Conflict)
            }
        }
        (Step::Follow(action), Actor::System) => transition(
            action,
            CaseFacts {
                linked: false,
                ..case
            },
        ),
        (Step::ReopenMatter, Actor::System) | (Step::RateNotSatisfied, Actor::Citizen) => {
            if s == State::Resolved {
                Ok(State::Reopened)
            } else {
                Err(Refusal::Conflict)
            }
        }
        (Step::FlagOverdue, Actor::System) => {
            if s.is_open() {
                Ok(s)
            } else {
                Err(Refusal::Conflict)
            }
        }
        _ => Err(Refusal::Forbidden),
    }
}

#[cfg(test)]
mod tests;
