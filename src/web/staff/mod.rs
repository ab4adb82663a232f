//! The staff pages under `/handler`: sign-in and sessions ([`session`]), the queue, supervision
//! view and case page ([`pages`]), password change ([`password`]), the outbox for admins
//! ([`outbox`]), open days and kiosks ([`events`]), and their texts ([`texts`]).

pub mod events;
pub mod outbox;
pub mod pages;
pub mod password;
pub mod session;
pub mod texts;
