//! The staff pages under `/handler`: signing in and out ([`login`]), the queue and supervision
//! view ([`queue`]), the case page ([`case`]), password change ([`password`]), the outbox for
//! admins ([`outbox`]), staff accounts and signing them out everywhere, for admins ([`users`]),
//! open days and kiosks ([`events`]), the statistics dashboard and the cases behind each of its
//! numbers ([`stats`]), the ledger downloads ([`ledger`]); what they share ([`pages`]) and their
//! texts ([`texts`], [`stats_texts`], [`users_texts`]). The session itself is
//! [`crate::web::session`], which the kiosk's assisted mode uses too.

pub mod case;
mod case_matter;
pub mod events;
pub mod ledger;
pub mod login;
pub mod outbox;
pub mod pages;
pub mod password;
pub mod queue;
pub mod stats;
pub mod stats_texts;
pub mod texts;
pub mod users;
pub mod users_texts;
