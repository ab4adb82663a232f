//! `GET /metrics`: the Prometheus text exposition. Where it answers is decided at start-up
//! (`metrics.bind`: a listen address of its own, else the main one); who may read it, here: with
//! `metrics.token` set, only a request carrying `Authorization: Bearer <token>`. A missing or
//! wrong token is a bare 401 that says nothing more; the token is compared in constant time.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use crate::services::monitoring;

/// The exposition format's content type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = state.settings.metrics.token() {
        if !bearer_matches(&req, token) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
    }
    let text = monitoring::scrape(&state.ctx).await;
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TEXT_FORMAT))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text)
}

/// Whether the request's bearer token is `expected`. Both sides are hashed first, so the
/// comparison takes the same time whatever the lengths.
fn bearer_matches(req: &HttpRequest, expected: &str) -> bool {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(given) = given else {
        return false;
    };
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.as_slice().ct_eq(b.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_the_exact_bearer_token_matches() {
        let token = "a-long-enough-metrics-token";
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request()
        };
        assert!(bearer_matches(&with(&format!("Bearer {token}")), token));
        assert!(!bearer_matches(&with(&format!("Bearer {token}x")), token));
        assert!(!bearer_matches(&with("Bearer a-long-enough"), token));
        assert!(!bearer_matches(&with(&format!("Basic {token}")), token));
        assert!(!bearer_matches(&TestRequest::default().to_http_request(), token));
    }
}
