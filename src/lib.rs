//! minsheng (民声): public feedback and complaint intake.
//!
//! Layers, each using only those below it:
//! - [`cli`] the `minsheng` command line and [`startup`] the application it serves;
//! - [`web`] every HTTP handler and page — the only code that knows of actix;
//! - [`jobs`] background work (the sweeper) run by `serve` and the command line;
//! - [`services`] intake, cases, accounts, rating, open days — async, over a plain context;
//! - [`mail`] the outbox payloads, rendering and transports;
//! - [`storage`] the connection, pool, single SQLite writer and every SQL statement;
//! - [`routing`] the pure rules engine and the conflict-of-interest guard;
//! - [`domain`] pure types and rules: kinds, the case state machine, deadlines, texts;
//! - [`catalog`], [`config`], [`sla`], [`vault`], [`limits`], [`i18n`], [`telemetry`], [`error`]:
//!   reference data, settings, deadline rules, keys, rate limits, languages, logs and metrics, the
//!   error.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod routing;
pub mod services;
pub mod sla;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod vault;
pub mod web;
