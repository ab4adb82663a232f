//! The staff pages driven as a browser would: sign-in (and its limits and idle expiry), the queue,
//! a case worked through its forms, CSRF on every action, sign-out.

use minsheng::domain::kind::Role;

use crate::helpers::{hidden_value, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn a_handler_works_a_case_in_the_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let (code, _) = app.submit(&valid_json(1)).await;
    let browser = TestApp::new_client();

    let redirect = browser.get(app.url("/handler")).send().await.unwrap();
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["location"], "/handler/login");

    let wrong = app.sign_in(&browser, "feicheng.handler", "wrong password!").await;
    assert_eq!(wrong.status(), 401);
    let page = wrong.text().await.unwrap();
    assert!(page.contains("用户名或密码不正确"));
    assert_eq!(
        hidden_value(&page, "username").unwrap(),
        "feicheng.handler",
        "the typed name is kept"
    );
    let unknown = app.sign_in(&browser, "nobody", "a long enough password").await;
    assert_eq!(unknown.status(), 401, "the same answer for an unknown user");

    let ok = app
        .sign_in(&browser, "feicheng.handler", "a long enough password")
        .await;
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let queue = browser
        .get(app.url("/handler"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&code), "the new case is in the queue");
    assert!(queue.contains("派出所窗口排长队"));

    let case_url = app.url(&format!("/handler/cases/{code}"));
    let case = browser.get(&case_url).send().await.unwrap().text().await.unwrap();
    assert!(
        case.contains("李明"),
        "a complainant's identity is shown to the unit"
    );
    assert!(case.contains("id=\"action-accept\"") && case.contains("id=\"action-decline\""));
    assert!(!case.contains("id=\"action-resolve\""), "not before acceptance");
    assert_eq!(
        text_of(&case, "#days-left").unwrap(),
        "15",
        "15 days to decide acceptance"
    );
    let csrf = hidden_value(&case, "csrf_token").unwrap();

    let no_csrf = browser
        .post(format!("{case_url}/actions"))
        .form(&[("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    let accept = browser
        .post(format!("{case_url}/actions"))
        .form(&[("csrf_token", csrf.as_str()), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(accept.status(), 303);
    let case = browser.get(&case_url).send().await.unwrap().text().await.unwrap();
    assert!(text_of(&case, "#state").unwrap().contains("已受理"));

    // A mistake comes back with its message and what was typed.
    let short = browser
        .post(format!("{case_url}/actions"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "resolve"),
            ("outcome", "partly"),
            ("result", "太短"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    let page = short.text().await.unwrap();
    assert!(page.contains("至少需要 10 个字"));
    assert_eq!(text_of(&page, "#resolve-result").unwrap(), "太短");

    let answer = "已增开一个户籍窗口，并对值班民警进行了批评教育。";
    let resolve = browser
        .post(format!("{case_url}/actions"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "resolve"),
            ("outcome", "partly"),
            ("result", answer),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resolve.status(), 303);
    let case = browser.get(&case_url).send().await.unwrap().text().await.unwrap();
    assert!(text_of(&case, "#state").unwrap().contains("已办结"));
    assert!(case.contains(answer));

    // Out of reach looks like nothing at all.
    let stranger = TestApp::new_client();
    app.staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    assert_eq!(
        app.sign_in(&stranger, "xintai.handler", "a long enough password")
            .await
            .status(),
        303
    );
    assert_eq!(stranger.get(&case_url).send().await.unwrap().status(), 404);

    let csrf = hidden_value(&case, "csrf_token").unwrap();
    let out = browser
        .post(app.url("/handler/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        browser.get(app.url("/handler")).send().await.unwrap().status(),
        303
    );
}

async fn sessions_end_after_eight_idle_hours_and_sign_in_is_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let start = chrono::Utc::now();
    let (busy, idle) = (TestApp::new_client(), TestApp::new_client());
    for browser in [&busy, &idle] {
        let signed_in = app
            .sign_in(browser, "feicheng.handler", "a long enough password")
            .await;
        assert_eq!(signed_in.status(), 303);
    }
    let get = |browser: &reqwest::Client| browser.get(app.url("/handler")).send();
    let at = |h: i64, m: i64| start + chrono::Duration::hours(h) + chrono::Duration::minutes(m);
    app.state.clock.set(at(7, 59));
    assert_eq!(get(&busy).await.unwrap().status(), 200, "used within 8 hours");
    app.state.clock.set(at(8, 1));
    assert_eq!(get(&idle).await.unwrap().status(), 303, "idle too long");
    assert_eq!(get(&busy).await.unwrap().status(), 200, "used 2 minutes ago");
    app.state.clock.set(start);

    let browser = TestApp::new_client();
    let mut last = 0;
    for _ in 0..12 {
        last = app
            .sign_in(&browser, "feicheng.handler", "guessing wrong")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    let right = app
        .sign_in(&browser, "feicheng.handler", "a long enough password")
        .await;
    assert_eq!(right.status(), 429, "still limited, even with the right password");
}

async fn the_queue_page_links_to_the_next_page_with_its_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    for n in 0..55 {
        app.submit(&valid_json(n)).await;
    }
    let browser = TestApp::new_client();
    assert_eq!(
        app.sign_in(&browser, "feicheng.handler", "a long enough password")
            .await
            .status(),
        303
    );
    let first = browser
        .get(app.url("/handler?q=%E7%AA%97%E5%8F%A3&kind=complaint"))
        .send()
        .await
        .unwrap();
    let html = first.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("table.queue tbody tr").unwrap();
    assert_eq!(doc.select(&rows).count(), 50);
    let next = scraper::Selector::parse("a.button.secondary").unwrap();
    let href = doc
        .select(&next)
        .find_map(|a| a.value().attr("href"))
        .expect("a next-page link")
        .to_owned();
    assert!(
        href.contains("q=%E7%AA%97%E5%8F%A3") && href.contains("kind=complaint") && href.contains("cursor="),
        "{href}"
    );
    let second = browser
        .get(app.url(&href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&second);
    assert_eq!(doc.select(&rows).count(), 5);
}

on_both_backends!(
    the_queue_page_links_to_the_next_page_with_its_filters,
    a_handler_works_a_case_in_the_browser,
    sessions_end_after_eight_idle_hours_and_sign_in_is_limited,
);
