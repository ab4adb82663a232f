//! Triage: staff accounts and sign-in ([`accounts`]). Queues, case actions, deadlines and
//! supervision build on these.

pub mod accounts;
