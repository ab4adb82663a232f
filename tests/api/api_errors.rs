//! Every class of API error, and a table of bad inputs: each gets the right 4xx, a JSON error in
//! the documented shape, and stores nothing.

use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

fn with(field: &str, value: Value) -> Value {
    let mut v = valid_json(1);
    v[field] = value;
    v
}

fn without(field: &str) -> Value {
    let mut v = valid_json(1);
    v.as_object_mut().unwrap().remove(field);
    v
}

/// (what, body, expected status, field expected in `fields` if any)
fn bad_inputs() -> Vec<(&'static str, Value, u16, Option<&'static str>)> {
    vec![
        ("kind missing", without("kind"), 422, Some("kind")),
        ("kind empty", with("kind", json!("")), 422, Some("kind")),
        ("kind unknown", with("kind", json!("praise")), 422, Some("kind")),
        ("kind is a number", with("kind", json!(3)), 422, Some("kind")),
        (
            "category of another kind",
            with("category", json!("illegal_business")),
            422,
            Some("category"),
        ),
        (
            "category unknown",
            with("category", json!("weather")),
            422,
            Some("category"),
        ),
        (
            "region unknown",
            with("region", json!("999999")),
            422,
            Some("region"),
        ),
        (
            "region is an array",
            with("region", json!(["370983"])),
            422,
            Some("region"),
        ),
        ("body missing", without("body"), 422, Some("body")),
        ("body empty", with("body", json!("")), 422, Some("body")),
        (
            "body only spaces",
            with("body", json!("          \n   ")),
            422,
            Some("body"),
        ),
        (
            "body too short",
            with("body", json!("太短了太短了")),
            422,
            Some("body"),
        ),
        (
            "body 5001 characters",
            with("body", json!("字".repeat(5001))),
            422,
            Some("body"),
        ),
        (
            "body with a NUL",
            with("body", json!("这是一段正常的文字\u{0}后面还有")),
            422,
            Some("body"),
        ),
        (
            "body with bidi override",
            with("body", json!("这是一段正常的文字\u{202E}后面还有")),
            422,
            Some("body"),
        ),
        (
            "body is an object",
            with("body", json!({"text": "hello hello hello"})),
            422,
            Some("body"),
        ),
        (
            "title 101 characters",
            with("title", json!("题".repeat(101))),
            422,
            Some("title"),
        ),
        (
            "title with a newline",
            with("title", json!("第一行\n第二行")),
            422,
            Some("title"),
        ),
        (
            "name 51 characters",
            with("name", json!("名".repeat(51))),
            422,
            Some("name"),
        ),
        (
            "phone not a phone",
            with("phone", json!("12345")),
            422,
            Some("phone"),
        ),
        (
            "phone is a number",
            with("phone", json!(13800138000u64)),
            422,
            Some("phone"),
        ),
        (
            "email invalid",
            with("email", json!("not-an-email")),
            422,
            Some("email"),
        ),
        (
            "ID with a bad check digit",
            with("id_number", json!("110105194912310021")),
            422,
            Some("id_number"),
        ),
        (
            "ID too short",
            with("id_number", json!("11010519491231")),
            422,
            Some("id_number"),
        ),
        (
            "target unit unknown",
            with("target_unit", json!("370983-army")),
            422,
            Some("target_unit"),
        ),
        (
            "anonymous complaint",
            with("anonymous", json!(true)),
            422,
            Some("anonymous"),
        ),
        (
            "anonymous is a string",
            with("anonymous", json!("yes")),
            422,
            Some("anonymous"),
        ),
        (
            "unknown field",
            with("favourite_colour", json!("red")),
            422,
            Some("favourite_colour"),
        ),
        ("top level is an array", json!([valid_json(1)]), 400, None),
        ("top level is a string", json!("hello"), 400, None),
        ("top level is null", Value::Null, 400, None),
    ]
}

async fn bad_inputs_get_4xx_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = bad_inputs();
    assert!(cases.len() >= 20);
    for (what, body, status, field) in cases {
        let resp = app.post_json(&body).await;
        assert_eq!(resp.status().as_u16(), status, "{what}");
        let error: Value = resp.json().await.unwrap();
        let code = error["error"]["code"].as_str().unwrap_or_default();
        assert!(!code.is_empty(), "{what}: {error}");
        assert!(
            error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        if let Some(field) = field {
            let messages = error["error"]["fields"][field].as_array();
            assert!(messages.is_some_and(|m| !m.is_empty()), "{what}: {error}");
        }
        assert_eq!(app.submission_count(), 0, "{what} stored something");
    }
    assert_eq!(app.event_count(), 0);
}

async fn every_problem_is_reported_in_the_users_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = valid_json(1);
    body["body"] = json!("短");
    body["phone"] = json!("123");
    body["lang"] = json!("en");
    let resp = app.post_json(&body).await;
    assert_eq!(resp.status(), 422);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "validation_failed");
    let fields = error["error"]["fields"].as_object().unwrap();
    assert_eq!(fields.len(), 2, "{error}");
    assert!(fields["body"][0].as_str().unwrap().contains("at least 10"));

    let resp = app.post_json(&with("body", json!("短"))).await;
    let error: Value = resp.json().await.unwrap();
    assert!(error["error"]["fields"]["body"][0]
        .as_str()
        .unwrap()
        .contains("至少需要 10 个字"));
}

async fn malformed_json_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .client
        .post(app.url("/api/v1/submissions"))
        .header("content-type", "application/json")
        .body("{\"kind\": \"complaint\", ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "malformed_request");
    assert_eq!(app.submission_count(), 0);
}

async fn wrong_content_type_is_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .client
        .post(app.url("/api/v1/submissions"))
        .header("content-type", "text/plain")
        .body(serde_json::to_string(&valid_json(1)).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "unsupported_media_type");
    assert_eq!(app.submission_count(), 0);
}

async fn a_megabyte_of_json_is_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app.post_json(&with("body", json!("x".repeat(1 << 20)))).await;
    assert_eq!(resp.status(), 413);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_too_large");
    assert_eq!(app.submission_count(), 0);
}

async fn unknown_paths_are_404_json_under_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "not_found");
    let page = app.client.get(app.url("/nothing-here")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("没有找到"));
}

on_both_backends!(
    bad_inputs_get_4xx_and_store_nothing,
    every_problem_is_reported_in_the_users_language,
    malformed_json_is_400,
    wrong_content_type_is_415,
    a_megabyte_of_json_is_413,
    unknown_paths_are_404_json_under_the_api,
);
