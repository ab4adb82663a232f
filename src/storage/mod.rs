//! Storage: the connection pool, migrations and every SQL statement. Functions here take a
//! `&mut DbConn` and return `QueryResult`, so the same function runs alone or inside a caller's
//! transaction. No HTTP in here.

pub mod accounts;
pub mod audit;
pub mod board;
pub mod connection;
pub mod contact_quota;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ledger;
pub mod matters;
pub mod migrations;
pub mod new_case;
pub mod open311;
pub mod outbox;
pub mod pool;
pub mod ratings;
pub mod reference;
pub mod schema;
pub mod sessions;
pub mod similarity;
pub mod sql;
pub mod stats;
pub mod submissions;
pub mod writer;

pub use connection::{BackendKind, DbConn};
pub use error::StorageError;
pub use pool::{run_blocking, Db};
