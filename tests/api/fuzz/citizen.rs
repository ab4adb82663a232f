//! The citizen's side under fuzzing: the web form, the kiosk, the JSON API, the status look-up,
//! the rating and the public board.

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::mail::rating_link::{self, RatingClaim};
use minsheng::services::open_days::{self, EventInput};
use minsheng::storage::submissions;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};

use super::{check, encoded, field, form, header, segment, spoil, text, with_query, Draw, CASES};
use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

/// The submission form's fields, valid.
const SUBMISSION: &[(&str, &str)] = &[
    ("kind", "complaint"),
    ("category", "service_attitude"),
    ("region", "370983"),
    ("target_unit", "370983-police"),
    ("title", "派出所窗口排长队"),
    ("body", "肥城市某派出所户籍窗口只开一个，排队两个小时没有人管。"),
    ("name", "李明"),
    ("phone", "13800138000"),
    ("email", "citizen@example.com"),
    ("id_number", "11010519491231002X"),
    ("publishable", "on"),
];

/// The API's text fields, valid.
const SUBMISSION_API: &[(&str, &str)] = &[
    ("kind", "complaint"),
    ("category", "service_attitude"),
    ("region", "370983"),
    ("target_unit", "370983-police"),
    ("title", "派出所窗口排长队"),
    ("body", "肥城市某派出所户籍窗口只开一个，排队两个小时没有人管。"),
    ("name", "李明"),
    ("phone", "13800138000"),
    ("email", "citizen@example.com"),
    ("lang", "zh"),
];

const RATING: &[(&str, &str)] = &[("rating", "satisfied"), ("comment", "谢谢，处理得很及时。")];

const BOARD: &[(&str, &str)] = &[
    ("q", "窗口"),
    ("region", "370983"),
    ("category", "service_attitude"),
    ("months", "370983"),
    ("page", "1"),
];

fn submission_fields() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    form(SUBMISSION)
}

/// A 1 MB form body: far past every limit.
fn huge(csrf: &str) -> Vec<u8> {
    let mut body = format!("csrf_token={csrf}&kind=complaint&body=").into_bytes();
    body.extend(std::iter::repeat_n(b'A', 1 << 20));
    body
}

async fn post_form(app: &TestApp, browser: &reqwest::Client, path: &str, body: Vec<u8>) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn web_form_and_kiosk_take_any_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut draw = Draw::new();

    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    for _ in 0..CASES {
        let (mut fields, how) = draw.one((submission_fields(), spoil()));
        fields.push(("csrf_token", csrf.clone()));
        let before = app.submission_count();
        let resp = post_form(&app, &browser, "/submit", encoded(&fields, how, "body")).await;
        check(&app, before, "POST /submit", &(&fields, how), resp).await;
    }
    let before = app.submission_count();
    let resp = post_form(&app, &browser, "/submit", huge(&csrf)).await;
    check(&app, before, "POST /submit", &"a 1 MB body", resp).await;

    // The kiosk: enrolled at an open day, a fresh idempotency key per form.
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let event = EventInput {
        host_unit: "370983-police".into(),
        title: "肥城市公安局开放日".into(),
        place: "新城派出所大厅".into(),
        starts_at: Some(Utc::now() - Duration::hours(1)),
        ends_at: Some(Utc::now() + Duration::hours(5)),
    };
    let event = open_days::add_event(db, catalog, &event).await.unwrap();
    let (_, code) = open_days::add_kiosk(db, event, "大厅一号机").await.unwrap();
    let screen = TestApp::new_client();
    let csrf = app.csrf_token(&screen, "/kiosk").await;
    let enrol = [("csrf_token", csrf.clone()), ("code", code)];
    let resp = post_form(
        &app,
        &screen,
        "/kiosk/enrol",
        encoded(&enrol, super::Spoil::None, ""),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let csrf = app.csrf_token(&screen, "/kiosk").await;
    for _ in 0..CASES {
        let (mut fields, how, key) = draw.one((submission_fields(), spoil(), text("k-0")));
        fields.push(("csrf_token", csrf.clone()));
        fields.push(("idempotency_key", format!("{key}{}", uuid::Uuid::new_v4())));
        let before = app.submission_count();
        let resp = post_form(&app, &screen, "/kiosk", encoded(&fields, how, "title")).await;
        check(&app, before, "POST /kiosk", &(&fields, how), resp).await;
    }
    // Enrolment codes and the kiosk's query.
    for _ in 0..CASES / 4 {
        let (code, how) = draw.one((text("ABCD-EFGH-JKMN"), spoil()));
        let fresh = TestApp::new_client();
        let csrf = app.csrf_token(&fresh, "/kiosk").await;
        let body = encoded(&[("csrf_token", csrf), ("code", code.clone())], how, "code");
        let before = app.submission_count();
        let resp = post_form(&app, &fresh, "/kiosk/enrol", body).await;
        check(&app, before, "POST /kiosk/enrol", &code, resp).await;
        let url = with_query(
            "/kiosk",
            &[("assist", code.clone()), ("lang", code.clone())],
            how,
            "lang",
        );
        let resp = screen.get(app.url(&url)).send().await.unwrap();
        check(&app, before, "GET /kiosk", &url, resp).await;
    }
}

/// A JSON value that is no string.
fn not_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(json!(["a", {"b": "\u{0}"}])),
    ]
}

async fn api_submissions_take_any_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut draw = Draw::new();
    let odd = prop::option::weighted(0.2, (any::<Index>(), not_text()));
    for _ in 0..CASES {
        let (fields, odd, surrogate) = draw.one((form(SUBMISSION_API), &odd, prop::bool::weighted(0.15)));
        let mut object: Map<String, Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        if let Some((at, value)) = odd {
            let key = fields[at.index(fields.len())].0;
            object.insert(key.to_owned(), value);
        }
        let mut raw = serde_json::to_string(&Value::Object(object)).unwrap();
        if surrogate {
            // A lone surrogate is valid JSON text but no Unicode string.
            raw = raw.replacen("\"body\":\"", "\"body\":\"\\ud800x\\udfff", 1);
        }
        let before = app.submission_count();
        let resp = app
            .client
            .post(app.url("/api/v1/submissions"))
            .header("content-type", "application/json")
            .body(raw.clone())
            .send()
            .await
            .unwrap();
        check(&app, before, "POST /api/v1/submissions", &raw, resp).await;
    }
    let mut bad_bytes = br#"{"kind":"complaint","body":""#.to_vec();
    bad_bytes.extend([0xFF, 0xFE, 0xC0, 0x80, b'"', b'}']);
    let mut huge = br#"{"kind":"complaint","body":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'A', 1 << 20));
    huge.extend(br#""}"#);
    for body in [
        bad_bytes,
        huge,
        br#"{"body": "\u0000\u202e"}"#.to_vec(),
        b"\0".to_vec(),
    ] {
        let before = app.submission_count();
        let resp = app
            .client
            .post(app.url("/api/v1/submissions"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        check(&app, before, "POST /api/v1/submissions", &body.len(), resp).await;
    }
}

async fn status_rating_and_board_take_any_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut draw = Draw::new();
    let handler = app
        .staff_token("fuzz.handler", "370983-police", Role::Handler)
        .await;
    let (code, key) = app.submit(&valid_json(1)).await;
    for action in [
        json!({"action": "accept"}),
        json!({"action": "resolve", "outcome": "substantiated", "result": "经核查情况属实，已对相关民警批评教育。"}),
    ] {
        assert_eq!(app.staff_act(&handler, &code, action).await.status(), 200);
    }
    let row = app.with_db(|c| submissions::find_by_code(c, &code).unwrap().unwrap());
    let claim = RatingClaim {
        tracking_code: code.clone(),
        round: 0,
        until: row.rating_until.unwrap().and_utc().timestamp(),
    };
    let token = rating_link::sign(&app.state.vault, &claim);
    let (code, key): (&'static str, &'static str) = (code.leak(), key.leak());

    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/track").await;
    let rate_path = format!("/rate/{token}");
    let rate_csrf = app.csrf_token(&browser, &rate_path).await;
    let lookup: &'static [(&str, &str)] = Box::leak(vec![("code", code), ("key", key)].into_boxed_slice());
    for _ in 0..CASES {
        let (codes, how) = draw.one((form(lookup), spoil()));
        let (c, k) = (field(&codes, "code").to_owned(), field(&codes, "key").to_owned());
        let before = app.submission_count();
        let form = [
            ("csrf_token", csrf.clone()),
            ("code", c.clone()),
            ("key", k.clone()),
        ];
        let resp = post_form(&app, &browser, "/track", encoded(&form, how, "code")).await;
        check(&app, before, "POST /track", &form, resp).await;
        let url = with_query("/track", &[("code", c.clone())], how, "code");
        let resp = browser.get(app.url(&url)).send().await.unwrap();
        check(&app, before, "GET /track", &url, resp).await;
        let mut get = app
            .client
            .get(app.url(&format!("/api/v1/submissions/{}", segment(&c))));
        if let Some(k) = header(&k) {
            get = get.header("x-access-key", k);
        }
        check(
            &app,
            before,
            "GET /api/v1/submissions/{code}",
            &(&c, &k),
            get.send().await.unwrap(),
        )
        .await;

        let (mut form, path) = draw.one((super::form(RATING), text("x")));
        form.push(("csrf_token", rate_csrf.clone()));
        let resp = post_form(&app, &browser, &rate_path, encoded(&form, how, "comment")).await;
        check(&app, before, "POST /rate/{token}", &form, resp).await;
        let forged = format!("/rate/{}", segment(&path));
        let resp = post_form(&app, &browser, &forged, encoded(&form, how, "comment")).await;
        check(&app, before, "POST /rate/{forged}", &(&path, &form), resp).await;
        let resp = browser.get(app.url(&forged)).send().await.unwrap();
        check(&app, before, "GET /rate/{forged}", &path, resp).await;
    }
    for _ in 0..CASES {
        let (pairs, how) = draw.one((form(BOARD), spoil()));
        let before = app.submission_count();
        let url = with_query("/board", &pairs, how, "q");
        check(
            &app,
            before,
            "GET /board",
            &url,
            browser.get(app.url(&url)).send().await.unwrap(),
        )
        .await;
        let kind = field(&pairs, "region").to_owned();
        let url = with_query("/submit", &[("kind", kind.clone()), ("lang", kind)], how, "kind");
        check(
            &app,
            before,
            "GET /submit",
            &url,
            browser.get(app.url(&url)).send().await.unwrap(),
        )
        .await;
    }
    // The status page still opens with the real code and key.
    let page = app.status_page(&browser, code, key).await;
    assert!(page.contains(code), "the status page still opens");
}

on_both_backends!(
    web_form_and_kiosk_take_any_text,
    api_submissions_take_any_json,
    status_rating_and_board_take_any_text,
);
