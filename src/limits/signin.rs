//! Staff sign-in limits that stop guessing without letting a stranger lock the owner out.
//!
//! Only failed sign-ins count, each in three leaky buckets (a level that drains at a steady rate):
//! - per username **and** client address — past its burst that pair gets 429 with Retry-After,
//!   while the owner signing in from elsewhere is untouched;
//! - per client address, over all usernames — past its burst, 429 for that address;
//! - per username, from anywhere — never a refusal: past `user_slow_after` recent failures every
//!   attempt for that username first waits a delay that doubles with each further failure, up to
//!   `user_max_delay_ms`. Guessing slows down; the owner still gets in.
//!
//! On top, failures over the whole service are counted per minute; above
//! `alert_failures_per_minute` a warning is logged (once a minute) and the alert is counted in
//! the metrics (`minsheng_signin_alerts_total`) — an alert for a person, not a lock on anyone.
//! Every failure is counted too (`minsheng_signin_failures_total`), and so are refusals (by
//! limiter: `login` for the pair, `signin_address`) and slowed attempts.
//!
//! Addresses are keyed with [`super::client_key`] (an IPv6 /64 is one client). The counts live in
//! this process's memory, like the other rate limits: several instances each count their own.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client_key;
use crate::config::{LimitSettings, SignInSettings};
use crate::error::AppError;
use crate::telemetry::metrics::{Limiter, Metrics};

/// The first step of the per-username delay; each further failure doubles it.
const FIRST_DELAY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy)]
struct Rule {
    burst: f64,
    per_sec: f64,
}

impl Rule {
    fn new(burst: u32, per_minute: u32) -> Rule {
        Rule {
            burst: f64::from(burst.max(1)),
            per_sec: f64::from(per_minute.max(1)) / 60.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

impl Bucket {
    fn level_at(&self, rule: Rule, now: Instant) -> f64 {
        let drained = now.saturating_duration_since(self.at).as_secs_f64() * rule.per_sec;
        (self.level - drained).max(0.0)
    }
}

/// Failure buckets by key, at most `max` remembered (drained ones are forgotten first; when all
/// are live, a new key is not remembered until some drain).
struct Buckets<K> {
    rule: Rule,
    map: Mutex<HashMap<K, Bucket>>,
    max: usize,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rule: Rule, max: usize) -> Self {
        Buckets {
            rule,
            map: Mutex::new(HashMap::new()),
            max: max.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Bucket>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn level(&self, key: &K, now: Instant) -> f64 {
        self.lock().get(key).map_or(0.0, |b| b.level_at(self.rule, now))
    }

    /// `Err(seconds to wait)` when the key has used its burst.
    fn check(&self, key: &K, now: Instant) -> Result<(), u64> {
        let level = self.level(key, now);
        if level < self.rule.burst {
            return Ok(());
        }
        // Admitted again once the level is back under the burst.
        let wait = (level - self.rule.burst) / self.rule.per_sec;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a small positive number of seconds"
        )]
        let secs = wait.ceil().max(1.0) as u64;
        Err(secs.max(1))
    }

    fn add(&self, key: K, now: Instant) {
        let rule = self.rule;
        let mut map = self.lock();
        if map.len() >= self.max && !map.contains_key(&key) {
            map.retain(|_, b| b.level_at(rule, now) > 0.0);
            if map.len() >= self.max {
                return;
            }
        }
        let bucket = map.entry(key).or_insert(Bucket { level: 0.0, at: now });
        *bucket = Bucket {
            level: bucket.level_at(rule, now) + 1.0,
            at: now,
        };
    }

    fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    fn sweep(&self, now: Instant) {
        let rule = self.rule;
        let mut map = self.lock();
        map.retain(|_, b| b.level_at(rule, now) > 0.0);
        map.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Failures over the whole service in the current minute.
struct Minute {
    started: Instant,
    failures: u32,
    alerted: bool,
}

pub struct SignInLimits {
    pair: Buckets<(String, IpAddr)>,
    address: Buckets<IpAddr>,
    user: Buckets<String>,
    user_slow_after: f64,
    max_delay: Duration,
    alert_per_minute: u32,
    minute: Mutex<Minute>,
    metrics: Metrics,
}

impl SignInLimits {
    pub fn new(limits: &LimitSettings, s: &SignInSettings) -> SignInLimits {
        let max = limits.max_tracked_clients;
        SignInLimits {
            pair: Buckets::new(Rule::new(limits.login_burst, limits.login_per_minute), max),
            address: Buckets::new(Rule::new(s.address_burst, s.address_per_minute), max),
            user: Buckets::new(Rule::new(s.user_slow_after, s.user_per_minute), max),
            user_slow_after: f64::from(s.user_slow_after),
            max_delay: Duration::from_millis(s.user_max_delay_ms),
            alert_per_minute: s.alert_failures_per_minute.max(1),
            minute: Mutex::new(Minute {
                started: Instant::now(),
                failures: 0,
                alerted: false,
            }),
            metrics: Metrics::disabled(),
        }
    }

    /// These limits, counting failures, alerts, refusals and delays into `metrics`.
    pub fn observed(self, metrics: Metrics) -> SignInLimits {
        SignInLimits { metrics, ..self }
    }

    /// Before checking a password: `RateLimited` when this username from this address, or this
    /// address, has failed too often lately; else how long to wait first (zero unless the username
    /// is under attack).
    pub fn admit(&self, username: &str, client: IpAddr) -> Result<Duration, AppError> {
        self.admit_at(username, client, Instant::now())
    }

    fn admit_at(&self, username: &str, client: IpAddr, now: Instant) -> Result<Duration, AppError> {
        let client = client_key(client);
        let limited = |limiter| {
            move |retry_after_secs| {
                self.metrics.rate_limited(limiter);
                AppError::RateLimited { retry_after_secs }
            }
        };
        self.pair
            .check(&(username.to_owned(), client), now)
            .map_err(limited(Limiter::Login))?;
        self.address
            .check(&client, now)
            .map_err(limited(Limiter::SignInAddress))?;
        // More than `user_slow_after` failures: 250 ms for the first one past it, then doubling.
        let excess = self.user.level(&username.to_owned(), now) - self.user_slow_after;
        if excess < 1.0 {
            return Ok(Duration::ZERO);
        }
        self.metrics.sign_in_delayed();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 0..=16"
        )]
        let doublings = (excess - 1.0).floor().clamp(0.0, 16.0) as u32;
        Ok(FIRST_DELAY.saturating_mul(1 << doublings).min(self.max_delay))
    }

    /// A wrong password (or unknown user) from `client`.
    pub fn failed(&self, username: &str, client: IpAddr) {
        self.failed_at(username, client, Instant::now());
    }

    /// Returns true when this failure raised the alert.
    fn failed_at(&self, username: &str, client: IpAddr, now: Instant) -> bool {
        let client = client_key(client);
        self.pair.add((username.to_owned(), client), now);
        self.address.add(client, now);
        self.user.add(username.to_owned(), now);
        self.count_failure(now)
    }

    fn count_failure(&self, now: Instant) -> bool {
        self.metrics.sign_in_failed();
        let mut m = self
            .minute
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if now.saturating_duration_since(m.started) >= Duration::from_secs(60) {
            *m = Minute {
                started: now,
                failures: 0,
                alerted: false,
            };
        }
        m.failures = m.failures.saturating_add(1);
        if m.failures > self.alert_per_minute && !m.alerted {
            m.alerted = true;
            // No username or address: the alert says how much, not who.
            tracing::warn!(
                failures = m.failures,
                ceiling = self.alert_per_minute,
                "failed staff sign-ins above the ceiling this minute: password guessing? Nobody is locked out"
            );
            self.metrics.sign_in_alert();
            return true;
        }
        false
    }

    /// A right password from `client`: that pair starts afresh.
    pub fn succeeded(&self, username: &str, client: IpAddr) {
        self.pair.forget(&(username.to_owned(), client_key(client)));
    }

    /// Forgets buckets that have drained.
    pub fn housekeeping(&self) {
        let now = Instant::now();
        self.pair.sweep(now);
        self.address.sweep(now);
        self.user.sweep(now);
    }

    /// How many keys are remembered now.
    pub fn tracked(&self) -> usize {
        self.pair.len() + self.address.len() + self.user.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SignInLimits {
        let limits = LimitSettings {
            submit_burst: 1,
            submit_per_minute: 1,
            track_burst: 1,
            track_per_minute: 1,
            contact_per_day: 1,
            login_burst: 3,
            login_per_minute: 1,
            kiosk_burst: 1,
            kiosk_per_minute: 1,
            open311_burst: 1,
            open311_per_minute: 1,
            max_tracked_clients: 1000,
        };
        SignInLimits::new(
            &limits,
            &SignInSettings {
                address_burst: 6,
                address_per_minute: 1,
                user_slow_after: 4,
                user_per_minute: 1,
                user_max_delay_ms: 2000,
                alert_failures_per_minute: 10,
            },
        )
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_pair_is_limited_but_the_owner_elsewhere_is_not() {
        let l = limits();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(l.admit_at("li", ip("10.0.0.1"), now).is_ok());
            l.failed_at("li", ip("10.0.0.1"), now);
        }
        match l.admit_at("li", ip("10.0.0.1"), now) {
            Err(AppError::RateLimited { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("expected a limit, got {other:?}"),
        }
        assert!(
            l.admit_at("li", ip("10.0.0.2"), now).is_ok(),
            "the owner elsewhere"
        );
        assert!(
            l.admit_at("wang", ip("10.0.0.1"), now).is_ok(),
            "another user there"
        );
        // A minute later one failure has drained.
        assert!(l
            .admit_at("li", ip("10.0.0.1"), now + Duration::from_secs(61))
            .is_ok());
    }

    #[test]
    fn an_address_is_limited_over_all_usernames() {
        let l = limits();
        let now = Instant::now();
        for n in 0..6 {
            l.failed_at(&format!("user{n}"), ip("10.0.0.1"), now);
        }
        assert!(l.admit_at("someone", ip("10.0.0.1"), now).is_err());
        assert!(l.admit_at("someone", ip("10.0.0.2"), now).is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let l = limits();
        let now = Instant::now();
        for n in 0..3 {
            l.failed_at("li", ip(&format!("2001:db8:1:2::{n}")), now);
        }
        assert!(
            l.admit_at("li", ip("2001:db8:1:2:ffff::9"), now).is_err(),
            "same /64"
        );
        assert!(
            l.admit_at("li", ip("2001:db8:1:3::1"), now).is_ok(),
            "another /64"
        );
    }

    #[test]
    fn a_username_under_attack_is_slowed_never_refused() {
        let l = limits();
        let now = Instant::now();
        for n in 0..40u8 {
            l.failed_at("li", IpAddr::from([192, 0, 2, n]), now);
        }
        let owner = ip("198.51.100.7");
        let delay = l
            .admit_at("li", owner, now)
            .expect("never refused from a fresh address");
        assert_eq!(delay, Duration::from_millis(2000), "capped");
        assert_eq!(l.admit_at("wang", owner, now).unwrap(), Duration::ZERO);

        let fresh = limits();
        for n in 0..5u8 {
            fresh.failed_at("li", IpAddr::from([192, 0, 2, n]), now);
        }
        assert_eq!(
            fresh.admit_at("li", owner, now).unwrap(),
            FIRST_DELAY,
            "one past the allowance"
        );
        fresh.failed_at("li", IpAddr::from([192, 0, 2, 9]), now);
        assert_eq!(
            fresh.admit_at("li", owner, now).unwrap(),
            FIRST_DELAY * 2,
            "doubling"
        );
    }

    #[test]
    fn the_ceiling_alerts_once_a_minute() {
        let l = limits();
        let now = Instant::now();
        let alerts = (0..30u8)
            .filter(|n| l.failed_at("li", IpAddr::from([192, 0, 2, *n]), now))
            .count();
        assert_eq!(alerts, 1);
        assert!(!l.failed_at("li", ip("192.0.2.200"), now + Duration::from_secs(61)));
        let next_minute = (0..20u8)
            .filter(|n| l.failed_at("li", IpAddr::from([192, 0, 2, *n]), now + Duration::from_secs(62)))
            .count();
        assert_eq!(next_minute, 1, "again in the next minute");
    }

    #[test]
    fn the_ceiling_is_counted_in_the_metrics_with_every_failure() {
        let metrics = Metrics::new();
        let l = limits().observed(metrics.clone());
        let now = Instant::now();
        let value = |name: &str| -> u64 {
            let text = metrics.render();
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("{name} missing from:\n{text}"))
        };
        assert_eq!(
            value("minsheng_signin_alerts_total"),
            0,
            "registered before any alert"
        );
        // The ceiling is 10 a minute: the 11th failure alerts, the 30th does not again.
        for n in 0..30u8 {
            l.failed_at("li", IpAddr::from([192, 0, 2, n]), now);
        }
        assert_eq!(value("minsheng_signin_failures_total"), 30);
        assert_eq!(value("minsheng_signin_alerts_total"), 1);
        // The next minute alerts again.
        for n in 0..11u8 {
            l.failed_at(
                "wang",
                IpAddr::from([198, 51, 100, n]),
                now + Duration::from_secs(61),
            );
        }
        assert_eq!(value("minsheng_signin_failures_total"), 41);
        assert_eq!(value("minsheng_signin_alerts_total"), 2);
        // A username past its allowance is slowed, and that is counted; a pair past its burst is
        // refused, counted under `login`.
        assert!(l.admit_at("li", ip("198.51.100.200"), now).is_ok());
        assert_eq!(value("minsheng_signin_delayed_total"), 1);
        for _ in 0..3 {
            l.failed_at("zhao", ip("10.9.9.9"), now);
        }
        assert!(l.admit_at("zhao", ip("10.9.9.9"), now).is_err());
        assert_eq!(value(r#"minsheng_rate_limited_total{limiter="login"}"#), 1);
        let text = metrics.render();
        for secret in ["li", "wang", "zhao", "192.0.2", "10.9.9.9"] {
            assert!(
                !text.contains(&format!("\"{secret}")),
                "no username or address in a label: {secret}"
            );
        }
    }

    #[test]
    fn success_clears_the_pair_and_drained_buckets_are_forgotten() {
        let l = limits();
        let now = Instant::now();
        for _ in 0..3 {
            l.failed_at("li", ip("10.0.0.1"), now);
        }
        l.succeeded("li", ip("10.0.0.1"));
        assert!(l.admit_at("li", ip("10.0.0.1"), now).is_ok());
        assert!(l.tracked() > 0);
        l.pair.sweep(now + Duration::from_secs(3600));
        l.address.sweep(now + Duration::from_secs(3600));
        l.user.sweep(now + Duration::from_secs(3600));
        assert_eq!(l.tracked(), 0);
    }
}
