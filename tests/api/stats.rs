//! The statistics, recounted. Months of simulated work go through the real service — 2,000+
//! cases from every region, of every kind, accepted, rejected, transferred, escalated, declined
//! and dispatched, extended or refused, resolved with every outcome, merged, supervised, rated
//! each way and reopened, with the sweeper flagging what runs late — on a shifted clock. Then
//! every figure of every group is counted again here, independently, from the raw timeline
//! events alone, and must equal what `GET /api/v1/staff/stats` says: for several groupings,
//! periods and scopes, on SQLite and PostgreSQL. The reach of a supervisor and of a handler is
//! checked on the same data.
//!
//! Seeded: `MINSHENG_SIM_SEED=<n>` replays a run.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use futures_util::stream::{self, StreamExt};
use minsheng::domain::kind::{Kind, Role};
use minsheng::mail::rating_link::{self as token, RatingClaim};
use minsheng::storage::schema::{submission_events as e, submissions as s};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{hidden_value, Backend, TestApp};
use crate::on_both_backends;

/// Simulated days, and cases received per day.
const DAYS: i64 = 100;
const PER_DAY: usize = 21;

fn beijing(d: NaiveDate, hour: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .from_local_datetime(&d.and_hms_opt(hour, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn day_number(at: NaiveDateTime) -> i32 {
    let d = (at + Duration::hours(8)).date();
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// A case as its timeline tells it.
#[derive(Debug, Clone)]
struct Told {
    kind: String,
    category: String,
    channel: String,
    region: String,
    received: i32,
    holder: String,
    state: String,
    accepted: Option<i32>,
    concluded: Option<i32>,
    on_time: bool,
    outcome: Option<String>,
    due: Option<NaiveDateTime>,
    rating: Option<String>,
    reopened: bool,
    /// Linked to another case's matter (一件多诉).
    linked: bool,
    /// Units the event-attributed figures name: figure code → units.
    at_units: BTreeMap<&'static str, BTreeSet<String>>,
}

type Event = (
    i64,
    NaiveDateTime,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// A case's fixed attributes: id, kind, category, channel, region.
type Case = (i64, String, String, String, String);

/// Reads every case's facts from the raw timeline (and the case's fixed attributes).
fn retell(app: &TestApp) -> Vec<Told> {
    let (cases, events): (Vec<Case>, Vec<Event>) = app.with_db(|c| {
        let cases = s::table
            .select((s::id, s::kind, s::category, s::channel, s::region))
            .order(s::id)
            .load(c)
            .unwrap();
        let events = e::table
            .select((
                e::submission_id,
                e::at,
                e::action,
                e::state,
                e::unit,
                e::from_unit,
                e::deadline,
                e::detail,
            ))
            .order(e::id)
            .load(c)
            .unwrap();
        (cases, events)
    });
    let mut by_case: HashMap<i64, Vec<Event>> = HashMap::new();
    for ev in events {
        by_case.entry(ev.0).or_default().push(ev);
    }
    cases
        .into_iter()
        .map(|(id, kind, category, channel, region)| {
            let evs = &by_case[&id];
            let mut t = Told {
                kind,
                category,
                channel,
                region,
                received: 0,
                holder: String::new(),
                state: String::new(),
                accepted: None,
                concluded: None,
                on_time: false,
                outcome: None,
                due: None,
                rating: None,
                reopened: false,
                linked: false,
                at_units: BTreeMap::new(),
            };
            let mut handle_by: Option<NaiveDateTime> = None;
            for (_, at, action, state, unit, from_unit, deadline, detail) in evs {
                let day = day_number(*at);
                let mut name = |fig: &'static str, u: &Option<String>| {
                    if let Some(u) = u {
                        t.at_units.entry(fig).or_default().insert(u.clone());
                    }
                };
                match action.as_str() {
                    "submitted" => t.received = day,
                    "accepted" => {
                        t.accepted.get_or_insert(day);
                        handle_by = *deadline;
                    }
                    "extension_approved" => handle_by = *deadline,
                    "transferred" => {
                        name("transferred_out", from_unit);
                        name("transferred_in", unit);
                    }
                    "dispatched" => name("dispatched", from_unit),
                    "overdue" => name("flagged", unit),
                    "supervised" => name("supervised", unit),
                    "resolved" => {
                        t.concluded = Some(day);
                        t.on_time = handle_by.is_some_and(|d| *at <= d);
                        t.outcome = detail.clone();
                    }
                    "rated" => t.rating = detail.clone(),
                    "reopened" => {
                        // Reopened for another voice of its matter: this citizen's rating stands.
                        if detail.is_some() {
                            t.rating = detail.clone();
                        }
                        t.reopened = true;
                        t.concluded = None;
                    }
                    "merged" => t.linked = true,
                    "unlinked" => t.linked = false,
                    _ => {}
                }
                if matches!(
                    action.as_str(),
                    "escalated" | "declined" | "dispatched" | "transferred" | "reopened"
                ) {
                    handle_by = None;
                }
                // Every event that sets a deadline sets the one that runs; closing ones clear it.
                match action.as_str() {
                    "rejected" | "resolved" => t.due = None,
                    "extension_requested"
                    | "extension_refused"
                    | "identity_revealed"
                    | "overdue"
                    | "rated"
                    | "closed_unrated"
                    | "unlinked"
                    | "voice_linked"
                    | "voice_unlinked"
                    | "submitted" => {}
                    _ => t.due = *deadline,
                }
                t.state = state.clone();
                if action != "submitted" {
                    t.holder = unit.clone().unwrap_or_default();
                }
            }
            if !matches!(t.state.as_str(), "resolved" | "closed") {
                t.concluded = None;
            }
            t
        })
        .collect()
}

const CASE_COUNTS: [&str; 14] = [
    "received",
    "matters",
    "pending_dispatch",
    "accepted",
    "rejected",
    "merged",
    "concluded",
    "on_time",
    "solved",
    "overdue_now",
    "ratable",
    "rated",
    "satisfied",
    "reopened",
];
const EVENT_COUNTS: [&str; 5] = [
    "dispatched",
    "transferred_out",
    "transferred_in",
    "flagged",
    "supervised",
];

fn case_count(t: &Told, fig: &str, now: NaiveDateTime) -> bool {
    let open = ["pending_dispatch", "assigned", "accepted", "reopened"].contains(&t.state.as_str());
    match fig {
        "received" => true,
        "matters" => !(t.linked || t.state == "merged"),
        "pending_dispatch" => t.state == "pending_dispatch",
        "accepted" => t.accepted.is_some(),
        "rejected" => t.state == "rejected",
        "merged" => t.linked || t.state == "merged",
        "concluded" => t.concluded.is_some(),
        "on_time" => t.concluded.is_some() && t.on_time,
        "solved" => t.concluded.is_some() && matches!(t.outcome.as_deref(), Some("substantiated" | "partly")),
        "overdue_now" => open && t.due.is_some_and(|d| d < now),
        "ratable" => t.concluded.is_some() || t.reopened,
        "rated" => t.rating.is_some(),
        "satisfied" => matches!(t.rating.as_deref(), Some("satisfied" | "basically_satisfied")),
        "reopened" => t.reopened,
        other => panic!("not a case count: {other}"),
    }
}

/// What a group of the API's answer holds, as compared.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    counts: BTreeMap<String, i64>,
    /// (cases, total days, p90) to acceptance and to conclusion.
    to_accept: BTreeMap<i32, i64>,
    to_conclude: BTreeMap<i32, i64>,
}

fn group_key(t: &Told, by: &str, unit: &str) -> String {
    match by {
        "unit" => unit.to_owned(),
        "region" => t.region.clone(),
        "kind" => t.kind.clone(),
        "category" => t.category.clone(),
        "channel" => t.channel.clone(),
        other => panic!("group {other}"),
    }
}

/// Every figure of every group, counted here from the timeline.
fn recount(
    told: &[Told],
    from: i32,
    to: i32,
    scope: Option<&BTreeSet<String>>,
    by: &str,
    now: NaiveDateTime,
) -> BTreeMap<String, Expected> {
    let mut out: BTreeMap<String, Expected> = BTreeMap::new();
    let in_scope = |u: &str| scope.is_none_or(|s| s.contains(u));
    for t in told.iter().filter(|t| (from..=to).contains(&t.received)) {
        if in_scope(&t.holder) {
            let g = out.entry(group_key(t, by, &t.holder)).or_default();
            for fig in CASE_COUNTS {
                if case_count(t, fig, now) {
                    *g.counts.entry(fig.to_owned()).or_default() += 1;
                }
            }
            if let Some(a) = t.accepted {
                *g.to_accept.entry(a - t.received).or_default() += 1;
                if let Some(c) = t.concluded {
                    *g.to_conclude.entry(c - a).or_default() += 1;
                }
            }
        }
        for fig in EVENT_COUNTS {
            let units: BTreeSet<&String> = t
                .at_units
                .get(fig)
                .into_iter()
                .flatten()
                .filter(|u| in_scope(u))
                .collect();
            if by == "unit" {
                for u in units {
                    *out.entry(u.clone())
                        .or_default()
                        .counts
                        .entry(fig.to_owned())
                        .or_default() += 1;
                }
            } else if !units.is_empty() {
                *out.entry(group_key(t, by, ""))
                    .or_default()
                    .counts
                    .entry(fig.to_owned())
                    .or_default() += 1;
            }
        }
    }
    out
}

fn p90(h: &BTreeMap<i32, i64>) -> Option<i32> {
    let n: i64 = h.values().sum();
    if n == 0 {
        return None;
    }
    let rank = (n * 9 + 9) / 10;
    let mut seen = 0;
    h.iter().find_map(|(d, c)| {
        seen += c;
        (seen >= rank).then_some(*d)
    })
}

/// The API's figures must equal the recount, group by group and figure by figure.
fn assert_equal(api: &Value, expected: &BTreeMap<String, Expected>, context: &str) {
    let groups = api["groups"].as_array().unwrap();
    let keys: BTreeSet<String> = groups
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_owned())
        .collect();
    let want: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(keys, want, "{context}: the groups");
    let mut total: BTreeMap<String, i64> = BTreeMap::new();
    for g in groups {
        let key = g["key"].as_str().unwrap();
        let exp = &expected[key];
        for fig in CASE_COUNTS.iter().chain(&EVENT_COUNTS) {
            let got = g["counts"][fig].as_i64().unwrap();
            let want = exp.counts.get(*fig).copied().unwrap_or(0);
            assert_eq!(got, want, "{context}: {fig} of {key}");
            *total.entry(fig.to_string()).or_default() += want;
        }
        for (rate, num, den) in [
            ("closure_rate", "concluded", "accepted"),
            ("on_time_rate", "on_time", "concluded"),
            ("resolution_rate", "solved", "concluded"),
            ("satisfaction_rate", "satisfied", "rated"),
            ("participation_rate", "rated", "ratable"),
            ("reopen_rate", "reopened", "rated"),
        ] {
            let r = &g["rates"][rate];
            let (n, d) = (
                exp.counts.get(num).copied().unwrap_or(0),
                exp.counts.get(den).copied().unwrap_or(0),
            );
            assert_eq!(r["numerator"].as_i64(), Some(n), "{context}: {rate} of {key}");
            assert_eq!(r["denominator"].as_i64(), Some(d), "{context}: {rate} of {key}");
            if d == 0 {
                assert!(
                    r["percent"].is_null(),
                    "{context}: {rate} of {key} over nothing is no number"
                );
            }
        }
        for (field, h) in [
            ("days_to_accept", &exp.to_accept),
            ("days_to_conclude", &exp.to_conclude),
        ] {
            let v = &g[field];
            let cases: i64 = h.values().sum();
            let days: i64 = h.iter().map(|(d, n)| i64::from(*d) * n).sum();
            assert_eq!(v["cases"].as_i64(), Some(cases), "{context}: {field} of {key}");
            assert_eq!(
                v["total_days"].as_i64(),
                Some(days),
                "{context}: {field} of {key}"
            );
            assert_eq!(
                v["p90"].as_i64(),
                p90(h).map(i64::from),
                "{context}: {field} of {key}"
            );
        }
    }
    for (fig, n) in total {
        assert_eq!(
            api["total"]["counts"][&fig].as_i64(),
            Some(n),
            "{context}: total {fig}"
        );
    }
}

struct Sim {
    app: TestApp,
    rng: StdRng,
    tokens: HashMap<(Role, String), String>,
    /// (action, HTTP status) → how often.
    tally: BTreeMap<(String, u16), usize>,
    keys: HashMap<String, String>,
    browser: reqwest::Client,
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    i32,
    String,
);

impl Sim {
    async fn token(&mut self, role: Role, unit: &str) -> String {
        if let Some(t) = self.tokens.get(&(role, unit.to_owned())) {
            return t.clone();
        }
        let name = format!("{}-{}", role.code(), unit).replace('_', "-");
        let t = self.app.staff_token(&name, unit, role).await;
        self.tokens.insert((role, unit.to_owned()), t.clone());
        t
    }

    fn rows(&self) -> Vec<Row> {
        self.app.with_db(|c| {
            s::table
                .select((
                    s::tracking_code,
                    s::state,
                    s::kind,
                    s::assigned_unit,
                    s::dispatch_unit,
                    s::rating_until,
                    s::review_round,
                    s::extension,
                ))
                .order(s::id)
                .load(c)
                .unwrap()
        })
    }

    fn submission(&mut self, n: usize) -> Value {
        let dir = &self.app.state.router.directory;
        let catalog = &self.app.state.catalog;
        let counties: Vec<&str> = dir
            .regions
            .iter()
            .filter(|r| r.depth == 2)
            .map(|r| r.code.as_str())
            .collect();
        let region = *counties.choose(&mut self.rng).unwrap();
        let kind = *Kind::ALL.choose(&mut self.rng).unwrap();
        let categories: Vec<&str> = catalog.categories_of(kind).map(|c| c.code.as_str()).collect();
        let category = *categories.choose(&mut self.rng).unwrap();
        let local: Vec<&str> = dir
            .units
            .iter()
            .filter(|u| dir.regions[u.region].code == region)
            .filter(|u| !matches!(u.kind.code(), "discipline" | "office"))
            .map(|u| u.code.as_str())
            .collect();
        let target = if kind == Kind::Report || self.rng.random_bool(0.5) {
            local
                .choose(&mut self.rng)
                .map(|u| json!(u))
                .unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        json!({
            "kind": kind.code(),
            "category": category,
            "region": region,
            "title": format!("统计测试来件 {n}"),
            "body": "统计测试：窗口排队时间过长，希望增加窗口、缩短等待时间。",
            "name": "王测试",
            "email": format!("stats{n}@example.com"),
            "target_unit": target,
        })
    }

    async fn act(&mut self, role: Role, unit: &str, code: &str, body: Value) {
        let token = self.token(role, unit).await;
        let resp = self.app.staff_act(&token, code, body.clone()).await;
        let status = resp.status().as_u16();
        // A merge into a case that has since left the actor's reach answers as no such case (422).
        let out_of_reach = status == 422 && body["action"] == "merge";
        // A case linked to a matter moved with its lead earlier today: no longer the unit's (404).
        let moved = status == 404
            && self.app.with_db(|c| {
                minsheng::storage::submissions::find_by_code(c, code)
                    .unwrap()
                    .is_some_and(|r| r.lead_id.is_some() && r.assigned_unit.as_deref() != Some(unit))
            });
        assert!(
            status == 200 || status == 409 || out_of_reach || moved,
            "{code}: {body} by {role:?} of {unit} → {status}: {}",
            resp.text().await.unwrap_or_default()
        );
        *self
            .tally
            .entry((body["action"].as_str().unwrap().to_owned(), status))
            .or_default() += 1;
    }

    async fn rate(&mut self, code: &str, round: i32, until: NaiveDateTime, rating: &str) {
        // Another voice of its matter was not satisfied earlier today: reopened, nothing to rate.
        let now = self.app.with_db(|c| {
            minsheng::storage::submissions::find_by_code(c, code)
                .unwrap()
                .unwrap()
        });
        if now.review_round != round {
            assert!(
                now.lead_id.is_some()
                    || self.app.with_db(|c| {
                        !minsheng::storage::matters::followers(c, now.id)
                            .unwrap()
                            .is_empty()
                    }),
                "{code} reopened while not part of a matter"
            );
            return;
        }
        let claim = RatingClaim {
            tracking_code: code.to_owned(),
            round,
            until: until.and_utc().timestamp(),
        };
        let href = format!("/rate/{}", token::sign(&self.app.state.vault, &claim));
        let page = self.browser.get(self.app.url(&href)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{code}: the rating page");
        let html = page.text().await.unwrap();
        let csrf = hidden_value(&html, "csrf_token").unwrap_or_else(|| {
            let now = self.app.with_db(|c| {
                minsheng::storage::submissions::find_by_code(c, code)
                    .unwrap()
                    .unwrap()
            });
            panic!("{code}: no rating form; the case now: {now:?}\n{html}")
        });
        let resp = self
            .browser
            .post(self.app.url(&href))
            .form(&[("csrf_token", csrf.as_str()), ("rating", rating), ("comment", "")])
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!((200..400).contains(&status), "{code}: rating {rating} → {status}");
        *self.tally.entry((format!("rate {rating}"), status)).or_default() += 1;
    }

    /// One simulated working day: new cases in the morning, work in the afternoon, the sweeper
    /// in the evening.
    async fn day(&mut self, date: NaiveDate, seq: &mut usize) {
        self.app.state.clock.set(beijing(date, 9));
        let bodies: Vec<Value> = (0..PER_DAY)
            .map(|_| {
                *seq += 1;
                self.submission(*seq)
            })
            .collect();
        let app = &self.app;
        let made: Vec<(String, String)> = stream::iter(bodies)
            .map(|b| async move { app.submit(&b).await })
            .buffer_unordered(6)
            .collect()
            .await;
        self.keys.extend(made);

        self.app.state.clock.set(beijing(date, 15));
        let dir = self.app.state.router.directory.clone();
        let rows = self.rows();
        let open_at: HashMap<String, Vec<String>> = rows.iter().fold(HashMap::new(), |mut m, r| {
            if matches!(r.1.as_str(), "assigned" | "accepted" | "reopened") {
                if let Some(u) = &r.3 {
                    m.entry(u.clone()).or_default().push(r.0.clone());
                }
            }
            m
        });
        let outcomes = ["substantiated", "partly", "unsubstantiated", "unresolvable"];
        for (code, state, _kind, assigned, dispatch, rating_until, round, extension) in rows {
            let p: f64 = self.rng.random();
            let unit = assigned.clone().unwrap_or_default();
            let same_region: Vec<String> = assigned
                .as_deref()
                .or(dispatch.as_deref())
                .and_then(|u| dir.unit(u))
                .map(|u| {
                    dir.units
                        .iter()
                        .filter(|x| x.region == dir.units[u].region && x.kind.code() != "office")
                        .map(|x| x.code.clone())
                        .collect()
                })
                .unwrap_or_default();
            let other = same_region
                .iter()
                .filter(|u| **u != unit)
                .collect::<Vec<_>>()
                .choose(&mut self.rng)
                .map(|u| u.to_string());
            match state.as_str() {
                "pending_dispatch" if p < 0.5 => {
                    if let (Some(office), Some(to)) = (dispatch, other) {
                        self.act(
                            Role::Dispatcher,
                            &office,
                            &code,
                            json!({"action": "dispatch", "unit": to}),
                        )
                        .await;
                    }
                }
                "assigned" | "reopened" => {
                    let body = if p < 0.40 {
                        json!({"action": "accept"})
                    } else if p < 0.46 {
                        json!({"action": "reject", "reason": "不属于受理范围"})
                    } else if p < 0.52 && other.is_some() {
                        json!({"action": "transfer", "unit": other, "reason": "属他单位职责"})
                    } else if p < 0.55 {
                        json!({"action": "escalate", "reason": "案情复杂，提级办理"})
                    } else if p < 0.58 && state == "assigned" {
                        json!({"action": "decline", "reason": "非本单位职责"})
                    } else if p < 0.61 {
                        let lead = open_at
                            .get(&unit)
                            .and_then(|v| v.iter().find(|c| **c != code))
                            .cloned();
                        match lead {
                            Some(lead) => json!({"action": "merge", "into": lead, "reason": "同一事项"}),
                            None => continue,
                        }
                    } else if p < 0.63 {
                        let role = Role::Supervisor;
                        self.act(role, &unit, &code, json!({"action": "supervise", "deadline": date + Duration::days(3), "note": "请加快办理"})).await;
                        continue;
                    } else {
                        continue;
                    };
                    self.act(Role::Handler, &unit, &code, body).await;
                }
                "accepted" if extension == "requested" => {
                    let body = if p < 0.6 {
                        json!({"action": "approve_extension"})
                    } else {
                        json!({"action": "refuse_extension", "reason": "不符合延期条件"})
                    };
                    if p < 0.9 {
                        self.act(Role::Supervisor, &unit, &code, body).await;
                    }
                }
                "accepted" => {
                    let body = if p < 0.07 && extension == "none" {
                        json!({"action": "request_extension", "days": 15, "reason": "需要调查取证"})
                    } else if p < 0.22 {
                        json!({"action": "resolve", "outcome": outcomes.choose(&mut self.rng).unwrap(), "result": "经核查，已依法处理并答复。"})
                    } else if p < 0.24 && other.is_some() {
                        json!({"action": "transfer", "unit": other, "reason": "属他单位职责"})
                    } else if p < 0.25 {
                        json!({"action": "supervise", "deadline": date + Duration::days(5)})
                    } else {
                        continue;
                    };
                    let role = if body["action"] == "supervise" {
                        Role::Supervisor
                    } else {
                        Role::Handler
                    };
                    self.act(role, &unit, &code, body).await;
                }
                "resolved" if p < 0.45 => {
                    let rating = if p < 0.2 {
                        "satisfied"
                    } else if p < 0.32 {
                        "basically_satisfied"
                    } else {
                        "not_satisfied"
                    };
                    // A window closing within the minute may close while the link is followed.
                    let open = rating_until
                        .filter(|u| *u > (self.app.state.clock.now() + Duration::minutes(1)).naive_utc());
                    if let Some(until) = open {
                        self.rate(&code, round, until, rating).await;
                    }
                }
                _ => {}
            }
        }
        let evening = beijing(date, 21);
        self.app.state.clock.set(evening);
        let st = &self.app.state;
        minsheng::jobs::sweeper::sweep(&st.db, &st.catalog, &st.router.directory, evening)
            .await
            .unwrap();
    }

    async fn stats(&mut self, role: Role, unit: &str, query: &str) -> (u16, Value) {
        let token = self.token(role, unit).await;
        let resp = self
            .app
            .staff_get(&token, &format!("/api/v1/staff/stats?{query}"))
            .await;
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

async fn figures_equal_a_recount_from_the_timeline(backend: Backend) {
    let seed = std::env::var("MINSHENG_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("statistics simulation seed {seed} (MINSHENG_SIM_SEED={seed} replays it)");
    let app = TestApp::spawn(backend).await;
    let mut sim = Sim {
        app,
        rng: StdRng::seed_from_u64(seed),
        tokens: HashMap::new(),
        tally: BTreeMap::new(),
        keys: HashMap::new(),
        browser: TestApp::new_client(),
    };
    let start = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    let mut seq = 0;
    for d in 0..DAYS {
        sim.day(start + Duration::days(d), &mut seq).await;
    }
    println!("seed {seed}: {:?}", sim.tally);
    assert!(sim.app.submission_count() >= 2000);
    // Every kind of step really happened, or the recount proves little.
    for action in [
        "accept",
        "reject",
        "transfer",
        "escalate",
        "decline",
        "dispatch",
        "merge",
        "supervise",
        "request_extension",
        "approve_extension",
        "refuse_extension",
        "resolve",
        "rate satisfied",
        "rate basically_satisfied",
        "rate not_satisfied",
    ] {
        let done = sim
            .tally
            .iter()
            .filter(|((a, st), _)| a == action && (*st == 200 || *st == 303))
            .map(|(_, n)| n)
            .sum::<usize>();
        assert!(done > 0, "seed {seed}: no successful {action}");
    }

    // "Now" for the figures that depend on it: noon, well away from any deadline (ends of days).
    let now = beijing(start + Duration::days(DAYS + 1), 12);
    sim.app.state.clock.set(now);
    let told = retell(&sim.app);

    // The rollup kept change by change equals one rebuilt from the cases.
    let (kept, rebuilt) = sim.app.with_db(|c| {
        use minsheng::storage::stats::rollup;
        let kept = rollup::contents(c).unwrap();
        rollup::rebuild(c).unwrap();
        (kept, rollup::contents(c).unwrap())
    });
    assert!(kept.len() > 100, "seed {seed}: a rollup of {} rows", kept.len());
    assert_eq!(kept, rebuilt, "seed {seed}: the rollup drifted from the cases");
    let flagged = told.iter().filter(|t| t.at_units.contains_key("flagged")).count();
    let reopened = told.iter().filter(|t| t.reopened).count();
    assert!(
        flagged > 0 && reopened > 0,
        "seed {seed}: flagged {flagged}, reopened {reopened}"
    );
    let first = day_number(beijing(start, 12).naive_utc());
    let day = |d: i32| (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(d.into())).to_string();
    let periods = [(first, first + DAYS as i32 - 1), (first + 30, first + 60)];
    let n = now.naive_utc();
    for (from, to) in periods {
        for by in ["unit", "region", "kind", "category", "channel"] {
            let (status, api) = sim
                .stats(
                    Role::Admin,
                    "370000-office",
                    &format!("from={}&to={}&group_by={by}", day(from), day(to)),
                )
                .await;
            assert_eq!(status, 200, "{api}");
            assert_equal(
                &api,
                &recount(&told, from, to, None, by, n),
                &format!("seed {seed}, {by}, {from}..{to}"),
            );
        }
    }

    // Reach: a city supervisor sees their unit and those below it, never another's.
    let dir = sim.app.state.router.directory.clone();
    let city = dir.unit("370900-police").expect("the Tai'an police");
    let reach: BTreeSet<String> = (0..dir.units.len())
        .filter(|&u| u == city || dir.is_subordinate(u, city))
        .map(|u| dir.units[u].code.clone())
        .collect();
    assert!(reach.len() > 1);
    let (from, to) = periods[0];
    let q = format!("from={}&to={}&group_by=unit", day(from), day(to));
    let (status, api) = sim.stats(Role::Supervisor, "370900-police", &q).await;
    assert_eq!(status, 200);
    for g in api["groups"].as_array().unwrap() {
        assert!(
            reach.contains(g["key"].as_str().unwrap()),
            "seed {seed}: {} is out of reach",
            g["key"]
        );
    }
    assert_equal(
        &api,
        &recount(&told, from, to, Some(&reach), "unit", n),
        "supervisor by unit",
    );
    let (_, api) = sim
        .stats(Role::Supervisor, "370900-police", &q.replace("unit", "kind"))
        .await;
    assert_equal(
        &api,
        &recount(&told, from, to, Some(&reach), "kind", n),
        "supervisor by kind",
    );
    // A handler sees their own unit only, and may not ask for another.
    let own: BTreeSet<String> = ["370983-police".to_owned()].into();
    let (_, api) = sim.stats(Role::Handler, "370983-police", &q).await;
    assert_equal(&api, &recount(&told, from, to, Some(&own), "unit", n), "handler");
    let (status, _) = sim
        .stats(Role::Handler, "370983-police", &format!("{q}&unit=370902-police"))
        .await;
    assert_eq!(status, 403);
    let (status, _) = sim
        .stats(
            Role::Supervisor,
            "370900-police",
            &format!("{q}&unit=370100-police&below=true"),
        )
        .await;
    assert_eq!(status, 403);
    // One unit with those below it, asked for explicitly, is the same as the supervisor's reach.
    let (_, api) = sim
        .stats(
            Role::Admin,
            "370000-office",
            &format!("{q}&unit=370900-police&below=true"),
        )
        .await;
    assert_equal(
        &api,
        &recount(&told, from, to, Some(&reach), "unit", n),
        "a unit and those below",
    );
}

async fn bad_requests_get_field_messages_not_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.staff_token("stats-admin", "370000-office", Role::Admin).await;
    for (query, field) in [
        ("from=2026-13-01&to=2026-11-30", "from"),
        ("period=fortnight", "period"),
        ("period=custom&from=2026-11-01", "to"),
        ("group_by=colour", "group_by"),
        ("from=2020-01-01&to=2026-01-01", "to"),
    ] {
        let resp = app
            .staff_get(&token, &format!("/api/v1/staff/stats?{query}"))
            .await;
        assert_eq!(resp.status(), 422, "{query}");
        let v: Value = resp.json().await.unwrap();
        assert!(v.to_string().contains(field), "{query}: {v}");
    }
    // Nothing received yet: counts are 0 and every rate is "no number", never 0 % or 100 %.
    let resp = app
        .staff_get(&token, "/api/v1/staff/stats?period=this_month")
        .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["total"]["counts"]["received"], 0);
    assert!(v["total"]["rates"]["closure_rate"]["percent"].is_null());
    let resp = app
        .client
        .get(app.url("/api/v1/staff/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

on_both_backends!(
    figures_equal_a_recount_from_the_timeline,
    bad_requests_get_field_messages_not_errors,
    seeded_history_recounts_exactly
);

/// `seed-demo`'s year of history is a history the service could have made: its figures, too,
/// recount exactly from its timelines.
async fn seeded_history_recounts_exactly(backend: Backend) {
    use minsheng::services::seed::{self, SeedPlan};
    let app = TestApp::spawn(backend).await;
    let st = &app.state;
    let plan = SeedPlan {
        cases: 3000,
        unit: "370983-police",
        unit_open: 50,
        months: 12,
        seed: 7,
    };
    assert_eq!(
        seed::seed(&st.db, &st.catalog, &st.sla, &plan).await.unwrap(),
        3000
    );
    let now = Utc::now() + Duration::minutes(1);
    st.clock.set(now);
    let token = app.staff_token("seed-admin", "370000-office", Role::Admin).await;
    let told = retell(&app);
    // Plausible proportions: every state and every event-attributed figure occurs.
    for state in [
        "pending_dispatch",
        "assigned",
        "accepted",
        "rejected",
        "resolved",
        "closed",
        "reopened",
    ] {
        let states: BTreeMap<&str, usize> = told.iter().fold(BTreeMap::new(), |mut m, t| {
            *m.entry(t.state.as_str()).or_default() += 1;
            m
        });
        assert!(
            told.iter().any(|t| t.state == state),
            "no seeded case is {state}: {states:?}"
        );
    }
    assert!(
        told.iter().any(|t| t.linked),
        "no seeded case is linked to a matter"
    );
    for fig in EVENT_COUNTS.iter().filter(|f| **f != "transferred_in") {
        assert!(
            told.iter().any(|t| t.at_units.contains_key(fig)),
            "no seeded case is {fig}"
        );
    }
    let last = day_number(now.naive_utc());
    let (from, to) = (last - 400, last);
    let day = |d: i32| (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(d.into())).to_string();
    for by in ["unit", "kind"] {
        let resp = app
            .staff_get(
                &token,
                &format!(
                    "/api/v1/staff/stats?from={}&to={}&group_by={by}",
                    day(from),
                    day(to)
                ),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let api: Value = resp.json().await.unwrap();
        assert_equal(
            &api,
            &recount(&told, from, to, None, by, now.naive_utc()),
            &format!("seeded, {by}"),
        );
    }
}
