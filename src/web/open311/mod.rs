//! Open311 GeoReport v2 under `/open311/v2` ([`routes`]): discovery, services and their
//! definitions, filing requests (form-urlencoded, with an integration's `api_key`), reading them
//! back, and tokens. Every path ends in `.xml` or `.json`, which picks the format ([`render`]).
//! Handlers parse, call one service ([`crate::services::open311`]) and render ([`handlers`]).
//!
//! The `api_key` travels in the POST body, or for a GET in the query string; request logs carry
//! the route pattern only (see [`super::telemetry`]), never the query, so the key is not logged.

pub mod handlers;
pub mod render;

use std::collections::BTreeMap;

use actix_web::web;

/// The routes, to mount under `/open311/v2`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    const F: &str = "{format:xml|json}";
    cfg.route(&format!("/discovery.{F}"), web::get().to(handlers::discovery))
        .route(&format!("/services.{F}"), web::get().to(handlers::services))
        .route(
            &format!("/services/{{code}}.{F}"),
            web::get().to(handlers::definition),
        )
        .route(&format!("/requests.{F}"), web::get().to(handlers::list))
        .route(&format!("/requests.{F}"), web::post().to(handlers::create))
        .route(&format!("/requests/{{id}}.{F}"), web::get().to(handlers::one))
        .route(&format!("/tokens/{{token}}.{F}"), web::get().to(handlers::token));
}

/// Form or query parameters: plain ones by name (the first of a repeated one), and
/// `attribute[code]` apart.
#[derive(Debug, Default)]
pub struct Params {
    plain: BTreeMap<String, String>,
    pub attributes: BTreeMap<String, String>,
}

impl Params {
    /// Reads `a=1&b=2` (the query string or a form body); `None` when it is not urlencoded.
    pub fn parse(raw: &[u8]) -> Option<Params> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw).ok()?;
        let mut p = Params::default();
        for (k, v) in pairs {
            match k.strip_prefix("attribute[").and_then(|r| r.strip_suffix(']')) {
                Some(code) => {
                    p.attributes.entry(code.to_owned()).or_insert(v);
                }
                None => {
                    p.plain.entry(k).or_insert(v);
                }
            }
        }
        Some(p)
    }

    /// A parameter that was given (blank counts as not given).
    pub fn get(&self, name: &str) -> Option<String> {
        self.plain.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_apart_and_blanks_are_absent() {
        let p = Params::parse(b"api_key=k&attribute%5Bregion%5D=370983&attribute[title]=t&email=&lat=36.2")
            .unwrap();
        assert_eq!(p.get("api_key").as_deref(), Some("k"));
        assert_eq!(p.get("email"), None);
        assert_eq!(p.attributes.get("region").map(String::as_str), Some("370983"));
        assert_eq!(p.attributes.get("title").map(String::as_str), Some("t"));
    }
}
