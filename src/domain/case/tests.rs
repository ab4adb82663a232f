//! The state machine's tables: every step in every state, by every actor.

use super::*;

const H: Actor = Actor::Staff(Role::Handler, Reach::OwnUnit);
const S: Actor = Actor::Staff(Role::Supervisor, Reach::Subordinate);
const D: Actor = Actor::Staff(Role::Dispatcher, Reach::DispatchArea);

fn case(state: State) -> CaseFacts {
    CaseFacts {
        state,
        kind: Kind::Complaint,
        extension: Extension::None,
        linked: false,
    }
}

#[test]
fn the_happy_path_of_a_handler() {
    let h = |a, s| check(a, Role::Handler, Reach::OwnUnit, case(s));
    assert_eq!(h(Action::Accept, State::Assigned), Ok(State::Accepted));
    assert_eq!(h(Action::RequestExtension, State::Accepted), Ok(State::Accepted));
    assert_eq!(h(Action::Resolve, State::Accepted), Ok(State::Resolved));
    assert_eq!(h(Action::Accept, State::Reopened), Ok(State::Accepted));
}

#[test]
fn every_action_by_every_role_in_every_state() {
    // The full matrix: no combination panics, and the refusals follow the three rules.
    let kinds = [Kind::Complaint, Kind::Report];
    let reaches = [
        Reach::OwnUnit,
        Reach::Subordinate,
        Reach::DispatchArea,
        Reach::Outside,
    ];
    let extensions = [
        Extension::None,
        Extension::Requested,
        Extension::Granted,
        Extension::Refused,
    ];
    let mut allowed = 0;
    for &action in Action::ALL {
        for &role in Role::ALL {
            for &reach in &reaches {
                for &state in State::ALL {
                    for &kind in &kinds {
                        for &extension in &extensions {
                            let r = check(
                                action,
                                role,
                                reach,
                                CaseFacts {
                                    state,
                                    kind,
                                    extension,
                                    linked: false,
                                },
                            );
                            if reach == Reach::Outside || role == Role::Admin {
                                assert_eq!(r, Err(Refusal::NotFound));
                            }
                            if r.is_ok() {
                                allowed += 1;
                                assert!(state.is_open() || action == Action::RevealIdentity);
                            }
                            if matches!(state, State::Closed | State::Merged | State::Rejected)
                                && action != Action::RevealIdentity
                            {
                                assert!(r.is_err(), "{action:?} on a {state:?} case");
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(allowed > 0);
}

#[test]
fn roles_are_kept_apart() {
    let s = |a, r, reach| check(a, r, reach, case(State::Accepted));
    assert_eq!(
        s(Action::Supervise, Role::Handler, Reach::OwnUnit),
        Err(Refusal::Forbidden)
    );
    assert_eq!(
        s(Action::Supervise, Role::Supervisor, Reach::Subordinate),
        Ok(State::Accepted)
    );
    assert_eq!(
        s(Action::Accept, Role::Handler, Reach::Subordinate),
        Err(Refusal::NotFound)
    );
    assert_eq!(
        s(Action::Resolve, Role::Dispatcher, Reach::DispatchArea),
        Err(Refusal::Forbidden)
    );
    let pending = case(State::PendingDispatch);
    assert_eq!(
        check(Action::Dispatch, Role::Dispatcher, Reach::DispatchArea, pending),
        Ok(State::Assigned)
    );
    assert_eq!(
        check(Action::Dispatch, Role::Handler, Reach::OwnUnit, pending),
        Err(Refusal::Forbidden)
    );
}

#[test]
fn one_extension_and_only_supervisors_decide_it() {
    let mut c = case(State::Accepted);
    c.extension = Extension::Requested;
    assert_eq!(
        check(Action::RequestExtension, Role::Handler, Reach::OwnUnit, c),
        Err(Refusal::Conflict)
    );
    assert_eq!(
        check(Action::ApproveExtension, Role::Handler, Reach::OwnUnit, c),
        Err(Refusal::Forbidden)
    );
    assert_eq!(
        check(Action::ApproveExtension, Role::Supervisor, Reach::Subordinate, c),
        Ok(State::Accepted)
    );
    c.extension = Extension::Granted;
    assert_eq!(
        check(Action::RequestExtension, Role::Handler, Reach::OwnUnit, c),
        Err(Refusal::Conflict)
    );
    assert_eq!(
        check(Action::RefuseExtension, Role::Supervisor, Reach::OwnUnit, c),
        Err(Refusal::Conflict)
    );
}

#[test]
fn identity_is_revealed_for_reports_only() {
    let report = CaseFacts {
        state: State::Accepted,
        kind: Kind::Report,
        extension: Extension::None,
        linked: false,
    };
    assert!(check(
        Action::RevealIdentity,
        Role::Supervisor,
        Reach::Subordinate,
        report
    )
    .is_ok());
    assert_eq!(
        check(Action::RevealIdentity, Role::Handler, Reach::OwnUnit, report),
        Err(Refusal::Forbidden)
    );
    assert_eq!(
        check(
            Action::RevealIdentity,
            Role::Supervisor,
            Reach::OwnUnit,
            case(State::Accepted)
        ),
        Err(Refusal::Conflict)
    );
}

#[test]
fn codes_round_trip() {
    for a in Action::ALL {
        assert_eq!(Action::from_code(a.code()), Some(*a));
    }
    assert_eq!(Outcome::from_code("partly"), Some(Outcome::Partly));
    assert!(Outcome::Partly.counts_as_resolved() && !Outcome::Unresolvable.counts_as_resolved());
}

/// Every step in every state, taken by the actor it belongs to (a handler or supervisor of
/// the unit holding the case, a dispatcher of the office it waits at, the citizen, the
/// system): the state that follows, or `-` where the state does not allow it (409).
#[test]
fn the_table_of_every_step_in_every_state() {
    use State::*;
    const STATES: [State; 9] = [
        Submitted,
        PendingDispatch,
        Assigned,
        Accepted,
        Resolved,
        Reopened,
        Rejected,
        Merged,
        Closed,
    ];
    //  step                       actor              sub  pend  asgn  acc   res   reop  rej   mrg   clo
    let table: &[(Step, Actor, [&str; 9])] = &[
        (
            Step::Staff(Action::Accept),
            H,
            ["-", "-", "accepted", "-", "-", "accepted", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Reject),
            H,
            ["-", "-", "rejected", "-", "-", "rejected", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Transfer),
            H,
            ["-", "-", "assigned", "assigned", "-", "assigned", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Decline),
            H,
            ["-", "-", "pending_dispatch", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Escalate),
            H,
            ["-", "-", "assigned", "assigned", "-", "assigned", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::RequestExtension),
            H,
            ["-", "-", "-", "accepted", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::ApproveExtension),
            S,
            ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::RefuseExtension),
            S,
            ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Resolve),
            H,
            ["-", "-", "-", "resolved", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Merge),
            H,
            [
                "-",
                "pending_dispatch",
                "assigned",
                "accepted",
                "-",
                "reopened",
                "-",
                "-",
                "-",
            ],
        ),
        (
            Step::Staff(Action::Unlink),
            H,
            ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Dispatch),
            D,
            ["-", "assigned", "-", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::Staff(Action::Supervise),
            S,
            [
                "-",
                "pending_dispatch",
                "assigned",
                "accepted",
                "-",
                "reopened",
                "-",
                "-",
                "-",
            ],
        ),
        (
            Step::Staff(Action::RevealIdentity),
            S,
            ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
        ),
        (
            Step::RateSatisfied,
            Actor::Citizen,
            ["-", "-", "-", "-", "closed", "-", "-", "-", "-"],
        ),
        (
            Step::RateNotSatisfied,
            Actor::Citizen,
            ["-", "-", "-", "-", "reopened", "-", "-", "-", "-"],
        ),
        (
            Step::ReopenMatter,
            Actor::System,
            ["-", "-", "-", "-", "reopened", "-", "-", "-", "-"],
        ),
        (
            Step::CloseUnrated,
            Actor::System,
            ["-", "-", "-", "-", "closed", "-", "-", "-", "-"],
        ),
        (
            Step::FlagOverdue,
            Actor::System,
            [
                "-",
                "pending_dispatch",
                "assigned",
                "accepted",
                "-",
                "reopened",
                "-",
                "-",
                "-",
            ],
        ),
    ];
    assert_eq!(
        table.len(),
        Action::ALL.len() + Step::OTHERS.len(),
        "every step is in the table"
    );
    for (step, actor, row) in table {
        for (state, expected) in STATES.iter().zip(row) {
            let got = decide(*step, *actor, case(*state));
            let got = match got {
                Ok(next) => next.code(),
                Err(Refusal::Conflict) => "-",
                Err(other) => panic!("{step:?} by {actor:?} in {state:?}: {other:?}"),
            };
            assert_eq!(got, *expected, "{step:?} by {actor:?} in {state:?}");
        }
    }
    // A complaint with no extension asked: the extension and reveal rows are all "-" here;
    // with a request pending, supervisors decide it in `accepted` only.
    let mut asked = case(Accepted);
    asked.extension = Extension::Requested;
    for a in [Action::ApproveExtension, Action::RefuseExtension] {
        assert_eq!(decide(Step::Staff(a), S, asked), Ok(Accepted));
    }
    let report = CaseFacts {
        kind: Kind::Report,
        ..case(Closed)
    };
    assert_eq!(decide(Step::Staff(Action::RevealIdentity), S, report), Ok(Closed));
}

#[test]
fn only_the_citizen_rates_and_only_the_system_sweeps() {
    let answered = case(State::Resolved);
    for actor in [H, S, D, Actor::System] {
        assert_eq!(
            decide(Step::RateSatisfied, actor, answered),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(Step::RateNotSatisfied, actor, answered),
            Err(Refusal::Forbidden)
        );
    }
    for actor in [H, S, D, Actor::Citizen] {
        assert_eq!(
            decide(Step::CloseUnrated, actor, answered),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(Step::FlagOverdue, actor, case(State::Accepted)),
            Err(Refusal::Forbidden)
        );
    }
    for action in Action::ALL {
        assert_eq!(
            decide(Step::Staff(*action), Actor::Citizen, answered),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(Step::Staff(*action), Actor::System, answered),
            Err(Refusal::Forbidden)
        );
    }
}

#[test]
fn a_linked_case_follows_its_lead() {
    let linked = |state| CaseFacts {
        linked: true,
        ..case(state)
    };
    // Staff do not handle a linked case directly: only what concerns it alone.
    for action in [Action::Accept, Action::Resolve, Action::Transfer, Action::Merge] {
        for state in [State::Assigned, State::Accepted] {
            assert_eq!(
                decide(Step::Staff(action), H, linked(state)),
                Err(Refusal::Conflict)
            );
        }
    }
    assert_eq!(
        decide(Step::Staff(Action::Unlink), H, linked(State::Accepted)),
        Ok(State::Accepted)
    );
    assert_eq!(
        decide(Step::Staff(Action::Supervise), S, linked(State::Assigned)),
        Ok(State::Assigned)
    );
    assert_eq!(
        decide(Step::Staff(Action::Unlink), H, linked(State::Closed)),
        Err(Refusal::Conflict)
    );
    // The lead's steps reach it, where its state has them.
    let follow = |a, s| decide(Step::Follow(a), Actor::System, linked(s));
    assert_eq!(follow(Action::Accept, State::Assigned), Ok(State::Accepted));
    assert_eq!(follow(Action::Resolve, State::Accepted), Ok(State::Resolved));
    assert_eq!(follow(Action::Accept, State::Accepted), Err(Refusal::Conflict));
    assert_eq!(follow(Action::Resolve, State::Assigned), Err(Refusal::Conflict));
    // Only the service repeats a lead's step; nobody else may.
    assert_eq!(
        decide(Step::Follow(Action::Accept), H, linked(State::Assigned)),
        Err(Refusal::Forbidden)
    );
}
