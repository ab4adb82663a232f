//! minsheng (民声): public feedback and complaint intake.
//!
//! Layout: [`domain`] pure types and rules; [`catalog`] reference data; [`storage`] SQL;
//! [`intake`] the citizen-facing services and handlers; [`triage`] staff work on cases;
//! [`mail`] the outbox and its worker; [`rating`] the citizen's rating of an answer; [`kiosk`] open days and their kiosks; [`web`] what all pages share;
//! [`startup`] builds the application; [`config`] the layered settings; [`cli`] the `minsheng`
//! command line.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod intake;
pub mod kiosk;
pub mod limits;
pub mod mail;
pub mod rating;
pub mod routing;
pub mod sla;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod triage;
pub mod vault;
pub mod web;
