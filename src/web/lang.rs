//! Picks the interface language per request: `?lang=` first (and remembered in a cookie), then the
//! cookie, then `Accept-Language`, else Simplified Chinese.

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AcceptLanguage, Header, Preference};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};

use crate::i18n::Lang;

pub const COOKIE: &str = "ms_lang";

fn from_query(req: &HttpRequest) -> Option<Lang> {
    req.query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The language for this request.
pub fn negotiate(req: &HttpRequest) -> Lang {
    if let Some(lang) = from_query(req) {
        return lang;
    }
    if let Some(lang) = req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())) {
        return lang;
    }
    if let Ok(header) = AcceptLanguage::parse(req) {
        for pref in header.ranked() {
            if let Preference::Specific(tag) = pref {
                if let Some(lang) = Lang::parse(tag.primary_language()) {
                    return lang;
                }
            }
        }
    }
    Lang::Zh
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(negotiate(req)))
    }
}

/// Middleware: when a request chooses a language with `?lang=`, remember it in a cookie.
pub async fn remember_choice(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = from_query(req.request());
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen {
        let cookie = Cookie::build(COOKIE, lang.code())
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(Duration::days(365))
            .finish();
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::cookie::Cookie;
    use actix_web::test::TestRequest;

    #[test]
    fn query_beats_cookie_beats_header() {
        let r = TestRequest::with_uri("/?lang=en")
            .cookie(Cookie::new(COOKIE, "zh"))
            .to_http_request();
        assert_eq!(negotiate(&r), Lang::En);
        let r = TestRequest::default()
            .cookie(Cookie::new(COOKIE, "zh"))
            .insert_header(("accept-language", "en-US,en;q=0.9"))
            .to_http_request();
        assert_eq!(negotiate(&r), Lang::Zh);
        let r = TestRequest::default()
            .insert_header(("accept-language", "fr;q=1, en;q=0.8, zh;q=0.5"))
            .to_http_request();
        assert_eq!(negotiate(&r), Lang::En);
        assert_eq!(negotiate(&TestRequest::default().to_http_request()), Lang::Zh);
    }
}
