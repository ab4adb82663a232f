//! The client's address: the peer, or, when the peer is a configured proxy, the right-most address
//! in `X-Forwarded-For` that is not itself a trusted proxy. Never logged with personal data.

use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::config::Settings;
use crate::web::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(req: &HttpRequest, settings: &Settings) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !settings.is_trusted_proxy(peer) {
        return peer;
    }
    let mut chain = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else { return peer };
        for part in text.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => chain.push(ip),
                Err(_) => return peer,
            }
        }
    }
    chain
        .iter()
        .rev()
        .find(|ip| !settings.is_trusted_proxy(**ip))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
}

impl FromRequest for ClientIp {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ip = match req.app_data::<web::Data<AppState>>() {
            Some(state) => client_ip(req, &state.settings),
            None => req
                .peer_addr()
                .map(|a| a.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        };
        ready(Ok(ClientIp(ip)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::path::Path;

    fn settings(proxies: &str) -> Settings {
        let mut s =
            Settings::load_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config")), "local").unwrap();
        s.server.trusted_proxies = proxies
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap())
            .collect();
        s
    }

    fn req(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(format!("{peer}:1234").parse().unwrap());
        if let Some(x) = xff {
            r = r.insert_header(("x-forwarded-for", x));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarded_header_is_ignored_from_untrusted_peers() {
        let s = settings("");
        assert_eq!(
            client_ip(&req("203.0.113.9", Some("1.2.3.4")), &s),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn trusted_proxy_chain_is_walked_from_the_right() {
        let s = settings("127.0.0.1/32,10.0.0.0/8");
        let ip = client_ip(&req("127.0.0.1", Some("6.6.6.6, 198.51.100.7, 10.1.2.3")), &s);
        assert_eq!(ip, "198.51.100.7".parse::<IpAddr>().unwrap());
        let garbage = client_ip(&req("127.0.0.1", Some("nonsense")), &s);
        assert_eq!(garbage, "127.0.0.1".parse::<IpAddr>().unwrap());
    }
}
