//! Citizen intake: the services that store and look up submissions ([`service`]) and the thin
//! handlers over them for the web form ([`web`]) and the JSON API ([`api`]).

pub mod api;
pub mod service;
pub mod web;
