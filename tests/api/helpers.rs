//! Test harness: the real application on port 0 against a fresh database per test — a SQLite file
//! in a temporary folder, or a PostgreSQL database of its own (dropped afterwards).
//!
//! PostgreSQL is at `MINSHENG_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! With `CI=true` an unreachable server fails the test; elsewhere it is skipped with a loud note.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use minsheng::config::Settings;
use minsheng::startup::Application;
use minsheng::storage::DbConn;
use minsheng::web::AppState;
use reqwest::redirect::Policy;
use secrecy::SecretString;
use serde_json::Value;

pub const TEST_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_admin_url() -> String {
    std::env::var("MINSHENG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// True when PostgreSQL tests can run. Under CI an unreachable server is a failure, not a skip.
pub fn postgres_available() -> bool {
    match PgConnection::establish(&pg_admin_url()) {
        Ok(_) => true,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but PostgreSQL at {} is unreachable: {e}", pg_admin_url());
            }
            eprintln!(
                "\n*** SKIPPING a PostgreSQL test: {} is unreachable ({e}) ***\n",
                pg_admin_url()
            );
            false
        }
    }
}

/// A database of one test: a SQLite file or a PostgreSQL database, removed on drop.
pub struct TestDb {
    pub url: String,
    pub dir: PathBuf,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn create(backend: Backend) -> TestDb {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("minsheng-test-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}/minsheng.db", dir.display()),
                dir,
                pg_name: None,
            },
            Backend::Postgres => {
                let name = format!("ms_test_{id}");
                let mut admin = PgConnection::establish(&pg_admin_url()).expect("PostgreSQL reachable");
                admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
                let base = pg_admin_url();
                let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
                TestDb {
                    url: format!("{server}/{name}"),
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn config_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
}

/// The shipped `local` settings, with limits generous enough not to get in a test's way.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = Settings::load_files(config_dir(), "local").expect("shipped config loads");
    s.server.bind = "127.0.0.1:0".parse().unwrap();
    s.server.workers = 2;
    s.database.url = db.url.clone();
    s.database.pool_size = 4;
    s.data_dir = db.dir.join("data");
    s.security.data_key = SecretString::from(TEST_KEY.to_owned());
    s.limits.submit_burst = 10_000;
    s.limits.submit_per_minute = 10_000;
    s.limits.track_burst = 10_000;
    s.limits.track_per_minute = 10_000;
    s.limits.contact_per_day = 10_000;
    // Mail stays in memory unless a test points it at its SMTP server; tests flush by hand.
    s.mail.transport = minsheng::config::MailTransportKind::Stub;
    s.mail.interval_secs = 0;
    s.sweeper.interval_secs = 0;
    // Tests seal the audit log and index texts by hand, when they mean to.
    s.audit.seal_interval_secs = 0;
    s.similarity.index_interval_secs = 0;
    s
}

/// Mail to the test SMTP server on `port`, plain (it is on this machine), retried after a second.
pub fn smtp_to(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.mail.transport = minsheng::config::MailTransportKind::Smtp;
        s.mail.smtp_host = "127.0.0.1".to_owned();
        s.mail.smtp_port = port;
        s.mail.smtp_security = minsheng::config::SmtpSecurity::None;
        s.mail.smtp_timeout_secs = 5;
        s.mail.backoff_base_secs = 1;
        s.mail.backoff_max_secs = 2;
        s.mail.public_url = "http://minsheng.test".to_owned();
    }
}

pub struct TestApp {
    pub address: String,
    /// The metrics' own listener (`metrics.bind`), when the settings give them one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    /// The settings it was built with, for a second instance on the same database.
    pub settings: Settings,
    /// Owned by the first instance only: dropping it removes the database.
    _db: Option<TestDb>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let db = TestDb::create(backend);
        let mut settings = test_settings(&db);
        adjust(&mut settings);
        let mut app = Self::start(settings).await;
        app._db = Some(db);
        app
    }

    async fn start(settings: Settings) -> TestApp {
        let app = Application::build(settings.clone())
            .await
            .expect("application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            metrics_address,
            client: Self::new_client(),
            state,
            settings,
            _db: None,
        }
    }

    /// Another instance of the service on the same database (as after a restart, or a second
    /// server behind the same load balancer).
    pub async fn sibling(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        adjust(&mut settings);
        Self::start(settings).await
    }

    /// Signs `browser` in on the handler's pages.
    pub async fn sign_in(
        &self,
        browser: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let csrf = self.csrf_token(browser, "/handler/login").await;
        browser
            .post(self.url("/handler/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            // Below the server's keep-alive (5 s): a pooled connection the server is closing
            // just then would fail the next request with `IncompleteMessage` on a loaded machine.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/submissions"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Runs a query against the app's own database.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.state.db.get().expect("database connection");
        f(&mut conn)
    }

    pub fn submission_count(&self) -> i64 {
        self.with_db(|c| minsheng::storage::submissions::count(c).unwrap())
    }

    pub fn event_count(&self) -> i64 {
        self.with_db(|c| minsheng::storage::submissions::count_events(c).unwrap())
    }

    /// Loads a form page and returns its CSRF token (the client keeps the cookie).
    pub async fn csrf_token(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hidden_value(&html, "csrf_token").expect("form has a CSRF token")
    }
}

/// The value of `<input name=NAME>` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// The text of the first element matching `css`.
pub fn text_of(html: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
}

/// A valid API submission; `n` makes its contact unique.
pub fn valid_json(n: usize) -> Value {
    serde_json::json!({
        "kind": "complaint",
        "category": "service_attitude",
        "region": "370983",
        "title": "派出所窗口排长队",
        "body": "肥城市某派出所户籍窗口只开一个，排队两个小时没有人管，希望增加窗口。",
        "name": "李明",
        "phone": "13800138000",
        "email": format!("citizen{n}@example.com"),
        "id_number": "11010519491231002X",
        "target_unit": "370983-police"
    })
}

/// Declares each listed `async fn name(backend: Backend)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::helpers::postgres_available() {
                        super::$name($crate::helpers::Backend::Postgres).await
                    }
                }
            )+
        }
    };
}

impl TestApp {
    /// Adds a staff account and returns an API token for it.
    pub async fn staff_token(
        &self,
        username: &str,
        unit: &str,
        role: minsheng::domain::kind::Role,
    ) -> String {
        use minsheng::services::accounts;
        let (db, catalog) = (&self.state.db, &self.state.catalog);
        accounts::add_user(db, catalog, username, unit, role, "a long enough password")
            .await
            .unwrap();
        accounts::create_token(db, username).await.unwrap()
    }

    pub async fn staff_get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn staff_act(&self, token: &str, code: &str, action: Value) -> reqwest::Response {
        let url = self.url(&format!("/api/v1/staff/cases/{code}/actions"));
        self.client
            .post(url)
            .bearer_auth(token)
            .json(&action)
            .send()
            .await
            .unwrap()
    }

    /// Submits through the public API and returns (tracking code, access key).
    pub async fn submit(&self, body: &Value) -> (String, String) {
        let resp = self.post_json(body).await;
        assert_eq!(resp.status(), 201);
        let v: Value = resp.json().await.unwrap();
        (
            v["tracking_code"].as_str().unwrap().to_owned(),
            v["access_key"].as_str().unwrap().to_owned(),
        )
    }
}

/// The `minsheng` binary with none of this process's `MINSHENG*` settings, reading the shipped
/// configuration.
pub fn minsheng_binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_minsheng"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MINSHENG") {
            cmd.env_remove(k);
        }
    }
    cmd.env("MINSHENG_CONFIG_DIR", config_dir())
        .env_remove("RUST_LOG");
    cmd
}

impl TestApp {
    /// The citizen's status page for a case, looked up with its code and key.
    pub async fn status_page(&self, browser: &reqwest::Client, code: &str, key: &str) -> String {
        let csrf = self.csrf_token(browser, "/track").await;
        browser
            .post(self.url("/track"))
            .form(&[("csrf_token", csrf.as_str()), ("code", code), ("key", key)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}
