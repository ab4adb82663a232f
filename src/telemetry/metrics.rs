//! Prometheus metrics: every metric's name, kind, labels and meaning is here (and in the README,
//! "Metrics"), with one small function to record each.
//!
//! Each application has its own recorder, held by a [`Metrics`] handle that the database handle
//! carries ([`crate::storage::Db::metrics`]) and the rate limiters are given; nothing is
//! installed globally, so several applications in one process (the tests) never mix their
//! counts, and the command line, which has no recorder, records nothing
//! ([`Metrics::disabled`]). Recording goes through the `metrics` crate's macros with the
//! application's recorder set for the duration of the call.
//!
//! Labels hold only fixed vocabularies: route *templates* (never a path, which may hold a
//! tracking code), methods, status codes, kinds, channels, states, limiter and job names. No
//! personal data, no tracking codes, no addresses, no usernames.
//!
//! `GET /metrics` renders the text exposition ([`Metrics::render`]); the gauges read from the
//! database are set just before by the scrape (`crate::services::monitoring`).

use std::sync::Arc;
use std::time::Duration;

use ::metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

/// Requests answered, by `method`, `route` (the route template, or `unmatched`) and `status`.
pub const HTTP_REQUESTS: &str = "minsheng_http_requests_total";
/// Time to the response head, by `method`, `route` and `status`.
pub const HTTP_DURATION: &str = "minsheng_http_request_duration_seconds";
/// New submissions stored (an idempotent replay is not one), by `channel` and `kind`.
pub const SUBMISSIONS: &str = "minsheng_submissions_total";
/// Requests refused by a rate limit, by `limiter` (see [`Limiter`]).
pub const RATE_LIMITED: &str = "minsheng_rate_limited_total";
/// Failed staff sign-ins (wrong password or unknown user).
pub const SIGN_IN_FAILURES: &str = "minsheng_signin_failures_total";
/// Minutes in which failed sign-ins over the whole service passed
/// `sign_in.alert_failures_per_minute` (each also logs a warning).
pub const SIGN_IN_ALERTS: &str = "minsheng_signin_alerts_total";
/// Sign-in attempts slowed down because their username failed often lately.
pub const SIGN_IN_DELAYED: &str = "minsheng_signin_delayed_total";
/// Background job rounds, by `job` (`sweeper`, `mail`) and `outcome` (`ok`, `error`).
pub const JOB_RUNS: &str = "minsheng_job_runs_total";
/// How long a job round took, by `job`.
pub const JOB_DURATION: &str = "minsheng_job_duration_seconds";
/// Cases the sweeper flagged overdue.
pub const SWEEPER_FLAGGED: &str = "minsheng_sweeper_flagged_total";
/// Supervision notices the sweeper queued.
pub const SWEEPER_NOTICES: &str = "minsheng_sweeper_notices_total";
/// Answers the sweeper closed because nobody rated them in time.
pub const SWEEPER_CLOSED_UNRATED: &str = "minsheng_sweeper_closed_unrated_total";
/// Mails the worker handled, by `result` (`sent`, `retry`, `dead`).
pub const MAIL_DELIVERIES: &str = "minsheng_mail_deliveries_total";
/// Jobs per SQLite group commit.
pub const SQLITE_BATCH: &str = "minsheng_sqlite_write_batch_size";
/// Time a write waited for its SQLite group to start.
pub const SQLITE_QUEUE_WAIT: &str = "minsheng_sqlite_write_queue_wait_seconds";
/// Time one SQLite group took, its jobs and its commit.
pub const SQLITE_GROUP: &str = "minsheng_sqlite_write_group_seconds";
/// Time a request waited for a pooled connection (given or not).
pub const POOL_WAIT: &str = "minsheng_db_pool_wait_seconds";
/// Waits for a pooled connection that ended without one (then 503).
pub const POOL_TIMEOUTS: &str = "minsheng_db_pool_timeouts_total";
/// Pooled connections at the scrape, by `state` (`in_use`, `idle`).
pub const POOL_CONNECTIONS: &str = "minsheng_db_pool_connections";
/// The pool's size.
pub const POOL_MAX: &str = "minsheng_db_pool_max_connections";
/// Open cases, by `state` (pending_dispatch, assigned, accepted, reopened), read at the scrape.
pub const OPEN_CASES: &str = "minsheng_cases_open";
/// Open cases past their deadline now, read at the scrape.
pub const OVERDUE_CASES: &str = "minsheng_cases_overdue";
/// Outbox mails, by `status` (`pending`, `dead`), read at the scrape.
pub const OUTBOX_MAILS: &str = "minsheng_outbox_mails";
/// 1 when the scrape read the database's figures, 0 when it could not (then the case and outbox
/// gauges keep their last values).
pub const DATABASE_UP: &str = "minsheng_database_up";

/// Latency buckets, in seconds: 1 ms to 10 s.
const SECONDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Group-commit sizes, up to the writer's most (256).
const BATCH: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The rate limits, as named in [`RATE_LIMITED`]'s `limiter` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limiter {
    /// Submissions per client address (`limits.submit_*`).
    Submit,
    /// Status look-ups per client address (`limits.track_*`).
    Track,
    /// Submissions per kiosk (`limits.kiosk_*`).
    Kiosk,
    /// Submissions per contact and day (`limits.contact_per_day`).
    Contact,
    /// Failed sign-ins per username and address (`limits.login_*`).
    Login,
    /// Failed sign-ins per address (`sign_in.address_*`).
    SignInAddress,
    /// Ledger downloads running at once.
    LedgerDownloads,
    /// Open311 calls per integration key (`limits.open311_*`).
    Open311,
}

impl Limiter {
    pub const ALL: [Limiter; 8] = [
        Limiter::Submit,
        Limiter::Track,
        Limiter::Kiosk,
        Limiter::Contact,
        Limiter::Login,
        Limiter::SignInAddress,
        Limiter::LedgerDownloads,
        Limiter::Open311,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Limiter::Submit => "submit",
            Limiter::Track => "track",
            Limiter::Kiosk => "kiosk",
            Limiter::Contact => "contact",
            Limiter::Login => "login",
            Limiter::SignInAddress => "signin_address",
            Limiter::LedgerDownloads => "ledger_downloads",
            Limiter::Open311 => "open311",
        }
    }
}

/// The background jobs, as named in [`JOB_RUNS`]'s `job` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Sweeper,
    Mail,
    AuditSeal,
    RollupFold,
    SimilarityIndex,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::Sweeper => "sweeper",
            Job::Mail => "mail",
            Job::AuditSeal => "audit_seal",
            Job::RollupFold => "rollup_fold",
            Job::SimilarityIndex => "similarity_index",
        }
    }
}

/// What the scrape reads from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseFigures {
    /// Open cases per state code; states not listed have none.
    pub open_by_state: Vec<(String, i64)>,
    pub overdue: i64,
    pub outbox_pending: i64,
    pub outbox_dead: i64,
}

/// The pool at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFigures {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// An application's metrics: a handle to its recorder, cheap to clone, or none at all.
#[derive(Clone, Default)]
pub struct Metrics {
    recorder: Option<Arc<PrometheusRecorder>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.recorder.is_some())
            .finish()
    }
}

fn f64_of(n: impl TryInto<u32>) -> f64 {
    n.try_into().map_or(f64::from(u32::MAX), f64::from)
}

#[allow(
    clippy::cast_precision_loss,
    reason = "counts of cases and mails, far below 2^52"
)]
fn f64_of_i64(n: i64) -> f64 {
    n as f64
}

/// `method` as a label: the usual ones by name, anything else as `other` (a client can send any
/// token as a method; a label must not grow with them).
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

impl Metrics {
    /// A fresh recorder with every metric described and the counters a dashboard needs from the
    /// start already at zero.
    pub fn new() -> Metrics {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &SECONDS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(SQLITE_BATCH.to_owned()), &BATCH))
            .unwrap_or_else(|e| {
                // Only empty bucket lists fail, and these are constants.
                tracing::error!(error.cause = %e, "metrics buckets refused; histograms become summaries");
                PrometheusBuilder::new()
            });
        let metrics = Metrics {
            recorder: Some(Arc::new(builder.build_recorder())),
        };
        metrics.with(describe_all);
        metrics
    }

    /// A handle that records nothing (the command line, unit tests).
    pub fn disabled() -> Metrics {
        Metrics::default()
    }

    pub fn is_enabled(&self) -> bool {
        self.recorder.is_some()
    }

    fn with(&self, f: impl FnOnce()) {
        if let Some(recorder) = &self.recorder {
            ::metrics::with_local_recorder(recorder.as_ref(), f);
        }
    }

    /// The text exposition of everything recorded (empty when disabled).
    pub fn render(&self) -> String {
        self.recorder
            .as_ref()
            .map(|r| r.handle().render())
            .unwrap_or_default()
    }

    /// Folds the histograms' recent samples into their buckets, so memory stays bounded however
    /// rarely the metrics are scraped. Run every few seconds.
    pub fn upkeep(&self) {
        if let Some(recorder) = &self.recorder {
            recorder.handle().run_upkeep();
        }
    }

    /// One answered request. `route` is the route template (`None`: no route matched).
    pub fn http_request(&self, method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
        self.with(|| {
            let labels = [
                ("method", method_label(method).to_owned()),
                ("route", route.unwrap_or("unmatched").to_owned()),
                ("status", status.to_string()),
            ];
            counter!(HTTP_REQUESTS, &labels).increment(1);
            histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
        });
    }

    /// A new submission stored, by its channel and kind codes.
    pub fn submission(&self, channel: &'static str, kind: &'static str) {
        self.with(|| counter!(SUBMISSIONS, "channel" => channel, "kind" => kind).increment(1));
    }

    /// A request refused by `limiter`.
    pub fn rate_limited(&self, limiter: Limiter) {
        self.with(|| counter!(RATE_LIMITED, "limiter" => limiter.name()).increment(1));
    }

    pub fn sign_in_failed(&self) {
        self.with(|| counter!(SIGN_IN_FAILURES).increment(1));
    }

    pub fn sign_in_alert(&self) {
        self.with(|| counter!(SIGN_IN_ALERTS).increment(1));
    }

    pub fn sign_in_delayed(&self) {
        self.with(|| counter!(SIGN_IN_DELAYED).increment(1));
    }

    /// One round of a background job.
    pub fn job_run(&self, job: Job, ok: bool, elapsed: Duration) {
        self.with(|| {
            let outcome = if ok { "ok" } else { "error" };
            counter!(JOB_RUNS, "job" => job.name(), "outcome" => outcome).increment(1);
            histogram!(JOB_DURATION, "job" => job.name()).record(elapsed.as_secs_f64());
        });
    }

    /// What one sweep did.
    pub fn swept(&self, flagged: usize, notices: usize, closed_unrated: usize) {
        self.with(|| {
            counter!(SWEEPER_FLAGGED).increment(flagged as u64);
            counter!(SWEEPER_NOTICES).increment(notices as u64);
            counter!(SWEEPER_CLOSED_UNRATED).increment(closed_unrated as u64);
        });
    }

    /// What one round of the mail worker did.
    pub fn mailed(&self, sent: usize, retried: usize, dead: usize) {
        self.with(|| {
            for (result, n) in [("sent", sent), ("retry", retried), ("dead", dead)] {
                counter!(MAIL_DELIVERIES, "result" => result).increment(n as u64);
            }
        });
    }

    /// One SQLite group: how many jobs, how long each waited to start, how long it took.
    pub fn sqlite_group(&self, waits: &[Duration], took: Duration) {
        self.with(|| {
            histogram!(SQLITE_BATCH).record(f64_of(waits.len()));
            let wait = histogram!(SQLITE_QUEUE_WAIT);
            for w in waits {
                wait.record(w.as_secs_f64());
            }
            histogram!(SQLITE_GROUP).record(took.as_secs_f64());
        });
    }

    /// One wait for a pooled connection, and whether it got one.
    pub fn pool_wait(&self, waited: Duration, got_one: bool) {
        self.with(|| {
            histogram!(POOL_WAIT).record(waited.as_secs_f64());
            if !got_one {
                counter!(POOL_TIMEOUTS).increment(1);
            }
        });
    }

    /// The pool as it is now.
    pub fn pool(&self, p: PoolFigures) {
        self.with(|| {
            let in_use = p.connections.saturating_sub(p.idle);
            gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
            gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(p.idle));
            gauge!(POOL_MAX).set(f64::from(p.max));
        });
    }

    /// The figures the scrape read from the database, or `None` when it could not read them.
    /// Only the given open states become labels (`open_states`: the domain's list).
    pub fn database(&self, figures: Option<&DatabaseFigures>, open_states: &[&'static str]) {
        self.with(|| {
            let Some(f) = figures else {
                gauge!(DATABASE_UP).set(0.0);
                return;
            };
            gauge!(DATABASE_UP).set(1.0);
            for state in open_states {
                let n = f
                    .open_by_state
                    .iter()
                    .find(|(s, _)| s == state)
                    .map_or(0, |(_, n)| *n);
                gauge!(OPEN_CASES, "state" => *state).set(f64_of_i64(n));
            }
            gauge!(OVERDUE_CASES).set(f64_of_i64(f.overdue));
            gauge!(OUTBOX_MAILS, "status" => "pending").set(f64_of_i64(f.outbox_pending));
            gauge!(OUTBOX_MAILS, "status" => "dead").set(f64_of_i64(f.outbox_dead));
        });
    }
}

/// HELP lines for every metric, and the counters a dashboard wants at zero from the start.
fn describe_all() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to the response head, by method, route template and status"
    );
    describe_counter!(SUBMISSIONS, "New submissions stored, by channel and kind");
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit, by limiter");
    describe_counter!(SIGN_IN_FAILURES, "Failed staff sign-ins");
    describe_counter!(
        SIGN_IN_ALERTS,
        "Minutes in which failed sign-ins passed sign_in.alert_failures_per_minute"
    );
    describe_counter!(
        SIGN_IN_DELAYED,
        "Sign-in attempts slowed down for a username under attack"
    );
    describe_counter!(JOB_RUNS, "Background job rounds, by job and outcome");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "Time one job round took, by job");
    describe_counter!(SWEEPER_FLAGGED, "Cases the sweeper flagged overdue");
    describe_counter!(SWEEPER_NOTICES, "Supervision notices the sweeper queued");
    describe_counter!(SWEEPER_CLOSED_UNRATED, "Answers closed as not rated in time");
    describe_counter!(MAIL_DELIVERIES, "Mails handled by the worker, by result");
    describe_histogram!(SQLITE_BATCH, Unit::Count, "Jobs per SQLite group commit");
    describe_histogram!(
        SQLITE_QUEUE_WAIT,
        Unit::Seconds,
        "Time a write waited for its SQLite group to start"
    );
    describe_histogram!(
        SQLITE_GROUP,
        Unit::Seconds,
        "Time one SQLite group took, jobs and commit"
    );
    describe_histogram!(
        POOL_WAIT,
        Unit::Seconds,
        "Time spent waiting for a pooled connection"
    );
    describe_counter!(
        POOL_TIMEOUTS,
        "Waits for a pooled connection that ended without one"
    );
    describe_gauge!(POOL_CONNECTIONS, "Pooled connections, by state (in_use, idle)");
    describe_gauge!(POOL_MAX, "The connection pool's size");
    describe_gauge!(OPEN_CASES, "Open cases, by state");
    describe_gauge!(OVERDUE_CASES, "Open cases past their deadline now");
    describe_gauge!(OUTBOX_MAILS, "Outbox mails, by status (pending, dead)");
    describe_gauge!(
        DATABASE_UP,
        "1 when the scrape could read the database's figures, else 0"
    );

    for limiter in Limiter::ALL {
        counter!(RATE_LIMITED, "limiter" => limiter.name()).absolute(0);
    }
    for job in [Job::Sweeper, Job::Mail, Job::AuditSeal, Job::RollupFold] {
        for outcome in ["ok", "error"] {
            counter!(JOB_RUNS, "job" => job.name(), "outcome" => outcome).absolute(0);
        }
    }
    for result in ["sent", "retry", "dead"] {
        counter!(MAIL_DELIVERIES, "result" => result).absolute(0);
    }
    for name in [
        SIGN_IN_FAILURES,
        SIGN_IN_ALERTS,
        SIGN_IN_DELAYED,
        SWEEPER_FLAGGED,
        SWEEPER_NOTICES,
        SWEEPER_CLOSED_UNRATED,
        POOL_TIMEOUTS,
    ] {
        counter!(name).absolute(0);
    }
}

#[cfg(test)]
mod tests;
