//! What every request handler shares: settings, the database, the catalog, keys, limiters and
//! the router, the mailer.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::limits::Limits;
use crate::mail::Mailer;
use crate::routing::Router;
use crate::sla::Sla;
use crate::storage::Db;
use crate::vault::Vault;

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub vault: Arc<Vault>,
    pub limits: Arc<Limits>,
    pub router: Arc<Router>,
    pub sla: Arc<Sla>,
    /// Sends what the outbox holds.
    pub mailer: Arc<Mailer>,
    /// Per-queue counts of open cases, kept a few seconds.
    pub queue_counts: crate::triage::cases::CountsCache,
}
