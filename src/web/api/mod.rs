//! The JSON API under `/api/v1`: the citizen's submissions and status ([`citizen`]) and the staff
//! API with bearer tokens ([`staff`]).

pub mod citizen;
pub mod staff;
