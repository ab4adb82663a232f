//! The integrity defects a simulation found, each pinned by a test that failed before the fix:
//! SQLite writes refused while a CLI command wrote beside `serve`; a declined report sent to the
//! office it is about; a case waiting at an office whose dispatcher could not see it; a case that
//! changed hands without a clock at its new unit.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{Duration, Utc};
use diesel::prelude::*;
use minsheng::domain::kind::Role;
use minsheng::domain::Kind;
use minsheng::storage::schema::submissions as s;
use minsheng::storage::submissions::{self, SubmissionRow};
use serde_json::{json, Value};

use crate::helpers::{text_of, valid_json, Backend, TestApp, TEST_KEY};
use crate::on_both_backends;

fn row(app: &TestApp, code: &str) -> SubmissionRow {
    app.with_db(|c| submissions::find_by_code(c, code).unwrap().unwrap())
}

fn report_about(unit: &str) -> Value {
    json!({
        "kind": "report", "category": "illegal_business", "region": "371102",
        "target_unit": unit, "anonymous": true,
        "body": "反映有关单位工作人员违规经商办企业，请依纪依法核查。"
    })
}

/// The `minsheng` binary pointed at the test app's database.
fn cli(app: &TestApp, args: &[&str]) -> Command {
    let mut cmd = crate::helpers::minsheng_binary();
    cmd.args(args)
        .env("MINSHENG__DATABASE__URL", &app.settings.database.url)
        .env("MINSHENG__DATA_DIR", &app.settings.data_dir)
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .env("MINSHENG__MAIL__TRANSPORT", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run_cli(app: &TestApp, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cli(app, args).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Defect 1: with `serve` taking submissions, CLI commands writing to the same SQLite file made
/// both sides fail at once (a deferred transaction cannot wait for the write lock). Now every
/// write takes the lock up front and waits: every submission is stored, every command succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_submissions_and_cli_commands_wait_for_each_other() {
    let app = Arc::new(TestApp::spawn(Backend::Sqlite).await);
    let done = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    // A steady load, not a flood: every mail it queues is flushed by the CLI beside it.
    for worker in 0..4 {
        let (app, done) = (app.clone(), done.clone());
        load.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut n = worker * 100_000;
            while !done.load(Ordering::Relaxed) {
                n += 1;
                statuses.push(app.post_json(&valid_json(n)).await.status().as_u16());
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            statuses
        }));
    }
    let commander = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || {
            let mut failures = Vec::new();
            for round in 0..4 {
                let user = format!("clerk{round}");
                let commands: [(&[&str], &str); 4] = [
                    (&["mail", "flush"], ""),
                    (&["sweep"], ""),
                    (
                        &[
                            "user",
                            "add",
                            "--username",
                            &user,
                            "--unit",
                            "370983-police",
                            "--role",
                            "handler",
                        ],
                        "a long enough password\n",
                    ),
                    (&["token", "create", "--username", &user], ""),
                ];
                for (args, input) in commands {
                    let out = run_cli(&app, args, input);
                    if !out.status.success() {
                        failures.push(format!(
                            "{args:?}: {}{}",
                            String::from_utf8_lossy(&out.stdout),
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
            }
            failures
        })
    };
    let failures = commander.await.unwrap();
    done.store(true, Ordering::Relaxed);
    let mut statuses = Vec::new();
    for l in load {
        statuses.extend(l.await.unwrap());
    }
    assert!(failures.is_empty(), "every command succeeds: {failures:#?}");
    let refused: Vec<_> = statuses.iter().filter(|s| **s != 201).collect();
    assert!(
        statuses.len() > 50,
        "the load ran ({} submissions)",
        statuses.len()
    );
    assert!(
        refused.is_empty(),
        "every submission stored, none refused: {refused:?}"
    );
    assert_eq!(app.submission_count(), statuses.len() as i64);
}

/// A write lock another process holds past the busy timeout is an honest 503 with Retry-After,
/// and nothing is stored; once it is released, the same submission goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_lock_held_too_long_is_a_503_not_a_500() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.database.timeout_ms = 300).await;
    let path = app
        .settings
        .database
        .url
        .trim_start_matches("sqlite://")
        .to_owned();
    let mut other = diesel::SqliteConnection::establish(&path).unwrap();
    other.batch_execute("BEGIN IMMEDIATE").unwrap();
    let resp = app.post_json(&valid_json(1)).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    other.batch_execute("ROLLBACK").unwrap();
    assert_eq!(app.submission_count(), 0);
    assert_eq!(app.post_json(&valid_json(1)).await.status(), 201);
}

/// Defect 2: declining a report sent it to the rectification office of the submission's region —
/// which may be the office the report is about, or one below it.
async fn a_declined_report_never_waits_at_the_office_it_is_about(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, _) = app.submit(&report_about("371100-office")).await;
    let routed = row(&app, &code);
    assert_eq!(routed.assigned_unit.as_deref(), Some("371100-discipline"));
    let handler = app
        .staff_token("discipline", "371100-discipline", Role::Handler)
        .await;
    let resp = app
        .staff_act(
            &handler,
            &code,
            json!({"action": "decline", "reason": "不属本机关管辖"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let declined = row(&app, &code);
    assert_eq!(declined.state.code(), "pending_dispatch");
    assert_eq!(
        declined.dispatch_unit.as_deref(),
        Some("370000-office"),
        "one level up from the office reported"
    );
    // The office reported neither sees it nor was told of it.
    let accused = app
        .staff_token("accused", "371100-office", Role::Dispatcher)
        .await;
    let resp = app
        .staff_get(&accused, &format!("/api/v1/staff/cases/{code}"))
        .await;
    assert_eq!(resp.status(), 404);
    let provincial = app
        .staff_token("provincial", "370000-office", Role::Dispatcher)
        .await;
    // Dispatching it back to the accused office, or one below it, is refused and says why.
    for unit in ["371100-office", "371102-police"] {
        let resp = app
            .staff_act(&provincial, &code, json!({"action": "dispatch", "unit": unit}))
            .await;
        assert_eq!(resp.status(), 409, "{unit}");
    }
    let resp = app
        .staff_act(
            &provincial,
            &code,
            json!({"action": "dispatch", "unit": "370000-discipline"}),
        )
        .await;
    assert_eq!(resp.status(), 200);

    // A report about the provincial office: no office may hold it, and the discipline body that
    // has it is where going up leads, so declining is refused rather than sending it nowhere.
    let (code, _) = app.submit(&report_about("370000-office")).await;
    assert_eq!(
        row(&app, &code).assigned_unit.as_deref(),
        Some("370000-discipline")
    );
    let discipline = provincial_discipline(&app).await;
    let resp = app
        .staff_act(
            &discipline,
            &code,
            json!({"action": "decline", "reason": "不属本机关管辖"}),
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        row(&app, &code).assigned_unit.as_deref(),
        Some("370000-discipline")
    );
    // Moved on to another provincial unit, it still cannot be declined into nowhere: no office
    // may hold it, so the decline is refused and the case stays where it is.
    let resp = app
        .staff_act(
            &discipline,
            &code,
            json!({"action": "transfer", "unit": "370000-police", "reason": "涉及公安厅"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let police = app.staff_token("ppolice", "370000-police", Role::Handler).await;
    let resp = app
        .staff_act(
            &police,
            &code,
            json!({"action": "decline", "reason": "不属本机关管辖"}),
        )
        .await;
    assert_eq!(resp.status(), 409);
    let kept = row(&app, &code);
    assert_eq!(kept.state.code(), "assigned");
    assert_eq!(kept.assigned_unit.as_deref(), Some("370000-police"));
    assert_eq!(kept.dispatch_unit, None);
}

async fn provincial_discipline(app: &TestApp) -> String {
    app.staff_token("pdiscipline", "370000-discipline", Role::Handler)
        .await
}

/// Defect 3: a case from one region about a unit in another waits at the target region's office;
/// that office's dispatcher could not open it (reach was tested against the submission's region).
async fn a_dispatcher_reaches_every_case_waiting_at_their_office(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, _) = app
        .submit(&json!({
            "kind": "complaint", "category": "service_attitude", "region": "371102",
            "target_unit": "370303-discipline",
            "body": "到张店区纪委监委反映问题，接待人员态度生硬，不予登记。", "name": "王芳"
        }))
        .await;
    let waiting = row(&app, &code);
    assert_eq!(waiting.state.code(), "pending_dispatch");
    assert_eq!(waiting.dispatch_unit.as_deref(), Some("370303-office"));
    let dispatcher = app
        .staff_token("zhangdian", "370303-office", Role::Dispatcher)
        .await;
    let resp = app
        .staff_get(&dispatcher, &format!("/api/v1/staff/cases/{code}"))
        .await;
    assert_eq!(resp.status(), 200, "the office told of the case can open it");
    let queue: Value = app
        .staff_get(&dispatcher, "/api/v1/staff/queue")
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![code.as_str()]);
    // The dispatcher of the city above reaches it too; the one of the case's own city does not.
    let city = app.staff_token("zibo", "370300-office", Role::Dispatcher).await;
    let resp = app.staff_get(&city, &format!("/api/v1/staff/cases/{code}")).await;
    assert_eq!(resp.status(), 200);
    let rizhao = app.staff_token("rizhao", "371100-office", Role::Dispatcher).await;
    let resp = app
        .staff_get(&rizhao, &format!("/api/v1/staff/cases/{code}"))
        .await;
    assert_eq!(resp.status(), 404);
    let resp = app
        .staff_act(
            &dispatcher,
            &code,
            json!({"action": "dispatch", "unit": "370303-police"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

/// Defect 4: a case accepted and then transferred kept the old unit's handling deadline and got
/// no acceptance deadline at the receiver. Now the receiver gets a fresh one, counted from the move.
async fn a_case_that_changes_hands_gets_a_fresh_clock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, key) = app.submit(&valid_json(1)).await;
    let handler = app.staff_token("feicheng", "370983-police", Role::Handler).await;
    let resp = app.staff_act(&handler, &code, json!({"action": "accept"})).await;
    assert_eq!(resp.status(), 200);
    // As if received and accepted three weeks ago.
    let id = row(&app, &code).id;
    let ago = (Utc::now() - Duration::days(21)).naive_utc();
    app.with_db(|c| {
        diesel::update(s::table.filter(s::id.eq(id)))
            .set((s::accept_deadline.eq(ago), s::created_at.eq(ago)))
            .execute(c)
            .unwrap()
    });
    let before = row(&app, &code);
    assert!(before.handle_deadline.is_some());
    let t0 = Utc::now();
    let resp = app
        .staff_act(
            &handler,
            &code,
            json!({"action": "transfer", "unit": "370900-police", "reason": "涉及市局窗口"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let after = row(&app, &code);
    let kind = Kind::Complaint;
    let fresh = [
        app.state.sla.deadlines(kind).accept_by(t0),
        app.state.sla.deadlines(kind).accept_by(Utc::now()),
    ];
    assert_eq!(after.state.code(), "assigned");
    assert_eq!(after.assigned_unit.as_deref(), Some("370900-police"));
    assert!(
        after.accept_deadline.is_some_and(|d| fresh.contains(&d)),
        "{:?}",
        after.accept_deadline
    );
    assert_eq!(
        after.due_at, after.accept_deadline,
        "the acceptance clock is the one running"
    );
    assert_eq!(
        after.handle_deadline, None,
        "the handling clock starts again on acceptance"
    );
    // The earlier deadlines stay on the timeline; the citizen sees the new unit and date.
    let day = minsheng::mail::notify::day(after.accept_deadline.unwrap());
    let page = app.status_page(&TestApp::new_client(), &code, &key).await;
    assert_eq!(text_of(&page, "#deadline").as_deref(), Some(day.as_str()));
    assert!(page.contains("泰安市公安局"), "the new unit is named");
    assert!(
        page.contains(&format!("受理期限：{day}")),
        "the move and its date are on the timeline"
    );

    // Accepted at the new unit: the handling clock runs again from there.
    let city = app.staff_token("taian", "370900-police", Role::Handler).await;
    let resp = app.staff_act(&city, &code, json!({"action": "accept"})).await;
    assert_eq!(resp.status(), 200);
    let accepted = row(&app, &code);
    assert!(accepted.handle_deadline.is_some());
    assert_eq!(accepted.due_at, accepted.handle_deadline);
    // Escalated: again a fresh acceptance deadline, at the unit above.
    let resp = app
        .staff_act(
            &city,
            &code,
            json!({"action": "escalate", "reason": "需省厅协调"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let escalated = row(&app, &code);
    assert_eq!(escalated.assigned_unit.as_deref(), Some("370000-police"));
    assert_eq!(escalated.handle_deadline, None);
    assert_eq!(escalated.due_at, escalated.accept_deadline);
}

on_both_backends!(
    a_declined_report_never_waits_at_the_office_it_is_about,
    a_dispatcher_reaches_every_case_waiting_at_their_office,
    a_case_that_changes_hands_gets_a_fresh_clock,
);

/// A service error keeps its cause: with the database unreachable, a signed-in handler's page and
/// a staff action are an honest 503 — not a trip back to the sign-in page, not a 422 — and both
/// work again once it is back. (PostgreSQL: a database can be closed to every connection.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_outage_is_a_503_not_a_sign_in_page() {
    use diesel::connection::SimpleConnection;
    if !crate::helpers::postgres_available() {
        return;
    }
    let app = TestApp::spawn_with(Backend::Postgres, |s| s.database.timeout_ms = 500).await;
    let token = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let (code, _) = app.submit(&valid_json(1)).await;
    let browser = TestApp::new_client();
    let signed_in = app
        .sign_in(&browser, "feicheng.handler", "a long enough password")
        .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(
        browser.get(app.url("/handler")).send().await.unwrap().status(),
        200
    );

    let url = &app.settings.database.url;
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = diesel::PgConnection::establish(&crate::helpers::pg_admin_url()).unwrap();
    let close = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    );
    admin.batch_execute(&close).unwrap();

    let page = browser.get(app.url("/handler")).send().await.unwrap();
    assert_eq!(page.status(), 503, "not a redirect to the sign-in page");
    assert!(page.headers().get("retry-after").is_some());
    let act = app
        .staff_act(
            &token,
            &code,
            json!({"action": "merge", "into": "MS-0000-0000-0000", "reason": "同一事项"}),
        )
        .await;
    assert_eq!(act.status(), 503, "not a 422 about the case to merge into");

    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;"))
        .unwrap();
    let mut back = false;
    for _ in 0..50 {
        if browser.get(app.url("/handler")).send().await.unwrap().status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(back, "the pages work again once the database is back");
}
