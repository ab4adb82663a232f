//! The `minsheng` command: `serve`, `migrate`, `check-config`, `route`, `user`, `token` and
//! `audit`.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::BufRead;

use clap::{Parser, Subcommand};

use minsheng::config::Settings;
use minsheng::domain::kind::Role;
use minsheng::domain::{Channel, Kind};
use minsheng::routing::{check, Facts, Outcome};
use minsheng::startup::{load_catalog, load_router, load_sla, prepare_database, Application};
use minsheng::storage::audit;
use minsheng::storage::Db;
use minsheng::triage::accounts;
use minsheng::{telemetry, vault::Vault};

#[derive(Parser)]
#[command(
    name = "minsheng",
    version,
    about = "民声 — public feedback and complaint intake"
)]
struct Cli {
    /// Folder holding default.toml, $MINSHENG_ENV.toml, categories.toml and units.toml.
    #[arg(long, global = true, default_value = "config", env = "MINSHENG_CONFIG_DIR")]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, load reference data, and serve HTTP.
    Serve,
    /// Apply pending database migrations and load reference data, then exit.
    Migrate,
    /// Check every configuration file and say what is wrong and where.
    CheckConfig,
    /// Show where a submission would be routed, and why, without storing anything.
    Route {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        category: String,
        /// GB/T 2260 region code, e.g. 370983.
        #[arg(long)]
        region: String,
        /// The unit the matter is about, e.g. 370983-police.
        #[arg(long)]
        target_unit: Option<String>,
        #[arg(long, default_value = "web")]
        channel: String,
    },
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Fill the database with demo cases (for trying and measuring the queue).
    SeedDemo {
        /// How many cases in all.
        #[arg(long, default_value_t = 10_000)]
        cases: usize,
        /// The unit that gets `--unit-open` open cases.
        #[arg(long, default_value = "370983-police")]
        unit: String,
        #[arg(long, default_value_t = 500)]
        unit_open: usize,
    },
    /// Flag open cases past their deadline, once, and queue supervision notices; close answers
    /// nobody rated in time.
    Sweep {
        /// Sweep as if at this moment (RFC 3339), e.g. to replay a missed run.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Open days (开放日).
    #[command(subcommand)]
    Event(EventCommand),
    /// Kiosks at open days.
    #[command(subcommand)]
    Kiosk(KioskCommand),
}

#[derive(Subcommand)]
enum EventCommand {
    /// Add an open day; prints its id.
    Add {
        /// The host unit's code, e.g. 370983-police.
        #[arg(long)]
        host: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        place: String,
        /// RFC 3339, or `YYYY-MM-DD HH:MM` in Beijing time.
        #[arg(long)]
        starts: String,
        #[arg(long)]
        ends: String,
    },
    /// List open days with their figures.
    List,
}

#[derive(Subcommand)]
enum KioskCommand {
    /// Add a kiosk to an event; prints its one-time enrolment code.
    Add {
        #[arg(long)]
        event: i64,
        #[arg(long)]
        name: String,
    },
    /// Revoke a kiosk: its screen stops working at once.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Send every mail that is due now (what the worker in `serve` does every few seconds).
    Flush,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// The unit's code, e.g. 370983-police.
        #[arg(long)]
        unit: String,
        /// handler, supervisor, dispatcher or admin.
        #[arg(long)]
        role: String,
        /// The user's own e-mail address, for notices addressed to them (a supervisor's reviews).
        #[arg(long)]
        email: Option<String>,
    },
    /// Set a user's password (a reset by an administrator); read from standard input (one line).
    Password {
        #[arg(long)]
        username: String,
    },
    /// Disable a user: no more sign-in, no more API use.
    Disable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and name the first broken entry.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::CheckConfig => check_config(&settings),
        Command::Route {
            kind,
            category,
            region,
            target_unit,
            channel,
        } => route(
            &settings,
            &kind,
            &category,
            &region,
            target_unit.as_deref(),
            &channel,
        ),
        Command::Migrate => {
            telemetry::init(&settings.log);
            migrate(&settings)
        }
        Command::Serve => {
            telemetry::init(&settings.log);
            serve(settings)
        }
        Command::User(cmd) => user(&settings, cmd),
        Command::Token(TokenCommand::Create { username }) => with_db(&settings)
            .and_then(|(db, _)| Ok(accounts::create_token(&db, &username)?))
            .map(|token| {
                println!("{token}");
                eprintln!("This token is shown only once. Send it as `Authorization: Bearer <token>`.");
            }),
        Command::Audit(AuditCommand::Verify) => audit_verify(&settings),
        Command::Sweep { as_of } => sweep(&settings, as_of.as_deref()),
        Command::Mail(MailCommand::Flush) => mail_flush(&settings),
        Command::Event(cmd) => event(&settings, cmd),
        Command::Kiosk(cmd) => kiosk(&settings, cmd),
        Command::SeedDemo {
            cases,
            unit,
            unit_open,
        } => seed_demo(&settings, cases, &unit, unit_open),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let mut app = Application::build(settings).await?;
        if let Some(password) = app.take_first_admin_password() {
            // To the console only, never to the log.
            eprintln!("\n=== First start: created the administrator `admin` with the one-time password ===");
            eprintln!("    {password}");
            eprintln!("=== Keep it safe: it is not shown again. Change it after signing in, at /handler/password. ===\n");
        }
        app.run_until_stopped().await
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let catalog = load_catalog(settings)?;
    let db = Db::connect(&settings.database)?;
    prepare_database(&db, &catalog)?;
    println!("database is up to date");
    Ok(())
}

fn check_config(settings: &Settings) -> anyhow::Result<()> {
    println!(
        "settings: ok (environment `{}`, database {})",
        settings.environment,
        backend_name(&settings.database.url)
    );
    let catalog = load_catalog(settings)?;
    println!(
        "reference data: ok ({} kinds, {} categories, {} regions, {} units)",
        catalog.kinds.len(),
        catalog.categories.len(),
        catalog.regions.len(),
        catalog.units.len()
    );
    let sla = load_sla(settings)?;
    let years: Vec<String> = sla.calendar().years().map(|y| y.to_string()).collect();
    println!(
        "deadlines: ok (holiday calendar for {})",
        if years.is_empty() {
            "no year".to_owned()
        } else {
            years.join(", ")
        }
    );
    // Builds the transport (without connecting) and checks the sender address.
    // (The SMTP transport's connection pool lives on the async runtime, so build it there.)
    let mail_vault = std::sync::Arc::new(Vault::from_hex(&"00".repeat(32))?);
    actix_web::rt::System::new()
        .block_on(async { minsheng::mail::Mailer::new(settings, mail_vault).map(drop) })?;
    let m = &settings.mail;
    match m.transport {
        minsheng::config::MailTransportKind::Smtp => println!(
            "mail: ok (SMTP to {}:{}, {:?}, from {})",
            m.smtp_host, m.smtp_port, m.smtp_security, m.from
        ),
        other => println!("mail: ok ({other:?}, from {})", m.from),
    }
    let router = load_router(settings, &catalog)?;
    println!("routing rules: ok ({} rules)", router.rules.rules.len());
    for (rule, by) in check::shadowed(&router.rules) {
        println!("warning: rule {rule} can never fire: rule {by} matches everything it matches first");
    }
    let nowhere = check::nowhere(&router.rules, &router.directory);
    println!("coverage (web, no unit named): (category × region) pairs that would wait for dispatch");
    for c in check::coverage(&catalog, &router.directory, &router.rules) {
        let level = ["province", "city", "county"]
            .get(c.depth)
            .copied()
            .unwrap_or("deeper");
        println!(
            "  {:<9} {:<8} {:>3} of {:>3} pairs{}",
            c.kind.code(),
            level,
            c.pending_pairs,
            c.categories * c.regions,
            if c.pending_categories.is_empty() {
                String::new()
            } else {
                format!("  ({})", c.pending_categories.join(", "))
            }
        );
    }
    if !nowhere.is_empty() {
        anyhow::bail!(
            "rules whose destination exists nowhere in the directory: {}",
            nowhere.join(", ")
        );
    }
    if settings.is_production() || settings.security.require_data_key {
        // Checks the key's presence and shape without creating anything.
        Vault::from_settings(settings)?;
        println!("data key: ok");
    }
    Ok(())
}

fn route(
    settings: &Settings,
    kind: &str,
    category: &str,
    region: &str,
    target_unit: Option<&str>,
    channel: &str,
) -> anyhow::Result<()> {
    let catalog = load_catalog(settings)?;
    let router = load_router(settings, &catalog)?;
    let kind = Kind::from_code(kind).ok_or_else(|| anyhow::anyhow!("unknown kind `{kind}`"))?;
    let channel =
        Channel::from_code(channel).ok_or_else(|| anyhow::anyhow!("unknown channel `{channel}`"))?;
    match catalog.category(category) {
        None => anyhow::bail!("unknown category `{category}`"),
        Some(c) if !c.kinds.iter().any(|k| k == kind.code()) => {
            anyhow::bail!("category `{category}` does not belong to kind `{kind}`")
        }
        Some(_) => {}
    }
    if catalog.region(region).is_none() {
        anyhow::bail!("unknown region `{region}`");
    }
    if let Some(u) = target_unit.filter(|u| catalog.unit(u).is_none()) {
        anyhow::bail!("unknown unit `{u}`");
    }
    let decision = router.decide(&Facts {
        kind,
        category,
        channel,
        region,
        target_unit,
        event_host: None,
    });
    let name = |code: &str| {
        catalog
            .unit(code)
            .map(|u| format!("{code} {} / {}", u.name, u.name_en))
    };
    match &decision.outcome {
        Outcome::Assigned(u) => println!("assigned to: {}", name(u).unwrap_or_else(|| u.clone())),
        Outcome::PendingDispatch(Some(o)) => {
            println!("pending_dispatch at: {}", name(o).unwrap_or_else(|| o.clone()))
        }
        Outcome::PendingDispatch(None) => println!("pending_dispatch (no rectification office found)"),
    }
    println!("rule: {}", decision.rule.as_deref().unwrap_or("none"));
    println!("why: {}", decision.explanation);
    println!("     {}", decision.explanation_en);
    Ok(())
}

/// The database, migrated, with the catalog loaded.
fn with_db(settings: &Settings) -> anyhow::Result<(Db, minsheng::catalog::Catalog)> {
    let catalog = load_catalog(settings)?;
    let db = Db::connect(&settings.database)?;
    prepare_database(&db, &catalog)?;
    Ok((db, catalog))
}

fn user(settings: &Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let (db, catalog) = with_db(settings)?;
    match cmd {
        UserCommand::Add {
            username,
            unit,
            role,
            email,
        } => {
            let role = Role::from_code(&role).ok_or_else(|| {
                anyhow::anyhow!("unknown role `{role}` (handler, supervisor, dispatcher, admin)")
            })?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if let Some(e) = email.as_deref() {
                // Checked before the account exists, so a bad address adds nothing.
                minsheng::domain::contact::Email::parse(e)
                    .map_err(|_| accounts::AccountError::BadEmail(e.to_owned()))?;
            }
            accounts::add_user(&db, &catalog, &username, &unit, role, password)?;
            if email.is_some() {
                accounts::set_email(&db, &username, email.as_deref())?;
            }
            println!("added {username} ({role}) at {unit}");
        }
        UserCommand::Password { username } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            accounts::set_password(&db, &username, password, "cli")?;
            println!("password set for {username}");
        }
        UserCommand::Disable { username } => {
            accounts::disable_user(&db, &username)?;
            println!("disabled {username}");
        }
    }
    Ok(())
}

fn seed_demo(settings: &Settings, cases: usize, unit: &str, unit_open: usize) -> anyhow::Result<()> {
    let (db, catalog) = with_db(settings)?;
    let started = std::time::Instant::now();
    let plan = minsheng::triage::seed::SeedPlan {
        cases,
        unit,
        unit_open: unit_open.min(cases),
    };
    let n = minsheng::triage::seed::seed(&db, &catalog, &plan)?;
    println!(
        "seeded {n} cases ({} open at {unit}) in {:.1} s",
        plan.unit_open,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn sweep(settings: &Settings, as_of: Option<&str>) -> anyhow::Result<()> {
    let as_of = match as_of {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| anyhow::anyhow!("--as-of `{text}` is not RFC 3339: {e}"))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let (db, catalog) = with_db(settings)?;
    let router = load_router(settings, &catalog)?;
    let report = minsheng::triage::sweeper::sweep(&db, &catalog, &router.directory, as_of)?;
    println!(
        "flagged {} overdue case(s), queued {} notice(s), closed {} unrated answer(s)",
        report.flagged, report.notices, report.closed_unrated
    );
    Ok(())
}

/// RFC 3339, or `YYYY-MM-DD HH:MM` read as Beijing time.
fn moment(text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .ok()
        .and_then(|t| {
            t.and_local_timezone(minsheng::domain::calendar::beijing())
                .single()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| anyhow::anyhow!("`{text}` is neither RFC 3339 nor `YYYY-MM-DD HH:MM`"))
}

fn event(settings: &Settings, cmd: EventCommand) -> anyhow::Result<()> {
    use minsheng::kiosk::service;
    let (db, catalog) = with_db(settings)?;
    match cmd {
        EventCommand::Add {
            host,
            title,
            place,
            starts,
            ends,
        } => {
            let input = service::EventInput {
                host_unit: host,
                title,
                place,
                starts_at: Some(moment(&starts)?),
                ends_at: Some(moment(&ends)?),
            };
            let id = service::add_event(&db, &catalog, &input).map_err(|e| match e {
                minsheng::error::AppError::Invalid(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .messages(minsheng::i18n::Lang::En)
                        .into_iter()
                        .map(|(f, m)| format!("{f}: {}", m.join(" ")))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => other.into(),
            })?;
            println!("{id}");
        }
        EventCommand::List => {
            let rows = service::list_events(&db)?;
            let stats = actix_web::rt::System::new().block_on(async {
                let mut out = Vec::new();
                for e in &rows {
                    out.push(service::stats(&db, e.id).await?);
                }
                anyhow::Ok(out)
            })?;
            for s in stats {
                println!(
                    "{}\t{}\t{}\t{}\tvisitors {}\tsubmissions {}\tanswered {}",
                    s.id, s.host_unit, s.title, s.starts_at, s.visitors, s.submissions, s.answered
                );
            }
        }
    }
    Ok(())
}

fn kiosk(settings: &Settings, cmd: KioskCommand) -> anyhow::Result<()> {
    use minsheng::kiosk::service;
    let (db, _) = with_db(settings)?;
    match cmd {
        KioskCommand::Add { event, name } => {
            let (id, code) = service::add_kiosk(&db, event, &name)?;
            eprintln!(
                "kiosk {id} added to event {event}; type this enrolment code on its screen (shown once):"
            );
            println!("{code}");
        }
        KioskCommand::Revoke { id } => {
            actix_web::rt::System::new().block_on(service::revoke(&db, id))?;
            println!("revoked kiosk {id}");
        }
    }
    Ok(())
}

fn mail_flush(settings: &Settings) -> anyhow::Result<()> {
    let (db, _) = with_db(settings)?;
    let vault = std::sync::Arc::new(Vault::from_settings(settings)?);
    let report = actix_web::rt::System::new().block_on(async {
        let mailer = minsheng::mail::Mailer::new(settings, vault)?;
        anyhow::Ok(mailer.flush(&db).await?)
    })?;
    println!(
        "sent {}, to retry {}, dead {}",
        report.sent, report.retried, report.dead
    );
    Ok(())
}

fn audit_verify(settings: &Settings) -> anyhow::Result<()> {
    let (db, _) = with_db(settings)?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let result = audit::verify(&mut conn)?;
    match result.first_broken {
        None => {
            println!("audit log intact: {} entries", result.entries);
            Ok(())
        }
        Some(id) => anyhow::bail!(
            "audit log broken at entry {id} (checked {} entries)",
            result.entries
        ),
    }
}

fn backend_name(url: &str) -> &'static str {
    match minsheng::storage::BackendKind::from_url(url) {
        Some(minsheng::storage::BackendKind::Sqlite) => "SQLite",
        Some(minsheng::storage::BackendKind::Postgres) => "PostgreSQL",
        None => "unknown (database.url must start with sqlite:// or postgres://)",
    }
}
