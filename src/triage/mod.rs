//! Triage: staff accounts and sign-in ([`accounts`]) and working a case ([`cases`]): what staff
//! see of it and the actions they take; the [`sweeper`] that supervises what runs late.

pub mod accounts;
pub mod api;
pub mod cases;
pub mod outbox;
pub mod password;
pub mod seed;
pub mod session;
pub mod sweeper;
pub mod texts;
pub mod web;
