//! Builds the application from settings: loads the catalog and keys, connects and migrates the
//! database, copies reference data in, binds the listener (port 0 in tests) and assembles the
//! routes. [`Application::run_until_stopped`] serves and runs housekeeping until shutdown.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::error::UrlencodedError;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpServer};
use anyhow::Context;

use tracing_actix_web::TracingLogger;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::error::AppError;
use crate::intake;
use crate::kiosk;
use crate::limits::Limits;
use crate::mail::Mailer;
use crate::rating;
use crate::routing::{Directory, Router, Rules};
use crate::sla::Sla;
use crate::state::AppState;
use crate::storage::connection::write_transaction;
use crate::storage::{idempotency, migrations, reference, submissions, Db};
use crate::telemetry::{request_id_header, PrivateRootSpan};
use crate::triage::{self, accounts};
use crate::vault::Vault;
use crate::web::lang::{negotiate, remember_choice};
use crate::web::pages::{self, PageError};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    first_admin_password: Option<String>,
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
        let catalog = Arc::new(load_catalog(&settings)?);
        let router = Arc::new(load_router(&settings, &catalog)?);
        let sla = Arc::new(load_sla(&settings)?);
        let vault = Arc::new(Vault::from_settings(&settings)?);
        let mailer = Arc::new(Mailer::new(&settings, vault.clone())?);
        let db = Db::connect(&settings.database)?;
        let first_admin_password = {
            let (db, catalog) = (db.clone(), catalog.clone());
            actix_web::rt::task::spawn_blocking(move || {
                prepare_database(&db, &catalog)?;
                Ok::<_, anyhow::Error>(accounts::ensure_admin(&db, &catalog)?)
            })
            .await??
        };
        let listener = TcpListener::bind(settings.server.bind)
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let limits = Arc::new(Limits::new(&settings.limits));
        let workers = settings.server.workers;
        let max_body = settings.server.max_body_bytes;
        let state = web::Data::new(AppState {
            settings,
            db,
            catalog,
            vault,
            limits,
            router,
            sla,
            mailer,
            queue_counts: Default::default(),
        });
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(intake::api::json_error),
                )
                .app_data(
                    web::FormConfig::default()
                        .limit(max_body)
                        .error_handler(form_error),
                )
                .wrap(from_fn(remember_choice))
                .wrap(security_headers())
                .wrap(from_fn(request_id_header))
                .wrap(TracingLogger::<PrivateRootSpan>::new())
                .configure(routes)
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        tracing::info!(port, "listening");
        Ok(Application {
            port,
            server: server.run(),
            state,
            first_admin_password,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The password of the administrator created on this first start, once.
    pub fn take_first_admin_password(&mut self) -> Option<String> {
        self.first_admin_password.take()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops, running housekeeping and the sweeper alongside.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let housekeeping = housekeeping(self.state.clone());
        let sweeper = sweeper(self.state.clone());
        let mail = mail_worker(self.state.clone());
        tokio::select! {
            result = self.server => result.context("HTTP server failed"),
            () = housekeeping => Ok(()),
            () = sweeper => Ok(()),
            () = mail => Ok(()),
        }
    }
}

/// Every minute: forget idle rate-limit entries; drop per-contact quota rows of past days and
/// idempotency keys older than a day.
async fn housekeeping(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        state.limits.housekeeping();
        let (today, _) = intake::service::beijing_day(chrono::Utc::now());
        let day_ago = (chrono::Utc::now() - chrono::Duration::days(1)).naive_utc();
        let pruned = state
            .db
            .write(move |conn| {
                submissions::prune_contact_quota(conn, &today)?;
                idempotency::prune(conn, day_ago)?;
                Ok(())
            })
            .await;
        if let Err(e) = pruned {
            e.log();
        }
    }
}

/// Every `sweeper.interval_secs`: flag what ran past its deadline (see [`triage::sweeper`]).
async fn sweeper(state: web::Data<AppState>) {
    let secs = state.settings.sweeper.interval_secs;
    if secs == 0 {
        return std::future::pending().await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    loop {
        tick.tick().await;
        let s = state.clone();
        let run = actix_web::rt::task::spawn_blocking(move || {
            triage::sweeper::sweep(&s.db, &s.catalog, &s.router.directory, chrono::Utc::now())
        })
        .await;
        match run {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => e.log(),
            Err(e) => tracing::error!(error.cause = %e, "sweeper task failed"),
        }
    }
}

/// Every `mail.interval_secs`: send what the outbox holds (see [`crate::mail::worker`]).
async fn mail_worker(state: web::Data<AppState>) {
    let secs = state.settings.mail.interval_secs;
    if secs == 0 {
        return std::future::pending().await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.mailer.flush(&state.db).await {
            e.log();
        }
    }
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

fn form_error(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let error = match err {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
        UrlencodedError::ContentType => AppError::UnsupportedMediaType,
        other => AppError::Malformed(other.to_string()),
    };
    PageError::new(error, negotiate(req)).into()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/static/site.css", web::get().to(pages::stylesheet))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/readyz", web::get().to(pages::readyz))
        .route("/submit", web::get().to(intake::web::submit_form))
        .route("/submit", web::post().to(intake::web::submit))
        .route("/submit/receipt", web::get().to(intake::web::receipt))
        .route("/track", web::get().to(intake::web::track_form))
        .route("/track", web::post().to(intake::web::track))
        .route("/static/kiosk.js", web::get().to(pages::kiosk_script))
        .route("/kiosk", web::get().to(kiosk::web::home))
        .route("/kiosk", web::post().to(kiosk::web::submit))
        .route("/kiosk/enrol", web::post().to(kiosk::web::enrol))
        .route("/kiosk/receipt", web::get().to(kiosk::web::receipt))
        .route("/rate/{token}", web::get().to(rating::web::rate_form))
        .route("/rate/{token}", web::post().to(rating::web::rate))
        .service(
            web::scope("/handler")
                .wrap(from_fn(triage::session::renew))
                .route("", web::get().to(triage::web::queue))
                .route("/login", web::get().to(triage::web::login_form))
                .route("/login", web::post().to(triage::web::login))
                .route("/logout", web::post().to(triage::web::logout))
                .route("/supervision", web::get().to(triage::web::supervision))
                .route("/password", web::get().to(triage::password::form))
                .route("/password", web::post().to(triage::password::change))
                .route("/events", web::get().to(kiosk::admin::list))
                .route("/events", web::post().to(kiosk::admin::add))
                .route("/events/{id}/kiosks", web::post().to(kiosk::admin::add_kiosk))
                .route("/events/{id}/visitors", web::post().to(kiosk::admin::visitors))
                .route("/kiosks/{id}/revoke", web::post().to(kiosk::admin::revoke))
                .route("/outbox", web::get().to(triage::outbox::page))
                .route("/outbox/{id}/retry", web::post().to(triage::outbox::retry))
                .route("/cases/{tracking_code}", web::get().to(triage::web::case))
                .route("/cases/{tracking_code}/actions", web::post().to(triage::web::act)),
        )
        .service(
            web::scope("/api/v1")
                .route("/catalog", web::get().to(intake::api::catalog))
                .route("/events/{id}/stats", web::get().to(kiosk::admin::stats))
                .route("/submissions", web::post().to(intake::api::create_submission))
                .route(
                    "/submissions/{tracking_code}",
                    web::get().to(intake::api::get_submission),
                )
                .route("/staff/queue", web::get().to(triage::api::queue))
                .route("/staff/cases/{tracking_code}", web::get().to(triage::api::case))
                .route(
                    "/staff/cases/{tracking_code}/actions",
                    web::post().to(triage::api::act),
                ),
        )
        .default_service(web::to(pages::not_found));
}
