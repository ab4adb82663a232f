//! The sweeper: each deadline flagged once, replays with --as-of, notices to the unit and its
//! superior, two sweepers never doubling a case, and overdue shown honestly to the citizen.

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::jobs::sweeper::{sweep, SweepReport};
use minsheng::storage::outbox;
use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn run(app: &TestApp, days_ahead: i64) -> SweepReport {
    let s = &app.state;
    sweep(
        &s.db,
        &s.catalog,
        &s.router.directory,
        Utc::now() + Duration::days(days_ahead),
    )
    .await
    .unwrap()
}

async fn each_deadline_is_flagged_once(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    let supervisor = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let (code, _) = app.submit(&valid_json(1)).await;

    let a = app.clone();
    assert_eq!(run(&a, 0).await, SweepReport::default(), "not late yet");
    let a = app.clone();
    let first = run(&a, 16).await;
    assert_eq!(
        first,
        SweepReport {
            flagged: 1,
            notices: 2,
            closed_unrated: 0,
        }
    );
    let a = app.clone();
    assert_eq!(
        run(&a, 16).await,
        SweepReport::default(),
        "a second run changes nothing"
    );
    let a = app.clone();
    assert_eq!(
        run(&a, 40).await,
        SweepReport::default(),
        "nor a later one, same deadline"
    );

    // Intake queued the receipt and the unit's new-case mail; the sweeper added the notices.
    let mail: Vec<_> = app
        .with_db(|c| outbox::list(c).unwrap())
        .into_iter()
        .filter(|m| m.0 == "overdue_notice")
        .collect();
    let recipients: Vec<&str> = mail.iter().map(|m| m.1.as_str()).collect();
    let unit = app.state.catalog.unit("370983-police").unwrap().email.clone();
    let parent = app.state.catalog.unit("370900-police").unwrap().email.clone();
    assert_eq!(recipients, [unit.as_str(), parent.as_str()]);
    assert!(mail.iter().all(|m| m.2.as_deref() == Some(code.as_str())));

    let case: Value = app
        .staff_get(&supervisor, &format!("/api/v1/staff/cases/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["supervised"], true);
    assert_eq!(
        case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "overdue")
            .count(),
        1
    );

    // A new deadline set by supervision is watched in its turn.
    let later = (Utc::now() + Duration::days(50)).format("%Y-%m-%d").to_string();
    let resp = app
        .staff_act(
            &supervisor,
            &code,
            json!({"action": "supervise", "deadline": later}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let a = app.clone();
    assert_eq!(run(&a, 45).await.flagged, 0);
    let a = app.clone();
    assert_eq!(run(&a, 52).await.flagged, 1);
    assert_eq!(
        app.with_db(|c| minsheng::storage::audit::verify(c).unwrap())
            .first_broken,
        None
    );
}

async fn two_sweepers_never_process_a_case_twice(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    for n in 0..30 {
        app.submit(&valid_json(n)).await;
    }
    let (a, b) = (app.clone(), app.clone());
    let (x, y) = tokio::join!(run(&a, 20), run(&b, 20));
    assert_eq!(x.flagged + y.flagged, 30, "{x:?} {y:?}");
    assert_eq!(x.notices + y.notices, 60);
    let notices = app
        .with_db(|c| outbox::list(c).unwrap())
        .into_iter()
        .filter(|m| m.0 == "overdue_notice")
        .count();
    assert_eq!(notices, 60);
}

async fn the_citizen_sees_an_overdue_case_honestly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let (code, key) = app.submit(&valid_json(1)).await;
    let status = |app: &TestApp| {
        app.client
            .get(app.url(&format!("/api/v1/submissions/{code}")))
            .header("X-Access-Key", key.clone())
            .send()
    };
    let before: Value = status(&app).await.unwrap().json().await.unwrap();
    assert_eq!(before["overdue"], false);
    let yesterday = (Utc::now() - Duration::days(1)).format("%Y-%m-%d").to_string();
    let resp = app
        .staff_act(
            &supervisor,
            &code,
            json!({"action": "supervise", "deadline": yesterday}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let after: Value = status(&app).await.unwrap().json().await.unwrap();
    assert_eq!(after["overdue"], true);
}

on_both_backends!(
    each_deadline_is_flagged_once,
    two_sweepers_never_process_a_case_twice,
    the_citizen_sees_an_overdue_case_honestly,
);
