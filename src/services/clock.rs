//! The service's clock. It reads the system's time; a simulation (the statistics tests replaying
//! months of work) may shift it, and everything a service dates — receipt, deadlines, actions,
//! ratings — then follows the shifted time, exactly as it would have on those days.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The time services go by: the system clock plus an offset that is zero outside simulations.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// From now on the clock reads `at`, and runs on from there at the system's pace.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_time_it_was_set_to_and_runs_on() {
        let clock = Clock::system();
        assert!((clock.now() - Utc::now()).num_milliseconds().abs() < 1000);
        let then = Utc::now() - Duration::days(90);
        clock.set(then);
        let read = clock.now();
        assert!(
            read >= then && read - then < Duration::seconds(1),
            "{read} vs {then}"
        );
    }
}
