//! The statistics rollup's deltas (issue #14): every change appends its share to delta tables
//! with no key, and a job folds them into the rollup. The figures must be the same before and
//! after a fold, and the rollup must equal one rebuilt from the cases — also while two
//! instances fold at once as cases arrive.

use minsheng::domain::kind::Role;
use minsheng::storage::stats::rollup;
use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn stats(app: &TestApp, token: &str) -> Value {
    let resp = app
        .staff_get(token, "/api/v1/staff/stats?period=this_month&group_by=unit")
        .await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The rollup as kept, and as rebuilt from the cases.
fn kept_and_rebuilt(app: &TestApp) -> (Vec<String>, Vec<String>) {
    app.with_db(|c| {
        let kept = rollup::contents(c).unwrap();
        rollup::rebuild(c).unwrap();
        (kept, rollup::contents(c).unwrap())
    })
}

async fn a_fold_changes_no_figure(backend: Backend) {
    // No folding job: the deltas stay until this test folds them.
    let app = TestApp::spawn_with(backend, |s| s.stats.fold_interval_secs = 0).await;
    let admin = app.staff_token("fold-admin", "370000-office", Role::Admin).await;
    let handler = app
        .staff_token("fold-handler", "370983-police", Role::Handler)
        .await;
    let mut codes = Vec::new();
    for n in 0..6 {
        codes.push(app.submit(&valid_json(n)).await.0);
    }
    for code in &codes[..3] {
        let resp = app.staff_act(&handler, code, json!({"action": "accept"})).await;
        assert_eq!(resp.status(), 200);
    }
    // Six new cases (one receipt row each) and three acceptances (a negative and a positive
    // share each, and a histogram entry).
    let waiting = app.with_db(|c| rollup::unfolded(c).unwrap());
    assert!(waiting >= 6 + 3 * 2, "{waiting} delta rows");
    let before = stats(&app, &admin).await;
    assert_eq!(before["total"]["counts"]["received"], 6, "{before}");
    assert_eq!(before["total"]["counts"]["accepted"], 3, "{before}");

    let folded = app.with_db(|c| rollup::fold(c).unwrap());
    assert!(folded.rows > 0 && !folded.more);
    assert_eq!(app.with_db(|c| rollup::unfolded(c).unwrap()), 0);
    let after = stats(&app, &admin).await;
    assert_eq!(before, after, "a fold changed a figure");

    let (kept, rebuilt) = kept_and_rebuilt(&app);
    assert!(!kept.is_empty());
    assert_eq!(kept, rebuilt, "the folded rollup differs from the cases");
}

async fn two_instances_fold_while_cases_arrive(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.stats.fold_interval_secs = 1).await;
    let other = app.sibling(|s| s.stats.fold_interval_secs = 1).await;
    let handler = app
        .staff_token("fold-handler", "370983-police", Role::Handler)
        .await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let target = if n % 2 == 0 {
            app.url("/api/v1/submissions")
        } else {
            other.url("/api/v1/submissions")
        };
        let client = TestApp::new_client();
        tasks.push(tokio::spawn(async move {
            let resp = client.post(target).json(&valid_json(n)).send().await.unwrap();
            assert_eq!(resp.status(), 201);
            let v: Value = resp.json().await.unwrap();
            v["tracking_code"].as_str().unwrap().to_owned()
        }));
        if n % 10 == 9 {
            // Let a fold or two run between the batches.
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        }
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    for code in codes.iter().step_by(3) {
        let resp = app.staff_act(&handler, code, json!({"action": "accept"})).await;
        assert_eq!(resp.status(), 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (kept, rebuilt) = kept_and_rebuilt(&app);
    assert_eq!(kept, rebuilt, "the rollup drifted while two instances folded");
    let received: i64 = kept
        .iter()
        .filter(|r| r.starts_with("daily "))
        .map(|r| {
            let values = r.split('[').nth(1).unwrap();
            values.split(',').next().unwrap().trim().parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(received, 40);
}

/// A backlog far larger than one batch (a fold fell behind under load): on SQLite each call
/// takes at most [`rollup::FOLD_BATCH`] rows of a table, so the writer is never held for long,
/// and the calls together fold all of it exactly; PostgreSQL's writers never wait for the fold,
/// so it takes everything at once.
async fn a_large_backlog_is_folded_in_bounded_batches(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.stats.fold_interval_secs = 0).await;
    let backlog = rollup::FOLD_BATCH * 2 + 500;
    let zeros = ", 0".repeat(rollup::COLUMNS.len() - 1);
    app.with_db(|c| {
        // Day 9 of 1970 is older than every real case's, so nothing else lands on its row.
        minsheng::storage::sql::Sql::new(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {backlog}) \
             INSERT INTO stats_daily_delta SELECT 9, '370983-police', 'complaint', i{zeros} FROM n"
        ))
        .execute(c)
        .unwrap();
    });
    let mut calls = 0;
    loop {
        // Through the service's own writer, as the job folds (a second SQLite connection could
        // find its read snapshot stale when it turns to writing).
        let folded = app
            .state
            .db
            .write(|c| -> Result<_, minsheng::error::AppError> { Ok(rollup::fold(c)?) })
            .await
            .unwrap();
        calls += 1;
        let left = app.with_db(|c| rollup::unfolded(c).unwrap());
        match backend {
            Backend::Sqlite => assert_eq!(
                left,
                (backlog - calls * rollup::FOLD_BATCH).max(0),
                "call {calls} folded more or less than one batch"
            ),
            Backend::Postgres => assert_eq!(left, 0, "PostgreSQL folds everything at once"),
        }
        assert_eq!(folded.more, left > 0);
        if !folded.more {
            break;
        }
    }
    assert_eq!(calls, if backend == Backend::Sqlite { 3 } else { 1 });
    // Every row's value summed once: 1 + 2 + … + backlog.
    let kept = app.with_db(|c| rollup::contents(c).unwrap());
    let row = kept
        .iter()
        .find(|r| r.starts_with("daily 9 370983-police complaint"))
        .expect("the backlog's row");
    let received: i64 = row
        .split('[')
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(received, backlog * (backlog + 1) / 2, "{row}");
}

on_both_backends!(
    a_fold_changes_no_figure,
    two_instances_fold_while_cases_arrive,
    a_large_backlog_is_folded_in_bounded_batches
);
