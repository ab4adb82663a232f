//! `GET /metrics` (issue #15 part 3): after a few requests of every sort the counters moved by
//! exactly what was done, labelled by route template (no tracking code anywhere in the scrape);
//! the database gauges match the database; the jobs are counted; a token guards the main address;
//! a separate address serves the metrics and nothing else; and with the pool out of reach the
//! scrape still answers quickly. Each application has its own recorder, so the counts are exact
//! however many tests run beside this one.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use minsheng::startup::Application;
use minsheng::storage::outbox;
use serde_json::Value;

use crate::helpers::{minsheng_binary, test_settings, valid_json, Backend, TestApp, TestDb, TEST_KEY};
use crate::on_both_backends;

const TOKEN: &str = "a-test-metrics-token-0123456789";

/// The samples of a scrape: `name{labels}` → value.
type Samples = BTreeMap<String, f64>;

/// The samples of a scrape. Checks the shape of every line on the way.
fn parse(text: &str) -> Samples {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "{line}"
            );
            continue;
        }
        let (key, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        assert!(key.starts_with("minsheng_"), "{line}");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        assert!(
            samples.insert(key.to_owned(), value).is_none(),
            "repeated: {line}"
        );
    }
    samples
}

fn get(samples: &Samples, key: &str) -> f64 {
    *samples
        .get(key)
        .unwrap_or_else(|| panic!("{key} is not in the scrape:\n{samples:#?}"))
}

fn requests(method: &str, route: &str, status: u16) -> String {
    format!(r#"minsheng_http_requests_total{{method="{method}",route="{route}",status="{status}"}}"#)
}

async fn scrape_text(app: &TestApp) -> String {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    resp.text().await.unwrap()
}

async fn counters_move_by_what_was_done(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.track_burst = 3;
        s.limits.track_per_minute = 1;
    })
    .await;
    // Two submissions through the API.
    let (code, key) = app.submit(&valid_json(1)).await;
    let (other_code, _) = app.submit(&valid_json(2)).await;
    // Look-ups: one right, two wrong, then the look-up limit (a burst of 3).
    let look_up = |key: &'static str| {
        app.client
            .get(app.url(&format!("/api/v1/submissions/{code}")))
            .header("X-Access-Key", key)
            .send()
    };
    let right = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{code}")))
        .header("X-Access-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(look_up("wrong-key").await.unwrap().status(), 404);
    assert_eq!(look_up("wrong-key").await.unwrap().status(), 404);
    assert_eq!(look_up("wrong-key").await.unwrap().status(), 429);
    // A page that does not exist, with a tracking code in its path.
    let lost = app
        .client
        .get(app.url(&format!("/no/such/page/{other_code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 404);
    // A failed sign-in.
    let browser = TestApp::new_client();
    let failed = app.sign_in(&browser, "nobody", "not the password").await;
    assert_eq!(failed.status(), 401);

    let text = scrape_text(&app).await;
    let s = parse(&text);
    assert_eq!(get(&s, &requests("POST", "/api/v1/submissions", 201)), 2.0);
    let by_code = "/api/v1/submissions/{tracking_code}";
    assert_eq!(get(&s, &requests("GET", by_code, 200)), 1.0);
    assert_eq!(get(&s, &requests("GET", by_code, 404)), 2.0);
    assert_eq!(get(&s, &requests("GET", by_code, 429)), 1.0);
    assert_eq!(get(&s, &requests("GET", "unmatched", 404)), 1.0);
    assert_eq!(get(&s, &requests("GET", "/handler/login", 200)), 1.0);
    assert_eq!(get(&s, &requests("POST", "/handler/login", 401)), 1.0);
    // The scrape itself is counted once it is answered: not in its own text.
    assert!(!s.contains_key(&requests("GET", "/metrics", 200)));
    let answered: f64 = s
        .iter()
        .filter(|(k, _)| k.starts_with("minsheng_http_requests_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(answered, 9.0, "every request counted once");
    // Latency histograms, one observation per request.
    let latency = r#"minsheng_http_request_duration_seconds_count{method="POST",route="/api/v1/submissions",status="201"}"#;
    assert_eq!(get(&s, latency), 2.0);
    let within_10s = r#"minsheng_http_request_duration_seconds_bucket{method="POST",route="/api/v1/submissions",status="201",le="10"}"#;
    assert_eq!(get(&s, within_10s), 2.0);

    assert_eq!(
        get(
            &s,
            r#"minsheng_submissions_total{channel="api",kind="complaint"}"#
        ),
        2.0
    );
    assert_eq!(get(&s, r#"minsheng_rate_limited_total{limiter="track"}"#), 1.0);
    assert_eq!(get(&s, r#"minsheng_rate_limited_total{limiter="submit"}"#), 0.0);
    assert_eq!(get(&s, "minsheng_signin_failures_total"), 1.0);
    assert_eq!(get(&s, "minsheng_signin_alerts_total"), 0.0);

    // The database's figures, as the database has them.
    assert_eq!(get(&s, "minsheng_database_up"), 1.0);
    let open: f64 = ["pending_dispatch", "assigned", "accepted", "reopened"]
        .iter()
        .map(|state| get(&s, &format!(r#"minsheng_cases_open{{state="{state}"}}"#)))
        .sum();
    assert_eq!(open, 2.0);
    assert_eq!(get(&s, "minsheng_cases_overdue"), 0.0);
    let (pending, _, dead) = app.with_db(|c| outbox::counts(c).unwrap());
    assert!(pending > 0, "the receipts wait in the outbox");
    assert_eq!(
        get(&s, r#"minsheng_outbox_mails{status="pending"}"#),
        pending as f64
    );
    assert_eq!(get(&s, r#"minsheng_outbox_mails{status="dead"}"#), dead as f64);

    // The pool and, on SQLite, the writer's groups.
    assert_eq!(get(&s, "minsheng_db_pool_max_connections"), 4.0);
    assert!(get(&s, r#"minsheng_db_pool_connections{state="idle"}"#) >= 1.0);
    assert!(get(&s, "minsheng_db_pool_wait_seconds_count") >= 1.0);
    let groups = s.get("minsheng_sqlite_write_batch_size_count").copied();
    match backend {
        Backend::Sqlite => {
            let jobs = get(&s, "minsheng_sqlite_write_batch_size_sum");
            assert!(jobs >= 2.0, "both submissions went through the writer: {jobs}");
            assert!(groups.unwrap() >= 1.0);
            assert!(get(&s, "minsheng_sqlite_write_queue_wait_seconds_count") >= 2.0);
        }
        Backend::Postgres => assert_eq!(groups, None, "no SQLite writer on PostgreSQL"),
    }

    // No tracking code, access key or personal data anywhere.
    for secret in [
        code.as_str(),
        other_code.as_str(),
        key.as_str(),
        "MS-",
        "citizen1@example.com",
        "13800138000",
        "nobody",
        "127.0.0.1",
    ] {
        assert!(!text.contains(secret), "`{secret}` is in the scrape");
    }

    // The next scrape counts the first.
    let s = parse(&scrape_text(&app).await);
    assert_eq!(get(&s, &requests("GET", "/metrics", 200)), 1.0);
}

/// The outbox's (pending, sent, dead) rows.
type Outbox = (i64, i64, i64);

/// Scrapes until `done` holds (the jobs run every second), at most 20 seconds.
async fn until(app: &TestApp, done: impl Fn(&Samples, Outbox) -> bool) -> (Samples, Outbox) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = parse(&scrape_text(app).await);
        let outbox = app.with_db(|c| outbox::counts(c).unwrap());
        if done(&s, outbox) {
            return (s, outbox);
        }
        assert!(
            Instant::now() < deadline,
            "the jobs did not run:\n{s:#?}\n{outbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn the_jobs_are_counted(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.sweeper.interval_secs = 1;
        s.mail.interval_secs = 1;
    })
    .await;
    let (code, _) = app.submit(&valid_json(1)).await;
    // The mail worker sends the receipt and the unit's notice; each one sent is counted.
    let (s, (_, sent, _)) = until(&app, |s, (pending, sent, _)| {
        pending == 0 && s.get(r#"minsheng_mail_deliveries_total{result="sent"}"#) == Some(&(sent as f64))
    })
    .await;
    assert!(sent >= 1, "{sent}");
    assert!(get(&s, r#"minsheng_job_runs_total{job="mail",outcome="ok"}"#) >= 1.0);
    assert_eq!(
        get(&s, r#"minsheng_job_runs_total{job="mail",outcome="error"}"#),
        0.0
    );
    assert!(get(&s, r#"minsheng_job_duration_seconds_count{job="mail"}"#) >= 1.0);
    assert_eq!(get(&s, r#"minsheng_mail_deliveries_total{result="dead"}"#), 0.0);
    assert_eq!(get(&s, r#"minsheng_outbox_mails{status="pending"}"#), 0.0);
    assert_eq!(get(&s, "minsheng_sweeper_flagged_total"), 0.0);
    assert_eq!(get(&s, "minsheng_cases_overdue"), 0.0);

    // Three weeks on, the case is past its 15-day acceptance deadline: the sweeper flags it once
    // and queues supervision notices.
    app.state
        .clock
        .set(chrono::Utc::now() + chrono::Duration::days(21));
    let (s, (pending, _, _)) =
        until(&app, |s, _| s.get("minsheng_sweeper_flagged_total") == Some(&1.0)).await;
    assert!(get(&s, r#"minsheng_job_runs_total{job="sweeper",outcome="ok"}"#) >= 1.0);
    assert_eq!(
        get(&s, r#"minsheng_job_runs_total{job="sweeper",outcome="error"}"#),
        0.0
    );
    assert!(get(&s, "minsheng_sweeper_notices_total") >= 1.0);
    assert_eq!(get(&s, "minsheng_cases_overdue"), 1.0);
    assert_eq!(
        get(&s, r#"minsheng_outbox_mails{status="pending"}"#),
        pending as f64,
        "the notices wait in the outbox"
    );
    assert!(!format!("{s:?}").contains(&code));
}

/// The test settings as `production` has them: SMTP mail (never sent here: the worker is off).
fn production_like(s: &mut minsheng::config::Settings) {
    s.environment = "production".to_owned();
    s.mail.transport = minsheng::config::MailTransportKind::Smtp;
    s.mail.smtp_host = "127.0.0.1".to_owned();
    s.mail.smtp_security = minsheng::config::SmtpSecurity::Starttls;
    s.metrics.bind = None;
}

async fn production_needs_a_token_on_the_main_address(backend: Backend) {
    // Neither a separate address nor a token: refused at start, naming both ways out.
    let db = TestDb::create(backend);
    let mut settings = test_settings(&db);
    production_like(&mut settings);
    let err = Application::build(settings)
        .await
        .err()
        .expect("production refuses open metrics");
    let err = format!("{err:#}");
    assert!(
        err.contains("MINSHENG__METRICS__BIND") && err.contains("MINSHENG__METRICS__TOKEN"),
        "{err}"
    );

    let app = TestApp::spawn_with(backend, |s| {
        production_like(s);
        s.metrics.token = secrecy::SecretString::from(TOKEN.to_owned());
    })
    .await;
    app.submit(&valid_json(1)).await;
    let metrics = app.url("/metrics");
    let bare = app.client.get(&metrics).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    assert_eq!(bare.headers()["www-authenticate"], "Bearer");
    assert_eq!(bare.text().await.unwrap(), "", "nothing leaks");
    for wrong in [&TOKEN[..TOKEN.len() - 1], "a-test-metrics-token-0123456780", ""] {
        let resp = app.client.get(&metrics).bearer_auth(wrong).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{wrong}");
        assert_eq!(resp.text().await.unwrap(), "");
    }
    let basic = app
        .client
        .get(&metrics)
        .basic_auth("prometheus", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401, "only a bearer token");
    let ok = app.client.get(&metrics).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let s = parse(&ok.text().await.unwrap());
    assert_eq!(get(&s, &requests("POST", "/api/v1/submissions", 201)), 1.0);
    // The refused scrapes are requests like any other.
    assert_eq!(get(&s, &requests("GET", "/metrics", 401)), 5.0);
}

async fn a_separate_address_serves_the_metrics_and_nothing_else(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.metrics.bind = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let metrics_address = app.metrics_address.clone().expect("a listener of its own");
    assert_ne!(metrics_address, app.address);
    let body: Value = app
        .client
        .get(app.url("/api/v1/catalog"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.is_object());
    // The main address has no /metrics (it is just an unknown page there).
    let main = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(main.status(), 404);
    // The metrics' address has nothing else.
    for path in ["/", "/api/v1/catalog", "/healthz"] {
        let resp = app
            .client
            .get(format!("{metrics_address}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
    }
    let resp = app
        .client
        .get(format!("{metrics_address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let s = parse(&resp.text().await.unwrap());
    assert_eq!(get(&s, &requests("GET", "/api/v1/catalog", 200)), 1.0);
    assert_eq!(get(&s, &requests("GET", "unmatched", 404)), 1.0);
    assert_eq!(get(&s, "minsheng_database_up"), 1.0);
}

async fn the_scrape_answers_quickly_without_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.submit(&valid_json(1)).await;
    // Every pooled connection taken: the database is out of the scrape's reach.
    let db = app.state.db.clone();
    let held = tokio::task::spawn_blocking(move || (0..4).map(|_| db.get().unwrap()).collect::<Vec<_>>())
        .await
        .unwrap();
    let started = Instant::now();
    let text = scrape_text(&app).await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let s = parse(&text);
    assert_eq!(get(&s, "minsheng_database_up"), 0.0);
    assert_eq!(get(&s, &requests("POST", "/api/v1/submissions", 201)), 1.0);
    assert_eq!(get(&s, r#"minsheng_db_pool_connections{state="in_use"}"#), 4.0);
    assert_eq!(get(&s, "minsheng_db_pool_timeouts_total"), 1.0);
    drop(held);
    let s = parse(&scrape_text(&app).await);
    assert_eq!(get(&s, "minsheng_database_up"), 1.0, "back once it is reachable");
}

on_both_backends!(
    counters_move_by_what_was_done,
    the_jobs_are_counted,
    production_needs_a_token_on_the_main_address,
    a_separate_address_serves_the_metrics_and_nothing_else,
    the_scrape_answers_quickly_without_the_database,
);

/// `check-config` in production: the shipped file's own listener passes; without it a token is
/// required, and one of digits only is taken verbatim from the environment.
#[test]
fn check_config_applies_the_production_rule() {
    let check = |vars: &[(&str, &str)]| {
        let mut cmd = minsheng_binary();
        cmd.env("MINSHENG_ENV", "production")
            .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
            .env("MINSHENG__MAIL__SMTP_HOST", "mail.example.gov.cn");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.arg("check-config").output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = check(&[]);
    assert!(ok, "{text}");
    assert!(
        text.contains("metrics: ok (GET /metrics on 127.0.0.1:9464, no token)"),
        "{text}"
    );
    let (ok, text) = check(&[("MINSHENG__METRICS__BIND", "")]);
    assert!(!ok, "{text}");
    assert!(text.contains("MINSHENG__METRICS__TOKEN"), "{text}");
    let (ok, text) = check(&[
        ("MINSHENG__METRICS__BIND", ""),
        ("MINSHENG__METRICS__TOKEN", "0123456789012345"),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("metrics: ok (GET /metrics on the main address, bearer token)"),
        "{text}"
    );
    assert!(!text.contains("0123456789012345"), "the token is never printed");
    let (ok, text) = check(&[
        ("MINSHENG__METRICS__BIND", ""),
        ("MINSHENG__METRICS__TOKEN", "short"),
    ]);
    assert!(!ok && text.contains("at least 16"), "{text}");
}
