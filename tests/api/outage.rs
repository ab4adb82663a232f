//! An outage, and the commit whose outcome is unknown.
//!
//! The app reaches PostgreSQL through a TCP relay written here, which can cut (close every live
//! connection, close new ones at once) and restore. Under load of API submissions a cut is
//! answered only with 503s carrying `Retry-After`, quickly; readiness says so within a second;
//! submissions are accepted again within two seconds of the database's return; and every
//! submission answered 201 is in the database. Cutting right after the `COMMIT` message passes
//! makes the outcome unknown: the answer says so (503 `commit_unknown`), and the same request
//! again makes one case, never two. A retry with a known key is answered before the rate limit,
//! on the API and on the web form.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection};
use minsheng::storage::{submissions, DbConn};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{hidden_value, postgres_available, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;

/// PostgreSQL's simple-protocol query message carrying exactly `COMMIT`.
const COMMIT: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";
/// The intake's insert as a connection first prepares it: the COMMIT to cut is the one after it
/// (not the housekeeping job's, which also commits).
const INTAKE: &[u8] = b"INSERT INTO \"submissions\"";

/// A TCP relay to the database server that the test can cut and restore.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    cut_on_commit: Arc<AtomicBool>,
    commits_cut: Arc<AtomicUsize>,
    cuts: watch::Sender<u64>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            port: listener.local_addr().unwrap().port(),
            up: Arc::new(AtomicBool::new(true)),
            cut_on_commit: Arc::new(AtomicBool::new(false)),
            commits_cut: Arc::new(AtomicUsize::new(0)),
            cuts: watch::channel(0u64).0,
        };
        let (up, arm, count, cuts) = (
            relay.up.clone(),
            relay.cut_on_commit.clone(),
            relay.commits_cut.clone(),
            relay.cuts.clone(),
        );
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if !up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, arm.clone(), count.clone(), cuts.clone()));
            }
        });
        relay
    }

    /// Closes every live connection; new ones are closed as they come.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// The next `COMMIT` after an intake insert on the same connection is passed on to the
    /// server, then every connection is closed (new ones are let through).
    fn cut_after_next_commit(&self) {
        self.cut_on_commit.store(true, Ordering::SeqCst);
    }
}

async fn pipe(
    client: TcpStream,
    server: TcpStream,
    arm: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    cuts: watch::Sender<u64>,
) {
    let mut cut = cuts.subscribe();
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let upstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut intake = false;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            let armed = arm.load(Ordering::SeqCst);
            intake = armed && (intake || chunk.windows(INTAKE.len()).any(|w| w == INTAKE));
            let commit = intake && chunk.windows(COMMIT.len()).any(|w| w == COMMIT);
            if sw.write_all(chunk).await.is_err() {
                return;
            }
            if commit && arm.swap(false, Ordering::SeqCst) {
                count.fetch_add(1, Ordering::SeqCst);
                cuts.send_modify(|n| *n += 1);
                return;
            }
        }
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = cut.changed() => {}
    }
}

/// An app on a PostgreSQL database of its own, reached through a relay; and the database's URL
/// without the relay.
async fn behind_relay() -> (TestApp, Relay, String) {
    let base = crate::helpers::pg_admin_url();
    let server = base
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_owned();
    let relay = Relay::start(server.clone()).await;
    let via = format!("127.0.0.1:{}", relay.port);
    let mut direct = String::new();
    let app = TestApp::spawn_with(Backend::Postgres, |s| {
        direct = s.database.url.clone();
        s.database.url = s.database.url.replacen(&server, &via, 1);
    })
    .await;
    (app, relay, direct)
}

#[derive(Debug)]
struct Answer {
    started: Instant,
    took: Duration,
    status: u16,
    retry_after: bool,
    error_code: String,
    tracking_code: Option<String>,
}

impl Answer {
    fn ended(&self) -> Instant {
        self.started + self.took
    }
}

/// API submissions, each with its own key, one after another until `stop`.
async fn submit_until(address: String, stop: Arc<AtomicBool>, worker: usize) -> Vec<Answer> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut answers = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let started = Instant::now();
        let resp = client
            .post(format!("{address}/api/v1/submissions"))
            .header("Idempotency-Key", format!("outage-{worker}-{n}"))
            .json(&valid_json(worker * 100_000 + n))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let retry_after = resp.headers().contains_key("retry-after");
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        answers.push(Answer {
            started,
            took: started.elapsed(),
            status,
            retry_after,
            error_code: body["error"]["code"].as_str().unwrap_or("").to_owned(),
            tracking_code: body["tracking_code"].as_str().map(str::to_owned),
        });
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_cut_is_fast_503s_and_a_return_is_fast_201s_and_nothing_acknowledged_is_lost() {
    if !postgres_available() {
        return;
    }
    let (app, relay, direct) = behind_relay().await;
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|w| tokio::spawn(submit_until(app.address.clone(), stop.clone(), w)))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let cut_at = Instant::now();
    relay.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    let readyz_took = asked.elapsed();
    assert_eq!(ready.status(), 503);
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let restored_at = Instant::now();
    relay.restore();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    stop.store(true, Ordering::SeqCst);
    let mut answers = Vec::new();
    for w in workers {
        answers.extend(w.await.unwrap());
    }

    for a in &answers {
        assert!(
            a.status == 201 || a.status == 503,
            "only 201 or 503, never {}: {a:?}",
            a.status
        );
        if a.status == 503 {
            assert!(a.retry_after, "a 503 carries Retry-After: {a:?}");
        }
    }
    let before: Vec<_> = answers.iter().filter(|a| a.ended() < cut_at).collect();
    assert!(
        before.iter().any(|a| a.status == 201),
        "submissions went through before the cut"
    );
    let during: Vec<_> = answers
        .iter()
        .filter(|a| a.started >= cut_at && a.ended() <= restored_at)
        .collect();
    assert!(
        during.len() >= 6,
        "the load went on during the cut: {}",
        during.len()
    );
    assert!(
        during.iter().all(|a| a.status == 503),
        "only 503s while the database is away"
    );
    let slowest = during.iter().map(|a| a.took).max().unwrap();
    let first_back = answers
        .iter()
        .filter(|a| a.status == 201 && a.ended() > restored_at)
        .map(|a| a.ended() - restored_at)
        .min()
        .expect("201s again after the database returned");
    let unknown = answers
        .iter()
        .filter(|a| a.error_code == "commit_unknown")
        .count();
    eprintln!(
        "outage: {} answers, {} during the cut (slowest 503 {:?}), readyz 503 in {:?}, \
         first 201 {:?} after the return, {} commit_unknown",
        answers.len(),
        during.len(),
        slowest,
        readyz_took,
        first_back,
        unknown
    );
    assert!(
        slowest < Duration::from_millis(1500),
        "503s are fast: {slowest:?}"
    );
    assert!(
        readyz_took < Duration::from_secs(1),
        "readiness is fast: {readyz_took:?}"
    );
    assert!(first_back <= Duration::from_secs(2), "back fast: {first_back:?}");
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        200
    );

    // Nothing acknowledged is lost: every 201's case is in the database (read without the relay).
    let mut conn = DbConn::Postgres(PgConnection::establish(&direct).unwrap());
    let acknowledged: Vec<_> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| a.tracking_code.clone().unwrap())
        .collect();
    for code in &acknowledged {
        assert!(
            submissions::find_by_code(&mut conn, code).unwrap().is_some(),
            "{code} was acknowledged but is not stored"
        );
    }
    let stored = submissions::count(&mut conn).unwrap();
    assert!(stored >= acknowledged.len() as i64);
    assert!(stored <= (acknowledged.len() + unknown) as i64, "{stored} stored");
}

async fn post_keyed(app: &TestApp, key: &str, body: &Value) -> (u16, bool, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/submissions"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().contains_key("retry-after");
    (status, retry_after, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_connection_lost_at_commit_is_unknown_and_the_retry_makes_one_case() {
    if !postgres_available() {
        return;
    }
    let (app, relay, direct) = behind_relay().await;
    let body = valid_json(7);
    relay.cut_after_next_commit();
    let (status, retry_after, first) = post_keyed(&app, "ambiguous-1", &body).await;
    assert_eq!(
        relay.commits_cut.load(Ordering::SeqCst),
        1,
        "the relay cut at COMMIT"
    );
    assert_eq!(status, 503, "{first}");
    assert!(retry_after);
    assert_eq!(first["error"]["code"], "commit_unknown");
    let message = first["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("无法确定") && message.contains("再次提交"),
        "{message}"
    );

    // The same request again, as the answer asks: one case, whatever the first commit did.
    let started = Instant::now();
    let second = loop {
        let (status, _, answer) = post_keyed(&app, "ambiguous-1", &body).await;
        if status == 201 {
            break answer;
        }
        assert_eq!(status, 503, "{answer}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the service came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (status, _, third) = post_keyed(&app, "ambiguous-1", &body).await;
    assert_eq!(status, 201);
    assert_eq!(third["tracking_code"], second["tracking_code"]);
    let mut conn = DbConn::Postgres(PgConnection::establish(&direct).unwrap());
    assert_eq!(submissions::count(&mut conn).unwrap(), 1, "never two cases");
}

async fn an_api_retry_is_answered_from_its_key_before_the_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.submit_burst = 1;
        s.limits.submit_per_minute = 1;
    })
    .await;
    let (status, _, first) = post_keyed(&app, "limit-1", &valid_json(1)).await;
    assert_eq!(status, 201);
    let (status, _, again) = post_keyed(&app, "limit-1", &valid_json(1)).await;
    assert_eq!(status, 201, "the retry is answered, not limited: {again}");
    assert_eq!(again["tracking_code"], first["tracking_code"]);
    let (status, retry_after, _) = post_keyed(&app, "limit-2", &valid_json(2)).await;
    assert_eq!(status, 429, "a new submission is limited");
    assert!(retry_after);
    assert_eq!(app.submission_count(), 1);
}

async fn a_web_form_sent_twice_makes_one_case_even_past_the_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.submit_burst = 1;
        s.limits.submit_per_minute = 1;
    })
    .await;
    let browser = TestApp::new_client();
    let page = browser
        .get(app.url("/submit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let key = hidden_value(&page, "idempotency_key").expect("the form carries a key");
    assert!(!key.is_empty());
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "help"),
        ("category", "judgment_enforcement"),
        ("region", "371428"),
        ("title", "判决执行不了"),
        (
            "body",
            "法院判决对方还我工钱三万元，一年了还没有执行到位，希望帮忙。",
        ),
        ("name", "王芳"),
        ("phone", "0534-1234567"),
    ];
    let mut codes = Vec::new();
    for _ in 0..2 {
        let resp = browser
            .post(app.url("/submit"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "sent again, it is answered, not limited");
        let html = browser
            .get(app.url("/submit/receipt"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        codes.push(text_of(&html, "#tracking-code").expect("a receipt"));
    }
    assert_eq!(codes[0], codes[1], "the same receipt");
    assert_eq!(app.submission_count(), 1);
    // Changed after it was sent (the citizen edited it after an unclear answer): said plainly,
    // what was typed comes back, under a new key of its own; still one case.
    let mut changed = fields;
    changed[6].1 = "法院判决对方还我工钱三万元，一年了还没有执行到位，补充：对方已经搬家。";
    let resp = browser
        .post(app.url("/submit"))
        .form(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    let html = resp.text().await.unwrap();
    assert!(html.contains("之前已经提交成功"), "{html}");
    assert!(!html.contains("Idempotency"), "no jargon for citizens");
    assert!(html.contains("补充：对方已经搬家"), "what was typed comes back");
    let fresh = hidden_value(&html, "idempotency_key").expect("a key");
    assert!(!fresh.is_empty() && fresh != key, "a key of its own");
    assert_eq!(app.submission_count(), 1);
    // A new form gets a new key.
    let page = browser
        .get(app.url("/submit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(hidden_value(&page, "idempotency_key").unwrap(), key);
}

on_both_backends!(
    an_api_retry_is_answered_from_its_key_before_the_rate_limit,
    a_web_form_sent_twice_makes_one_case_even_past_the_rate_limit,
);
