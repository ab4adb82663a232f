//! The API's OpenAPI 3.1 document (`/api/v1/openapi.json`) and its reference page (`/api/docs`):
//! the document lists every route of `/api/v1`, the page shows them, an unsupported method is
//! 405 with `Allow`, and Schemathesis — every phase, every check — finds nothing against the
//! live service, authenticated as staff for the staff API.

use std::process::Command;
use std::time::Instant;

use minsheng::domain::kind::Role;
use minsheng::services::open_days;
use serde_json::Value;

use crate::helpers::{valid_json, Backend, TestApp};

/// Every operation of `/api/v1`: method and path as the document names them.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/catalog"),
    ("post", "/api/v1/submissions"),
    ("get", "/api/v1/submissions/{tracking_code}"),
    ("get", "/api/v1/board"),
    ("get", "/api/v1/board/answers"),
    ("get", "/api/v1/events/{public_id}/stats"),
    ("get", "/api/v1/staff/queue"),
    ("get", "/api/v1/staff/stats"),
    ("get", "/api/v1/staff/cases/{tracking_code}"),
    ("post", "/api/v1/staff/cases/{tracking_code}/actions"),
    ("post", "/api/v1/staff/cases/{tracking_code}/publish"),
    ("get", "/api/v1/openapi.json"),
];

async fn document(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn the_document_and_its_page_list_every_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let listed: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(listed, OPERATIONS.len(), "{:?}", paths.keys().collect::<Vec<_>>());
    for (method, path) in OPERATIONS {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        for (status, response) in op["responses"].as_object().unwrap() {
            assert!(
                response["headers"]["X-Request-Id"].is_object(),
                "{method} {path} {status} without X-Request-Id"
            );
        }
        if path.starts_with("/api/v1/staff/") {
            assert_eq!(
                op["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path}"
            );
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["access_key"]["name"], "X-Access-Key");
    let schemas = &doc["components"]["schemas"];
    for name in [
        "ApiErrorBody",
        "SubmissionRequest",
        "Created",
        "StatusOut",
        "CaseView",
        "QueuePage",
        "ReportOut",
        "BoardOut",
        "AnswersOut",
        "EventStats",
        "ActionRequest",
        "PublishRequest",
        "CatalogOut",
    ] {
        assert!(schemas[name].is_object(), "schema {name} missing");
    }
    let post = &doc["paths"]["/api/v1/submissions"]["post"];
    let params = post["parameters"].as_array().unwrap();
    assert!(params
        .iter()
        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"));
    assert!(post["responses"]["429"]["headers"]["Retry-After"].is_object());
    assert!(post["responses"]["503"]["headers"]["Retry-After"].is_object());
    // The catalog's codes are the enums of a new submission's fields.
    let category = &schemas["SubmissionRequest"]["properties"]["category"]["enum"];
    assert!(category
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "service_attitude"));

    let page = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("接口文档") && html.contains("API reference"));
    assert!(html.contains("href=\"/api/v1/openapi.json\""));
    assert!(!html.contains("<script"), "the page needs no script");
    for (method, path) in OPERATIONS {
        assert!(
            html.contains(&format!("{} {path}", method.to_uppercase())),
            "{method} {path} is not on the page"
        );
    }
    assert!(html.contains("ApiErrorBody") && html.contains("tracking_code"));
    let english = app.client.get(app.url("/api/docs?lang=en")).send().await.unwrap();
    assert!(english.text().await.unwrap().contains("<html lang=\"en\""));
}

async fn an_unsupported_method_is_405_with_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (method, path, allow) in [
        ("DELETE", "/api/v1/catalog", "GET"),
        ("GET", "/api/v1/submissions", "POST"),
        ("PUT", "/api/v1/submissions/MS-0000-0000-0000", "GET"),
        ("PATCH", "/api/v1/staff/cases/MS-0000-0000-0000/actions", "POST"),
        ("OPTIONS", "/api/v1/board", "GET"),
    ] {
        let resp = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}");
    }
    let resp = app
        .client
        .get(app.url("/api/v1/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

/// Schemathesis (PyPI, see `scripts/test`) against the live service.
async fn schemathesis_finds_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.track_burst = 1_000_000;
        s.limits.track_per_minute = 1_000_000;
        s.limits.submit_burst = 1_000_000;
        s.limits.submit_per_minute = 1_000_000;
        s.limits.contact_per_day = 1_000_000;
    })
    .await;
    // A case to work, an open day to count, and a supervisor whose reach holds the case: the
    // staff operations are run on that case, the event's figures on that event.
    let (case, _) = app.submit(&valid_json(1)).await;
    let token = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let now = chrono::Utc::now();
    let event = open_days::add_event(
        &app.state.db,
        &app.state.catalog,
        &open_days::EventInput {
            host_unit: "370983-police".to_owned(),
            title: "肥城市公安局开放日".to_owned(),
            place: "肥城市新城路派出所".to_owned(),
            starts_at: Some(now),
            ends_at: Some(now + chrono::Duration::hours(4)),
        },
    )
    .await
    .unwrap();
    let event = open_days::stats(&app.state.db, event).await.unwrap().public_id;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api");
    let seed = std::env::var("MINSHENG_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261207".to_owned());
    let examples = std::env::var("MINSHENG_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "100".to_owned());
    // Run where its cache (`.schemathesis/`) is thrown away with the test, not in the work tree.
    let cwd = app.settings.data_dir.clone();
    std::fs::create_dir_all(&cwd).unwrap();
    let mut cmd = Command::new("schemathesis");
    cmd.current_dir(&cwd);
    cmd.args(["--config-file", &format!("{dir}/schemathesis.toml"), "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &examples])
        .args(["--seed", &seed])
        // One worker: Python 3.11.7's parser is not safe across threads ("AST constructor
        // recursion depth mismatch" inside Hypothesis with two).
        .args(["--workers", "1"])
        .args(["--request-timeout", "20"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--suppress-health-check", "all"])
        .args(["--no-color"])
        .env("MINSHENG_ST_CASE", &case)
        .env("MINSHENG_ST_EVENT", &event)
        .env("PYTHONPATH", dir)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks");
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("schemathesis runs (installed by scripts/test)");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // Its summary, seen with --nocapture.
    let summary: Vec<&str> = stdout.lines().rev().take(30).collect();
    eprintln!("{}", summary.into_iter().rev().collect::<Vec<_>>().join("\n"));
    eprintln!(
        "schemathesis on {backend:?}: {:?} in {:.0} s, seed {seed}",
        out.status,
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "schemathesis found problems on {backend:?}:\n{stdout}\n{stderr}"
    );
}

crate::on_both_backends!(
    the_document_and_its_page_list_every_route,
    an_unsupported_method_is_405_with_allow,
    schemathesis_finds_nothing,
);
