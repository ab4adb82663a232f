//! Open-day kiosks over HTTP: enrolment, a visitor's submission at the event (routed to the host),
//! the one-time receipt with its QR code, double taps, per-device limits that leave other devices
//! and the web form alone, revocation, staff-assisted entry, and the figures per event.

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::services::open_days::{self as service, EventInput};
use minsheng::storage::submissions;
use serde_json::{json, Value};

use crate::helpers::{hidden_value, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;

/// An open day hosted by the Feicheng police, with one kiosk; returns (event id, enrolment code).
async fn open_day(app: &TestApp) -> (i64, String) {
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    {
        let event = service::add_event(
            db,
            catalog,
            &EventInput {
                host_unit: "370983-police".into(),
                title: "肥城市公安局开放日".into(),
                place: "新城派出所大厅".into(),
                starts_at: Some(Utc::now() - Duration::hours(1)),
                ends_at: Some(Utc::now() + Duration::hours(5)),
            },
        )
        .await
        .unwrap();
        let (_, code) = service::add_kiosk(db, event, "大厅一号机").await.unwrap();
        (event, code)
    }
}

async fn another_kiosk(app: &TestApp, event: i64) -> String {
    service::add_kiosk(&app.state.db, event, "大厅二号机")
        .await
        .unwrap()
        .1
}

/// A browser that enrols as a kiosk with `code`.
async fn enrolled(app: &TestApp, code: &str) -> reqwest::Client {
    let screen = TestApp::new_client();
    let page = screen
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("f-code"), "an unenrolled screen asks for its code");
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let resp = screen
        .post(app.url("/kiosk/enrol"))
        .form(&[("csrf_token", csrf.as_str()), ("code", &code.to_lowercase())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    screen
}

/// The kiosk's blank form: (csrf, idempotency key, html).
async fn blank_form(app: &TestApp, screen: &reqwest::Client, path: &str) -> (String, String, String) {
    let resp = screen.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    (
        hidden_value(&html, "csrf_token").unwrap(),
        hidden_value(&html, "idempotency_key").expect("each form has its own key"),
        html,
    )
}

/// Posts the kiosk form from `screen`.
async fn send(app: &TestApp, screen: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    screen.post(app.url("/kiosk")).form(fields).send().await.unwrap()
}

fn opinion<'a>(csrf: &'a str, key: &'a str, body: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("idempotency_key", key),
        ("kind", "opinion"),
        ("category", "service_attitude"),
        ("region", "370983"),
        ("target_unit", "370983-police"),
        ("title", "大厅指示牌不清楚"),
        ("body", body),
        ("phone", "13800138000"),
    ]
}

async fn a_kiosk_is_enrolled_and_used_by_visitors_in_turn(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, code) = open_day(&app).await;

    // A wrong code enrols nothing.
    let stranger = TestApp::new_client();
    let page = stranger
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let wrong = stranger
        .post(app.url("/kiosk/enrol"))
        .form(&[("csrf_token", csrf.as_str()), ("code", "0000-0000-0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(text_of(&wrong.text().await.unwrap(), "#enrol-error").is_some());

    let screen = enrolled(&app, &code).await;
    let (csrf, key, html) = blank_form(&app, &screen, "/kiosk").await;
    assert!(text_of(&html, "#event").unwrap().contains("肥城市公安局开放日"));
    assert!(html.contains(r#"autocomplete="off""#));
    assert!(html.contains("/static/kiosk.js"));

    // The first visitor makes a mistake, corrects it, and gets a receipt.
    let short = send(&app, &screen, &opinion(&csrf, &key, "太短")).await;
    assert_eq!(short.status(), 422);
    let again = short.text().await.unwrap();
    assert_eq!(
        text_of(&again, "#f-body").unwrap(),
        "太短",
        "what was typed stays"
    );
    assert_eq!(
        hidden_value(&again, "idempotency_key").as_deref(),
        Some(key.as_str())
    );
    let words = "办事大厅的指示牌太小，老年人看不清，建议换成大字的，并安排一名引导员。";
    let sent = send(&app, &screen, &opinion(&csrf, &key, words)).await;
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()["location"], "/kiosk/receipt");
    let receipt = screen.get(app.url("/kiosk/receipt")).send().await.unwrap();
    assert_eq!(receipt.headers()["cache-control"], "no-store");
    let receipt = receipt.text().await.unwrap();
    let tracking = text_of(&receipt, "#tracking-code").unwrap();
    let access_key = text_of(&receipt, "#access-key").unwrap();
    assert!(receipt.contains("<svg"), "a QR code of the status page");
    let status_url = text_of(&receipt, "#qr .url").unwrap();
    assert!(
        status_url.ends_with(&format!("/track?code={tracking}")),
        "{status_url}"
    );
    assert!(!status_url.contains(&access_key), "never the key in a URL");

    // Stored as a kiosk submission of the event, and routed to the host (rule R0).
    let row = app.with_db(|c| submissions::find_by_code(c, &tracking).unwrap().unwrap());
    assert_eq!(row.channel, "kiosk");
    assert_eq!(row.event_id, Some(event));
    assert!(row.kiosk_id.is_some());
    assert_eq!(row.entered_by, None);
    assert_eq!(row.assigned_unit.as_deref(), Some("370983-police"));
    assert_eq!(row.routing_rule.as_deref(), Some("R0"));

    // The next visitor sees none of it: the receipt is gone, the form is blank with a new key.
    let gone = screen
        .get(app.url("/kiosk/receipt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!gone.contains(&tracking) && !gone.contains(&access_key));
    let (_, next_key, blank) = blank_form(&app, &screen, "/kiosk").await;
    assert_ne!(next_key, key);
    assert!(!blank.contains(words) && !blank.contains("13800138000") && !blank.contains("大厅指示牌不清楚"));

    // The code was used once; it enrols nothing a second time.
    let other = TestApp::new_client();
    let page = other
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let reused = other
        .post(app.url("/kiosk/enrol"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 422);

    // The status page the QR code points at has the code filled in.
    let track = app
        .client
        .get(app.url(&format!("/track?code={tracking}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        hidden_value(&track.text().await.unwrap(), "code").as_deref(),
        Some(tracking.as_str())
    );
}

async fn double_taps_and_retries_make_one_case(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    let (_, code) = open_day(&app).await;
    let screen = enrolled(&app, &code).await;
    let (csrf, key, _) = blank_form(&app, &screen, "/kiosk").await;
    let words = "周末能否开放户籍窗口？上班族平时请假很难，希望周六上午也能办理业务。";
    let taps: Vec<_> = (0..5)
        .map(|_| {
            let (app, screen, csrf, key) = (app.clone(), screen.clone(), csrf.clone(), key.clone());
            tokio::spawn(async move {
                send(&app, &screen, &opinion(&csrf, &key, words))
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for t in taps {
        assert_eq!(t.await.unwrap(), 303);
    }
    assert_eq!(app.submission_count(), 1, "five taps, one case");
}

async fn limits_hold_per_device_and_leave_the_rest_alone(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.kiosk_burst = 2;
        s.limits.kiosk_per_minute = 1;
        s.limits.submit_burst = 2;
        s.limits.submit_per_minute = 1;
    })
    .await;
    let (event, code) = open_day(&app).await;
    let first = enrolled(&app, &code).await;
    let second = enrolled(&app, &another_kiosk(&app, event).await).await;
    let words = "希望开放日多安排几次，让更多群众了解政法机关的工作，也方便当面反映问题。";
    let mut sent = Vec::new();
    for n in 0..3 {
        let (csrf, key, _) = blank_form(&app, &first, "/kiosk").await;
        let resp = send(&app, &first, &opinion(&csrf, &key, words)).await;
        sent.push((csrf, key));
        if n < 2 {
            assert_eq!(resp.status(), 303, "submission {n}");
        } else {
            assert_eq!(resp.status(), 429);
            assert!(resp.headers().contains_key("retry-after"));
            let html = resp.text().await.unwrap();
            assert_eq!(
                text_of(&html, "#f-body").unwrap(),
                words,
                "the visitor's words are kept"
            );
        }
    }
    // A retry of a form that did go through is still answered (from its key), limit or not.
    let (csrf, key) = &sent[1];
    let retry = send(&app, &first, &opinion(csrf, key, words)).await;
    assert_eq!(retry.status(), 303);
    assert_eq!(app.submission_count(), 2);

    // The other kiosk in the same hall (same address), and the web form, are not affected.
    let (csrf, key, _) = blank_form(&app, &second, "/kiosk").await;
    let resp = send(&app, &second, &opinion(&csrf, &key, words)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.post_json(&valid_json(7)).await.status(), 201);
    assert_eq!(app.submission_count(), 4);
}

async fn a_revoked_kiosk_stops_and_staff_can_enter_for_a_visitor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, code) = open_day(&app).await;
    let screen = enrolled(&app, &code).await;

    // A member of staff signs in on the screen and enters a visitor's words.
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    assert_eq!(
        app.sign_in(&screen, "feicheng.handler", "a long enough password")
            .await
            .status(),
        303
    );
    let (csrf, key, html) = blank_form(&app, &screen, "/kiosk?assist=1").await;
    assert!(text_of(&html, "#assisted").unwrap().contains("feicheng.handler"));
    let mut fields = opinion(
        &csrf,
        &key,
        "群众口述：希望派出所门口增设无障碍坡道，方便坐轮椅的人办事。",
    );
    fields.push(("assist", "1"));
    let resp = send(&app, &screen, &fields).await;
    assert_eq!(resp.status(), 303);
    let rows = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::submissions::dsl as s;
        s::submissions
            .select((s::channel, s::entered_by, s::event_id))
            .load::<(String, Option<String>, Option<i64>)>(c)
            .unwrap()
    });
    assert_eq!(
        rows,
        vec![(
            "staff".to_owned(),
            Some("feicheng.handler".to_owned()),
            Some(event)
        )]
    );

    // Revoked: the screen asks for enrolment again and can submit nothing.
    let kiosk_id = app.with_db(|c| minsheng::storage::events::kiosks_of(c, event).unwrap()[0].id);
    service::revoke(&app.state.db, kiosk_id).await.unwrap();
    let page = screen
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("f-code"));
    let resp = send(&app, &screen, &opinion(&csrf, "k2", "x")).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.submission_count(), 1);
}

async fn figures_per_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, code) = open_day(&app).await;
    let screen = enrolled(&app, &code).await;
    for words in [
        "建议在大厅增设饮水机和座椅，排队的老人可以坐下休息，体验会好很多。",
        "希望民警在开放日多讲讲防诈骗知识，尤其是针对老年人的电信诈骗手段。",
    ] {
        let (csrf, key, _) = blank_form(&app, &screen, "/kiosk").await;
        let resp = send(&app, &screen, &opinion(&csrf, &key, words)).await;
        assert_eq!(resp.status(), 303);
    }
    // A web submission is not the event's.
    app.submit(&valid_json(1)).await;

    // Staff of the host count visitors on the events page; an admin sees everything.
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let browser = TestApp::new_client();
    app.sign_in(&browser, "feicheng.handler", "a long enough password")
        .await;
    let page = browser
        .get(app.url("/handler/events"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    for n in ["35", "12"] {
        let resp = browser
            .post(app.url(&format!("/handler/events/{event}/visitors")))
            .form(&[("csrf_token", csrf.as_str()), ("visitors", n)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
    }
    let bad = browser
        .post(app.url(&format!("/handler/events/{event}/visitors")))
        .form(&[("csrf_token", csrf.as_str()), ("visitors", "many")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    // One answered.
    let handler = app
        .staff_token("feicheng.h2", "370983-police", Role::Handler)
        .await;
    let code = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::submissions::dsl as s;
        s::submissions
            .filter(s::event_id.eq(event))
            .select(s::tracking_code)
            .first::<String>(c)
            .unwrap()
    });
    app.staff_act(&handler, &code, json!({"action": "accept"})).await;
    let resolve = json!({"action": "resolve", "outcome": "substantiated", "result": "已在大厅增设饮水机和十把座椅，感谢建议。"});
    assert_eq!(app.staff_act(&handler, &code, resolve).await.status(), 200);

    // The public figures are at the event's unguessable public id, never its row id.
    let public_id = service::stats(&app.state.db, event).await.unwrap().public_id;
    let stats: Value = app
        .client
        .get(app.url(&format!("/api/v1/events/{public_id}/stats")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["visitors"], 47);
    assert_eq!(stats["submissions"], 2);
    assert_eq!(stats["by_kind"], json!({"opinion": 2}));
    assert_eq!(stats["by_category"], json!({"service_attitude": 2}));
    assert_eq!(stats["answered"], 1);
    assert_eq!(stats["kiosks_active"], 1);
    assert_eq!(stats["public_id"], public_id.as_str());
    assert!(stats.get("id").is_none(), "the row id is not published");
    let missing = app
        .client
        .get(app.url(&format!("/api/v1/events/{event}/stats")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let page = browser
        .get(app.url("/handler/events"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text_of(&page, &format!("#event-{event} .visitors")).as_deref(),
        Some("47")
    );
    assert!(page.contains("opinion 2"), "the figures by kind are on the page");
}

/// The kiosk asks the visitor, like the web form, whether the question and answer may be
/// published; unticked unless they tick it, and the next visitor finds it unticked again.
async fn the_kiosk_asks_for_consent_to_publish(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, code) = open_day(&app).await;
    let screen = enrolled(&app, &code).await;
    let consent_box = |html: &str| -> Option<bool> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("input[type=checkbox][name=publishable]").unwrap();
        doc.select(&sel)
            .next()
            .map(|b| b.value().attr("checked").is_some())
    };
    let mut stored = Vec::new();
    for (i, tick) in [false, true, false].into_iter().enumerate() {
        let (csrf, key, html) = blank_form(&app, &screen, "/kiosk").await;
        assert_eq!(consent_box(&html), Some(false), "visitor {i}: a box, unticked");
        let body = format!("第{i}位：办事大厅的指示牌太小，老年人看不清，建议换成大字的。");
        let mut fields = opinion(&csrf, &key, &body);
        if tick {
            fields.push(("publishable", "on"));
        }
        let sent = send(&app, &screen, &fields).await;
        assert_eq!(sent.status(), 303, "visitor {i}");
        let receipt = screen.get(app.url("/kiosk/receipt")).send().await.unwrap();
        let tracking = text_of(&receipt.text().await.unwrap(), "#tracking-code").unwrap();
        let row = app.with_db(|c| submissions::find_by_code(c, &tracking).unwrap().unwrap());
        assert_eq!(row.channel, "kiosk");
        stored.push(row.publishable);
    }
    assert_eq!(stored, [false, true, false]);

    // A mistake keeps the tick the visitor gave.
    let (csrf, key, _) = blank_form(&app, &screen, "/kiosk").await;
    let mut fields = opinion(&csrf, &key, "太短");
    fields.push(("publishable", "on"));
    let short = send(&app, &screen, &fields).await;
    assert_eq!(short.status(), 422);
    assert_eq!(consent_box(&short.text().await.unwrap()), Some(true));
}

on_both_backends!(
    a_kiosk_is_enrolled_and_used_by_visitors_in_turn,
    double_taps_and_retries_make_one_case,
    limits_hold_per_device_and_leave_the_rest_alone,
    a_revoked_kiosk_stops_and_staff_can_enter_for_a_visitor,
    figures_per_event,
    the_kiosk_asks_for_consent_to_publish,
);
