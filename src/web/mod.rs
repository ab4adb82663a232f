//! The web layer — the only code that knows of HTTP. What pages share: the application state,
//! language negotiation, CSRF tokens, the client's address, the page texts in both languages,
//! the layout and error pages; then the pages by audience: [`citizen`], [`kiosk`], [`staff`],
//! and the JSON [`api`]. Handlers are thin: parse, call one service, render.

pub mod api;
pub mod bad_request;
pub mod charts;
pub mod citizen;
pub mod client;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod kiosk;
pub mod lang;
pub mod metrics;
pub mod open311;
pub mod pages;
pub mod session;
pub mod staff;
pub mod state;
pub mod submission;
pub mod telemetry;
pub mod texts;

pub use state::AppState;
