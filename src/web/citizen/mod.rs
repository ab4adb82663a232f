//! The citizen's pages: the form, the receipt and the status look-up ([`form`]), and rating an
//! answer behind the signed link ([`rating`]). No JavaScript.

pub mod form;
pub mod rating;
pub mod track;
