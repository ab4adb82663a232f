//! Hardening (issue #13): per-address limits count an IPv6 /64 as one client; the per-contact
//! quota counts an e-mail address however it is dressed up (case, `+tag`, full-width, invisible
//! characters); unreachable addresses are refused with a reason; tracking codes and request
//! values never reach the logs; merging into a case out of reach answers exactly as merging into
//! no case; and an open day's public figures are found by an unguessable id only.
//!
//! The logs are captured by a process-wide subscriber writing into a buffer ([`captured_logs`]);
//! other modules' tests may write there too, which only widens what is checked.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::services::open_days::{self, EventInput};
use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

/// Everything logged in this process since the first call, at every level the app logs.
fn captured_logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        // The app's own filter rules on top of the most talkative levels.
        let filter = minsheng::telemetry::with_privacy(tracing_subscriber::EnvFilter::new(
            "debug,minsheng=trace,tracing_actix_web=trace,actix_web=trace,actix_http=trace,actix_server=trace",
        ));
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter(filter)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("no other test installs a global subscriber");
        capture
    })
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Submissions and look-ups limited to a burst of 2 per client, clients told apart by
/// X-Forwarded-For from the trusted loopback proxy.
fn limited(backend: Backend) -> impl std::future::Future<Output = TestApp> {
    TestApp::spawn_with(backend, |s| {
        s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        s.limits.submit_burst = 2;
        s.limits.submit_per_minute = 1;
        s.limits.track_burst = 2;
        s.limits.track_per_minute = 1;
    })
}

async fn ipv6_clients_are_limited_per_64(backend: Backend) {
    let app = limited(backend).await;
    let send = |n: usize, ip: &'static str| {
        app.client
            .post(app.url("/api/v1/submissions"))
            .header("X-Forwarded-For", ip)
            .json(&valid_json(n))
            .send()
    };
    assert_eq!(send(1, "2001:db8:1:2::1").await.unwrap().status(), 201);
    assert_eq!(send(2, "2001:db8:1:2::2").await.unwrap().status(), 201);
    let refused = send(3, "2001:db8:1:2:ffff:ffff:ffff:fffe").await.unwrap();
    assert_eq!(refused.status(), 429, "another address in the same /64");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        send(4, "2001:db8:1:3::1").await.unwrap().status(),
        201,
        "the next /64 is another client"
    );
    // IPv4 stays per address; an IPv4-mapped IPv6 address is that IPv4 address.
    assert_eq!(send(5, "198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(send(6, "::ffff:198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(send(7, "198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(send(8, "198.51.100.2").await.unwrap().status(), 201);

    // Status look-ups too.
    let probe = |ip: &'static str| {
        app.client
            .get(app.url("/api/v1/submissions/MS-0000-0000-0000"))
            .header("X-Forwarded-For", ip)
            .header("X-Access-Key", "0000-0000-0000-0000")
            .send()
    };
    assert_eq!(probe("2001:db8:9:9::1").await.unwrap().status(), 404);
    assert_eq!(probe("2001:db8:9:9::2").await.unwrap().status(), 404);
    assert_eq!(probe("2001:db8:9:9::3").await.unwrap().status(), 429);
    assert_eq!(probe("2001:db8:9:a::1").await.unwrap().status(), 404);
}

fn with_email(n: usize, email: &str) -> Value {
    let mut body = valid_json(n);
    body["email"] = json!(email);
    body
}

/// Behind a load balancer each request may reach another instance: the daily quota per contact
/// is kept in the database, so three instances together still take only the quota.
async fn the_contact_quota_holds_across_instances(backend: Backend) {
    let first = TestApp::spawn_with(backend, |s| s.limits.contact_per_day = 3).await;
    let second = first.sibling(|_| {}).await;
    let third = first.sibling(|_| {}).await;
    let instances = [&first, &second, &third];
    let mut answers = Vec::new();
    for n in 0..6 {
        let app = instances[n % 3];
        answers.push(
            app.post_json(&with_email(n, "same.person@example.com"))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(answers, [201, 201, 201, 429, 429, 429]);
    // And at the same moment: one more from each instance at once, none gets through.
    let other: Vec<Value> = (7..12)
        .map(|n| with_email(n, "other.person@example.com"))
        .collect();
    let (a, b, c) = tokio::join!(
        first.post_json(&other[0]),
        second.post_json(&other[1]),
        third.post_json(&other[2]),
    );
    let statuses = [a.status(), b.status(), c.status()];
    assert!(statuses.iter().all(|s| s.as_u16() == 201), "{statuses:?}");
    let (a, b) = tokio::join!(first.post_json(&other[3]), third.post_json(&other[4]));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (429, 429));
    assert_eq!(first.submission_count(), 6);
}

async fn one_mailbox_is_one_quota_however_written(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.contact_per_day = 3).await;
    for (n, email) in [
        (1, "A.B+x@Example.com"),
        (2, "a.b@example.com"),
        (3, "ａ.ｂ＋ｚ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
    ] {
        let resp = app.post_json(&with_email(n, email)).await;
        assert_eq!(resp.status(), 201, "{email}");
    }
    for email in ["a.b+other@EXAMPLE.COM", "A.B@example.com"] {
        let resp = app.post_json(&with_email(4, email)).await;
        assert_eq!(resp.status(), 429, "{email} is the same mailbox");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
    }
    assert_eq!(
        app.post_json(&with_email(5, "ab@example.com")).await.status(),
        201,
        "dots are kept: another mailbox"
    );
    assert_eq!(app.submission_count(), 4);

    // The blind index keeps the tag (it finds cases for a person, and a tag may be another
    // person's mailbox); the full-width address indexes as its ASCII form.
    let indexes: Vec<Option<String>> = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::submissions::dsl as s;
        s::submissions
            .order(s::id.asc())
            .select(s::contact_index)
            .load(c)
            .unwrap()
    });
    let vault = &app.state.vault;
    assert_eq!(
        indexes[0].as_deref(),
        Some(vault.blind_index("a.b+x@example.com").as_str())
    );
    assert_eq!(
        indexes[1].as_deref(),
        Some(vault.blind_index("a.b@example.com").as_str())
    );
    assert_eq!(
        indexes[2].as_deref(),
        Some(vault.blind_index("a.b+z@example.com").as_str())
    );
    assert_ne!(indexes[0], indexes[1]);
}

async fn unreachable_addresses_are_refused_with_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (email, zh, en) in [
        ("li@localhost", "域名不完整", "not a complete domain"),
        ("li@example", "域名不完整", "not a complete domain"),
        ("li@[1.2.3.4]", "不能是 IP 地址", "not an IP address"),
        ("li@1.2.3.4", "不能是 IP 地址", "not an IP address"),
        ("li\u{200B}@example.com", "看不见的字符", "invisible characters"),
        ("li@exam\u{00AD}ple.com", "看不见的字符", "invisible characters"),
        ("\u{FEFF}li@example.com", "看不见的字符", "invisible characters"),
        ("l\u{2060}i@example.com", "看不见的字符", "invisible characters"),
    ] {
        for (lang, words) in [("zh-CN", zh), ("en", en)] {
            let mut body = with_email(1, email);
            body["lang"] = json!(lang);
            let resp = app.post_json(&body).await;
            assert_eq!(resp.status(), 422, "{email:?}");
            let body: Value = resp.json().await.unwrap();
            let message = body["error"]["fields"]["email"][0].as_str().unwrap_or_default();
            assert!(message.contains(words), "{email:?} in {lang}: {message}");
        }
    }
    assert_eq!(app.submission_count(), 0);
}

async fn tracking_codes_and_request_values_stay_out_of_the_logs(backend: Backend) {
    let logs = captured_logs();
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("log.handler", "370983-police", Role::Handler)
        .await;
    let (code, key) = app.submit(&valid_json(1)).await;
    let (other, _) = app.submit(&valid_json(2)).await;

    // Every path that touches a case: status by API and by page, staff view and actions, a merge,
    // an idempotent retry, and requests that do not parse.
    let status = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{code}")))
        .header("X-Access-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    let browser = TestApp::new_client();
    assert!(app.status_page(&browser, &code, &key).await.contains(&code));
    assert_eq!(
        app.staff_get(&handler, &format!("/api/v1/staff/cases/{code}"))
            .await
            .status(),
        200
    );
    let accept = app.staff_act(&handler, &code, json!({"action": "accept"})).await;
    assert_eq!(accept.status(), 200);
    let merge = app
        .staff_act(
            &handler,
            &other,
            json!({"action": "merge", "into": code.to_lowercase(), "reason": "同一事项"}),
        )
        .await;
    assert_eq!(merge.status(), 200);
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url("/api/v1/submissions"))
            .header("Idempotency-Key", "hardening-logs-1")
            .json(&valid_json(3))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let secret_value = "13912345678";
    let bad_json = app
        .client
        .post(app.url(&format!("/api/v1/staff/cases/{code}/actions")))
        .bearer_auth(&handler)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"action": "request_extension", "days": "{secret_value}"}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    let body = bad_json.text().await.unwrap();
    assert!(!body.contains(secret_value), "{body}");
    let bad_query = app
        .staff_get(&handler, &format!("/api/v1/staff/queue?overdue={secret_value}"))
        .await;
    assert_eq!(bad_query.status(), 400);
    let body = bad_query.text().await.unwrap();
    assert!(
        !body.contains(secret_value) && body.contains("malformed_request"),
        "{body}"
    );
    let bad_path = app
        .client
        .get(app.url(&format!("/api/v1/events/{secret_value}/stats")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_path.status(), 404);
    assert!(!bad_path.text().await.unwrap().contains(secret_value));

    let text = logs.text();
    let tag = app.state.vault.case_tag(&code);
    assert!(
        text.contains(&format!("case={tag}")),
        "lines about the case carry its tag {tag}"
    );
    for c in [&code, &other] {
        let bare = c.trim_start_matches("MS-").replace('-', "");
        for form in [c.clone(), c.to_lowercase(), bare.clone(), bare.to_lowercase()] {
            let line = text.lines().find(|l| l.contains(&form));
            assert!(line.is_none(), "{form} is in the logs: {line:?}");
        }
    }
    assert!(!text.contains(&key) && !text.contains(&key.replace('-', "")));
    assert!(!text.contains(secret_value), "a request value is in the logs");
}

async fn merging_out_of_reach_answers_as_no_such_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let xintai = app
        .staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    let mut mine = valid_json(1);
    mine["region"] = json!("370982");
    mine["target_unit"] = json!("370982-police");
    let (own, _) = app.submit(&mine).await;
    let (feicheng, _) = app.submit(&valid_json(2)).await;

    let answer = |into: String| {
        let app = &app;
        let xintai = xintai.clone();
        let own = own.clone();
        async move {
            let resp = app
                .staff_act(
                    &xintai,
                    &own,
                    json!({"action": "merge", "into": into, "reason": "同一事项"}),
                )
                .await;
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let out_of_reach = answer(feicheng.clone()).await;
    let no_such = answer("MS-0000-0000-0000".to_owned()).await;
    let malformed = answer("MS-????".to_owned()).await;
    assert_eq!(out_of_reach.0, 422, "{}", out_of_reach.1);
    assert_eq!(out_of_reach, no_such, "the same status and the same body");
    assert_eq!(out_of_reach, malformed);
    assert!(!out_of_reach.1.contains(&feicheng));
    // Neither attempt changed anything.
    let state: String = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::submissions::dsl as s;
        s::submissions
            .filter(s::tracking_code.eq(&own))
            .select(s::state)
            .first(c)
            .unwrap()
    });
    assert_eq!(state, "assigned");
}

async fn event_figures_are_public_by_an_unguessable_id_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let mut ids = Vec::new();
    for title in ["开放日一", "开放日二"] {
        let id = open_days::add_event(
            db,
            catalog,
            &EventInput {
                host_unit: "370983-police".into(),
                title: title.into(),
                place: "大厅".into(),
                starts_at: Some(Utc::now()),
                ends_at: Some(Utc::now() + Duration::hours(4)),
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    let public: Vec<String> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(open_days::stats(db, *id).await.unwrap().public_id);
        }
        v
    };
    assert_ne!(public[0], public[1]);
    for p in &public {
        assert_eq!(p.len(), 24, "{p}");
        assert!(p.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let get = |path: String| app.client.get(app.url(&path)).send();
    let resp = get(format!("/api/v1/events/{}/stats", public[1])).await.unwrap();
    assert_eq!(resp.status(), 200);
    let figures: Value = resp.json().await.unwrap();
    assert_eq!(figures["title"], "开放日二");
    assert_eq!(figures["public_id"], public[1].as_str());
    assert!(figures.get("id").is_none(), "no row id in the public figures");
    for id in &ids {
        let resp = get(format!("/api/v1/events/{id}/stats")).await.unwrap();
        assert_eq!(resp.status(), 404, "the old integer URL is gone");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let upper = public[0].to_uppercase();
    assert_eq!(
        get(format!("/api/v1/events/{upper}/stats"))
            .await
            .unwrap()
            .status(),
        404
    );
    let wrong = "0".repeat(24);
    assert_eq!(
        get(format!("/api/v1/events/{wrong}/stats"))
            .await
            .unwrap()
            .status(),
        404
    );
}

on_both_backends!(
    ipv6_clients_are_limited_per_64,
    the_contact_quota_holds_across_instances,
    one_mailbox_is_one_quota_however_written,
    unreachable_addresses_are_refused_with_a_reason,
    tracking_codes_and_request_values_stay_out_of_the_logs,
    merging_out_of_reach_answers_as_no_such_case,
    event_figures_are_public_by_an_unguessable_id_only,
);
