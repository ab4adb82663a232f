//! Open days (开放日): events, the touch-screen kiosks enrolled at them ([`service`]), the kiosk's
//! pages ([`web`]), and the admin pages and figures per event ([`admin`]).

pub mod admin;
pub mod service;
pub mod web;
