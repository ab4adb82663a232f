//! Settings in layers: `config/default.toml`, then `config/$MINSHENG_ENV.toml` (default `local`),
//! then `MINSHENG__SECTION__KEY` environment variables.
//!
//! Every layer is checked as it is added, so an unknown key or a bad value is reported with the
//! file (or the environment) it came from. No globals: the loaded [`Settings`] are passed into
//! [`crate::startup::Application::build`]. Reference data (categories, units) lives in
//! [`crate::catalog`], not here.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

/// The name of the environment whose file is layered over `default.toml`.
pub const ENV_VAR: &str = "MINSHENG_ENV";
/// Prefix of the environment variables that override settings, e.g. `MINSHENG__SERVER__BIND`.
pub const ENV_PREFIX: &str = "MINSHENG__";
/// The variable holding the data key (64 hex characters).
pub const DATA_KEY_VAR: &str = "MINSHENG__SECURITY__DATA_KEY";
/// The variable holding the metrics bearer token (taken verbatim, like the data key).
pub const METRICS_TOKEN_VAR: &str = "MINSHENG__METRICS__TOKEN";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub security: SecuritySettings,
    pub log: LogSettings,
    pub limits: LimitSettings,
    pub sign_in: SignInSettings,
    pub sweeper: SweeperSettings,
    pub audit: AuditSettings,
    pub mail: MailSettings,
    pub kiosk: KioskSettings,
    pub stats: StatsSettings,
    pub similarity: SimilaritySettings,
    pub metrics: MetricsSettings,
    /// Which environment was loaded (`local`, `production`, ...); not a key in any file.
    #[serde(skip)]
    pub environment: String,
    /// The folder the configuration files were read from.
    #[serde(skip)]
    pub config_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    #[serde(deserialize_with = "proxies_from_list_or_csv")]
    pub trusted_proxies: Vec<IpNet>,
    pub workers: usize,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// Establishing a connection (PostgreSQL `connect_timeout`, `tcp_user_timeout`) and SQLite's
    /// busy timeout, in milliseconds.
    pub timeout_ms: u64,
    /// How long a request waits for a pooled connection before it is answered 503, in
    /// milliseconds.
    pub acquire_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub data_key: SecretString,
    pub require_data_key: bool,
    pub secure_cookies: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub submit_burst: u32,
    pub submit_per_minute: u32,
    pub track_burst: u32,
    pub track_per_minute: u32,
    pub contact_per_day: u32,
    pub login_burst: u32,
    pub login_per_minute: u32,
    pub kiosk_burst: u32,
    pub kiosk_per_minute: u32,
    pub open311_burst: u32,
    pub open311_per_minute: u32,
    pub max_tracked_clients: usize,
}

/// Staff sign-in limits beyond the per-(username, address) one in [`LimitSettings`]; see
/// [`crate::limits::signin`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInSettings {
    /// Failed sign-ins per client address over all usernames: a burst, then 429.
    pub address_burst: u32,
    pub address_per_minute: u32,
    /// Failures of one username (from anywhere) before its attempts are slowed down.
    pub user_slow_after: u32,
    /// How fast those failures are forgiven.
    pub user_per_minute: u32,
    /// The longest delay before an attempt for a username under attack, in milliseconds.
    pub user_max_delay_ms: u64,
    /// Failed sign-ins per minute, over the whole service, above which a warning is logged.
    pub alert_failures_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweeperSettings {
    pub interval_secs: u64,
}

/// The audit log's sealing job (see [`crate::storage::audit`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// How often `serve` seals the entries written since the last checkpoint; 0 turns it off.
    pub seal_interval_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskSettings {
    pub idle_secs: u32,
}

/// The statistics' settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// On the public board, a count under this is shown as "<N" (and a rate over fewer cases is
    /// not shown); see [`crate::domain::stats::suppress`].
    pub public_min_count: u32,
    /// How often `serve` folds the rollup's deltas into its rows (see
    /// [`crate::storage::stats::rollup`]); 0 turns it off.
    pub fold_interval_secs: u64,
}

/// Finding the cases that may be one matter (issue #16); see [`crate::services::similarity`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilaritySettings {
    /// Cases received this many days back at most are suggested as the same matter, or counted
    /// as the same reporter's earlier cases.
    pub window_days: u32,
    /// How often `serve` indexes the texts of new cases; 0 turns it off.
    pub index_interval_secs: u64,
}

/// Where `GET /metrics` (Prometheus text) answers and who may read it; see
/// [`MetricsSettings::check`] for the rules and [`crate::telemetry::metrics`] for what it holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// A listen address of its own for `/metrics` (then the main address has no `/metrics`);
    /// empty: on the main address.
    #[serde(deserialize_with = "optional_address")]
    pub bind: Option<SocketAddr>,
    /// A bearer token every scrape must carry, wherever it answers; empty: none.
    pub token: SecretString,
}

/// The shortest metrics token accepted outside `local`.
pub const METRICS_TOKEN_MIN_LEN: usize = 16;

impl MetricsSettings {
    /// The token, if one is set.
    pub fn token(&self) -> Option<&str> {
        use secrecy::ExposeSecret;
        Some(self.token.expose_secret()).filter(|t| !t.is_empty())
    }

    /// Outside the `local` environment the metrics must not be open to anyone who reaches the
    /// service: a separate listen address or a bearer token (of at least
    /// [`METRICS_TOKEN_MIN_LEN`] characters) is required.
    pub fn check(&self, environment: &str) -> Result<(), String> {
        if environment == "local" {
            return Ok(());
        }
        match (self.bind, self.token()) {
            (_, Some(t)) if t.chars().count() < METRICS_TOKEN_MIN_LEN => Err(format!(
                "metrics.token must be at least {METRICS_TOKEN_MIN_LEN} characters outside `local`"
            )),
            (None, None) => Err(format!(
                "environment `{environment}` does not serve /metrics openly on the main address: \
                 set metrics.bind (MINSHENG__METRICS__BIND, a separate listen address) or \
                 metrics.token (MINSHENG__METRICS__TOKEN, a bearer token)"
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// One `.eml` file per mail under `data_dir/mail/`.
    File,
    /// A real mail server.
    Smtp,
    /// Kept in memory (tests).
    Stub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refuses to go on without it.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host, or tests.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransportKind,
    pub from: String,
    pub public_url: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_timeout_secs: u64,
    pub interval_secs: u64,
    pub batch: u32,
    pub max_attempts: u32,
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    pub lease_secs: u64,
}

impl DatabaseSettings {
    /// The pool's size: as configured, or (0) twice the CPU cores.
    pub fn pool_size_or_default(&self) -> u32 {
        if self.pool_size > 0 {
            return self.pool_size;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        u32::try_from(cores * 2).unwrap_or(u32::MAX).max(2)
    }
}

/// A configuration problem, naming the layer it came from.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub message: String,
}

impl Settings {
    /// Loads `default.toml`, the environment's file and the process environment.
    pub fn load(config_dir: &Path) -> Result<Settings, ConfigError> {
        let environment = std::env::var(ENV_VAR).unwrap_or_else(|_| "local".to_owned());
        Self::load_layers(config_dir, &environment, true)
    }

    /// Loads only the files (no environment variables): what tests start from.
    pub fn load_files(config_dir: &Path, environment: &str) -> Result<Settings, ConfigError> {
        Self::load_layers(config_dir, environment, false)
    }

    fn load_layers(
        config_dir: &Path,
        environment: &str,
        with_env_vars: bool,
    ) -> Result<Settings, ConfigError> {
        if environment.is_empty()
            || !environment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError {
                source_name: ENV_VAR.to_owned(),
                message: format!("`{environment}` is not a valid environment name"),
            });
        }
        let default_file = config_dir.join("default.toml");
        let env_file = config_dir.join(format!("{environment}.toml"));
        if !default_file.is_file() {
            return Err(ConfigError {
                source_name: default_file.display().to_string(),
                message: "file not found".to_owned(),
            });
        }
        // Each layer is extracted as soon as it is merged: the first layer that fails is named.
        let mut figment = Figment::new();
        let mut layers: Vec<(String, Figment)> = vec![(
            default_file.display().to_string(),
            Figment::from(Toml::file_exact(&default_file)),
        )];
        if env_file.is_file() {
            layers.push((
                env_file.display().to_string(),
                Figment::from(Toml::file_exact(&env_file)),
            ));
        } else if environment != "local" {
            return Err(ConfigError {
                source_name: env_file.display().to_string(),
                message: format!("file for environment `{environment}` not found"),
            });
        }
        if with_env_vars {
            // The data key and the metrics token are taken verbatim: a secret of digits must not
            // be read as a number.
            let verbatim = [
                (DATA_KEY_VAR, "security.data_key"),
                (METRICS_TOKEN_VAR, "metrics.token"),
            ];
            let mut vars = Figment::from(
                Env::prefixed(ENV_PREFIX)
                    .filter(move |key| {
                        !verbatim
                            .iter()
                            .any(|(var, _)| key == var.trim_start_matches(ENV_PREFIX))
                    })
                    .split("__"),
            );
            for (var, key) in verbatim {
                if let Ok(value) = std::env::var(var) {
                    vars = vars.merge((key, value));
                }
            }
            layers.push(("environment variables (MINSHENG__…)".to_owned(), vars));
        }
        let mut settings = None;
        for (name, layer) in layers {
            figment = figment.merge(layer);
            settings = Some(figment.extract::<Settings>().map_err(|e| ConfigError {
                source_name: name,
                message: describe_figment_error(e),
            })?);
        }
        #[allow(
            clippy::expect_used,
            reason = "start-up: default.toml is always the first layer; without it nothing can run"
        )]
        let mut settings = settings.expect("default.toml is always a layer");
        settings.environment = environment.to_owned();
        settings.config_dir = config_dir.to_path_buf();
        Ok(settings)
    }

    pub fn is_production(&self) -> bool {
        self.environment == "production"
    }

    /// True when `addr` is one of the configured reverse proxies.
    pub fn is_trusted_proxy(&self, addr: IpAddr) -> bool {
        self.server.trusted_proxies.iter().any(|n| n.contains(&addr))
    }
}

fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let kind = e.kind.to_string();
            if key.is_empty() {
                kind
            } else {
                format!("key `{key}`: {kind}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An address, or nothing for an empty string.
fn optional_address<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not an address like 127.0.0.1:9464")))
}

/// Accepts `["10.0.0.1", "10.1.0.0/16"]` from a file or `10.0.0.1,10.1.0.0/16` from the environment.
fn proxies_from_list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    let items: Vec<String> = match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(v) => v,
        ListOrCsv::Csv(s) => s.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("`{s}` is not an IP address or CIDR range")))
        })
        .collect()
}

#[cfg(test)]
mod tests;
