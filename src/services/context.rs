//! The plain context every service takes.

use std::sync::Arc;

use super::board::cache::BoardCache;
use super::clock::Clock;
use super::counts::CountsCache;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::routing::Router;
use crate::sla::Sla;
use crate::storage::Db;
use crate::vault::Vault;

/// What services share: settings, the database, the reference data and the router, the
/// deadlines, the keys, the mailer, the short-lived queue counts and the clock. Cheap to clone.
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
    pub queue_counts: Arc<CountsCache>,
    /// The public board, kept a minute.
    pub board_cache: Arc<BoardCache>,
    /// The time services go by (see [`Clock`]).
    pub clock: Arc<Clock>,
}
