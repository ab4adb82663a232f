//! The staff's side under fuzzing: sign-in, the queue's filters and search, case actions and
//! publishing (pages and API), the events admin, the statistics, the ledger, and bearer tokens.

use minsheng::domain::kind::Role;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use super::{check, encoded, header, segment, spoil, text, with_query, Draw, Spoil, CASES};
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
        let (username, password, how) = draw.one((text("fuzz.handler"), text(PASSWORD), spoil()));
        let form = [
            ("csrf_token", csrf.clone()),
            ("username", username),
            ("password", password),
        ];
        let before = app.submission_count();
        let resp = post_form(&app, &stranger, "/handler/login", encoded(&form, how, "username")).await;
        check(&app, before, "POST /handler/login", &form, resp).await;
    }

    let filters = (
        (text("assigned"), text("complaint"), text("service_attitude")),
        (text("web"), text("窗口"), text("true")),
        (text("MTIzOjQ1"), spoil()),
    );
    for _ in 0..CASES {
        let ((state, kind, category), (channel, q, overdue), (cursor, how)) = draw.one(&filters);
        let mut pairs = vec![
            ("state", state),
            ("kind", kind),
            ("category", category),
            ("channel", channel),
            ("q", q),
            ("overdue", overdue),
        ];
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

/// An action as the case page posts it: a known action (mostly), its text fields spiked.
fn action_fields() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        prop_oneof![4 => select(ACTIONS).prop_map(str::to_owned), 1 => text("reject")],
        (
            text("情况需要进一步核实，请补充材料。"),
            text("370983-procuratorate"),
            text("10"),
        ),
        (
            text("substantiated"),
            text("经核查情况属实，已对相关民警批评教育。"),
            text("MS-0000-0000-0000"),
        ),
        (text("2030-01-01"), text("请于月底前办结。")),
    )
        .prop_map(
            |(action, (reason, unit, days), (outcome, result, into), (deadline, note))| {
                vec![
                    ("action", action),
                    ("reason", reason),
                    ("unit", unit),
                    ("days", days),
                    ("outcome", outcome),
                    ("result", result),
                    ("into", into),
                    ("deadline", deadline),
                    ("note", note),
                ]
            },
        )
}

fn as_json(fields: &[(&str, String)]) -> Value {
    let mut object: serde_json::Map<String, Value> =
        fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    object.insert("days".into(), json!(fields[3].1.trim().parse::<u32>().ok()));
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

        let (summary, answer) = draw.one((
            text("群众反映派出所窗口排队时间长。"),
            text("已增开窗口，排队时间明显缩短。"),
        ));
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
    let fields = (
        (
            text("370983-police"),
            text("肥城市公安局开放日"),
            text("新城派出所大厅"),
        ),
        (
            text("2026-12-01T09:00"),
            text("2026-12-01T17:00"),
            text("大厅一号机"),
        ),
        (text("120"), text("1"), spoil()),
    );
    for _ in 0..CASES {
        let ((host, title, place), (starts, ends, kiosk), (visitors, id, how)) = draw.one(&fields);
        let form = [
            ("csrf_token", csrf.clone()),
            ("host_unit", host),
            ("title", title),
            ("place", place),
            ("starts_at", starts),
            ("ends_at", ends),
        ];
        let before = app.submission_count();
        let resp = post_form(&app, &admin, "/handler/events", encoded(&form, how, "title")).await;
        check(&app, before, "POST /handler/events", &form, resp).await;
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

    let params = (
        (
            text("custom"),
            text("2026-01-01"),
            text("2026-06-30"),
            text("unit"),
        ),
        (
            text("370900-police"),
            text("true"),
            text("complaint"),
            text("service_attitude"),
        ),
        (text("web"), text("370983"), text("1"), text("received")),
        (text("370983-police"), text("0"), text("20"), spoil()),
    );
    for _ in 0..CASES {
        let (
            (period, from, to, group_by),
            (unit, below, kind, category),
            (channel, region, event, count),
            (group, after, per, how),
        ) = draw.one(&params);
        let mut pairs = vec![
            ("period", period),
            ("from", from),
            ("to", to),
            ("group_by", group_by),
            ("unit", unit),
            ("below", below),
            ("kind", kind),
            ("category", category),
            ("channel", channel),
            ("region", region),
            ("event", event),
        ];
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
        pairs.extend([("count", count), ("group", group), ("after", after), ("per", per)]);
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
