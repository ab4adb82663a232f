//! Staff sessions the server ends (issue #13): a copied session cookie stops working after
//! sign-out, a password change, an administrator's "sign out everywhere" and disabling; a
//! session ends 12 hours after sign-in however busy, and after 8 idle hours. Sign-in failures
//! are limited per username and address, never by a stranger's guesses from elsewhere; the
//! first administrator's one-time password waits in a private file until their first sign-in.

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use minsheng::services::accounts;
use minsheng::storage::{accounts as users, sessions};

use crate::helpers::{hidden_value, text_of, Backend, TestApp, TEST_KEY};
use crate::on_both_backends;

const PASSWORD: &str = "a long enough password";
const USER: &str = "feicheng.handler";

/// Signs a new browser in as `username` and returns it with the value of its session cookie.
async fn signed_in(app: &TestApp, username: &str, password: &str) -> (reqwest::Client, String) {
    let browser = TestApp::new_client();
    let resp = app.sign_in(&browser, username, password).await;
    assert_eq!(resp.status(), 303, "{username} signs in");
    let cookie = session_cookie(&resp).expect("a session cookie");
    (browser, cookie)
}

fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ms_staff="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// The status of the queue page for someone holding a copy of session cookie `value`.
async fn with_copied_cookie(app: &TestApp, value: &str) -> u16 {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/handler"))
        .header("Cookie", format!("ms_staff={value}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 303 {
        assert_eq!(resp.headers()["location"], "/handler/login");
    }
    status
}

async fn queue_status(app: &TestApp, browser: &reqwest::Client) -> u16 {
    browser
        .get(app.url("/handler"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn sessions_of(app: &TestApp, username: &str) -> i64 {
    app.with_db(|c| {
        let user = users::find_user(c, username).unwrap().unwrap();
        sessions::count_for_user(c, user.id).unwrap()
    })
}

async fn a_copied_cookie_dies_at_sign_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    let (browser, cookie) = signed_in(&app, USER, PASSWORD).await;
    let (_other, other_cookie) = signed_in(&app, USER, PASSWORD).await;
    assert_eq!(
        with_copied_cookie(&app, &cookie).await,
        200,
        "a copy works while signed in"
    );

    let csrf = app.csrf_token(&browser, "/handler").await;
    let out = browser
        .post(app.url("/handler/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(with_copied_cookie(&app, &cookie).await, 303, "the copy is dead");
    assert_eq!(queue_status(&app, &browser).await, 303);
    assert_eq!(
        with_copied_cookie(&app, &other_cookie).await,
        200,
        "signing out on one browser leaves the others"
    );
    assert_eq!(sessions_of(&app, USER), 1);
}

async fn a_copied_cookie_dies_when_the_password_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    let (browser, cookie) = signed_in(&app, USER, PASSWORD).await;
    let (_elsewhere, elsewhere) = signed_in(&app, USER, PASSWORD).await;
    assert_eq!(with_copied_cookie(&app, &cookie).await, 200);

    let csrf = app.csrf_token(&browser, "/handler/password").await;
    let new = "a brand new passphrase";
    let changed = browser
        .post(app.url("/handler/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current", PASSWORD),
            ("new", new),
            ("repeat", new),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let fresh = session_cookie(&changed).expect("this browser gets a new session");
    assert_ne!(fresh, cookie);
    assert_eq!(with_copied_cookie(&app, &cookie).await, 303, "the copy is dead");
    assert_eq!(
        with_copied_cookie(&app, &elsewhere).await,
        303,
        "every other session too"
    );
    assert_eq!(
        queue_status(&app, &browser).await,
        200,
        "the one who changed it stays in"
    );

    // An administrator's reset (`minsheng user password`) ends sessions as well.
    accounts::set_password(&app.state.db, USER, "a reset passphrase!", "cli")
        .await
        .unwrap();
    assert_eq!(
        with_copied_cookie(&app, &fresh).await,
        303,
        "a reset ends them all"
    );
    assert_eq!(sessions_of(&app, USER), 0);
}

async fn an_administrator_signs_a_user_out_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    app.staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    let (_a, first) = signed_in(&app, USER, PASSWORD).await;
    let (_b, second) = signed_in(&app, USER, PASSWORD).await;
    let (_c, bystander) = signed_in(&app, "xintai.handler", PASSWORD).await;
    assert_eq!(with_copied_cookie(&app, &first).await, 200);

    // The administrator's command, run as an administrator runs it, against this database.
    let out = crate::helpers::minsheng_binary()
        .args(["user", "sign-out", "--username", USER])
        .env("MINSHENG__DATABASE__URL", &app.settings.database.url)
        .env("MINSHENG__DATA_DIR", &app.settings.data_dir)
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 sessions ended"), "{stdout}");

    assert_eq!(with_copied_cookie(&app, &first).await, 303);
    assert_eq!(with_copied_cookie(&app, &second).await, 303);
    assert_eq!(
        with_copied_cookie(&app, &bystander).await,
        200,
        "other users stay signed in"
    );
    // The user can sign in again: signed out, not locked out.
    let (user_browser, again) = signed_in(&app, USER, PASSWORD).await;

    // The same from the administrators' page; other staff may not use it.
    let password = std::fs::read_to_string(app.settings.data_dir.join("first-admin-password")).unwrap();
    let (admin, _) = signed_in(&app, "admin", password.trim()).await;
    let page = admin.get(app.url("/handler/users")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let sessions_cell = format!("#user-{} .sessions", USER.replace('.', "\\."));
    assert_eq!(text_of(&html, &sessions_cell).as_deref(), Some("1"), "{html}");
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    let sign_out = |browser: &reqwest::Client| {
        browser
            .post(app.url(&format!("/handler/users/{USER}/sign-out")))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
    };
    let user_csrf = app.csrf_token(&user_browser, "/handler").await;
    let refused = user_browser
        .post(app.url(&format!("/handler/users/{USER}/sign-out")))
        .form(&[("csrf_token", user_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "only administrators");
    assert_eq!(with_copied_cookie(&app, &again).await, 200);
    let done = sign_out(&admin).await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(
        with_copied_cookie(&app, &again).await,
        303,
        "signed out from the page"
    );
    assert_eq!(with_copied_cookie(&app, &bystander).await, 200);
    let after = admin.get(app.url("/handler/users?ended=1")).send().await.unwrap();
    let html = after.text().await.unwrap();
    assert_eq!(text_of(&html, &sessions_cell).as_deref(), Some("0"));
    assert!(text_of(&html, "#notice").is_some());

    let audited = app.with_db(|c| {
        use diesel::prelude::*;
        use minsheng::storage::schema::audit_log::dsl::*;
        audit_log
            .filter(action.eq("sessions_ended"))
            .select((actor, detail))
            .load::<(String, Option<String>)>(&mut *c)
            .unwrap()
    });
    assert_eq!(
        audited,
        vec![
            ("cli".to_owned(), Some(USER.to_owned())),
            ("admin".to_owned(), Some(USER.to_owned())),
        ]
    );
}

async fn disabling_a_user_ends_their_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    let (_browser, cookie) = signed_in(&app, USER, PASSWORD).await;
    assert_eq!(with_copied_cookie(&app, &cookie).await, 200);
    assert_eq!(sessions_of(&app, USER), 1);
    accounts::disable_user(&app.state.db, USER).await.unwrap();
    assert_eq!(with_copied_cookie(&app, &cookie).await, 303);
    assert_eq!(
        sessions_of(&app, USER),
        0,
        "the sessions are gone, not just refused"
    );
}

async fn a_session_ends_twelve_hours_after_sign_in_or_eight_idle_hours(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    let start = Utc::now();
    let (browser, cookie) = signed_in(&app, USER, PASSWORD).await;
    let (_idle, idle) = signed_in(&app, USER, PASSWORD).await;
    // Busy all day: a request every few hours keeps it from going idle...
    for hours in [4, 8, 11] {
        app.state.clock.set(start + Duration::hours(hours));
        assert_eq!(queue_status(&app, &browser).await, 200, "after {hours} h");
    }
    // ...but not past twelve hours.
    app.state
        .clock
        .set(start + Duration::hours(12) + Duration::minutes(1));
    assert_eq!(queue_status(&app, &browser).await, 303, "over after 12 h");
    assert_eq!(with_copied_cookie(&app, &cookie).await, 303);

    // The second session was left alone from the start: over after 8 idle hours.
    app.state
        .clock
        .set(start + Duration::hours(7) + Duration::minutes(50));
    let (_fresh, fresh) = signed_in(&app, USER, PASSWORD).await;
    assert_eq!(with_copied_cookie(&app, &fresh).await, 200);
    app.state
        .clock
        .set(start + Duration::hours(8) + Duration::minutes(1));
    assert_eq!(with_copied_cookie(&app, &idle).await, 303, "idle for 8 h");
    assert_eq!(with_copied_cookie(&app, &fresh).await, 200, "used 11 minutes ago");
}

/// A sign-in from `address` (the app believes X-Forwarded-For from 127.0.0.1).
async fn sign_in_from(app: &TestApp, address: &str, username: &str, password: &str) -> reqwest::Response {
    let browser = TestApp::new_client();
    let csrf = app.csrf_token(&browser, "/handler/login").await;
    browser
        .post(app.url("/handler/login"))
        .header("X-Forwarded-For", address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn behind_a_proxy(backend: Backend) -> TestApp {
    let app = TestApp::spawn_with(backend, |s| {
        s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        // Short delays, so the test does not wait long for what it proves.
        s.sign_in.user_max_delay_ms = 500;
    })
    .await;
    app.staff_token(USER, "370983-police", Role::Handler).await;
    app.staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    app
}

async fn a_strangers_guesses_from_elsewhere_do_not_lock_the_owner_out(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    // More failures than any per-username limit would allow, each from another address (IPv4
    // and whole IPv6 /64s).
    for n in 0..12 {
        let address = format!("203.0.113.{n}");
        let resp = sign_in_from(&app, &address, USER, "guessing wrong").await;
        assert_eq!(resp.status(), 401, "attempt {n}");
    }
    for n in 0..4 {
        let address = format!("2001:db8:{n}::1");
        let resp = sign_in_from(&app, &address, USER, "guessing wrong").await;
        assert_eq!(resp.status(), 401, "attempt from /64 number {n}");
    }
    let owner = sign_in_from(&app, "198.51.100.7", USER, PASSWORD).await;
    assert_eq!(owner.status(), 303, "the owner signs in from their own address");
    assert!(session_cookie(&owner).is_some());
}

async fn repeated_failures_for_one_user_from_one_address_get_429(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let guesser = "203.0.113.66";
    // login_burst (10) failures are answered as failures...
    for n in 0..10 {
        let resp = sign_in_from(&app, guesser, USER, "guessing wrong").await;
        assert_eq!(resp.status(), 401, "attempt {n}");
    }
    // ...then that pair is limited (one more may slip through as the bucket drains).
    let mut limited = None;
    for _ in 0..2 {
        let resp = sign_in_from(&app, guesser, USER, "guessing wrong").await;
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
        assert_eq!(resp.status(), 401);
    }
    let limited = limited.expect("429 after the burst");
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let right = sign_in_from(&app, guesser, USER, PASSWORD).await;
    assert_eq!(right.status(), 429, "limited even with the right password");
    // Another user from that address is not limited, nor the owner elsewhere; the same /64 is.
    assert_eq!(
        sign_in_from(&app, guesser, "xintai.handler", "guessing wrong")
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", USER, PASSWORD).await.status(),
        303
    );
    for n in 0..12 {
        let resp = sign_in_from(&app, &format!("2001:db8:7:7::{n}"), USER, "guessing wrong").await;
        if n >= 11 {
            assert_eq!(resp.status(), 429, "one /64 is one client");
        }
    }
}

async fn the_first_administrators_password_waits_in_a_private_file(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn(backend).await;
    let file = app.settings.data_dir.join("first-admin-password");
    let meta = std::fs::metadata(&file).expect("the password file exists");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "readable by the owner only"
    );
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(password.chars().count() >= accounts::MIN_PASSWORD_CHARS);

    let browser = TestApp::new_client();
    let wrong = app.sign_in(&browser, "admin", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(file.exists(), "a failed sign-in leaves it");
    let (_admin, _) = signed_in(&app, "admin", &password).await;
    assert!(!file.exists(), "gone after the first sign-in");
    // Later sign-ins do not mind that it is gone.
    signed_in(&app, "admin", &password).await;
}

on_both_backends!(
    a_copied_cookie_dies_at_sign_out,
    a_copied_cookie_dies_when_the_password_changes,
    an_administrator_signs_a_user_out_everywhere,
    disabling_a_user_ends_their_sessions,
    a_session_ends_twelve_hours_after_sign_in_or_eight_idle_hours,
    a_strangers_guesses_from_elsewhere_do_not_lock_the_owner_out,
    repeated_failures_for_one_user_from_one_address_get_429,
    the_first_administrators_password_waits_in_a_private_file,
);
