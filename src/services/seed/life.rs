//! One demo case's life, made up: when it came, where it went, what was done and when, as the
//! case row's facts and the timeline events the service itself would have left. Proportions are
//! plausible for a year of work: most cases accepted and concluded, some rejected, transferred,
//! dispatched, merged, extended, overdue, supervised; most answers rated, a few reopened.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::Rng;

use crate::domain::case::Outcome;
use crate::domain::kind::{Kind, State};
use crate::domain::stats::period::day_of;
use crate::sla::Sla;

/// An event as the service records it (see `storage::submissions::NewEventRow`).
#[derive(Debug, Clone)]
pub struct LifeEvent {
    pub at: NaiveDateTime,
    pub action: &'static str,
    pub state: State,
    pub unit: Option<String>,
    pub from_unit: Option<String>,
    pub deadline: Option<NaiveDateTime>,
    pub detail: Option<&'static str>,
    pub public: bool,
}

/// The case row's facts after its life so far.
#[derive(Debug, Clone)]
pub struct Life {
    pub state: State,
    pub assigned_unit: Option<String>,
    pub dispatch_unit: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub accept_deadline: Option<NaiveDateTime>,
    pub handle_deadline: Option<NaiveDateTime>,
    pub extension: &'static str,
    pub extension_days: Option<i32>,
    pub outcome: Option<&'static str>,
    pub merged: bool,
    pub supervised: bool,
    pub overdue_for: Option<NaiveDateTime>,
    pub rating_until: Option<NaiveDateTime>,
    pub review_round: i32,
    pub accepted_day: Option<i32>,
    pub concluded_day: Option<i32>,
    pub on_time: Option<bool>,
    pub rating: Option<&'static str>,
    pub events: Vec<LifeEvent>,
}

/// Where a case may go: its first unit, another unit it may be transferred to, the unit above
/// (for a review), and the rectification office that dispatches it.
pub struct Places {
    pub unit: String,
    pub other: Option<String>,
    pub above: Option<String>,
    pub office: Option<String>,
}

fn hours(rng: &mut impl Rng, from: f64, to: f64) -> Duration {
    Duration::minutes((rng.random_range(from..to) * 60.0) as i64)
}

/// Lives a case received at `received` up to `now`.
pub fn live(
    rng: &mut impl Rng,
    sla: &Sla,
    kind: Kind,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
    p: &Places,
) -> Life {
    let dl = sla.deadlines(kind);
    let mut life = Life {
        state: State::Assigned,
        assigned_unit: Some(p.unit.clone()),
        dispatch_unit: None,
        due_at: None,
        accept_deadline: None,
        handle_deadline: None,
        extension: "none",
        extension_days: None,
        outcome: None,
        merged: false,
        supervised: false,
        overdue_for: None,
        rating_until: None,
        review_round: 0,
        accepted_day: None,
        concluded_day: None,
        on_time: None,
        rating: None,
        events: Vec::new(),
    };
    let ev = |life: &mut Life, at: DateTime<Utc>, action: &'static str, state: State| {
        let unit = life.assigned_unit.clone().or(life.dispatch_unit.clone());
        life.state = state;
        life.events.push(LifeEvent {
            at: at.naive_utc(),
            action,
            state,
            unit,
            from_unit: None,
            deadline: None,
            detail: None,
            public: true,
        });
        life.events.len() - 1
    };
    ev(&mut life, received, "submitted", State::Submitted);
    life.events[0].unit = None;
    let mut t = received;
    // About one case in sixteen waits for dispatch first.
    let dispatched_first = p.office.is_some() && rng.random_bool(0.06);
    let accept_by = dl.accept_by(t);
    life.accept_deadline = Some(accept_by);
    life.due_at = Some(accept_by);
    if dispatched_first {
        life.assigned_unit = None;
        life.dispatch_unit = p.office.clone();
        let i = ev(&mut life, t, "awaiting_dispatch", State::PendingDispatch);
        life.events[i].deadline = Some(accept_by);
        t += hours(rng, 2.0, 24.0 * 20.0);
        if t > now {
            return life;
        }
        life.dispatch_unit = None;
        life.assigned_unit = Some(p.unit.clone());
        let by = dl.accept_by(t);
        life.accept_deadline = Some(by);
        life.due_at = Some(by);
        let i = ev(&mut life, t, "dispatched", State::Assigned);
        life.events[i].from_unit = p.office.clone();
        life.events[i].deadline = Some(by);
    } else {
        let i = ev(&mut life, t, "routed", State::Assigned);
        life.events[i].deadline = Some(accept_by);
    }
    // One in twenty is transferred before anything else happens.
    if let Some(other) = p.other.as_ref().filter(|_| rng.random_bool(0.05)) {
        t += hours(rng, 1.0, 48.0);
        if t > now {
            return life;
        }
        let from = life.assigned_unit.replace(other.clone());
        let by = dl.accept_by(t);
        life.accept_deadline = Some(by);
        life.due_at = Some(by);
        let i = ev(&mut life, t, "transferred", State::Assigned);
        life.events[i].from_unit = from;
        life.events[i].deadline = Some(by);
    }
    // Deciding whether to accept: mostly within the limit, some late (and flagged).
    let late = rng.random_bool(0.06);
    let decide = if late {
        life.due_at.map_or(t, |d| d.and_utc()) + hours(rng, 2.0, 96.0)
    } else {
        t + hours(rng, 0.5, 100.0)
    };
    if late {
        let due = life.due_at.unwrap_or(t.naive_utc());
        let flagged_at = due.and_utc() + Duration::hours(1);
        if flagged_at <= now {
            flag(&mut life, flagged_at, due);
        }
    }
    if decide > now {
        return life;
    }
    t = decide;
    let roll: f64 = rng.random();
    if roll < 0.06 {
        life.due_at = None;
        ev(&mut life, t, "rejected", State::Rejected);
        return life;
    }
    if roll < 0.08 {
        life.due_at = None;
        life.merged = true;
        ev(&mut life, t, "merged", State::Merged);
        return life;
    }
    accept_and_answer(rng, sla, kind, &mut life, t, now, p);
    life
}

fn flag(life: &mut Life, at: DateTime<Utc>, due: NaiveDateTime) {
    life.overdue_for = Some(due);
    life.supervised = true;
    let unit = life.assigned_unit.clone().or(life.dispatch_unit.clone());
    life.events.push(LifeEvent {
        at: at.naive_utc(),
        action: "overdue",
        state: life.state,
        unit,
        from_unit: None,
        deadline: None,
        detail: None,
        public: true,
    });
}

fn push(life: &mut Life, at: DateTime<Utc>, action: &'static str, state: State) -> usize {
    let unit = life.assigned_unit.clone();
    life.state = state;
    life.events.push(LifeEvent {
        at: at.naive_utc(),
        action,
        state,
        unit,
        from_unit: None,
        deadline: None,
        detail: None,
        public: true,
    });
    life.events.len() - 1
}

/// Accepted, worked (perhaps extended, supervised, late), answered, rated — as far as `now`.
fn accept_and_answer(
    rng: &mut impl Rng,
    sla: &Sla,
    kind: Kind,
    life: &mut Life,
    mut t: DateTime<Utc>,
    now: DateTime<Utc>,
    p: &Places,
) {
    let dl = sla.deadlines(kind);
    let handle = dl.handle_by(t);
    if life.accepted_day.is_none() {
        life.accepted_day = Some(day_of(t.naive_utc()));
    }
    life.handle_deadline = Some(handle);
    life.due_at = Some(handle);
    let i = push(life, t, "accepted", State::Accepted);
    life.events[i].deadline = Some(handle);
    let mut handle_by = handle;
    // One in ten asks for an extension; three in four are approved.
    if rng.random_bool(0.10) {
        let asked = t + hours(rng, 24.0, 24.0 * 10.0);
        if asked > now {
            return;
        }
        life.extension = "requested";
        life.extension_days = Some(30);
        let i = push(life, asked, "extension_requested", State::Accepted);
        life.events[i].public = false;
        let decided = asked + hours(rng, 2.0, 72.0);
        if decided > now {
            return;
        }
        if rng.random_bool(0.75) {
            handle_by = dl.extended(handle_by, 30);
            life.extension = "granted";
            life.handle_deadline = Some(handle_by);
            life.due_at = Some(handle_by);
            let i = push(life, decided, "extension_approved", State::Accepted);
            life.events[i].deadline = Some(handle_by);
        } else {
            life.extension = "refused";
            let i = push(life, decided, "extension_refused", State::Accepted);
            life.events[i].public = false;
        }
        t = decided;
    }
    // One in thirty is supervised while being handled.
    if rng.random_bool(0.033) {
        let at = t + hours(rng, 24.0, 24.0 * 12.0);
        if at > now {
            return;
        }
        let by = at + Duration::days(5);
        life.supervised = true;
        life.due_at = Some(by.naive_utc());
        let i = push(life, at, "supervised", State::Accepted);
        life.events[i].deadline = Some(by.naive_utc());
        life.events[i].public = false;
        t = at;
    }
    // Answered: most on time, about one in eight late (flagged when it ran over).
    let late = rng.random_bool(0.12);
    let answered = if late {
        life.due_at.map_or(t, |d| d.and_utc()) + hours(rng, 6.0, 24.0 * 20.0)
    } else {
        let room = (life.due_at.map_or(t, |d| d.and_utc()) - t).num_minutes().max(60) as f64 / 60.0;
        t + hours(rng, 1.0, room.max(1.5))
    };
    if late {
        let due = life.due_at.unwrap_or(handle_by);
        let flagged_at = due.and_utc() + Duration::hours(1);
        if flagged_at <= now && life.overdue_for != Some(due) {
            flag(life, flagged_at, due);
        }
    }
    if answered > now {
        return;
    }
    let outcome = match rng.random_range(0..100) {
        0..35 => Outcome::Substantiated,
        35..55 => Outcome::Partly,
        55..90 => Outcome::Unsubstantiated,
        _ => Outcome::Unresolvable,
    };
    life.outcome = Some(outcome.code());
    life.due_at = None;
    life.concluded_day = Some(day_of(answered.naive_utc()));
    life.on_time = Some(answered.naive_utc() <= handle_by);
    let until = dl.rating_until(answered);
    life.rating_until = Some(until);
    let i = push(life, answered, "resolved", State::Resolved);
    life.events[i].detail = Some(outcome.code());
    // Rated by most citizens within the window; not rated in time, closed by the sweeper.
    let rated_at = answered + hours(rng, 1.0, 24.0 * 5.0);
    let rates = rng.random_bool(0.70) && rated_at.naive_utc() <= until;
    if rates && rated_at <= now {
        let rating = match rng.random_range(0..100) {
            0..62 => "satisfied",
            62..88 => "basically_satisfied",
            _ => "not_satisfied",
        };
        life.rating = Some(rating);
        life.rating_until = None;
        if rating == "not_satisfied" {
            // Reviewed one level up: open again there, no longer concluded.
            let from = life.assigned_unit.clone();
            if let Some(up) = &p.above {
                life.assigned_unit = Some(up.clone());
            }
            let by = dl.accept_by(rated_at);
            life.review_round += 1;
            life.outcome = None;
            life.concluded_day = None;
            life.on_time = None;
            life.handle_deadline = None;
            life.extension = "none";
            life.extension_days = None;
            life.accept_deadline = Some(by);
            life.due_at = Some(by);
            let i = push(life, rated_at, "reopened", State::Reopened);
            life.events[i].from_unit = from;
            life.events[i].deadline = Some(by);
            life.events[i].detail = Some(rating);
            // The review: accepted and answered again there, as far as `now`.
            if life.review_round < 3 {
                let decide = rated_at + hours(rng, 2.0, 24.0 * 5.0);
                if decide <= now {
                    accept_and_answer(rng, sla, kind, life, decide, now, p);
                }
            }
            return;
        }
        let i = push(life, rated_at, "rated", State::Closed);
        life.events[i].detail = Some(rating);
    } else if !rates && until.and_utc() < now {
        life.rating_until = None;
        push(
            life,
            until.and_utc() + Duration::minutes(30),
            "closed_unrated",
            State::Closed,
        );
    }
}

/// What the sweeper would have done by `now`: flag an open case past its deadline.
pub fn sweep(life: &mut Life, now: DateTime<Utc>) {
    if let Some(due) = life.due_at.filter(|d| life.state.is_open() && d.and_utc() < now) {
        if life.overdue_for != Some(due) {
            let at = (due.and_utc() + Duration::hours(1)).min(now);
            flag(life, at, due);
        }
    }
}
