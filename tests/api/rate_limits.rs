//! Per-client limits: a burst from one client gets 429 with Retry-After while another gets through.
//! The clients are told apart by X-Forwarded-For from a trusted proxy (the loopback address).

use serde_json::Value;

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

fn limited(backend: Backend) -> impl std::future::Future<Output = TestApp> {
    TestApp::spawn_with(backend, |s| {
        s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        s.limits.submit_burst = 3;
        s.limits.submit_per_minute = 1;
        s.limits.track_burst = 2;
        s.limits.track_per_minute = 1;
    })
}

async fn a_burst_is_refused_while_another_client_gets_through(backend: Backend) {
    let app = limited(backend).await;
    let send = |n: usize, ip: &'static str| {
        app.client
            .post(app.url("/api/v1/submissions"))
            .header("X-Forwarded-For", ip)
            .json(&valid_json(n))
            .send()
    };
    for n in 0..3 {
        assert_eq!(send(n, "198.51.100.1").await.unwrap().status(), 201);
    }
    let refused = send(3, "198.51.100.1").await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "rate_limited");
    assert_eq!(send(4, "198.51.100.2").await.unwrap().status(), 201);
    assert_eq!(app.submission_count(), 4);
}

async fn the_form_gets_a_friendly_page_and_keeps_the_text(backend: Backend) {
    let app = limited(backend).await;
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let body = "派出所办事窗口太少，经常排长队，建议增加窗口。";
    let form = [
        ("csrf_token", csrf.as_str()),
        ("kind", "opinion"),
        ("category", "service_attitude"),
        ("region", "370900"),
        ("body", body),
    ];
    let mut last = None;
    for _ in 0..4 {
        last = Some(
            browser
                .post(app.url("/submit"))
                .header("X-Forwarded-For", "203.0.113.5")
                .form(&form)
                .send()
                .await
                .unwrap(),
        );
    }
    let resp = last.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("提交太频繁了"));
    assert!(html.contains(body), "what was typed is not lost");
    assert_eq!(app.submission_count(), 3);
}

async fn status_lookups_are_limited_against_probing(backend: Backend) {
    let app = limited(backend).await;
    let probe = |code: &'static str| {
        app.client
            .get(app.url(&format!("/api/v1/submissions/{code}")))
            .header("X-Forwarded-For", "192.0.2.77")
            .header("X-Access-Key", "AAAA-AAAA-AAAA-AAAA")
            .send()
    };
    assert_eq!(probe("MS-0000-0000-0001").await.unwrap().status(), 404);
    assert_eq!(probe("MS-0000-0000-0002").await.unwrap().status(), 404);
    let refused = probe("MS-0000-0000-0003").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

async fn forwarded_for_is_ignored_without_a_trusted_proxy(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.submit_burst = 2;
        s.limits.submit_per_minute = 1;
    })
    .await;
    for (n, ip) in ["1.1.1.1", "2.2.2.2"].iter().enumerate() {
        let r = app
            .client
            .post(app.url("/api/v1/submissions"))
            .header("X-Forwarded-For", *ip)
            .json(&valid_json(n))
            .send();
        assert_eq!(r.await.unwrap().status(), 201);
    }
    // A forged header does not buy a fresh allowance.
    let r = app
        .client
        .post(app.url("/api/v1/submissions"))
        .header("X-Forwarded-For", "3.3.3.3")
        .json(&valid_json(9))
        .send();
    assert_eq!(r.await.unwrap().status(), 429);
}

on_both_backends!(
    a_burst_is_refused_while_another_client_gets_through,
    the_form_gets_a_friendly_page_and_keeps_the_text,
    status_lookups_are_limited_against_probing,
    forwarded_for_is_ignored_without_a_trusted_proxy,
);
