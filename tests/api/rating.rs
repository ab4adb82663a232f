//! The citizen's rating: from the status page with the access key, one rating per answer, forged
//! and expired links refused, "satisfied" closing the case, and the sweeper closing what nobody
//! rated in time. (The mailed link and "not satisfied" are in `mail.rs`.)

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::jobs::sweeper::sweep;
use minsheng::mail::rating_link::{self as token, RatingClaim};
use minsheng::storage::submissions;
use serde_json::json;

use crate::helpers::{hidden_value, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;

/// A case answered by its handler; returns (tracking code, access key).
async fn answered(app: &TestApp, n: usize) -> (String, String) {
    let handler = app
        .staff_token(&format!("handler{n}"), "370983-police", Role::Handler)
        .await;
    let (code, key) = app.submit(&valid_json(n)).await;
    assert_eq!(
        app.staff_act(&handler, &code, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    let resolve = json!({"action": "resolve", "outcome": "substantiated",
        "result": "经核查情况属实，已对相关民警批评教育并增开窗口。"});
    assert_eq!(app.staff_act(&handler, &code, resolve).await.status(), 200);
    (code, key)
}

async fn post_rating(
    app: &TestApp,
    browser: &reqwest::Client,
    href: &str,
    rating: &str,
    comment: &str,
) -> reqwest::Response {
    let page = browser
        .get(app.url(href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    browser
        .post(app.url(href))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("rating", rating),
            ("comment", comment),
        ])
        .send()
        .await
        .unwrap()
}

fn row(app: &TestApp, code: &str) -> submissions::SubmissionRow {
    app.with_db(|c| submissions::find_by_code(c, code).unwrap().unwrap())
}

async fn a_citizen_rates_once_from_the_status_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, key) = answered(&app, 1).await;
    let browser = TestApp::new_client();
    let status = app.status_page(&browser, &code, &key).await;
    let doc = scraper::Html::parse_document(&status);
    let href = doc
        .select(&scraper::Selector::parse("#rate a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("the status page offers a rating")
        .to_owned();
    assert!(!href.contains(&key), "the access key never goes into a link");

    // No choice made: the form again, with the comment kept and a message, nothing stored.
    let none = post_rating(&app, &browser, &href, "", "我的意见").await;
    assert_eq!(none.status(), 422);
    let html = none.text().await.unwrap();
    assert!(text_of(&html, "#rating-error").unwrap().contains("请选择"));
    assert_eq!(text_of(&html, "#f-comment").unwrap(), "我的意见");
    assert_eq!(row(&app, &code).state.code(), "resolved");

    let ok = post_rating(&app, &browser, &href, "satisfied", "办得很快，谢谢！").await;
    assert_eq!(ok.status(), 200);
    assert!(text_of(&ok.text().await.unwrap(), "#notice")
        .unwrap()
        .contains("已结案"));
    assert_eq!(row(&app, &code).state.code(), "closed");

    // A second rating of the same answer is refused and changes nothing.
    let page = browser
        .get(app.url(&href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text_of(&page, "#notice").unwrap().contains("已经评价"));
    assert!(hidden_value(&page, "csrf_token").is_none(), "no form any more");
    // Posting anyway (a second tab, a double tap) is refused.
    let csrf = app.csrf_token(&browser, "/track").await;
    let again = browser
        .post(app.url(&href))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("rating", "not_satisfied"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(row(&app, &code).state.code(), "closed");
    let status = app.status_page(&browser, &code, &key).await;
    assert!(text_of(&status, "#rate").is_none(), "nothing left to rate");
    assert!(status.contains("群众评价：满意"), "the rating is on the timeline");
}

async fn forged_and_expired_links_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, _) = answered(&app, 1).await;
    let browser = TestApp::new_client();
    let until = row(&app, &code).rating_until.unwrap().and_utc().timestamp();
    let claim = RatingClaim {
        tracking_code: code.clone(),
        round: 0,
        until,
    };
    let good = token::sign(&app.state.vault, &claim);
    let forged = good.replace(&format!(".{until}."), &format!(".{}.", until + 86_400));
    let resp = browser
        .get(app.url(&format!("/rate/{forged}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let expired = token::sign(
        &app.state.vault,
        &RatingClaim {
            until: Utc::now().timestamp() - 1,
            ..claim.clone()
        },
    );
    let resp = browser
        .get(app.url(&format!("/rate/{expired}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 410);
    assert!(text_of(&resp.text().await.unwrap(), "#notice")
        .unwrap()
        .contains("评价期已过"));
    // Posting to a forged link stores nothing.
    let page = browser
        .get(app.url(&format!("/rate/{good}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let resp = browser
        .post(app.url(&format!("/rate/{forged}")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("rating", "satisfied"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(row(&app, &code).state.code(), "resolved");
}

async fn the_sweeper_closes_answers_nobody_rated(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    let (code, key) = answered(&app, 1).await;
    let run = |days: i64| {
        let s = &app.state;
        sweep(
            &s.db,
            &s.catalog,
            &s.router.directory,
            Utc::now() + Duration::days(days),
        )
    };
    assert_eq!(run(1).await.unwrap().closed_unrated, 0, "still inside the window");
    assert_eq!(run(16).await.unwrap().closed_unrated, 1);
    assert_eq!(run(16).await.unwrap().closed_unrated, 0, "once only");
    assert_eq!(row(&app, &code).state.code(), "closed");
    let browser = TestApp::new_client();
    let status = app.status_page(&browser, &code, &key).await;
    assert!(status.contains("未评价，已结案"));
}

on_both_backends!(
    a_citizen_rates_once_from_the_status_page,
    forged_and_expired_links_are_refused,
    the_sweeper_closes_answers_nobody_rated,
);
