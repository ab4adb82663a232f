//! The JSON API under `/api/v1`: the citizen's submissions and status ([`citizen`]) and the staff
//! API with bearer tokens ([`staff`]), and the public board's figures ([`board`]).

pub mod board;
pub mod citizen;
pub mod staff;
