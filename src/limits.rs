//! Rate limits with `governor`: keyed per client for submissions and for status look-ups (against
//! probing tracking codes). A client is an IPv4 address, or an IPv6 /64 network ([`client_key`]):
//! one IPv6 subscriber is usually given a whole /64, so limiting single IPv6 addresses would let
//! one person rotate through 2^64 of them. The per-contact daily limit lives in the database
//! (see [`crate::storage::submissions::take_contact_quota`]) so it holds across instances.
//!
//! Keyed limiters remember one entry per client; [`Limits::housekeeping`] forgets idle ones, and a
//! full table is swept at once, so memory stays bounded under address churn.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitSettings;
use crate::error::AppError;

/// Who a per-address limit counts: one IPv4 address, or one IPv6 /64 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address (its network prefix).
    V6Net([u8; 8]),
}

/// The key a per-address limit counts `ip` under: IPv4 per address; IPv6 per /64; an IPv4-mapped
/// IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 peers) as its IPv4
/// address.
pub fn client_key(ip: IpAddr) -> ClientKey {
    match ip {
        IpAddr::V4(v4) => ClientKey::V4(v4.octets()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ClientKey::V4(v4.octets()),
            None => ClientKey::V6Net(v6_prefix(v6)),
        },
    }
}

fn v6_prefix(v6: Ipv6Addr) -> [u8; 8] {
    let o = v6.octets();
    [o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]]
}

pub struct Limits {
    submit: DefaultKeyedRateLimiter<ClientKey>,
    track: DefaultKeyedRateLimiter<ClientKey>,
    login_ip: DefaultKeyedRateLimiter<ClientKey>,
    login_user: DefaultKeyedRateLimiter<String>,
    kiosk: DefaultKeyedRateLimiter<i64>,
    max_clients: usize,
    last_sweep_secs: AtomicU64,
    pub contact_per_day: u32,
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

impl Limits {
    pub fn new(s: &LimitSettings) -> Limits {
        Limits {
            submit: RateLimiter::keyed(quota(s.submit_per_minute, s.submit_burst)),
            track: RateLimiter::keyed(quota(s.track_per_minute, s.track_burst)),
            login_ip: RateLimiter::keyed(quota(s.login_per_minute, s.login_burst)),
            login_user: RateLimiter::keyed(quota(s.login_per_minute, s.login_burst)),
            kiosk: RateLimiter::keyed(quota(s.kiosk_per_minute, s.kiosk_burst)),
            max_clients: s.max_tracked_clients.max(1),
            last_sweep_secs: AtomicU64::new(0),
            contact_per_day: s.contact_per_day,
        }
    }

    /// One submission from `client` (counted per [`client_key`]), or `RateLimited` with the
    /// seconds to wait.
    pub fn check_submit(&self, client: IpAddr) -> Result<(), AppError> {
        self.check(&self.submit, client_key(client))
    }

    /// One submission from the kiosk `kiosk_id`. Kiosks share their hall's address, so they are
    /// limited per device, not per address.
    pub fn check_kiosk(&self, kiosk_id: i64) -> Result<(), AppError> {
        self.check(&self.kiosk, kiosk_id)
    }

    /// One status look-up from `client` (counted per [`client_key`]).
    pub fn check_track(&self, client: IpAddr) -> Result<(), AppError> {
        self.check(&self.track, client_key(client))
    }

    /// One sign-in attempt from `client` for `username`; both must have attempts left.
    pub fn check_login(&self, client: IpAddr, username: &str) -> Result<(), AppError> {
        self.check(&self.login_ip, client_key(client))?;
        self.check(&self.login_user, username.to_lowercase())
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: K,
    ) -> Result<(), AppError> {
        if limiter.len() >= self.max_clients {
            self.sweep_at_most_once_a_second();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    fn sweep_at_most_once_a_second(&self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let last = self.last_sweep_secs.load(Ordering::Relaxed);
        if now > last
            && self
                .last_sweep_secs
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.housekeeping();
        }
    }

    /// Forgets clients whose limits have fully refilled and returns the memory.
    pub fn housekeeping(&self) {
        for limiter in [&self.submit, &self.track, &self.login_ip] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.login_user.retain_recent();
        self.login_user.shrink_to_fit();
        self.kiosk.retain_recent();
        self.kiosk.shrink_to_fit();
    }

    /// How many clients the limiters remember now.
    pub fn tracked_clients(&self) -> usize {
        self.submit.len() + self.track.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LimitSettings {
        LimitSettings {
            submit_burst: 2,
            submit_per_minute: 1,
            track_burst: 1,
            track_per_minute: 1,
            contact_per_day: 5,
            login_burst: 2,
            login_per_minute: 1,
            kiosk_burst: 1,
            kiosk_per_minute: 1,
            max_tracked_clients: 100,
        }
    }

    #[test]
    fn a_burst_is_limited_per_client() {
        let limits = Limits::new(&settings());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limits.check_submit(a).is_ok());
        assert!(limits.check_submit(a).is_ok());
        match limits.check_submit(a) {
            Err(AppError::RateLimited { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("expected a limit, got {other:?}"),
        }
        assert!(limits.check_submit(b).is_ok());
        assert!(limits.check_kiosk(1).is_ok(), "kiosks have their own limit");
        assert!(limits.check_kiosk(1).is_err());
        assert!(limits.check_kiosk(2).is_ok(), "per device");
    }

    #[test]
    fn sign_in_attempts_are_limited_per_address_and_per_username() {
        let limits = Limits::new(&settings());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        assert!(limits.check_login(a, "li").is_ok());
        assert!(limits.check_login(a, "wang").is_ok());
        assert!(
            limits.check_login(a, "zhao").is_err(),
            "the address is out of attempts"
        );
        assert!(limits.check_login(b, "li").is_ok());
        assert!(
            limits.check_login(c, "LI").is_err(),
            "the username is out of attempts, from anywhere"
        );
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv4_is_keyed_per_address() {
        assert_eq!(client_key(ip("198.51.100.7")), ClientKey::V4([198, 51, 100, 7]));
        assert_ne!(client_key(ip("198.51.100.7")), client_key(ip("198.51.100.8")));
    }

    #[test]
    fn ipv6_is_keyed_per_64() {
        let a = client_key(ip("2001:db8:1:2::1"));
        assert_eq!(a, client_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        assert_eq!(a, client_key(ip("2001:db8:1:2:abcd::9")));
        assert_eq!(a, ClientKey::V6Net([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2]));
        assert_ne!(a, client_key(ip("2001:db8:1:3::1")), "the next /64");
        assert_ne!(a, client_key(ip("2001:db9:1:2::1")));
    }

    #[test]
    fn ipv4_mapped_ipv6_is_its_ipv4_address() {
        assert_eq!(
            client_key(ip("::ffff:198.51.100.7")),
            client_key(ip("198.51.100.7"))
        );
        assert_ne!(
            client_key(ip("::ffff:198.51.100.7")),
            client_key(ip("::ffff:198.51.100.8"))
        );
        // Not mapped: the deprecated IPv4-compatible form is an ordinary IPv6 address.
        assert!(matches!(client_key(ip("::198.51.100.7")), ClientKey::V6Net(_)));
        assert!(matches!(client_key(ip("::1")), ClientKey::V6Net(_)));
    }

    #[test]
    fn limits_count_a_v6_network_as_one_client() {
        let limits = Limits::new(&settings());
        assert!(limits.check_submit(ip("2001:db8::1")).is_ok());
        assert!(limits.check_submit(ip("2001:db8::2")).is_ok());
        assert!(limits.check_submit(ip("2001:db8::3")).is_err(), "the same /64");
        assert!(limits.check_submit(ip("2001:db8:0:1::1")).is_ok(), "another /64");
        assert!(limits.check_track(ip("::ffff:10.0.0.9")).is_ok());
        assert!(
            limits.check_track(ip("10.0.0.9")).is_err(),
            "mapped and plain IPv4 are one"
        );
    }

    #[test]
    fn remembered_clients_stay_bounded() {
        let limits = Limits::new(&LimitSettings {
            submit_per_minute: 60_000,
            submit_burst: 1,
            ..settings()
        });
        for i in 0..5_000u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            let _ = limits.check_submit(ip);
        }
        // At 60,000 a minute a single request refills in 1 ms, so a sweep forgets nearly all.
        std::thread::sleep(Duration::from_millis(20));
        limits.housekeeping();
        assert!(limits.tracked_clients() < 100, "{}", limits.tracked_clients());
    }
}
