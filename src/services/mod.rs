//! Services: what the service does, apart from how it is asked. Each is async, takes a plain
//! [`Context`] (or the parts of it it needs), owns its transaction, and knows nothing of HTTP:
//! the web layer ([`crate::web`]) and the command line ([`crate::cli`]) both call them.

pub mod accounts;
pub mod board;
pub mod cases;
pub mod contacts;
pub mod first_admin;
pub mod intake;
pub mod ledger;
pub mod monitoring;
pub mod open311;
pub mod open_days;
pub mod outbox;
pub mod rating;
pub mod seed;
pub mod sessions;
pub mod similarity;
pub mod stats;

pub mod clock;
pub mod context;
pub mod counts;

pub use clock::Clock;
pub use context::Context;
