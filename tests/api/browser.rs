//! A real browser: Debian's Chromium, headless, driven by Playwright (`tests/browser/journeys.mjs`)
//! through the web form (a mistake and its correction), the kiosk (enrolment, a visitor's receipt
//! with its QR code, the reset for the next visitor, the back button) and the handler's queue.
//! Screenshots land in `target/browser/`.
//!
//! Needs `/usr/bin/chromium` (or `CHROMIUM`), Node.js and `npm ci` in `tests/browser` — `.ci/run`
//! and `scripts/test --browser` install them. Without them the test is skipped with a loud note,
//! except under `CI=true`, where that is a failure.

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::services::open_days::{self as service, EventInput};

use crate::helpers::{Backend, TestApp};

/// Chromium, Node.js and Playwright are there; else a loud skip (a failure under `CI=true`).
/// Shared by every browser test.
pub(crate) fn ready() -> bool {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let modules = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/node_modules/playwright-core"
    ));
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("chromium"),
        (!node).then_some("node"),
        (!modules.exists()).then_some("tests/browser/node_modules (npm ci)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but the browser test lacks: {}", missing.join(", "));
    }
    eprintln!(
        "\n*** SKIPPING the browser test: missing {} (run `scripts/test --browser`) ***\n",
        missing.join(", ")
    );
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_use_the_pages_in_a_real_browser() {
    if !ready() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let code = {
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
        service::add_kiosk(db, event, "大厅一号机").await.unwrap().1
    };
    let shots = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser"));
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/journeys.mjs"))
            .args([
                address.as_str(),
                code.as_str(),
                "feicheng.handler",
                "a long enough password",
            ])
            .arg(shots)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser journeys failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: web MS-"), "{stdout}");
    for shot in [
        "1-web-form-mistake",
        "4-kiosk-receipt",
        "5-kiosk-after-back",
        "6-handler-queue",
    ] {
        assert!(shots.join(format!("{shot}.png")).exists(), "screenshot {shot}");
    }
}
