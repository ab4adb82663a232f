//! The citizen's web pages, driven as a browser would (cookies kept, redirects looked at).

use crate::helpers::{hidden_value, text_of, Backend, TestApp};
use crate::on_both_backends;

fn form_fields(csrf: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf_token", csrf.to_owned()),
        ("kind", "help".into()),
        ("category", "judgment_enforcement".into()),
        ("region", "371428".into()),
        ("target_unit", "".into()),
        ("title", "判决执行不了".into()),
        (
            "body",
            "法院判决对方还我工钱三万元，一年了还没有执行到位，希望帮忙。".into(),
        ),
        ("name", "王芳".into()),
        ("phone", "0534-1234567".into()),
        ("email", "".into()),
        ("id_number", "".into()),
        ("website", "".into()),
    ]
}

fn set(fields: &mut [(&'static str, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| *k == name).unwrap().1 = value.to_owned();
}

async fn valid_form_gives_a_one_time_receipt_and_a_status_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let resp = browser
        .post(app.url("/submit"))
        .form(&form_fields(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/submit/receipt");
    assert_eq!(app.submission_count(), 1);

    let receipt = browser.get(app.url("/submit/receipt")).send().await.unwrap();
    assert_eq!(receipt.status(), 200);
    assert_eq!(receipt.headers()["cache-control"], "no-store");
    let html = receipt.text().await.unwrap();
    let code = text_of(&html, "#tracking-code").expect("receipt shows the code");
    let key = text_of(&html, "#access-key").expect("receipt shows the key");
    assert!(code.starts_with("MS-"));
    assert!(
        html.contains("办理结果不会发邮件通知"),
        "no e-mail given, so the page says so"
    );

    // Shown once: a second visit shows no key.
    let again = browser
        .get(app.url("/submit/receipt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text_of(&again, "#access-key").is_none());
    assert!(!again.contains(&key));

    // Track with what the receipt showed; code and key travel in the body.
    let csrf = app.csrf_token(&browser, "/track").await;
    let resp = browser
        .post(app.url("/track"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("code", code.to_lowercase().as_str()),
            ("key", key.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let status = resp.text().await.unwrap();
    assert_eq!(text_of(&status, "#tracking-code").unwrap(), code);
    // Wucheng county has no court, so rule R8 found the city's.
    assert!(text_of(&status, "#state").unwrap().contains("已交办"));
    assert!(status.contains("武城县"));
    assert!(status.contains("德州市中级人民法院"));
    assert!(!status.contains("王芳"), "the status page shows no identity");

    // A wrong key gets the form back with a message, not the case.
    let csrf = app.csrf_token(&browser, "/track").await;
    let wrong = browser
        .post(app.url("/track"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("code", code.as_str()),
            ("key", "AAAA-AAAA-AAAA-AAAA"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let page = wrong.text().await.unwrap();
    assert!(page.contains("没有找到对应的记录"));
    assert_eq!(
        hidden_value(&page, "code").unwrap(),
        code,
        "the typed code is kept"
    );
}

async fn invalid_form_comes_back_with_messages_and_everything_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let mut fields = form_fields(&csrf);
    set(&mut fields, "body", "太短");
    set(&mut fields, "phone", "12345");
    set(&mut fields, "email", "wang@@example");
    set(&mut fields, "title", "<script>alert(1)</script>标题");
    let resp = browser
        .post(app.url("/submit"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    let summary = text_of(&html, ".error-summary").expect("an error summary at the top");
    assert!(
        summary.contains("具体内容") && summary.contains("电话") && summary.contains("电子邮箱"),
        "{summary}"
    );
    assert!(html.contains("至少需要 10 个字"));
    assert!(html.contains("请填写11位手机号"));
    // Everything typed is still there, safely escaped.
    assert_eq!(text_of(&html, "#f-body").unwrap(), "太短");
    assert_eq!(hidden_value(&html, "phone").unwrap(), "12345");
    assert_eq!(hidden_value(&html, "email").unwrap(), "wang@@example");
    assert_eq!(hidden_value(&html, "name").unwrap(), "王芳");
    assert_eq!(
        hidden_value(&html, "title").unwrap(),
        "<script>alert(1)</script>标题"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("value=\"help\" checked"),
        "the chosen kind stays chosen"
    );
    assert!(
        html.contains("value=\"371428\" selected"),
        "the chosen region stays chosen"
    );
    assert!(hidden_value(&html, "csrf_token").is_some_and(|t| !t.is_empty()));
    assert_eq!(app.submission_count(), 0);

    // Corrected and sent again from the same page: accepted.
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    let fixed = form_fields(&csrf);
    let resp = browser
        .post(app.url("/submit"))
        .form(&fixed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(app.submission_count(), 1);
}

async fn missing_or_wrong_csrf_token_is_403(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let mut fields = form_fields(&csrf);
    fields.retain(|(k, _)| *k != "csrf_token");
    let resp = browser
        .post(app.url("/submit"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("页面已过期"));

    let mut fields = form_fields("0000");
    set(&mut fields, "csrf_token", "deadbeef");
    assert_eq!(
        browser
            .post(app.url("/submit"))
            .form(&fields)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // A valid token from another browser does not fit this browser's cookie.
    let other = TestApp::new_client();
    let foreign = app.csrf_token(&other, "/submit").await;
    let resp = browser
        .post(app.url("/submit"))
        .form(&form_fields(&foreign))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // No cookie at all (a cross-site post).
    let cookieless = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = cookieless
        .post(app.url("/submit"))
        .form(&form_fields(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(app.submission_count(), 0);
}

async fn the_honeypot_catches_bots(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/submit").await;
    let mut fields = form_fields(&csrf);
    set(&mut fields, "website", "http://spam.example");
    let resp = browser
        .post(app.url("/submit"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(app.submission_count(), 0);
}

async fn english_is_chosen_and_remembered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let home = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("lang=\"zh-CN\"") && home.contains("举报"));
    let en = browser
        .get(app.url("/?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("lang=\"en\"") && en.contains("Report of misconduct"));
    // The choice sticks without the query.
    let form = browser
        .get(app.url("/submit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Send a message") && form.contains("Where did it happen"));
    // Accept-Language works for a fresh visitor.
    let fresh = TestApp::new_client();
    let page = fresh
        .get(app.url("/track"))
        .header("Accept-Language", "en-US,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("Check progress"));
}

async fn pages_work_without_scripts_and_label_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let html = app
        .client
        .get(app.url("/submit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script"), "no JavaScript needed");
    assert!(html.contains("name=\"viewport\""));
    let doc = scraper::Html::parse_document(&html);
    let inputs =
        scraper::Selector::parse("input:not([type=hidden]):not([type=radio]), select, textarea").unwrap();
    for input in doc.select(&inputs) {
        let id = input.value().attr("id").expect("every field has an id");
        let label = scraper::Selector::parse(&format!("label[for=\"{id}\"]")).unwrap();
        assert!(doc.select(&label).next().is_some(), "field #{id} has no label");
    }
    let css = app.client.get(app.url("/static/site.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    let csp = app.client.get(app.url("/")).send().await.unwrap().headers()["content-security-policy"].clone();
    assert!(!csp.to_str().unwrap().contains("unsafe-inline"));
}

on_both_backends!(
    valid_form_gives_a_one_time_receipt_and_a_status_page,
    invalid_form_comes_back_with_messages_and_everything_typed,
    missing_or_wrong_csrf_token_is_403,
    the_honeypot_catches_bots,
    english_is_chosen_and_remembered,
    pages_work_without_scripts_and_label_every_field,
);
