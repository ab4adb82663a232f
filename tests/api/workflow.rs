//! A randomized workflow, on both backends: a few hundred cases of every kind, from every region,
//! half about a unit; random actions by random staff — handlers, supervisors and dispatchers of
//! the right unit, of the unit above, of some other unit — valid and invalid; citizens not
//! satisfied; sweeps into the future. After every step the service's promises are checked:
//!
//! - every answer is a 2xx or the 4xx the state machine predicts, never a 5xx;
//! - no report is held (assigned or waiting for dispatch) by its target or any unit below it;
//! - every case waiting for dispatch waits at an office, and that office's dispatcher has it in
//!   their queue and can open it;
//! - every open case has exactly one running deadline, and a case that changed hands has a fresh
//!   acceptance deadline at the receiver.
//!
//! Seeded: the seed is printed (and shown when the test fails); `MINSHENG_SIM_SEED=<n>` replays it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use minsheng::domain::case::{check, Action, CaseFacts, Extension, Reach, Refusal};
use minsheng::domain::kind::{Kind, Role, State};
use minsheng::mail::rating_link::{self as token, RatingClaim};
use minsheng::routing::Directory;
use minsheng::storage::schema::submissions as s;
use minsheng::storage::submissions::SubmissionRow;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{hidden_value, Backend, TestApp};
use crate::on_both_backends;

/// Someone on the staff, as the simulation knows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Actor {
    role: Role,
    unit: String,
}

struct Sim {
    app: TestApp,
    dir: Directory,
    rng: StdRng,
    seed: u64,
    tokens: HashMap<Actor, String>,
    password_hash: String,
    codes: Vec<String>,
    browser: reqwest::Client,
    step: usize,
    /// How often each action got each answer, printed at the end.
    tally: BTreeMap<(&'static str, u16), usize>,
}

fn state_of(row: &SubmissionRow) -> State {
    row.state
}

fn kind_of(row: &SubmissionRow) -> Kind {
    Kind::from_code(&row.kind).expect("a known kind")
}

fn facts(row: &SubmissionRow) -> CaseFacts {
    CaseFacts {
        state: state_of(row),
        kind: kind_of(row),
        extension: match row.extension.as_str() {
            "requested" => Extension::Requested,
            "granted" => Extension::Granted,
            "refused" => Extension::Refused,
            _ => Extension::None,
        },
        linked: row.lead_id.is_some(),
    }
}

/// Who the actor is to the case, by the rule the service promises: own unit; a unit below a
/// supervisor's; for a dispatcher, waiting at their office or an office below it.
fn reach(dir: &Directory, actor: &Actor, row: &SubmissionRow) -> Reach {
    let me = dir.unit(&actor.unit).expect("actors are of known units");
    match actor.role {
        Role::Handler | Role::Supervisor => match row.assigned_unit.as_deref().and_then(|u| dir.unit(u)) {
            Some(u) if u == me => Reach::OwnUnit,
            Some(u) if actor.role == Role::Supervisor && dir.is_subordinate(u, me) => Reach::Subordinate,
            _ => Reach::Outside,
        },
        Role::Dispatcher => {
            let office = row.dispatch_unit.as_deref().and_then(|o| dir.unit(o));
            let mine = office.is_some_and(|o| o == me || dir.is_subordinate(o, me));
            if state_of(row) == State::PendingDispatch && mine {
                Reach::DispatchArea
            } else {
                Reach::Outside
            }
        }
        Role::Admin => Reach::Outside,
    }
}

/// True when `unit` is the unit a report is about, or below it.
fn forbidden_for(dir: &Directory, row: &SubmissionRow, unit: &str) -> bool {
    let target = row.target_unit.as_deref().and_then(|t| dir.unit(t));
    kind_of(row) == Kind::Report
        && target.is_some_and(|t| dir.unit(unit).is_some_and(|u| dir.at_or_below(u, t)))
}

impl Sim {
    async fn start(backend: Backend) -> Sim {
        let seed = std::env::var("MINSHENG_SIM_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(rand::random);
        eprintln!("workflow simulation on {backend:?}: seed {seed} (replay with MINSHENG_SIM_SEED={seed})");
        let app = TestApp::spawn(backend).await;
        let dir = app.state.router.directory.clone();
        let password_hash = minsheng::services::accounts::hash_password("a long enough password").unwrap();
        Sim {
            app,
            dir,
            rng: StdRng::seed_from_u64(seed),
            seed,
            tokens: HashMap::new(),
            password_hash,
            codes: Vec::new(),
            browser: TestApp::new_client(),
            step: 0,
            tally: BTreeMap::new(),
        }
    }

    fn say(&self) -> String {
        format!("seed {} step {}", self.seed, self.step)
    }

    /// An API token for `actor`, made on first use (one password hash shared by every account).
    async fn token(&mut self, actor: &Actor) -> String {
        if let Some(t) = self.tokens.get(actor) {
            return t.clone();
        }
        let username = format!("{}-{}", actor.role, actor.unit.replace('-', "_"));
        let (hash, unit, role) = (self.password_hash.clone(), actor.unit.clone(), actor.role);
        self.app.with_db(|c| {
            minsheng::storage::accounts::insert_user(
                c,
                &username,
                &hash,
                &unit,
                role.code(),
                Utc::now().naive_utc(),
            )
            .unwrap()
        });
        let token = minsheng::services::accounts::create_token(&self.app.state.db, &username)
            .await
            .unwrap();
        self.tokens.insert(actor.clone(), token.clone());
        token
    }

    fn rows(&self) -> Vec<SubmissionRow> {
        self.app.with_db(|c| {
            s::table
                .select(SubmissionRow::as_select())
                .order(s::id)
                .load(c)
                .unwrap()
        })
    }

    fn row(&self, code: &str) -> SubmissionRow {
        self.app.with_db(|c| {
            minsheng::storage::submissions::find_by_code(c, code)
                .unwrap()
                .unwrap()
        })
    }

    fn random_unit(&mut self) -> String {
        let i = self.rng.random_range(0..self.dir.units.len());
        self.dir.units[i].code.clone()
    }

    fn random_office(&mut self) -> String {
        let offices: Vec<&str> = self
            .dir
            .units
            .iter()
            .filter(|u| u.code.ends_with("-office"))
            .map(|u| u.code.as_str())
            .collect();
        offices.choose(&mut self.rng).unwrap().to_string()
    }

    fn parent_of(&self, unit: &str) -> Option<String> {
        let u = self.dir.unit(unit)?;
        self.dir.units[u].parent.map(|p| self.dir.units[p].code.clone())
    }

    /// Submits a case of a random kind, category and region, about a random unit half the time.
    async fn submit(&mut self, n: usize) {
        let catalog = self.app.state.catalog.clone();
        let kind = *Kind::ALL.choose(&mut self.rng).unwrap();
        let categories: Vec<_> = catalog.categories_of(kind).collect();
        let category = categories.choose(&mut self.rng).unwrap().code.clone();
        let region = catalog.regions.choose(&mut self.rng).unwrap().code.clone();
        let mut body = json!({
            "kind": kind.code(),
            "category": category,
            "region": region,
            "title": format!("模拟来件 {n}"),
            "body": format!("第 {n} 件模拟来件：反映的问题需要有关单位核查处理，请依法答复。"),
        });
        if self.rng.random_bool(0.5) {
            body["target_unit"] = json!(self.random_unit());
        }
        if kind == Kind::Report && self.rng.random_bool(0.5) {
            body["anonymous"] = json!(true);
        } else {
            body["name"] = json!("模拟群众");
        }
        let resp = self.app.post_json(&body).await;
        assert_eq!(resp.status(), 201, "{}: {body}", self.say());
        let v: Value = resp.json().await.unwrap();
        self.codes.push(v["tracking_code"].as_str().unwrap().to_owned());
    }

    /// Someone to act on `row`: usually a person who can, sometimes one who cannot.
    fn pick_actor(&mut self, row: &SubmissionRow) -> Actor {
        let roll = self.rng.random_range(0..100);
        let holder = row
            .assigned_unit
            .clone()
            .or(row.dispatch_unit.clone())
            .unwrap_or_else(|| self.random_unit());
        let (role, unit) = if state_of(row) == State::PendingDispatch {
            match roll {
                0..50 => (Role::Dispatcher, holder),
                50..70 => (Role::Dispatcher, self.parent_of(&holder).unwrap_or(holder)),
                70..85 => (Role::Dispatcher, self.random_office()),
                _ => (Role::Handler, self.random_unit()),
            }
        } else {
            match roll {
                0..50 => (Role::Handler, holder),
                50..70 => (Role::Supervisor, holder),
                70..85 => (Role::Supervisor, self.parent_of(&holder).unwrap_or(holder)),
                85..93 => (Role::Handler, self.random_unit()),
                _ => (Role::Dispatcher, self.random_office()),
            }
        };
        Actor { role, unit }
    }

    /// The request body for `action` on `row`: mostly valid, sometimes not.
    fn action_body(&mut self, action: Action, row: &SubmissionRow) -> Value {
        let reason = "模拟操作：按工作安排处理。";
        match action {
            Action::Accept | Action::ApproveExtension => json!({"action": action.code()}),
            Action::Reject
            | Action::Decline
            | Action::Escalate
            | Action::RefuseExtension
            | Action::Unlink
            | Action::RevealIdentity => json!({"action": action.code(), "reason": reason}),
            Action::Transfer | Action::Dispatch => {
                // A random unit, the unit above, or the very unit a report is about.
                let unit = match self.rng.random_range(0..10) {
                    0..2 => row.target_unit.clone().unwrap_or_else(|| self.random_unit()),
                    2..4 => row
                        .assigned_unit
                        .as_deref()
                        .and_then(|u| self.parent_of(u))
                        .unwrap_or_else(|| self.random_unit()),
                    _ => self.random_unit(),
                };
                json!({"action": action.code(), "unit": unit, "reason": reason})
            }
            Action::RequestExtension => {
                let days = if self.rng.random_bool(0.1) {
                    0
                } else {
                    self.rng.random_range(1..=30)
                };
                json!({"action": "request_extension", "days": days, "reason": reason})
            }
            Action::Resolve => {
                let outcome = ["substantiated", "partly", "unsubstantiated", "unresolvable"]
                    .choose(&mut self.rng)
                    .unwrap()
                    .to_string();
                json!({"action": "resolve", "outcome": outcome,
                       "result": "经核查，已依法依规处理，现将办理结果答复如下。"})
            }
            Action::Merge => {
                let into = self.codes.choose(&mut self.rng).unwrap().clone();
                json!({"action": "merge", "into": into, "reason": "同一事项，合并办理。"})
            }
            Action::Supervise => {
                let day = (Utc::now() + Duration::days(10)).format("%Y-%m-%d").to_string();
                json!({"action": "supervise", "deadline": day, "note": "请按期办结。"})
            }
        }
    }

    /// One staff action on a random case; checks the answer against the state machine.
    async fn act(&mut self) {
        let code = self.codes.choose(&mut self.rng).unwrap().clone();
        let before = self.row(&code);
        let actor = self.pick_actor(&before);
        let r = reach(&self.dir, &actor, &before);
        let f = facts(&before);
        let allowed: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| check(*a, actor.role, r, f).is_ok())
            .collect();
        let action = match allowed.choose(&mut self.rng) {
            Some(a) if self.rng.random_bool(0.75) => *a,
            _ => *Action::ALL.choose(&mut self.rng).unwrap(),
        };
        let body = self.action_body(action, &before);
        let token = self.token(&actor).await;
        let t0 = Utc::now();
        let resp = self.app.staff_act(&token, &code, body.clone()).await;
        let t1 = Utc::now();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let context = format!(
            "{}: {actor:?} {body} on {code} ({} {} at {:?}/{:?}, about {:?}) → {status} {text}",
            self.say(),
            before.kind,
            before.state,
            before.assigned_unit,
            before.dispatch_unit,
            before.target_unit
        );
        *self.tally.entry((action.code(), status)).or_default() += 1;
        assert!(status < 500, "never a 5xx: {context}");
        let expected: &[u16] = match check(action, actor.role, r, f) {
            Err(Refusal::NotFound) => &[404],
            Err(Refusal::Forbidden) => &[403],
            Err(Refusal::Conflict) => &[409],
            Ok(_) => self.expected_when_allowed(action, &before, &body),
        };
        assert!(expected.contains(&status), "expected {expected:?}: {context}");
        if status == 200 {
            self.check_move(action, &before, t0, t1, &context);
        }
    }

    /// What an allowed action answers, given its input.
    fn expected_when_allowed(&self, action: Action, row: &SubmissionRow, body: &Value) -> &'static [u16] {
        let leads = self
            .app
            .with_db(|c| minsheng::storage::matters::followers(c, row.id).unwrap())
            .into_iter()
            .any(|f| f.state.is_open());
        match action {
            // The cases linked to a lead go where it goes: one that may not (a report about that
            // unit) stops the move for the whole matter.
            Action::Transfer | Action::Dispatch | Action::Escalate | Action::Decline if leads => &[200, 409],
            Action::Transfer | Action::Dispatch => {
                let unit = body["unit"].as_str().unwrap();
                if row.assigned_unit.as_deref() == Some(unit) || forbidden_for(&self.dir, row, unit) {
                    &[409]
                } else {
                    &[200]
                }
            }
            Action::RequestExtension if body["days"] == 0 => &[422],
            Action::Escalate => {
                let has_parent = row
                    .assigned_unit
                    .as_deref()
                    .and_then(|u| self.parent_of(u))
                    .is_some();
                if has_parent {
                    &[200]
                } else {
                    &[409]
                }
            }
            // Decline may find no office free of the report's conflict.
            Action::Decline => &[200, 409],
            // Merge may find the other case closed or with a unit the report must not reach
            // (409), or out of the actor's reach, which answers as no such case does (422).
            Action::Merge => &[200, 409, 422],
            _ => &[200],
        }
    }

    /// A case that changed hands has a fresh acceptance deadline at the receiver.
    fn check_move(
        &self,
        action: Action,
        before: &SubmissionRow,
        t0: DateTime<Utc>,
        t1: DateTime<Utc>,
        context: &str,
    ) {
        if !matches!(
            action,
            Action::Transfer | Action::Dispatch | Action::Escalate | Action::Decline
        ) {
            return;
        }
        let after = self.row(&before.tracking_code);
        let sla = &self.app.state.sla;
        let fresh = [
            sla.deadlines(kind_of(before)).accept_by(t0),
            sla.deadlines(kind_of(before)).accept_by(t1),
        ];
        assert!(
            after.accept_deadline.is_some_and(|d| fresh.contains(&d)),
            "a fresh acceptance deadline at the receiver ({:?}, expected one of {fresh:?}): {context}",
            after.accept_deadline
        );
        assert_eq!(
            after.due_at, after.accept_deadline,
            "the acceptance clock runs: {context}"
        );
        assert_eq!(
            after.handle_deadline, None,
            "the handling clock waits for acceptance: {context}"
        );
    }

    /// The citizen of a random answered case rates it; "not satisfied" sends it for review.
    async fn rate(&mut self) {
        let rows = self.rows();
        let answered: Vec<&SubmissionRow> = rows
            .iter()
            .filter(|r| {
                state_of(r) == State::Resolved && r.rating_until.is_some_and(|u| u.and_utc() > Utc::now())
            })
            .collect();
        let Some(row) = answered.choose(&mut self.rng) else {
            return;
        };
        let claim = RatingClaim {
            tracking_code: row.tracking_code.clone(),
            round: row.review_round,
            until: row.rating_until.unwrap().and_utc().timestamp(),
        };
        let href = format!("/rate/{}", token::sign(&self.app.state.vault, &claim));
        let rating = if self.rng.random_bool(0.7) {
            "not_satisfied"
        } else {
            "satisfied"
        };
        let page = self.browser.get(self.app.url(&href)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{}", self.say());
        let csrf = hidden_value(&page.text().await.unwrap(), "csrf_token").unwrap();
        let resp = self
            .browser
            .post(self.app.url(&href))
            .form(&[("csrf_token", csrf.as_str()), ("rating", rating), ("comment", "")])
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(
            (200..400).contains(&status),
            "{}: rating {rating} of {} → {status}",
            self.say(),
            row.tracking_code
        );
        let after = self.row(&row.tracking_code);
        let expected = if rating == "satisfied" {
            State::Closed
        } else {
            State::Reopened
        };
        assert_eq!(
            state_of(&after),
            expected,
            "{}: {}",
            self.say(),
            row.tracking_code
        );
    }

    /// The sweeper, run as if `days` from now.
    async fn sweep(&self, days: i64) {
        let state = &self.app.state;
        minsheng::jobs::sweeper::sweep(
            &state.db,
            &state.catalog,
            &state.router.directory,
            Utc::now() + Duration::days(days),
        )
        .await
        .unwrap_or_else(|e| panic!("sweep: {e}"));
    }

    /// The promises that hold after every step, checked on every case.
    fn check_invariants(&self) {
        for row in self.rows() {
            let at = format!(
                "{}: case {} ({} {})",
                self.say(),
                row.tracking_code,
                row.kind,
                row.state
            );
            for holder in [&row.assigned_unit, &row.dispatch_unit].into_iter().flatten() {
                assert!(
                    !forbidden_for(&self.dir, &row, holder),
                    "{at}: a report about {:?} is held by {holder}",
                    row.target_unit
                );
            }
            let state = state_of(&row);
            if state == State::PendingDispatch {
                assert!(
                    row.dispatch_unit.is_some(),
                    "{at}: waits for dispatch at no office"
                );
                assert_eq!(row.assigned_unit, None, "{at}");
            }
            if matches!(state, State::Assigned | State::Accepted | State::Reopened) {
                assert!(row.assigned_unit.is_some(), "{at}: in work at no unit");
                assert_eq!(row.dispatch_unit, None, "{at}: in work and waiting for dispatch");
            }
            if state.is_open() {
                assert!(row.due_at.is_some(), "{at}: open without a running deadline");
                if state == State::Accepted {
                    assert!(
                        row.handle_deadline.is_some(),
                        "{at}: accepted without a handling deadline"
                    );
                } else {
                    assert!(row.accept_deadline.is_some(), "{at}: no acceptance deadline");
                    assert_eq!(
                        row.handle_deadline, None,
                        "{at}: a handling clock before acceptance"
                    );
                }
            } else {
                assert_eq!(
                    row.due_at, None,
                    "{at}: a running deadline on a case that is not open"
                );
            }
        }
    }

    /// Every case waiting for dispatch is in its office's dispatcher's queue and opens for them.
    async fn check_dispatch_queues(&mut self) {
        let mut waiting: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in self.rows() {
            if state_of(&row) == State::PendingDispatch {
                let office = row.dispatch_unit.clone().expect("checked by the invariants");
                waiting.entry(office).or_default().insert(row.tracking_code);
            }
        }
        for (office, codes) in waiting {
            let token = self
                .token(&Actor {
                    role: Role::Dispatcher,
                    unit: office.clone(),
                })
                .await;
            let mut seen = BTreeSet::new();
            let mut path = "/api/v1/staff/queue".to_owned();
            loop {
                let page: Value = self.app.staff_get(&token, &path).await.json().await.unwrap();
                for c in page["cases"].as_array().unwrap() {
                    seen.insert(c["tracking_code"].as_str().unwrap().to_owned());
                }
                match page["next_cursor"].as_str() {
                    Some(cursor) => path = format!("/api/v1/staff/queue?cursor={cursor}"),
                    None => break,
                }
            }
            let missing: Vec<_> = codes.difference(&seen).collect();
            assert!(
                missing.is_empty(),
                "{}: waiting at {office} but not in its dispatcher's queue: {missing:?}",
                self.say()
            );
            let one = codes.iter().next().unwrap();
            let resp = self
                .app
                .staff_get(&token, &format!("/api/v1/staff/cases/{one}"))
                .await;
            assert_eq!(
                resp.status(),
                200,
                "{}: {office}'s dispatcher opens {one}",
                self.say()
            );
        }
    }
}

async fn random_workflow_keeps_every_promise(backend: Backend) {
    let (cases, steps) = match backend {
        Backend::Sqlite => (300, 1500),
        Backend::Postgres => (200, 1000),
    };
    let mut sim = Sim::start(backend).await;
    for n in 0..cases {
        sim.submit(n).await;
    }
    sim.check_invariants();
    sim.check_dispatch_queues().await;
    for step in 1..=steps {
        sim.step = step;
        match sim.rng.random_range(0..100) {
            0..4 => sim.rate().await,
            _ => sim.act().await,
        }
        if step % 500 == 0 {
            sim.sweep(16).await;
        }
        sim.check_invariants();
        if step % 250 == 0 {
            sim.check_dispatch_queues().await;
        }
    }
    sim.sweep(80).await;
    sim.check_invariants();
    sim.check_dispatch_queues().await;
    eprintln!("answers by action: {:?}", sim.tally);
    let moved: usize = ["transfer", "escalate", "decline", "dispatch"]
        .iter()
        .map(|a| sim.tally.get(&(*a, 200)).copied().unwrap_or(0))
        .sum();
    assert!(moved >= 50, "the run moved cases between units ({moved} moves)");
}

on_both_backends!(random_workflow_keeps_every_promise);
