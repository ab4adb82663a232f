//! Rate limits with `governor`: keyed per client address for submissions and for status
//! look-ups (against probing tracking codes). The per-contact daily limit lives in the database
//! (see [`crate::storage::contact_quota::take`]) so it holds across instances. Staff
//! sign-in failures have limits of their own ([`signin`]).
//!
//! Keyed limiters remember one entry per client; [`Limits::housekeeping`] forgets idle ones, and a
//! full table is swept at once, so memory stays bounded under address churn.
//!
//! Every refusal is counted by limiter name ([`Limiter`], in the metrics) once a handle is given
//! with [`Limits::observed`].

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitSettings;
use crate::error::AppError;
use crate::telemetry::metrics::{Limiter, Metrics};

pub mod signin;

/// The key a client address is limited by: an IPv4 address as it is; an IPv6 address by its
/// /64 network (one subscriber usually holds a whole /64, so its single addresses are free to
/// rotate); an IPv4-mapped IPv6 address as the IPv4 address it is.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

pub struct Limits {
    submit: DefaultKeyedRateLimiter<IpAddr>,
    track: DefaultKeyedRateLimiter<IpAddr>,
    kiosk: DefaultKeyedRateLimiter<i64>,
    open311: DefaultKeyedRateLimiter<i64>,
    max_clients: usize,
    last_sweep_secs: AtomicU64,
    pub contact_per_day: u32,
    metrics: Metrics,
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
            kiosk: RateLimiter::keyed(quota(s.kiosk_per_minute, s.kiosk_burst)),
            open311: RateLimiter::keyed(quota(s.open311_per_minute, s.open311_burst)),
            max_clients: s.max_tracked_clients.max(1),
            last_sweep_secs: AtomicU64::new(0),
            contact_per_day: s.contact_per_day,
            metrics: Metrics::disabled(),
        }
    }

    /// These limits, counting their refusals into `metrics`.
    pub fn observed(self, metrics: Metrics) -> Limits {
        Limits { metrics, ..self }
    }

    /// One submission from `client` (counted per [`client_key`]), or `RateLimited` with the
    /// seconds to wait.
    pub fn check_submit(&self, client: IpAddr) -> Result<(), AppError> {
        self.check(&self.submit, client_key(client), Limiter::Submit)
    }

    /// One submission from the kiosk `kiosk_id`. Kiosks share their hall's address, so they are
    /// limited per device, not per address.
    pub fn check_kiosk(&self, kiosk_id: i64) -> Result<(), AppError> {
        self.check(&self.kiosk, kiosk_id, Limiter::Kiosk)
    }

    /// One Open311 call made with the integration key `key_id` (each key has its own allowance).
    pub fn check_open311(&self, key_id: i64) -> Result<(), AppError> {
        self.check(&self.open311, key_id, Limiter::Open311)
    }

    /// One status look-up from `client` (counted per [`client_key`]).
    pub fn check_track(&self, client: IpAddr) -> Result<(), AppError> {
        self.check(&self.track, client_key(client), Limiter::Track)
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: K,
        name: Limiter,
    ) -> Result<(), AppError> {
        if limiter.len() >= self.max_clients {
            self.sweep_at_most_once_a_second();
        }
        limiter.check_key(&key).map_err(|not_until| {
            self.metrics.rate_limited(name);
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
        for limiter in [&self.submit, &self.track] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in [&self.kiosk, &self.open311] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
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
            open311_burst: 1,
            open311_per_minute: 1,
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
    fn refusals_are_counted_by_limiter() {
        let metrics = Metrics::new();
        let limits = Limits::new(&settings()).observed(metrics.clone());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..4 {
            let _ = limits.check_submit(a);
        }
        let _ = limits.check_track(a);
        let _ = limits.check_track(a);
        let text = metrics.render();
        assert!(
            text.contains(r#"minsheng_rate_limited_total{limiter="submit"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"minsheng_rate_limited_total{limiter="track"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"minsheng_rate_limited_total{limiter="kiosk"} 0"#),
            "{text}"
        );
    }

    #[test]
    fn clients_are_keyed_by_address_and_ipv6_by_its_64() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.9"), key("203.0.113.9"));
        assert_ne!(key("203.0.113.9"), key("203.0.113.10"));
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            key("2001:db8:1:2:bbbb:cccc:dddd:eeee")
        );
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2::"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.9"), key("203.0.113.9"), "IPv4-mapped");
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
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
