//! Open311 GeoReport v2 (issue #15): keys from the command line; the PyPI `georeport` client, JSON
//! Schemas for every response and a FixMyStreet-style client, all in `tests/open311/client.py`
//! against the live server; the case it files lands in the right unit's queue, with the access key
//! working on the citizen's status API. Then what the Rust side checks best: the same routing as
//! the web form, each key's own rate limit, and revocation taking effect at once.

use std::process::Command;

use minsheng::domain::kind::Role;
use minsheng::storage::schema::{open311_requests as o, submissions as s};
use serde_json::{json, Value};

use diesel::prelude::*;

use crate::helpers::{minsheng_binary, valid_json, Backend, TestApp};

/// Runs `minsheng ARGS` against the app's database; returns standard output.
fn cli(app: &TestApp, args: &[&str]) -> String {
    let out = minsheng_binary()
        .env("MINSHENG__DATABASE__URL", &app.settings.database.url)
        .env("MINSHENG__DATA_DIR", &app.settings.data_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "minsheng {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn create_key(app: &TestApp, name: &str) -> String {
    let key = cli(app, &["open311", "key", "create", "--name", name])
        .trim()
        .to_owned();
    assert!(key.starts_with("o311_") && key.len() > 40, "{key}");
    key
}

async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A complaint whose citizen agreed to publication, answered and published by its unit.
async fn published_answer(app: &TestApp, handler: &str) -> String {
    let mut body = valid_json(1);
    body["publishable"] = json!(true);
    let (code, _) = app.submit(&body).await;
    json_of(
        app.staff_act(handler, &code, json!({"action": "accept"})).await,
        200,
    )
    .await;
    let resolve =
        json!({"action": "resolve", "outcome": "partly", "result": "经核实，派出所已增开一个户籍窗口。"});
    json_of(app.staff_act(handler, &code, resolve).await, 200).await;
    let texts = json!({"summary": "群众反映户籍窗口排队过长。", "answer": "派出所已增开一个户籍窗口。"});
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/staff/cases/{code}/publish")))
        .bearer_auth(handler)
        .json(&texts)
        .send()
        .await
        .unwrap();
    json_of(resp, 200).await;
    code
}

async fn the_georeport_client_and_a_fixmystreet_client_file_and_follow_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = create_key(&app, "fixmystreet");
    let other = create_key(&app, "city-app");
    let old = create_key(&app, "old-app");
    assert!(cli(&app, &["open311", "key", "revoke", "--name", "old-app"]).contains("revoked"));
    let listed = cli(&app, &["open311", "key", "list"]);
    assert!(
        listed.contains("fixmystreet") && listed.contains("revoked"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "the list never shows a key");

    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let published = published_answer(&app, &handler).await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/open311/client.py");
    let out = Command::new("python3")
        .arg(script)
        .env("OPEN311_BASE", app.url("/open311/v2"))
        .env("OPEN311_KEY", &key)
        .env("OPEN311_OTHER_KEY", &other)
        .env("OPEN311_REVOKED_KEY", &old)
        .env("OPEN311_PUBLISHED_ID", &published)
        .output()
        .expect("python3 runs (georeport, jsonschema: see scripts/test)");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "the Open311 client failed:\n{stdout}\n{stderr}"
    );
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(result["checks"].as_u64().unwrap() > 100, "{result}");
    let fms_id = result["fms_id"].as_str().unwrap().to_owned();

    // The case the FixMyStreet-style client filed is in the police station's queue…
    let queue = json_of(app.staff_get(&handler, "/api/v1/staff/queue").await, 200).await;
    let codes: Vec<&str> = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&fms_id.as_str()), "{codes:?}");
    // …came through the open311 channel, with its location kept and its key's mark on it…
    let (channel, unit, lat, address): (String, Option<String>, Option<f64>, Option<String>) =
        app.with_db(|c| {
            s::table
                .inner_join(o::table)
                .filter(s::tracking_code.eq(&fms_id))
                .select((s::channel, s::assigned_unit, o::lat, o::address_string))
                .first(c)
                .unwrap()
        });
    assert_eq!(channel, "open311");
    assert_eq!(unit.as_deref(), Some("370983-police"));
    assert_eq!(lat, Some(36.1818));
    assert_eq!(address.as_deref(), Some("肥城市新城路派出所"));
    // …and the access key the integration passed on opens the citizen's status.
    let status = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{fms_id}")))
        .header("x-access-key", result["access_key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(status, 200).await["state"], "assigned");
}

fn report_form(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("api_key", key.to_owned()),
        ("service_code", "report-illegal_business".to_owned()),
        (
            "description",
            "肥城市某派出所民警在辖区内违规经营酒店。".to_owned(),
        ),
        ("attribute[region]", "370983".to_owned()),
        ("attribute[target_unit]", "370983-police".to_owned()),
        ("attribute[anonymous]", "true".to_owned()),
    ]
}

async fn post(app: &TestApp, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url("/open311/v2/requests.json"))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn routing_limits_and_revocation_hold_for_open311(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.open311_burst = 2;
        s.limits.open311_per_minute = 1;
    })
    .await;
    let key = create_key(&app, "fixmystreet");
    let other = create_key(&app, "city-app");

    // A report about the police goes to the discipline body, never to the police, as from the web
    // form.
    let filed = json_of(post(&app, &report_form(&key)).await, 201).await;
    let id = filed[0]["service_request_id"].as_str().unwrap().to_owned();
    let (unit, anonymous): (Option<String>, bool) = app.with_db(|c| {
        s::table
            .filter(s::tracking_code.eq(&id))
            .select((s::assigned_unit, s::anonymous))
            .first(c)
            .unwrap()
    });
    assert_eq!(unit.as_deref(), Some("370983-discipline"));
    assert!(anonymous);
    // The same validation: an anonymous report with a name is refused, naming the spec's field.
    let mut named = report_form(&key);
    named.push(("first_name", "张三".to_owned()));
    let errors = json_of(post(&app, &named).await, 400).await;
    assert!(
        errors[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("attribute[anonymous]"),
        "{errors}"
    );
    // That was the key's second call: the third is refused; the other key is not affected.
    let limited = post(&app, &report_form(&key)).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(json_of(limited, 429).await[0]["code"], 429);
    json_of(post(&app, &report_form(&other)).await, 201).await;
    let before = app.submission_count();

    // Revoked: refused at once, and nothing stored.
    cli(&app, &["open311", "key", "revoke", "--name", "city-app"]);
    json_of(post(&app, &report_form(&other)).await, 403).await;
    let get = app
        .client
        .get(app.url(&format!("/open311/v2/requests/{id}.json?api_key={other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 403);
    assert_eq!(app.submission_count(), before);
    // The api_key is not taken from the query string of a POST.
    let in_url = app
        .client
        .post(app.url(&format!("/open311/v2/requests.json?api_key={key}")))
        .form(&report_form("")[1..])
        .send()
        .await
        .unwrap();
    assert_eq!(in_url.status(), 403);
}

crate::on_both_backends!(
    the_georeport_client_and_a_fixmystreet_client_file_and_follow_cases,
    routing_limits_and_revocation_hold_for_open311,
);
