//! Logging: readable lines in development, JSON in production. Each request's span (with its
//! request id, and no personal data) is made by the web layer: [`crate::web::telemetry`].
//! Whatever the configured filter says, [`with_privacy`] keeps actix-web's extractors quiet below
//! `info`: when a body or path does not parse they log the request path, which may hold a
//! tracking code. The Prometheus [`metrics`] live beside the logs.

pub mod metrics;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(settings: &LogSettings) {
    let filter =
        with_privacy(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter)));
    let result = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .try_init(),
        LogFormat::Pretty => tracing_subscriber::fmt()
            .compact()
            .with_env_filter(filter)
            .try_init(),
    };
    let _ = result;
}

/// Targets that log request paths (and so tracking codes): never below `info`.
const QUIET: &[&str] = &["actix_web::types=info"];

/// `filter` with [`QUIET`] on top (a more specific directive wins, so this holds even under
/// `RUST_LOG=trace`).
pub fn with_privacy(filter: EnvFilter) -> EnvFilter {
    QUIET
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, EnvFilter::add_directive)
}
