//! What the web pages share: language negotiation, CSRF tokens, the client's address, the page
//! texts in both languages, the layout and error pages. Feature pages live with their feature
//! (e.g. [`crate::intake::web`]).

pub mod client;
pub mod csrf;
pub mod lang;
pub mod pages;
pub mod texts;
