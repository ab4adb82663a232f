//! E-mail back to citizens and units, reliably: mails are queued in the outbox inside the
//! business transaction ([`notify`]), rendered from `templates/email/` ([`compose`]) and sent by
//! the worker ([`worker`]) over the configured [`transport`].

pub mod compose;
pub mod notify;
pub mod rating_link;
pub mod transport;
pub mod worker;

pub use compose::{MailData, MailKind};
pub use worker::{FlushReport, Mailer};
