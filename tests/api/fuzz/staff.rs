//! The staff's side under fuzzing: sign-in, the queue's filters and search, case actions and
//! publishing (pages and API), the events admin, the statistics, the ledger, and bearer tokens.

use minsheng::domain::kind::Role;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use super::{check, encoded, field, form, header, segment, spoil, text, with_query, Draw, Spoil, CASES};
use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

const PASSWORD: &str = "a long enough password";

async fn post_form(app: &TestApp, browser: &reqwest::Client, path: &str, body: Vec<u8>) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

const LOGIN: &[(&str, &str)] = &[("username", "fuzz.handler"), ("password", PASSWORD)];

const QUEUE: &[(&str, &str)] = &[
    ("state", "assigned"),
    ("kind", "complaint"),
    ("category", "service_attitude"),
    ("channel", "web"),
    ("q", "窗口"),
    ("overdue", "true"),
];

const ACTION: &[(&str, &str)] = &[
    ("reason", "情况需要进一步核实，请补充材料。"),
    ("unit", "370983-procuratorate"),
    ("days", "10"),
    ("outcome", "substantiated"),
    ("result", "经核查情况属实，已对相关民警批评教育。"),
    ("into", "MS-0000-0000-0000"),
    ("deadline", "2030-01-01"),
    ("note", "请于月底前办结。"),
];

const PUBLISH: &[(&str, &str)] = &[
    ("summary", "群众反映派出所窗口排队时间长。"),
    ("answer", "已增开窗口，排队时间明显缩短。"),
];

const EVENT: &[(&str, &str)] = &[
    ("host_unit", "370983-police"),
    ("title", "肥城市公安局开放日"),
    ("place", "新城派出所大厅"),
    ("starts_at", "2026-12-01T09:00"),
    ("ends_at", "2026-12-01T17:00"),
    ("name", "大厅一号机"),
    ("visitors", "120"),
    ("id", "1"),
];

const STATS: &[(&str, &str)] = &[
    ("period", "custom"),
    ("from", "2026-01-01"),
    ("to", "2026-06-30"),
    ("group_by", "unit"),
    ("unit", "370900-police"),
    ("below", "true"),
    ("kind", "complaint"),
    ("category", "service_attitude"),
    ("channel", "web"),
    ("region", "370983"),
    ("event", "1"),
    ("count", "received"),
    ("group", "370983-police"),
    ("after", "0"),
    ("per", "20"),
];

/// A browser signed in as a new member of staff, and their API token.
async fn signed_in(app: &TestApp, name: &str, unit: &str, role: Role) -> (reqwest::Client, String) {
    let token = app.staff_token(name, unit, role).await;
    let browser = TestApp::new_client();
    assert_eq!(app.sign_in(&browser, name, PASSWORD).await.status(), 303);
    (browser, token)
}

async fn get(app: &TestApp, browser: &reqwest::Client, what: &str, url: &str) {
    let before = app.submission_count();
    let resp = browser.get(app.url(url)).send().await.unwrap();
    check(app, before, what, &url, resp).await;
}

async fn api_get(app: &TestApp, token: &str, what: &str, url: &str) {
    let before = app.submission_count();
    let resp = app.staff_get(token, url).await;
    check(app, before, what, &url, resp).await;
}

async fn sign_in_and_queues_take_any_text(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.login_burst = 10_000;
        s.limits.login_per_minute = 10_000;
    })
    .await;
    let mut draw = Draw::new();
    let (handler, token) = signed_in(&app, "fuzz.handler", "370983-police", Role::Handler).await;
    let (supervisor, _) = signed_in(&app, "fuzz.supervisor", "370900-police", Role::Supervisor).await;
    app.submit(&valid_json(1)).await;

    // Each failed sign-in spends a password hash's time: fewer cases here.
    let stranger = TestApp::new_client();
    let csrf = app.csrf_token(&stranger, "/handler/login").await;
    for _ in 0..CASES / 4 {
        let (mut form, how) = draw.one((super::form(LOGIN), spoil()));
        form.push(("csrf_token", csrf.clone()));
        let before = app.submission_count();
        let resp = post_form(&app, &stranger, "/handler/login", encoded(&form, how, "username")).await;
        check(&app, before, "POST /handler/login", &form, resp).await;
    }

    for _ in 0..CASES {
        let (mut pairs, cursor, how) = draw.one((form(QUEUE), text("MTIzOjQ1"), spoil()));
        get(
            &app,
            &handler,
            "GET /handler",
            &with_query("/handler", &pairs, how, "q"),
        )
        .await;
        get(
            &app,
            &supervisor,
            "GET /handler/supervision",
            &with_query("/handler/supervision", &pairs, how, "q"),
        )
        .await;
        api_get(
            &app,
            &token,
            "GET /api/v1/staff/queue",
            &with_query("/api/v1/staff/queue", &pairs, how, "q"),
        )
        .await;
        pairs.push(("cursor", cursor.clone()));
        get(
            &app,
            &handler,
            "GET /handler",
            &with_query("/handler", &pairs, how, "cursor"),
        )
        .await;
        pairs.retain(|(k, _)| *k != "overdue");
        api_get(
            &app,
            &token,
            "GET /api/v1/staff/queue",
            &with_query("/api/v1/staff/queue", &pairs, how, "cursor"),
        )
        .await;
        // A bearer token of any text.
        if let Some(bearer) = header(&format!("Bearer {cursor}")) {
            let before = app.submission_count();
            let resp = app
                .client
                .get(app.url("/api/v1/staff/queue"))
                .header("authorization", bearer)
                .send()
                .await
                .unwrap();
            check(&app, before, "GET /api/v1/staff/queue (bearer)", &cursor, resp).await;
        }
    }
}

const ACTIONS: &[&str] = &[
    "reject",
    "decline",
    "escalate",
    "transfer",
    "merge",
    "request_extension",
    "resolve",
    "supervise",
    "dispatch",
    "reveal_identity",
    "accept",
];

/// An action as the case page posts it: a known action (mostly), its fields as [`form`] draws them.
fn action_fields() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let action = prop_oneof![4 => select(ACTIONS).prop_map(str::to_owned), 1 => text("reject")];
    (action, form(ACTION)).prop_map(|(action, mut fields)| {
        fields.insert(0, ("action", action));
        fields
    })
}

fn as_json(fields: &[(&str, String)]) -> Value {
    let mut object: serde_json::Map<String, Value> =
        fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    object.insert(
        "days".into(),
        json!(field(fields, "days").trim().parse::<u32>().ok()),
    );
    Value::Object(object)
}

async fn case_actions_take_any_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut draw = Draw::new();
    let (handler, token) = signed_in(&app, "fuzz.handler", "370983-police", Role::Handler).await;
    let (supervisor, boss) = signed_in(&app, "fuzz.supervisor", "370900-police", Role::Supervisor).await;
    let (web_case, _) = app.submit(&valid_json(1)).await;
    let (api_case, _) = app.submit(&valid_json(2)).await;
    let csrf = app
        .csrf_token(&handler, &format!("/handler/cases/{web_case}"))
        .await;
    let boss_csrf = app
        .csrf_token(&supervisor, &format!("/handler/cases/{web_case}"))
        .await;
    for _ in 0..CASES {
        let (mut fields, how, path) = draw.one((action_fields(), spoil(), text("MS-0000-0000-0000")));
        let body = as_json(&fields);
        let before = app.submission_count();
        let resp = app.staff_act(&token, &api_case, body.clone()).await;
        check(
            &app,
            before,
            "POST /api/v1/staff/cases/{code}/actions",
            &body,
            resp,
        )
        .await;
        let resp = app.staff_act(&boss, &api_case, body.clone()).await;
        check(
            &app,
            before,
            "POST /api/v1/staff/cases/{code}/actions (supervisor)",
            &body,
            resp,
        )
        .await;
        let resp = app.staff_act(&token, &segment(&path), body.clone()).await;
        check(
            &app,
            before,
            "POST /api/v1/staff/cases/{path}/actions",
            &(&path, &body),
            resp,
        )
        .await;

        fields.push(("csrf_token", csrf.clone()));
        let url = format!("/handler/cases/{web_case}/actions");
        let resp = post_form(&app, &handler, &url, encoded(&fields, how, "reason")).await;
        check(
            &app,
            before,
            "POST /handler/cases/{code}/actions",
            &(&fields, how),
            resp,
        )
        .await;
        fields.pop();
        fields.push(("csrf_token", boss_csrf.clone()));
        let resp = post_form(&app, &supervisor, &url, encoded(&fields, how, "note")).await;
        check(
            &app,
            before,
            "POST /handler/cases/{code}/actions (supervisor)",
            &(&fields, how),
            resp,
        )
        .await;
        let url = format!("/handler/cases/{}/actions", segment(&path));
        let resp = post_form(&app, &handler, &url, encoded(&fields, how, "reason")).await;
        check(
            &app,
            before,
            "POST /handler/cases/{path}/actions",
            &(&path, &fields),
            resp,
        )
        .await;
        get(
            &app,
            &handler,
            "GET /handler/cases/{path}",
            &format!("/handler/cases/{}", segment(&path)),
        )
        .await;
        api_get(
            &app,
            &token,
            "GET /api/v1/staff/cases/{path}",
            &format!("/api/v1/staff/cases/{}", segment(&path)),
        )
        .await;

        let texts = draw.one(form(PUBLISH));
        let (summary, answer) = (
            field(&texts, "summary").to_owned(),
            field(&texts, "answer").to_owned(),
        );
        let publish = json!({"summary": summary, "answer": answer});
        let before = app.submission_count();
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/staff/cases/{api_case}/publish")))
            .bearer_auth(&token)
            .json(&publish)
            .send()
            .await
            .unwrap();
        check(
            &app,
            before,
            "POST /api/v1/staff/cases/{code}/publish",
            &publish,
            resp,
        )
        .await;
        let form = [
            ("csrf_token", csrf.clone()),
            ("summary", summary),
            ("answer", answer),
        ];
        let url = format!("/handler/cases/{web_case}/publish");
        let resp = post_form(&app, &handler, &url, encoded(&form, how, "answer")).await;
        check(&app, before, "POST /handler/cases/{code}/publish", &form, resp).await;
    }
}

async fn events_stats_and_ledger_take_any_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut draw = Draw::new();
    let (admin, _) = signed_in(&app, "fuzz.admin", "370000-office", Role::Admin).await;
    let (supervisor, token) = signed_in(&app, "fuzz.supervisor", "370900-police", Role::Supervisor).await;
    app.submit(&valid_json(1)).await;
    let csrf = app.csrf_token(&admin, "/handler/events").await;
    for _ in 0..CASES {
        let (fields, how) = draw.one((form(EVENT), spoil()));
        let form = [
            ("csrf_token", csrf.clone()),
            ("host_unit", field(&fields, "host_unit").to_owned()),
            ("title", field(&fields, "title").to_owned()),
            ("place", field(&fields, "place").to_owned()),
            ("starts_at", field(&fields, "starts_at").to_owned()),
            ("ends_at", field(&fields, "ends_at").to_owned()),
        ];
        let before = app.submission_count();
        let resp = post_form(&app, &admin, "/handler/events", encoded(&form, how, "title")).await;
        check(&app, before, "POST /handler/events", &form, resp).await;
        let id = field(&fields, "id").to_owned();
        let (kiosk, visitors) = (
            field(&fields, "name").to_owned(),
            field(&fields, "visitors").to_owned(),
        );
        let seg = segment(&id);
        let form = [
            ("csrf_token", csrf.clone()),
            ("name", kiosk),
            ("visitors", visitors),
        ];
        for path in [
            format!("/handler/events/{seg}/kiosks"),
            format!("/handler/events/{seg}/visitors"),
        ] {
            let resp = post_form(&app, &admin, &path, encoded(&form, how, "name")).await;
            check(&app, before, "POST /handler/events/{id}/…", &(&path, &form), resp).await;
        }
        let resp = post_form(
            &app,
            &admin,
            "/handler/events/1/kiosks",
            encoded(&form, how, "name"),
        )
        .await;
        check(&app, before, "POST /handler/events/1/kiosks", &form, resp).await;
        get(
            &app,
            &admin,
            "GET /api/v1/events/{id}/stats",
            &format!("/api/v1/events/{seg}/stats"),
        )
        .await;
        let resp = post_form(
            &app,
            &admin,
            &format!("/handler/kiosks/{seg}/revoke"),
            encoded(&form[..1], Spoil::None, ""),
        )
        .await;
        check(&app, before, "POST /handler/kiosks/{id}/revoke", &id, resp).await;
    }

    for _ in 0..CASES {
        let (all, how) = draw.one((form(STATS), spoil()));
        let (mut pairs, extra): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|(k, _)| !["count", "group", "after", "per"].contains(k));
        get(
            &app,
            &supervisor,
            "GET /handler/stats",
            &with_query("/handler/stats", &pairs, how, "unit"),
        )
        .await;
        get(
            &app,
            &supervisor,
            "GET /handler/stats/ledger.csv",
            &with_query("/handler/stats/ledger.csv", &pairs, how, "kind"),
        )
        .await;
        api_get(
            &app,
            &token,
            "GET /api/v1/staff/stats",
            &with_query("/api/v1/staff/stats", &pairs, how, "region"),
        )
        .await;
        pairs.extend(extra);
        get(
            &app,
            &supervisor,
            "GET /handler/stats/cases",
            &with_query("/handler/stats/cases", &pairs, how, "group"),
        )
        .await;
    }
}

on_both_backends!(
    sign_in_and_queues_take_any_text,
    case_actions_take_any_text,
    events_stats_and_ledger_take_any_text,
);
