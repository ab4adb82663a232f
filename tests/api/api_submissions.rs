//! The JSON API: catalog, submission, status; the status look-up never reveals whether a code exists.

use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn valid_submission_is_stored_and_trackable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app.post_json(&valid_json(1)).await;
    assert_eq!(resp.status(), 201);
    assert!(resp.headers().get("x-request-id").is_some());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap();
    let key = body["access_key"].as_str().unwrap();
    assert!(code.starts_with("MS-") && code.len() == 17, "{code}");
    assert_eq!(key.len(), 19);
    assert_eq!(body["state"], "assigned");
    assert_eq!(body["status_url"], format!("/api/v1/submissions/{code}"));
    assert_eq!(location, format!("/api/v1/submissions/{code}"));
    // Committed before the 201: another connection sees the row and its first events.
    assert_eq!(app.submission_count(), 1);
    assert_eq!(app.event_count(), 2);

    let status = app
        .client
        .get(app.url(&location))
        .header("X-Access-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    let s: Value = status.json().await.unwrap();
    assert_eq!(s["tracking_code"], code);
    assert_eq!(s["kind"], "complaint");
    assert_eq!(s["category"], "service_attitude");
    assert_eq!(s["region"], "370983");
    // Routed in the same transaction: rule R1 sends complaints about the police to that bureau.
    assert_eq!(s["state"], "assigned");
    assert_eq!(
        s["assigned_unit"],
        json!({"code": "370983-police", "name": "肥城市公安局"})
    );
    let timeline = s["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0]["state"], "submitted");
    assert_eq!(timeline[1]["state"], "assigned");
    assert_eq!(
        timeline[1]["note"],
        "规则 R1（投诉、求助涉及公安机关）：交肥城市公安局办理。"
    );
    assert!(s["created_at"].as_str().unwrap().ends_with('Z'));
    // The key is forgiving about case and dashes, as typed by a person.
    let typed = key.replace('-', "").to_lowercase();
    let again = app
        .client
        .get(app.url(&location))
        .header("X-Access-Key", typed)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    // No personal data in the public status.
    let text = serde_json::to_string(&s).unwrap();
    assert!(!text.contains("李明") && !text.contains("13800138000"));
}

async fn wrong_key_and_unknown_code_are_the_same_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body: Value = app.post_json(&valid_json(2)).await.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap();
    let url = app.url(&format!("/api/v1/submissions/{code}"));

    let wrong = app
        .client
        .get(&url)
        .header("X-Access-Key", "AAAA-AAAA-AAAA-AAAA")
        .send()
        .await
        .unwrap();
    let missing = app.client.get(&url).send().await.unwrap();
    let unknown = app
        .client
        .get(app.url("/api/v1/submissions/MS-0000-0000-0000"))
        .header("X-Access-Key", body["access_key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let garbage = app
        .client
        .get(app.url("/api/v1/submissions/nonsense"))
        .send()
        .await
        .unwrap();
    let mut bodies = Vec::new();
    for resp in [wrong, missing, unknown, garbage] {
        assert_eq!(resp.status(), 404);
        bodies.push(resp.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    let error: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(error["error"]["code"], "not_found");
}

async fn catalog_speaks_the_requested_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let zh: Value = app
        .client
        .get(app.url("/api/v1/catalog"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let en: Value = app
        .client
        .get(app.url("/api/v1/catalog"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let find = |v: &Value, list: &str, code: &str| {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(find(&zh, "kinds", "report")["name"], "举报");
    assert_eq!(find(&en, "kinds", "report")["name"], "Report of misconduct");
    assert_eq!(zh["kinds"].as_array().unwrap().len(), 4);
    let feicheng = find(&zh, "regions", "370983");
    assert_eq!(feicheng["name"], "肥城市");
    assert_eq!(feicheng["parent"], "370900");
    let police = find(&en, "units", "370983-police");
    assert_eq!(police["kind"], "police");
    assert_eq!(police["region"], "370983");
    assert_eq!(police["parent"], "370900-police");
    let cat = find(&zh, "categories", "illegal_business");
    assert_eq!(cat["kinds"], json!(["report"]));
}

async fn anonymous_report_needs_no_identity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .post_json(&json!({
            "kind": "report",
            "category": "improper_lawyer_contact",
            "region": "370503",
            "body": "某法院法官与代理律师私下吃饭，之后判决明显偏向该律师的当事人。",
            "anonymous": true,
            "target_unit": "370500-court",
            "lang": "en"
        }))
        .await;
    assert_eq!(resp.status(), 201);
    let sealed: Option<Vec<u8>> = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::submissions::dsl::*;
        submissions.select(reporter_sealed).first(c).unwrap()
    });
    assert!(sealed.is_none(), "an anonymous report stores no identity");
}

async fn contact_limit_holds_per_day_in_the_database(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.contact_per_day = 3).await;
    for _ in 0..3 {
        assert_eq!(app.post_json(&valid_json(7)).await.status(), 201);
    }
    let refused = app.post_json(&valid_json(7)).await;
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry));
    // The same address in other letters is the same contact.
    let mut shouting = valid_json(7);
    shouting["email"] = json!("citizen7@EXAMPLE.com");
    assert_eq!(app.post_json(&shouting).await.status(), 429);
    assert_eq!(app.submission_count(), 3);
    // Someone else is not affected.
    assert_eq!(app.post_json(&valid_json(8)).await.status(), 201);
    assert_eq!(app.submission_count(), 4);
}

on_both_backends!(
    valid_submission_is_stored_and_trackable,
    wrong_key_and_unknown_code_are_the_same_404,
    catalog_speaks_the_requested_language,
    anonymous_report_needs_no_identity,
    contact_limit_holds_per_day_in_the_database,
);
