//! The citizen's rating of an answer: the signed link's [`token`], the [`service`] that records a
//! rating and acts on it, and the [`web`] page behind `/rate/{token}`.

pub mod service;
pub mod token;
pub mod web;
