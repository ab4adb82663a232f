//! `Idempotency-Key` on API submissions: concurrent retries make one case and get one answer;
//! the same key with another request is refused; a bad key is a 400; nothing leaks across keys.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn post_with_key(app: &TestApp, key: &str, body: &Value) -> (u16, Option<String>, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/submissions"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let replayed = resp
        .headers()
        .get("Idempotent-Replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, resp.json().await.unwrap())
}

async fn twenty_concurrent_retries_make_one_case(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    let body = valid_json(1);
    let key = "6f1c2f8e-0b4e-4a53-9d1e-7f3a2c1b9e00";
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, body) = (app.clone(), body.clone());
            tokio::spawn(async move { post_with_key(&app, key, &body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(answers.iter().all(|(status, _, _)| *status == 201), "{answers:?}");
    let bodies: HashSet<String> = answers.iter().map(|(_, _, v)| v.to_string()).collect();
    assert_eq!(bodies.len(), 1, "twenty identical answers: {bodies:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|(_, replayed, _)| replayed.is_none())
            .count(),
        1,
        "one request created the case, the others were replayed"
    );
    assert_eq!(app.submission_count(), 1);
    // The replayed access key really opens the case.
    let v = &answers[0].2;
    let resp = app
        .client
        .get(app.url(v["status_url"].as_str().unwrap()))
        .header("X-Access-Key", v["access_key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // A later retry still gets the same answer; another key makes another case.
    let (status, replayed, again) = post_with_key(&app, key, &body).await;
    assert_eq!((status, replayed.as_deref()), (201, Some("true")));
    assert_eq!(&again, v);
    let (_, _, other) = post_with_key(&app, "another-key", &body).await;
    assert_ne!(other["tracking_code"], v["tracking_code"]);
    assert_eq!(app.submission_count(), 2);
}

async fn a_key_is_bound_to_its_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _, first) = post_with_key(&app, "key-1", &valid_json(1)).await;
    assert_eq!(status, 201);
    // The same key with a different request: refused, nothing stored, the first answer not given.
    let (status, _, refused) = post_with_key(&app, "key-1", &valid_json(2)).await;
    assert_eq!(status, 422);
    assert_eq!(refused["error"]["code"], "idempotency_key_reused");
    assert!(!refused
        .to_string()
        .contains(first["access_key"].as_str().unwrap()));
    assert_eq!(app.submission_count(), 1);
    // A key that is not 1–255 visible ASCII characters is a 400.
    for bad in ["", &"x".repeat(256), "has space"] {
        let (status, _, body) = post_with_key(&app, bad, &valid_json(3)).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
    }
    assert_eq!(app.submission_count(), 1);
    // An invalid submission with a key stores no key: fixed, it goes through.
    let mut broken = valid_json(4);
    broken["body"] = Value::from("短");
    assert_eq!(post_with_key(&app, "key-2", &broken).await.0, 422);
    assert_eq!(post_with_key(&app, "key-2", &valid_json(4)).await.0, 201);
    assert_eq!(app.submission_count(), 2);
}

on_both_backends!(
    twenty_concurrent_retries_make_one_case,
    a_key_is_bound_to_its_request
);
