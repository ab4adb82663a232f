//! E-mail through a real SMTP server: the whole loop (receipt → acceptance → result with a rating
//! link → "not satisfied" → reopened one level up, its supervisor told), an SMTP outage, a
//! permanent rejection that ends dead and visible to admins, restarts and two instances never
//! sending a mail twice, a shutdown in the middle of sending, and who gets no mail at all.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::mail::FlushReport;
use minsheng::storage::{outbox, submissions};
use serde_json::{json, Value};

use crate::helpers::{hidden_value, smtp_to, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

const PASSWORD: &str = "a long enough password";

async fn flush(app: &TestApp) -> FlushReport {
    app.state.mailer.flush(&app.state.db).await.unwrap()
}

fn case_row(app: &TestApp, code: &str) -> submissions::SubmissionRow {
    app.with_db(|c| submissions::find_by_code(c, code).unwrap().unwrap())
}

fn with_email(n: usize, email: &str) -> Value {
    let mut body = valid_json(n);
    body["email"] = json!(email);
    body
}

async fn add_user(app: &TestApp, username: &str, unit: &str, role: Role, email: Option<&str>) -> String {
    let token = app.staff_token(username, unit, role).await;
    if let Some(e) = email {
        minsheng::services::accounts::set_email(&app.state.db, username, Some(e))
            .await
            .unwrap();
    }
    token
}

async fn the_whole_loop_runs_through_a_real_smtp_server(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, |s| {
        smtp_to(smtp.port)(s);
        // The worker inside `serve` sends; nobody flushes by hand in this test.
        s.mail.interval_secs = 1;
    })
    .await;
    let handler = add_user(&app, "feicheng.handler", "370983-police", Role::Handler, None).await;
    add_user(
        &app,
        "taian.supervisor",
        "370900-police",
        Role::Supervisor,
        Some("taian.supervisor@example.org"),
    )
    .await;

    let (code, _) = app.submit(&with_email(1, "li.ming@example.com")).await;
    assert_eq!(
        case_row(&app, &code).assigned_unit.as_deref(),
        Some("370983-police")
    );
    let unit_address = app.state.catalog.unit("370983-police").unwrap().email.clone();

    // The receipt to the citizen and word to the unit.
    let mails = smtp.wait_for(2, 20).await;
    let receipt = mails
        .iter()
        .find(|m| m.to == "li.ming@example.com")
        .expect("receipt");
    assert!(receipt.subject.contains(&code), "{}", receipt.subject);
    assert!(receipt.subject.contains("已收到"), "{}", receipt.subject);
    assert!(receipt.text.contains(&code));
    assert!(!receipt.text.contains("access_key") && !receipt.text.contains("MSK"));
    assert!(
        receipt.message_id.starts_with("outbox-"),
        "{}",
        receipt.message_id
    );
    let notice = mails
        .iter()
        .find(|m| m.to == unit_address)
        .expect("new-case mail to the unit");
    assert!(notice.text.contains("http://minsheng.test/handler/cases/"));

    // Accepted, then resolved: the citizen hears both, the second with a rating link.
    assert_eq!(
        app.staff_act(&handler, &code, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    let resolve = json!({"action": "resolve", "outcome": "partly",
        "result": "已增开一个户籍窗口，周末也安排人员值班。感谢您的监督。"});
    assert_eq!(app.staff_act(&handler, &code, resolve).await.status(), 200);
    let mails = smtp.wait_for(4, 20).await;
    let to_citizen: Vec<_> = mails.iter().filter(|m| m.to == "li.ming@example.com").collect();
    assert_eq!(to_citizen.len(), 3, "receipt, acceptance, result");
    assert!(
        to_citizen[1].subject.contains("已受理"),
        "{}",
        to_citizen[1].subject
    );
    let result = to_citizen[2];
    assert!(result.subject.contains("已办结"), "{}", result.subject);
    assert!(result.text.contains("已增开一个户籍窗口"));
    assert!(result.text.contains("部分属实"));
    assert!(result.html.contains("已增开一个户籍窗口"));
    let link = result.rating_link().expect("a rating link");
    assert!(link.starts_with("http://minsheng.test/rate/"), "{link}");
    assert!(!link.contains("key"), "no access key in the link: {link}");

    // The link works (on this server), and "not satisfied" reopens the case one level up.
    let path = link.trim_start_matches("http://minsheng.test");
    let browser = TestApp::new_client();
    let page = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("已增开一个户籍窗口"), "the answer is shown");
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    let sent = browser
        .post(app.url(path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("rating", "not_satisfied"),
            ("comment", "窗口开了但还是没人办。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let thanks = sent.text().await.unwrap();
    assert!(text_of(&thanks, "#notice").unwrap().contains("复查"));

    let row = case_row(&app, &code);
    assert_eq!(row.state.code(), "reopened");
    assert_eq!(row.assigned_unit.as_deref(), Some("370900-police"));
    assert_eq!(row.review_round, 1);
    assert!(row.outcome.is_none() && row.rating_until.is_none());

    // The supervisor up there has mail, and so does the citizen.
    let mails = smtp.wait_for(7, 20).await;
    let review = mails
        .iter()
        .find(|m| m.to == "taian.supervisor@example.org")
        .expect("the supervisor is told");
    assert!(review.subject.contains("不满意"), "{}", review.subject);
    assert!(review.text.contains("窗口开了但还是没人办"));
    assert!(mails
        .iter()
        .any(|m| m.to == "li.ming@example.com" && m.subject.contains("复查")));
    let city = app.state.catalog.unit("370900-police").unwrap().email.clone();
    assert!(
        mails.iter().any(|m| m.to == city),
        "the reviewing unit gets the case"
    );

    // The supervisor sees the case in their own queue now.
    let supervisor = app
        .staff_token("taian.sup2", "370900-police", Role::Supervisor)
        .await;
    let queue: Value = app
        .staff_get(&supervisor, "/api/v1/staff/queue?state=reopened")
        .await
        .json()
        .await
        .unwrap();
    assert!(queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["tracking_code"] == code.as_str()));

    // Every mail went out exactly once.
    let ids: HashSet<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), mails.len());
    let (pending, sent, dead) = app.with_db(|c| outbox::counts(c).unwrap());
    assert_eq!((pending, dead), (0, 0));
    assert_eq!(sent as usize, mails.len());
}

async fn an_outage_delays_mail_and_it_arrives_exactly_once(backend: Backend) {
    let mut smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, smtp_to(smtp.port)).await;
    smtp.stop();
    for n in 0..3 {
        app.submit(&with_email(n, &format!("waiting{n}@example.com")))
            .await;
    }
    // Nobody answers: every mail waits for another try, and the service keeps serving.
    let down = flush(&app).await;
    assert_eq!(down.sent, 0);
    assert_eq!(down.retried, 6, "3 receipts and 3 unit notices");
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        200
    );
    app.submit(&with_email(9, "during@example.com")).await;
    assert_eq!(flush(&app).await.sent, 0, "not due again yet, and still down");

    smtp.resume();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let up = flush(&app).await;
    assert_eq!(up.sent, 8);
    assert_eq!(up.dead, 0);
    assert_eq!(flush(&app).await, FlushReport::default(), "nothing left to send");
    let got = smtp.received();
    assert_eq!(got.len(), 8);
    let ids: HashSet<_> = got.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 8, "no mail twice");
    for n in 0..3 {
        assert_eq!(
            got.iter()
                .filter(|m| m.to == format!("waiting{n}@example.com"))
                .count(),
            1
        );
    }
    // Nothing died, and delivered mail forgets the citizen's address.
    let sealed_left: Vec<_> = app.with_db(|c| outbox::dead(c, 10).unwrap());
    assert!(sealed_left.is_empty());
    let addresses_kept: i64 = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::outbox::dsl as o;
        o::outbox
            .filter(o::recipient_sealed.is_not_null())
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(addresses_kept, 0, "sent rows keep no sealed address");
}

async fn a_permanent_rejection_ends_dead_and_an_admin_can_retry_it(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, smtp_to(smtp.port)).await;
    let (code, _) = app.submit(&with_email(1, "bounce.me@example.com")).await;
    let report = flush(&app).await;
    assert_eq!(report.dead, 1, "550 is final: no retries");
    assert_eq!(report.sent, 1, "the unit's notice still goes");
    let dead = app.with_db(|c| outbox::dead(c, 10).unwrap());
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(dead[0].case_code.as_deref(), Some(code.as_str()));
    let error = dead[0].last_error.as_deref().unwrap();
    assert!(error.contains("550"), "{error}");
    // The server quoted the address; what is kept (and logged) does not.
    assert!(
        error.contains("[citizen]") && !error.contains("bounce.me"),
        "{error}"
    );

    // An admin sees it in the web UI, with the error, and puts it back in line.
    add_user(&app, "mail.admin", "370000-office", Role::Admin, None).await;
    let browser = TestApp::new_client();
    assert_eq!(app.sign_in(&browser, "mail.admin", PASSWORD).await.status(), 303);
    let page = browser.get(app.url("/handler/outbox")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let id = dead[0].id;
    let row = text_of(&html, &format!("#mail-{id}")).expect("the dead mail is listed");
    assert!(row.contains("550") && row.contains(&code), "{row}");
    assert!(
        !html.contains("bounce.me@example.com"),
        "the citizen's address stays sealed"
    );
    assert_eq!(text_of(&html, "#count-dead").as_deref(), Some("1"));
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    let retried = browser
        .post(app.url(&format!("/handler/outbox/{id}/retry")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 303);
    assert!(app.with_db(|c| outbox::dead(c, 10).unwrap()).is_empty());
    assert_eq!(flush(&app).await.dead, 1, "tried once more, refused again");

    // A handler may not see the page.
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let other = TestApp::new_client();
    app.sign_in(&other, "feicheng.handler", PASSWORD).await;
    assert_eq!(
        other
            .get(app.url("/handler/outbox"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn a_restart_loses_nothing_and_two_instances_send_each_mail_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let first = TestApp::spawn_with(backend, smtp_to(smtp.port)).await;
    for n in 0..10 {
        first.submit(&with_email(n, &format!("c{n}@example.com"))).await;
    }
    // One row was claimed by a worker that then died mid-send (its lease ran out); another is
    // held right now by a live worker elsewhere and must be left alone.
    let rows = first.with_db(|c| outbox::due(c, Utc::now().naive_utc(), 100).unwrap());
    assert_eq!(rows.len(), 20);
    let now = Utc::now().naive_utc();
    first.with_db(|c| {
        assert!(outbox::claim(c, rows[0].id, "crashed", now, now - Duration::seconds(1)).unwrap());
        assert!(outbox::claim(c, rows[1].id, "alive", now, now + Duration::minutes(5)).unwrap());
    });

    // "Restart": two new instances on the same database flush at the same time.
    let a = first.sibling(smtp_to(smtp.port)).await;
    let b = first.sibling(smtp_to(smtp.port)).await;
    let (ra, rb) = tokio::join!(flush(&a), flush(&b));
    assert_eq!(ra.sent + rb.sent, 19, "{ra:?} {rb:?}");
    assert_eq!(flush(&first).await.sent, 0, "nothing left for anyone");
    let got = smtp.received();
    assert_eq!(got.len(), 19);
    let ids: HashSet<_> = got.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 19, "no mail twice");
    let (pending, sent, _) = first.with_db(|c| outbox::counts(c).unwrap());
    assert_eq!(
        (pending, sent),
        (1, 19),
        "the live lease's mail waits for its worker"
    );
}

async fn a_shutdown_lets_the_mail_in_hand_finish_and_starts_no_other(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, smtp_to(smtp.port)).await;
    for n in 0..20 {
        app.submit(&with_email(n, &format!("c{n}@example.com"))).await;
    }
    let state = app.state.clone();
    let worker = tokio::spawn(async move { state.mailer.flush(&state.db).await });
    smtp.wait_for(1, 20).await;
    // What a SIGTERM does (see Application::run_until_stopped) while the worker is sending.
    app.state.mailer.stop().await;
    let report = worker.await.unwrap().unwrap();
    let got = smtp.received().len();
    let (pending, sent, _) = app.with_db(|c| outbox::counts(c).unwrap());
    assert!(got < 40, "the stop came before the last of 40 mails");
    assert_eq!(
        (sent, report.sent),
        (i64::try_from(got).unwrap(), got),
        "every mail that went out is marked sent: none goes again after a restart"
    );
    assert_eq!(pending, 40 - sent);
    assert_eq!(flush(&app).await.sent, 0, "a stopped worker starts no other mail");
    // The next instance sends the rest, each once.
    let next = app.sibling(smtp_to(smtp.port)).await;
    assert_eq!(flush(&next).await.sent, 40 - got);
    let ids: HashSet<_> = smtp.received().into_iter().map(|m| m.message_id).collect();
    assert_eq!(ids.len(), 40);
}

async fn mail_goes_only_where_there_is_an_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // No e-mail given: the unit hears of it, the citizen gets nothing.
    let mut no_email = valid_json(1);
    no_email.as_object_mut().unwrap().remove("email");
    app.submit(&no_email).await;
    // An anonymous report: nothing to the citizen either.
    let report = json!({"kind": "report", "category": "lax_enforcement", "region": "370983",
        "title": "有案不立", "body": "某派出所对报案推诿不立案，已经三个月没有任何答复，请求调查。",
        "anonymous": true, "target_unit": "370983-police"});
    assert_eq!(app.post_json(&report).await.status(), 201);
    let rows = app.with_db(|c| outbox::list(c).unwrap());
    assert!(rows.iter().all(|(_, to, _)| to != "citizen"), "{rows:?}");
    assert_eq!(rows.iter().filter(|(t, _, _)| t == "new_case").count(), 2);
    // With an address: a sealed receipt row, which the stub transport then "sends".
    app.submit(&with_email(2, "has.mail@example.com")).await;
    let rows = app.with_db(|c| outbox::list(c).unwrap());
    assert_eq!(
        rows.iter()
            .filter(|(t, to, _)| t == "receipt" && to == "citizen")
            .count(),
        1
    );
    assert_eq!(flush(&app).await.sent, rows.len());
    let raw = app.state.mailer.transport().stubbed().await;
    assert_eq!(
        raw.iter().filter(|m| m.contains("has.mail@example.com")).count(),
        1
    );
}

async fn the_file_transport_writes_one_eml_per_mail(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.mail.transport = minsheng::config::MailTransportKind::File;
    })
    .await;
    app.submit(&with_email(1, "files@example.com")).await;
    assert_eq!(flush(&app).await.sent, 2);
    let dir = app.settings.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 2);
}

on_both_backends!(
    the_whole_loop_runs_through_a_real_smtp_server,
    an_outage_delays_mail_and_it_arrives_exactly_once,
    a_permanent_rejection_ends_dead_and_an_admin_can_retry_it,
    a_restart_loses_nothing_and_two_instances_send_each_mail_once,
    a_shutdown_lets_the_mail_in_hand_finish_and_starts_no_other,
    mail_goes_only_where_there_is_an_address,
    the_file_transport_writes_one_eml_per_mail,
);
