//! How long a staff session lasts: over after [`IDLE`] without a request, and after [`ABSOLUTE`]
//! whatever happens; its last request is recorded at most every [`TOUCH_EVERY`], so an active
//! session costs one small write a minute, not one per request.

use chrono::{DateTime, Duration, Utc};

/// Signed out after this long without a request.
pub const IDLE: Duration = Duration::hours(8);
/// Signed out this long after signing in, however busy.
pub const ABSOLUTE: Duration = Duration::hours(12);
/// The last request is recorded when the recorded one is older than this.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// What a session is at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid; `touch` says the last request should be recorded.
    Valid { touch: bool },
    /// Over: idle too long, too old, or dated in the future (a clock gone backwards is not trusted).
    Expired,
}

/// The verdict on a session begun at `created` and last used at `last_seen`, at `now`.
pub fn verdict(created: DateTime<Utc>, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> Verdict {
    let age = now - created;
    let idle = now - last_seen;
    // A minute of slack for clocks of several instances that disagree a little.
    let slack = Duration::minutes(1);
    if age >= ABSOLUTE || idle >= IDLE || age < -slack || idle < -slack {
        Verdict::Expired
    } else {
        Verdict::Valid {
            touch: idle >= TOUCH_EVERY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn a_fresh_session_is_valid_and_not_touched_at_once() {
        assert_eq!(verdict(at(0), at(0), at(0)), Verdict::Valid { touch: false });
        assert_eq!(verdict(at(0), at(0), at(1)), Verdict::Valid { touch: true });
    }

    #[test]
    fn idle_for_eight_hours_is_over() {
        let eight = 8 * 60;
        assert_eq!(
            verdict(at(0), at(0), at(eight - 1)),
            Verdict::Valid { touch: true }
        );
        assert_eq!(verdict(at(0), at(0), at(eight)), Verdict::Expired);
    }

    #[test]
    fn twelve_hours_after_sign_in_is_over_however_busy() {
        let twelve = 12 * 60;
        assert_eq!(
            verdict(at(0), at(twelve - 2), at(twelve - 1)),
            Verdict::Valid { touch: true }
        );
        assert_eq!(verdict(at(0), at(twelve - 1), at(twelve)), Verdict::Expired);
    }

    #[test]
    fn a_session_from_the_future_is_not_trusted() {
        assert_eq!(verdict(at(10), at(10), at(0)), Verdict::Expired);
        assert_eq!(
            verdict(at(0), at(0), at(0) - Duration::seconds(30)),
            Verdict::Valid { touch: false }
        );
    }
}
