//! Builds the application from settings: loads the catalog and keys, connects and migrates the
//! database, copies reference data in, binds the listener (port 0 in tests) and assembles the
//! routes. [`Application::run_until_stopped`] serves and runs housekeeping until shutdown.
//! `GET /metrics` answers on the main listener, or (with `metrics.bind`) on a small listener of
//! its own that serves nothing else.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use tracing_actix_web::TracingLogger;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::jobs;
use crate::limits::signin::SignInLimits;
use crate::limits::Limits;
use crate::mail::Mailer;
use crate::routing::{Directory, Router, Rules};
use crate::services::{self, accounts};
use crate::sla::Sla;
use crate::storage::connection::write_transaction;
use crate::storage::{migrations, reference, Db};
use crate::telemetry::metrics::{Job, Metrics};
use crate::vault::Vault;
use crate::web::api as web_api;
use crate::web::bad_request;
use crate::web::kiosk as web_kiosk;
use crate::web::lang::remember_choice;
use crate::web::metrics as web_metrics;
use crate::web::pages;
use crate::web::telemetry::{record_metrics, request_id_header, PrivateRootSpan};
use crate::web::AppState;
use crate::web::{citizen, staff};

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics' own listener (`metrics.bind`), if any, and its port.
    metrics_server: Option<(u16, Server)>,
    state: web::Data<AppState>,
    first_admin_password_file: Option<PathBuf>,
}

/// Loads and checks the catalog, naming every problem.
pub fn load_catalog(settings: &Settings) -> anyhow::Result<Catalog> {
    Catalog::load(&settings.config_dir)
        .map_err(|errors| anyhow::anyhow!("reference data is invalid:\n  {}", errors.join("\n  ")))
}

/// Loads the routing rules, checked against the catalog, and the directory they route over.
pub fn load_router(settings: &Settings, catalog: &Catalog) -> anyhow::Result<Router> {
    let rules = Rules::load(&settings.config_dir, catalog)
        .map_err(|errors| anyhow::anyhow!("routing rules are invalid:\n  {}", errors.join("\n  ")))?;
    Ok(Router {
        directory: Directory::from_catalog(catalog),
        rules,
    })
}

/// Loads the deadline rules and the holiday calendar.
pub fn load_sla(settings: &Settings) -> anyhow::Result<Sla> {
    Sla::load(&settings.config_dir)
        .map_err(|errors| anyhow::anyhow!("deadlines are invalid:\n  {}", errors.join("\n  ")))
}

/// Migrates the database and copies the catalog in (idempotent).
pub fn prepare_database(db: &Db, catalog: &Catalog) -> anyhow::Result<()> {
    let mut conn = db
        .get()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("connecting to the database")?;
    let applied = migrations::run_pending(&mut conn)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("running migrations")?;
    write_transaction::<_, diesel::result::Error, _>(&mut conn, |c| reference::sync(c, catalog))
        .context("loading reference data")?;
    let (regions, units, categories) = reference::counts(&mut conn)?;
    tracing::info!(applied, regions, units, categories, "database ready");
    Ok(())
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings
            .metrics
            .check(&settings.environment)
            .map_err(|e| anyhow::anyhow!(e))?;
        let metrics = Metrics::new();
        let catalog = Arc::new(load_catalog(&settings)?);
        let router = Arc::new(load_router(&settings, &catalog)?);
        let sla = Arc::new(load_sla(&settings)?);
        let vault = Arc::new(Vault::from_settings(&settings)?);
        let mailer = Arc::new(Mailer::new(&settings, vault.clone())?);
        let db = Db::connect_observed(&settings.database, metrics.clone())?;
        let first_admin_password_file = {
            let (db, catalog) = (db.clone(), catalog.clone());
            let prepared = (db.clone(), catalog.clone());
            tokio::task::spawn_blocking(move || prepare_database(&prepared.0, &prepared.1)).await??;
            accounts::ensure_admin(&db, &catalog, &settings.data_dir).await?
        };
        let listener = TcpListener::bind(settings.server.bind)
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = match settings.metrics.bind {
            Some(addr) => {
                Some(TcpListener::bind(addr).with_context(|| format!("binding metrics.bind {addr}"))?)
            }
            None => None,
        };
        let limits = Arc::new(Limits::new(&settings.limits).observed(metrics.clone()));
        let sign_in = Arc::new(SignInLimits::new(&settings.limits, &settings.sign_in).observed(metrics));
        let workers = settings.server.workers;
        let max_body = settings.server.max_body_bytes;
        let metrics_on_main = metrics_listener.is_none();
        let api_doc = Arc::new(web_api::doc::ApiDoc::build(&catalog));
        let state = web::Data::new(AppState {
            ctx: services::Context {
                settings: Arc::new(settings),
                db,
                catalog,
                vault,
                router,
                sla,
                mailer,
                queue_counts: Default::default(),
                board_cache: Default::default(),
                clock: Arc::new(services::Clock::system()),
            },
            limits,
            sign_in,
            board_json: Default::default(),
            api_doc,
        });
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(bad_request::json_error),
                )
                .app_data(
                    web::FormConfig::default()
                        .limit(max_body)
                        .error_handler(bad_request::form_error),
                )
                .app_data(web::QueryConfig::default().error_handler(bad_request::query_error))
                .app_data(web::PathConfig::default().error_handler(bad_request::path_error))
                .wrap(from_fn(remember_choice))
                .wrap(security_headers())
                .wrap(from_fn(request_id_header))
                .wrap(from_fn(record_metrics))
                .wrap(TracingLogger::<PrivateRootSpan>::new())
                .configure(|cfg| {
                    if metrics_on_main {
                        cfg.route("/metrics", web::get().to(web_metrics::scrape));
                    }
                    routes(cfg);
                })
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        tracing::info!(port, "listening");
        let metrics_server = match metrics_listener {
            Some(listener) => {
                let metrics_port = listener.local_addr()?.port();
                let app_state = state.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(app_state.clone())
                        .route("/metrics", web::get().to(web_metrics::scrape))
                })
                .workers(1)
                .listen(listener)?
                .run();
                tracing::info!(port = metrics_port, "metrics listening");
                Some((metrics_port, server))
            }
            None => None,
        };
        Ok(Application {
            port,
            server: server.run(),
            metrics_server,
            state,
            first_admin_password_file,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics' own listener (`metrics.bind`), if they have one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// The file holding the one-time password of the administrator created on this first start
    /// (none on later starts). It is removed at that administrator's first sign-in.
    pub fn first_admin_password_file(&self) -> Option<&Path> {
        self.first_admin_password_file.as_deref()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops, running housekeeping, the sweeper, the mail worker, the
    /// audit sealer and the rollup's folder alongside. When the server stops (SIGTERM, SIGINT),
    /// the mail being sent is sent and marked before this returns.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let housekeeping = housekeeping(self.state.clone());
        let sweeper = sweeper(self.state.clone());
        // Its own task: dropped mid-send, a mail would go out again after its lease.
        let mail = tokio::spawn(mail_worker(self.state.clone()));
        let sealer = audit_sealer(self.state.clone());
        let folder = rollup_folder(self.state.clone());
        let indexer = similarity_indexer(self.state.clone());
        let upkeep = metrics_upkeep(self.state.clone());
        let metrics_server = self.metrics_server.map(|(_, server)| server);
        let metrics_server = async move {
            match metrics_server {
                Some(server) => server.await,
                None => std::future::pending().await,
            }
        };
        let result = tokio::select! {
            result = self.server => result.context("HTTP server failed"),
            result = metrics_server => result.context("metrics HTTP server failed"),
            () = housekeeping => Ok(()),
            () = sweeper => Ok(()),
            () = sealer => Ok(()),
            () = folder => Ok(()),
            () = indexer => Ok(()),
            () = upkeep => Ok(()),
        };
        let grace = std::time::Duration::from_secs(state.settings.mail.smtp_timeout_secs + 5);
        if tokio::time::timeout(grace, state.mailer.stop()).await.is_err() {
            tracing::warn!("stopped while a mail was still being sent; it goes again after its lease");
        }
        mail.abort();
        result
    }
}

/// Every 5 seconds: fold the histograms' recent samples into their buckets (memory stays
/// bounded however rarely `/metrics` is scraped).
async fn metrics_upkeep(state: web::Data<AppState>) {
    jobs::every(5, || async { state.db.metrics().upkeep() }).await
}

/// Every minute: forget idle rate-limit entries; drop per-contact quota rows of past days,
/// idempotency keys older than a day, and staff sessions that are over.
async fn housekeeping(state: web::Data<AppState>) {
    jobs::every(60, || async {
        state.limits.housekeeping();
        state.sign_in.housekeeping();
        let window = state.settings.similarity.window_days;
        if let Err(e) = jobs::housekeeping::prune(&state.db, chrono::Utc::now(), window).await {
            e.log();
        }
        // Sessions go by the services' clock, as their checks do.
        if let Err(e) = services::sessions::prune(&state.db, state.clock.now()).await {
            e.log();
        }
    })
    .await
}

/// Every `sweeper.interval_secs`: flag what ran past its deadline (see [`jobs::sweeper`]).
async fn sweeper(state: web::Data<AppState>) {
    jobs::every(state.settings.sweeper.interval_secs, || async {
        let s = &state;
        let started = Instant::now();
        let result = jobs::sweeper::sweep(&s.db, &s.catalog, &s.router.directory, s.clock.now()).await;
        let metrics = s.db.metrics();
        metrics.job_run(Job::Sweeper, result.is_ok(), started.elapsed());
        match result {
            Ok(r) => metrics.swept(r.flagged, r.notices, r.closed_unrated),
            Err(e) => e.log(),
        }
    })
    .await
}

/// Every `audit.seal_interval_secs`: checkpoint the audit log (see [`jobs::sealer`]).
async fn audit_sealer(state: web::Data<AppState>) {
    jobs::every(state.settings.audit.seal_interval_secs, || async {
        let started = Instant::now();
        let result = jobs::sealer::seal(&state.db, chrono::Utc::now()).await;
        state
            .db
            .metrics()
            .job_run(Job::AuditSeal, result.is_ok(), started.elapsed());
        if let Err(e) = result {
            e.log();
        }
    })
    .await
}

/// Every `stats.fold_interval_secs`: fold the rollup's deltas (see [`jobs::rollup`]).
async fn rollup_folder(state: web::Data<AppState>) {
    jobs::every(state.settings.stats.fold_interval_secs, || async {
        let started = Instant::now();
        let result = jobs::rollup::fold(&state.db).await;
        state
            .db
            .metrics()
            .job_run(Job::RollupFold, result.is_ok(), started.elapsed());
        if let Err(e) = result {
            e.log();
        }
    })
    .await
}

/// Every `similarity.index_interval_secs`: index the texts of new cases (see [`jobs::indexer`]).
async fn similarity_indexer(state: web::Data<AppState>) {
    jobs::every(state.settings.similarity.index_interval_secs, || async {
        let started = Instant::now();
        let result = jobs::indexer::index(
            &state.db,
            chrono::Utc::now(),
            state.settings.similarity.window_days,
        )
        .await;
        state
            .db
            .metrics()
            .job_run(Job::SimilarityIndex, result.is_ok(), started.elapsed());
        if let Err(e) = result {
            e.log();
        }
    })
    .await
}

/// Every `mail.interval_secs`: send what the outbox holds (see [`crate::mail::worker`]).
async fn mail_worker(state: web::Data<AppState>) {
    jobs::every(state.settings.mail.interval_secs, || async {
        let started = Instant::now();
        let result = state.mailer.flush(&state.db).await;
        let metrics = state.db.metrics();
        metrics.job_run(Job::Mail, result.is_ok(), started.elapsed());
        match result {
            Ok(r) => metrics.mailed(r.sent, r.retried, r.dead),
            Err(e) => e.log(),
        }
    })
    .await
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/static/site.css", web::get().to(pages::stylesheet))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/readyz", web::get().to(pages::readyz))
        .route("/submit", web::get().to(citizen::form::submit_form))
        .route("/submit", web::post().to(citizen::form::submit))
        .route("/submit/receipt", web::get().to(citizen::form::receipt))
        .route("/board", web::get().to(citizen::board::page))
        .route("/track", web::get().to(citizen::track::track_form))
        .route("/track", web::post().to(citizen::track::track))
        .route("/static/kiosk.js", web::get().to(pages::kiosk_script))
        .route("/kiosk", web::get().to(web_kiosk::home))
        .route("/kiosk", web::post().to(web_kiosk::submit))
        .route("/kiosk/enrol", web::post().to(web_kiosk::enrol))
        .route("/kiosk/receipt", web::get().to(web_kiosk::receipt))
        .route("/rate/{token}", web::get().to(citizen::rating::rate_form))
        .route("/rate/{token}", web::post().to(citizen::rating::rate))
        .service(
            web::scope("/handler")
                .route("", web::get().to(staff::queue::queue))
                .route("/login", web::get().to(staff::login::login_form))
                .route("/login", web::post().to(staff::login::login))
                .route("/logout", web::post().to(staff::login::logout))
                .route("/supervision", web::get().to(staff::queue::supervision))
                .route("/password", web::get().to(staff::password::form))
                .route("/password", web::post().to(staff::password::change))
                .route("/events", web::get().to(staff::events::list))
                .route("/events", web::post().to(staff::events::add))
                .route("/events/{id}/kiosks", web::post().to(staff::events::add_kiosk))
                .route("/events/{id}/visitors", web::post().to(staff::events::visitors))
                .route("/kiosks/{id}/revoke", web::post().to(staff::events::revoke))
                .route("/stats", web::get().to(staff::stats::dashboard))
                .route("/stats/cases", web::get().to(staff::stats::cases))
                .route("/stats/ledger.csv", web::get().to(staff::ledger::csv))
                .route("/stats/ledger.xlsx", web::get().to(staff::ledger::xlsx))
                .route("/users", web::get().to(staff::users::page))
                .route(
                    "/users/{username}/sign-out",
                    web::post().to(staff::users::sign_out),
                )
                .route("/outbox", web::get().to(staff::outbox::page))
                .route("/outbox/{id}/retry", web::post().to(staff::outbox::retry))
                .route("/cases/{tracking_code}", web::get().to(staff::case::case))
                .route("/cases/{tracking_code}/actions", web::post().to(staff::case::act))
                .route(
                    "/cases/{tracking_code}/publish",
                    web::post().to(staff::case::publish),
                ),
        )
        .route("/api/docs", web::get().to(web_api::reference::page))
        .service(web_api::scope())
        .service(web::scope("/open311/v2").configure(crate::web::open311::routes))
        .default_service(web::to(pages::not_found));
}
