//! Logging: readable lines in development, JSON in production. Each request's span (with its
//! request id, and no personal data) is made by the web layer: [`crate::web::telemetry`].

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter));
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
