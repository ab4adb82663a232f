//! Services: what the service does, apart from how it is asked. Each is async, takes a plain
//! [`Context`] (or the parts of it it needs), owns its transaction, and knows nothing of HTTP:
//! the web layer ([`crate::web`]) and the command line ([`crate::cli`]) both call them.

pub mod accounts;
pub mod cases;
pub mod intake;
pub mod open_days;
pub mod rating;
pub mod seed;

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::routing::Router;
use crate::sla::Sla;
use crate::storage::Db;
use crate::vault::Vault;

/// What services share: settings, the database, the reference data and the router, the
/// deadlines, the keys, the mailer, and the short-lived queue counts. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub vault: Arc<Vault>,
    pub router: Arc<Router>,
    pub sla: Arc<Sla>,
    /// Sends what the outbox holds.
    pub mailer: Arc<Mailer>,
    /// Per-queue counts of open cases, kept a few seconds.
    pub queue_counts: Arc<cases::CountsCache>,
}
