//! One integration-test binary (it links once). Each module starts the real application on port 0
//! against a fresh database; most tests run on SQLite and again on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code, helpers included: a failed expectation is a failed test"
)]

mod helpers;

mod accounts;
mod api_errors;
mod api_submissions;
mod audit;
mod board;
mod browser;
mod cli;
mod crash;
mod fuzz;
mod handler_web;
mod hardening;
mod idempotency;
mod integrity;
mod kiosk;
mod ledger;
mod mail;
mod matters;
mod metrics;
mod open311;
mod openapi;
mod outage;
mod rate_limits;
mod rating;
mod rollup;
mod routing;
mod sessions;
mod smtp;
mod staff;
mod stats;
mod stats_dashboard;
mod storage;
mod sweeper;
mod web_form;
mod workflow;
