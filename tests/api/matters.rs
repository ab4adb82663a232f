//! One matter, many voices (一件多诉, issue #16): three people raise one matter through the web
//! form, a kiosk and the API; the index suggests the cases to each other, a handler links them,
//! the matter is accepted and answered once, every reporter gets their own answer by real SMTP
//! and can rate it, and one "not satisfied" reopens all three one level up. The figures count
//! one matter and three voices. Reports are never suggested for or linked to other kinds, and
//! linking never sends a report to the unit it is about.

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::services::open_days::{self as service, EventInput};
use minsheng::storage::submissions;
use serde_json::{json, Value};

use crate::helpers::{hidden_value, smtp_to, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// Three wordings of one matter: the same window at the same station, by three people.
const WEB_TEXT: &str = "城关派出所户籍窗口只开了一个，排队两个多小时，希望多开几个窗口。";
const KIOSK_TEXT: &str = "今天上午到城关派出所办户口，户籍那边就一个窗口在办理，前面几十个人，我从九点等到十一点多还没轮到，希望能多开几个窗口。";
const API_TEXT: &str = "城关派出所户籍窗口只开一个，排队等了两个多小时还没办上，请增开窗口。";

fn row(app: &TestApp, code: &str) -> submissions::SubmissionRow {
    app.with_db(|c| submissions::find_by_code(c, code).unwrap().unwrap())
}

/// A web-form submission; its tracking code.
async fn by_web_form(app: &TestApp, email: &str) -> String {
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let resp = browser
        .post(app.url("/submit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("kind", "complaint"),
            ("category", "service_attitude"),
            ("region", "370983"),
            ("target_unit", "370983-police"),
            ("title", "户籍窗口排长队"),
            ("body", WEB_TEXT),
            ("name", "王芳"),
            ("phone", "0538-1234567"),
            ("email", email),
            ("id_number", ""),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let receipt = browser.get(app.url("/submit/receipt")).send().await.unwrap();
    text_of(&receipt.text().await.unwrap(), "#tracking-code").unwrap()
}

/// A submission at an open-day kiosk; its tracking code.
async fn by_kiosk(app: &TestApp, email: &str) -> String {
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let event = service::add_event(
        db,
        catalog,
        &EventInput {
            host_unit: "370983-police".into(),
            title: "肥城市公安局开放日".into(),
            place: "城关派出所大厅".into(),
            starts_at: Some(Utc::now() - Duration::hours(1)),
            ends_at: Some(Utc::now() + Duration::hours(5)),
        },
    )
    .await
    .unwrap();
    let (_, enrol_code) = service::add_kiosk(db, event, "大厅一号机").await.unwrap();
    let screen = TestApp::new_client();
    let page = screen
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let enrolled = screen
        .post(app.url("/kiosk/enrol"))
        .form(&[("csrf_token", csrf.as_str()), ("code", enrol_code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.status(), 303);
    let form = screen
        .get(app.url("/kiosk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (csrf, key) = (
        hidden_value(&form, "csrf_token").unwrap(),
        hidden_value(&form, "idempotency_key").unwrap(),
    );
    let sent = screen
        .post(app.url("/kiosk"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("idempotency_key", key.as_str()),
            ("kind", "complaint"),
            ("category", "service_attitude"),
            ("region", "370983"),
            ("target_unit", "370983-police"),
            ("title", "办户口排队太久"),
            ("body", KIOSK_TEXT),
            ("phone", "13800138000"),
            ("email", email),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap());
    let receipt = screen.get(app.url("/kiosk/receipt")).send().await.unwrap();
    text_of(&receipt.text().await.unwrap(), "#tracking-code").unwrap()
}

/// A submission through the JSON API; its tracking code.
async fn by_api(app: &TestApp, email: &str) -> String {
    let mut body = valid_json(3);
    body["title"] = json!("窗口太少");
    body["body"] = json!(API_TEXT);
    body["email"] = json!(email);
    app.submit(&body).await.0
}

async fn index(app: &TestApp) {
    minsheng::jobs::indexer::index(
        &app.state.db,
        Utc::now(),
        app.state.settings.similarity.window_days,
    )
    .await
    .unwrap();
}

async fn case(app: &TestApp, token: &str, code: &str) -> Value {
    let resp = app.staff_get(token, &format!("/api/v1/staff/cases/{code}")).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn suggested(view: &Value) -> Vec<String> {
    view["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["tracking_code"].as_str().unwrap().to_owned())
        .collect()
}

async fn rate(app: &TestApp, link: &str, rating: &str) -> reqwest::StatusCode {
    let path = link.trim_start_matches("http://minsheng.test");
    let browser = TestApp::new_client();
    let page = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "the rating link works");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("已增开两个户籍窗口"),
        "each reporter sees the answer"
    );
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    browser
        .post(app.url(path))
        .form(&[("csrf_token", csrf.as_str()), ("rating", rating), ("comment", "")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn three_voices_are_one_matter_handled_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, smtp_to(smtp.port)).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let web = by_web_form(&app, "wang.fang@example.com").await;
    let kiosk = by_kiosk(&app, "zhao.lei@example.com").await;
    let api = by_api(&app, "sun.li@example.com").await;
    for code in [&web, &kiosk, &api] {
        assert_eq!(row(&app, code).assigned_unit.as_deref(), Some("370983-police"));
    }

    // Nothing is suggested before the index has the texts; then each names the other two.
    assert!(suggested(&case(&app, &handler, &web).await).is_empty());
    index(&app).await;
    let view = case(&app, &handler, &web).await;
    let mut names = suggested(&view);
    names.sort();
    let mut others = vec![kiosk.clone(), api.clone()];
    others.sort();
    assert_eq!(names, others, "{view}");
    let first = &view["suggestions"][0];
    assert!(first["similarity"].as_f64().unwrap() > 0.3);
    assert!(first["channel"].is_string() && first["created_at"].is_string() && first["state"] == "assigned");
    // The case page shows them too, with a link button, without scripts.
    app.staff_token("feicheng.page", "370983-police", Role::Handler)
        .await;
    let page_client = TestApp::new_client();
    let signed_in = app
        .sign_in(&page_client, "feicheng.page", "a long enough password")
        .await;
    assert_eq!(signed_in.status(), 303);
    let html = page_client
        .get(app.url(&format!("/handler/cases/{web}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed = text_of(&html, "#suggestions").expect("the page lists suggestions");
    assert!(listed.contains(&kiosk) && listed.contains(&api), "{listed}");
    assert!(html.contains(r#"name="action" value="merge""#));

    // Linked by the handler, with a reason: an event on both timelines and in the audit log.
    for code in [&kiosk, &api] {
        let resp = app
            .staff_act(
                &handler,
                code,
                json!({"action": "merge", "into": web, "reason": "同一窗口排队问题"}),
            )
            .await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }
    let lead = case(&app, &handler, &web).await;
    assert_eq!(lead["matter"]["voices"], 3, "{lead}");
    assert!(
        suggested(&lead).is_empty(),
        "linked cases are not suggested again"
    );
    let linked_events = lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "voice_linked")
        .count();
    assert_eq!(linked_events, 2);
    let follower = case(&app, &handler, &kiosk).await;
    assert_eq!(follower["matter"]["lead"], web.as_str());
    assert_eq!(
        follower["allowed_actions"],
        json!(["unlink"]),
        "a linked case is handled through its lead"
    );
    let audited: i64 = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::audit_log::dsl as a;
        a::audit_log
            .filter(a::action.eq_any(["merged", "voice_linked"]))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(audited, 4);

    // The matter is accepted and answered once, on the lead; every case follows.
    assert_eq!(
        app.staff_act(&handler, &web, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    let resolve = json!({"action": "resolve", "outcome": "substantiated",
        "result": "经核查情况属实，城关派出所已增开两个户籍窗口，并安排专人引导。"});
    assert_eq!(app.staff_act(&handler, &web, resolve).await.status(), 200);
    for code in [&web, &kiosk, &api] {
        let r = row(&app, code);
        assert_eq!(r.state.code(), "resolved", "{code}");
        assert!(r.result.as_deref().unwrap().contains("已增开两个户籍窗口"));
        assert!(r.rating_until.is_some(), "{code} has its own rating window");
    }

    // Every reporter gets exactly one answer, with their own rating link.
    app.state.mailer.flush(&app.state.db).await.unwrap();
    let mails = smtp.received();
    let mut links = Vec::new();
    for (who, code) in [
        ("wang.fang@example.com", &web),
        ("zhao.lei@example.com", &kiosk),
        ("sun.li@example.com", &api),
    ] {
        let results: Vec<_> = mails
            .iter()
            .filter(|m| m.to == who && m.subject.contains("已办结"))
            .collect();
        assert_eq!(
            results.len(),
            1,
            "{who}: {:?}",
            results.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        assert!(
            results[0].subject.contains(code.as_str()),
            "their own tracking code"
        );
        links.push(results[0].rating_link().expect("a rating link"));
    }
    links.dedup();
    assert_eq!(links.len(), 3, "three different rating links");

    // One reporter is not satisfied: the whole matter is reviewed one level up.
    assert_eq!(rate(&app, &links[1], "not_satisfied").await, 200);
    for code in [&web, &kiosk, &api] {
        let r = row(&app, code);
        assert_eq!(r.state.code(), "reopened", "{code}");
        assert_eq!(r.assigned_unit.as_deref(), Some("370900-police"), "{code}");
        assert_eq!(r.review_round, 1);
    }
    assert_eq!(row(&app, &kiosk).rating.as_deref(), Some("not_satisfied"));
    assert_eq!(
        row(&app, &web).rating,
        None,
        "the others' ratings are not made up"
    );
    // The others' links were for the first answer: they rate nothing now.
    let browser = TestApp::new_client();
    let stale = browser
        .get(app.url(links[0].trim_start_matches("http://minsheng.test")))
        .send()
        .await
        .unwrap();
    assert!(stale.status().is_client_error() || !stale.text().await.unwrap().contains("csrf_token"));

    // One matter, three voices.
    let admin = app.staff_token("stats.admin", "370000-office", Role::Admin).await;
    let stats: Value = app
        .staff_get(&admin, "/api/v1/staff/stats?period=this_month&group_by=unit")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"]["counts"]["received"], 3, "{stats}");
    assert_eq!(stats["total"]["counts"]["matters"], 1, "{stats}");
}

async fn reports_stay_apart_and_away_from_the_unit_they_are_about(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = "城关派出所户籍窗口民警上班时间玩手机，群众排队两个多小时无人办理，态度恶劣。";
    let report = |n: usize, target: &str| {
        let mut body = valid_json(n);
        body["kind"] = json!("report");
        body["category"] = json!("illegal_business");
        body["target_unit"] = json!(target);
        body["body"] = json!(text);
        body
    };
    // A report about the police, at the county's discipline body; a report about that very
    // discipline body, one level up; and a complaint of the same words moved to the county's
    // discipline body, so one handler sees a report and a complaint side by side.
    let (about_police, _) = app.submit(&report(1, "370983-police")).await;
    let (about_discipline, _) = app.submit(&report(2, "370983-discipline")).await;
    let mut complaint = valid_json(3);
    complaint["body"] = json!(text);
    let (complaint, _) = app.submit(&complaint).await;
    assert_eq!(
        row(&app, &about_police).assigned_unit.as_deref(),
        Some("370983-discipline")
    );
    assert_eq!(
        row(&app, &about_discipline).assigned_unit.as_deref(),
        Some("370900-discipline")
    );
    let police = app
        .staff_token("feicheng.police", "370983-police", Role::Handler)
        .await;
    let moved = app
        .staff_act(
            &police,
            &complaint,
            json!({"action": "transfer", "unit": "370983-discipline", "reason": "涉及民警作风"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    index(&app).await;

    // The county's discipline handler sees both: the report is not suggested with the
    // complaint, nor the complaint with the report, and they cannot be linked.
    let county = app
        .staff_token("feicheng.discipline", "370983-discipline", Role::Handler)
        .await;
    assert!(suggested(&case(&app, &county, &about_police).await).is_empty());
    assert!(suggested(&case(&app, &county, &complaint).await).is_empty());
    for (code, into) in [(&about_police, &complaint), (&complaint, &about_police)] {
        let resp = app
            .staff_act(
                &county,
                code,
                json!({"action": "merge", "into": into, "reason": "同一事项"}),
            )
            .await;
        assert_eq!(resp.status(), 409, "{}", resp.text().await.unwrap());
        assert_eq!(row(&app, code).lead_id, None);
    }

    // The city's discipline supervisor reaches both reports, which are suggested to each other.
    let city = app
        .staff_token("taian.discipline", "370900-discipline", Role::Supervisor)
        .await;
    assert_eq!(
        suggested(&case(&app, &city, &about_police).await),
        vec![about_discipline.clone()]
    );
    // Linking the report about the county's discipline body to the matter held there would
    // send it to the body it is about: refused, nothing changed.
    let resp = app
        .staff_act(
            &city,
            &about_discipline,
            json!({"action": "merge", "into": about_police, "reason": "同一事项"}),
        )
        .await;
    assert_eq!(resp.status(), 409, "{}", resp.text().await.unwrap());
    let unchanged = row(&app, &about_discipline);
    assert_eq!(unchanged.assigned_unit.as_deref(), Some("370900-discipline"));
    assert_eq!(unchanged.lead_id, None);
    // The other way round is allowed: the report about the police goes up to the city.
    let resp = app
        .staff_act(
            &city,
            &about_police,
            json!({"action": "merge", "into": about_discipline, "reason": "同一事项"}),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let linked = row(&app, &about_police);
    assert_eq!(linked.assigned_unit.as_deref(), Some("370900-discipline"));
    assert!(linked.lead_id.is_some());
    // And it can be unlinked with a reason; it stays where it is, on its own.
    let resp = app
        .staff_act(
            &city,
            &about_police,
            json!({"action": "unlink", "reason": "经核实不是同一事项"}),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(row(&app, &about_police).lead_id, None);
}

async fn the_same_reporter_is_recognised_without_showing_the_contact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.h", "370983-police", Role::Handler)
        .await;
    let mut first = valid_json(1);
    first["body"] = json!("城关派出所门口的路灯坏了一个月，晚上办事很不方便。");
    let (earlier, _) = app.submit(&first).await;
    let mut second = valid_json(1);
    second["body"] = json!("新城派出所的停车位总被占用，群众办事没地方停车。");
    let (later, _) = app.submit(&second).await;
    let (stranger, _) = app.submit(&valid_json(2)).await;

    let view = case(&app, &handler, &later).await;
    assert_eq!(view["same_reporter"]["count"], 1, "{view}");
    assert_eq!(
        view["same_reporter"]["cases"][0]["tracking_code"],
        earlier.as_str()
    );
    let text = view["same_reporter"].to_string();
    assert!(!text.contains("citizen1@example.com") && !text.contains("13800138000"));
    // Another contact is another reporter.
    let other = case(&app, &handler, &stranger).await;
    assert!(other["same_reporter"].is_null(), "{other}");
}

/// `contacts reindex` brings stored indexes to today's form, so the same-reporter look-up finds
/// a reporter whose old case was indexed differently; a second run changes nothing.
async fn contacts_are_reindexed_from_the_sealed_identities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.r", "370983-police", Role::Handler)
        .await;
    let (old, _) = app.submit(&valid_json(1)).await;
    let (new, _) = app.submit(&valid_json(1)).await;
    // The old case's index as an earlier form of it would have been.
    app.with_db(|c| {
        let id = submissions::find_by_code(c, &old).unwrap().unwrap().id;
        minsheng::storage::matters::set_contact_index(c, id, Some("an-index-of-another-form")).unwrap();
    });
    assert!(case(&app, &handler, &new).await["same_reporter"].is_null());
    let vault = &app.state.vault;
    let done = minsheng::services::contacts::reindex(&app.state.db, vault)
        .await
        .unwrap();
    assert_eq!((done.looked_at, done.changed), (2, 1));
    assert_eq!(case(&app, &handler, &new).await["same_reporter"]["count"], 1);
    let again = minsheng::services::contacts::reindex(&app.state.db, vault)
        .await
        .unwrap();
    assert_eq!(again.changed, 0);
}

/// `similarity rebuild` indexes what is there, with the job's batches, and a second run finds
/// nothing left; the serve job indexes new cases on its own.
async fn the_index_is_rebuilt_from_the_command_line_and_kept_by_serve(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.i", "370983-police", Role::Handler)
        .await;
    let (web, _) = app
        .submit(&{
            let mut b = valid_json(1);
            b["body"] = json!(WEB_TEXT);
            b
        })
        .await;
    let (api, _) = app
        .submit(&{
            let mut b = valid_json(2);
            b["body"] = json!(API_TEXT);
            b
        })
        .await;
    assert!(suggested(&case(&app, &handler, &web).await).is_empty());
    let rebuild = || {
        let out = crate::helpers::minsheng_binary()
            .env("MINSHENG__DATABASE__URL", &app.settings.database.url)
            .env("MINSHENG__DATA_DIR", &app.settings.data_dir)
            .env("MINSHENG__SECURITY__DATA_KEY", crate::helpers::TEST_KEY)
            .args(["similarity", "rebuild"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = rebuild();
    assert!(first.contains("indexed 2 case(s) now; 2 of 2"), "{first}");
    assert_eq!(suggested(&case(&app, &handler, &web).await), vec![api.clone()]);
    let second = rebuild();
    assert!(second.contains("indexed 0 case(s) now; 2 of 2"), "{second}");

    // In serve, the job indexes a new case within its interval.
    let served = app.sibling(|s| s.similarity.index_interval_secs = 1).await;
    let (kiosk_like, _) = app
        .submit(&{
            let mut b = valid_json(3);
            b["body"] = json!(KIOSK_TEXT);
            b
        })
        .await;
    let mut found = false;
    for _ in 0..50 {
        if suggested(&case(&served, &handler, &web).await).contains(&kiosk_like) {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(found, "the serve job indexed the new case");
}

/// The dispatcher's queue shows, on each case waiting, the cases that may be the same matter;
/// the dispatcher links them, and dispatching the lead takes the linked case along.
async fn the_dispatcher_sees_and_links_the_same_matter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dispatcher = app
        .staff_token("feicheng.office", "370983-office", Role::Dispatcher)
        .await;
    let unrouted = |n: usize, text: &str| {
        let mut b = valid_json(n);
        b["category"] = json!("other");
        b["title"] = json!(text.chars().take(8).collect::<String>());
        b["body"] = json!(text);
        b.as_object_mut().unwrap().remove("target_unit");
        b
    };
    let (first, _) = app.submit(&unrouted(1, WEB_TEXT)).await;
    let (second, _) = app.submit(&unrouted(2, API_TEXT)).await;
    let (unrelated, _) = app
        .submit(&unrouted(
            3,
            "小区门口的违章停车太多，消防通道被堵，希望交警来管一管。",
        ))
        .await;
    index(&app).await;
    let queue: Value = app
        .staff_get(&dispatcher, "/api/v1/staff/queue")
        .await
        .json()
        .await
        .unwrap();
    let item = |code: &str| {
        queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["tracking_code"] == code)
            .unwrap_or_else(|| panic!("{code} in {queue}"))
            .clone()
    };
    assert_eq!(item(&first)["suggestions"][0]["tracking_code"], second.as_str());
    assert_eq!(item(&second)["suggestions"][0]["tracking_code"], first.as_str());
    assert_eq!(item(&unrelated)["suggestions"], json!([]));

    // A third voice linked to the second; then the second (with it) to the first.
    let (third, _) = app.submit(&unrouted(4, KIOSK_TEXT)).await;
    for (code, into) in [(&third, &second), (&second, &first)] {
        let linked = app
            .staff_act(
                &dispatcher,
                code,
                json!({"action": "merge", "into": into, "reason": "同一窗口的问题"}),
            )
            .await;
        assert_eq!(linked.status(), 200, "{}", linked.text().await.unwrap());
    }
    assert_eq!(
        row(&app, &third).lead_id,
        Some(row(&app, &first).id),
        "it follows the matter's lead"
    );
    let queue: Value = app
        .staff_get(&dispatcher, "/api/v1/staff/queue")
        .await
        .json()
        .await
        .unwrap();
    let lead = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tracking_code"] == first.as_str())
        .unwrap()
        .clone();
    assert_eq!(lead["linked"], 2, "{lead}");
    let sent = app
        .staff_act(
            &dispatcher,
            &first,
            json!({"action": "dispatch", "unit": "370983-police"}),
        )
        .await;
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    for code in [&first, &second, &third] {
        let r = row(&app, code);
        assert_eq!(
            (r.state.code(), r.assigned_unit.as_deref()),
            ("assigned", Some("370983-police")),
            "{code}"
        );
    }
    assert_eq!(row(&app, &unrelated).state.code(), "pending_dispatch");
}

on_both_backends!(
    the_dispatcher_sees_and_links_the_same_matter,
    the_index_is_rebuilt_from_the_command_line_and_kept_by_serve,
    contacts_are_reindexed_from_the_sealed_identities,
    three_voices_are_one_matter_handled_once,
    reports_stay_apart_and_away_from_the_unit_they_are_about,
    the_same_reporter_is_recognised_without_showing_the_contact
);
