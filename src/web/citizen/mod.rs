//! The citizen's pages: the form, the receipt and the status look-up ([`form`]), and rating an
//! answer behind the signed link ([`rating`]), the public board ([`board`]). No JavaScript.

pub mod board;
pub mod board_texts;
pub mod form;
pub mod rating;
pub mod track;
