//! Every due date of a case, and every conversion between Beijing time and the UTC the database
//! keeps. Nothing else does date arithmetic on deadlines: the services ask [`Deadlines`] for a
//! due date and this module for a parsed or printed moment.
//!
//! The limits per kind ([`KindSla`]) come from `config/sla.toml` (read by [`crate::sla`]); the
//! days are counted on the [`WorkCalendar`] (calendar or working days, holidays, 调休). A period
//! ends at 23:59:59 Beijing time on its last day.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use super::calendar::{beijing, beijing_date, Counting, WorkCalendar};

/// The deadlines for one kind of submission, in days counted as `counting` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSla {
    /// From receipt (or arrival at a new unit) to the decision whether to accept (受理).
    pub accept_days: u32,
    /// From acceptance to the answer (办结).
    pub handle_days: u32,
    /// The longest single extension (延期) a supervisor may approve.
    pub max_extension_days: u32,
    /// From the answer to the end of the citizen's rating window (满意度评价).
    pub rating_days: u32,
    pub counting: Counting,
}

/// The due dates of a case of one kind, on one calendar. Every moment is UTC, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines<'a> {
    pub limits: &'a KindSla,
    pub calendar: &'a WorkCalendar,
}

impl Deadlines<'_> {
    fn after(&self, from: DateTime<Utc>, days: u32) -> NaiveDateTime {
        self.calendar
            .deadline_at(from, days, self.limits.counting)
            .naive_utc()
    }

    /// When a unit that receives the case at `from` must have decided whether to accept it: at
    /// intake, and again at every unit the case moves to (transfer, escalation, dispatch, review).
    pub fn accept_by(&self, from: DateTime<Utc>) -> NaiveDateTime {
        self.after(from, self.limits.accept_days)
    }

    /// When a case accepted at `from` must be answered.
    pub fn handle_by(&self, from: DateTime<Utc>) -> NaiveDateTime {
        self.after(from, self.limits.handle_days)
    }

    /// The handling deadline moved on by an approved extension of `days`, counted from the last
    /// day of the deadline it extends.
    pub fn extended(&self, handle_deadline: NaiveDateTime, days: u32) -> NaiveDateTime {
        let base = beijing_date(handle_deadline.and_utc());
        let last = self.calendar.add_days(base, days, self.limits.counting);
        end_of_beijing_day(last).unwrap_or(handle_deadline)
    }

    /// The end of the citizen's window to rate an answer given at `from`.
    pub fn rating_until(&self, from: DateTime<Utc>) -> NaiveDateTime {
        self.after(from, self.limits.rating_days)
    }
}

/// 23:59:59 Beijing time on `day`, in UTC.
pub fn end_of_beijing_day(day: NaiveDate) -> Option<NaiveDateTime> {
    day.and_hms_opt(23, 59, 59)?
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.naive_utc())
}

/// A deadline typed by staff: `YYYY-MM-DD` (the end of that day, Beijing time) or RFC 3339.
pub fn parse_deadline(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc).naive_utc());
    }
    end_of_beijing_day(NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?)
}

/// A moment typed by a person: RFC 3339, or `YYYY-MM-DD HH:MM` (also with a `T`, as
/// `<input type="datetime-local">` sends it) read as Beijing time.
pub fn parse_moment(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&text.replace('T', " "), "%Y-%m-%d %H:%M")
        .ok()?
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The Beijing calendar day of a stored moment, `YYYY-MM-DD`: how a deadline is shown.
pub fn day_label(at: NaiveDateTime) -> String {
    beijing_date(at.and_utc()).format("%Y-%m-%d").to_string()
}

/// A stored moment as Beijing time for people, `YYYY-MM-DD HH:MM`.
pub fn beijing_time(at: NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The calendar day in Beijing (`YYYY-MM-DD`) and the seconds until it ends (at least one).
pub fn beijing_day(now: DateTime<Utc>) -> (String, u64) {
    let local = now.with_timezone(&beijing());
    let day = local.date_naive();
    let left = (day + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map_or(1, |next| (next - local.naive_local()).num_seconds().max(1));
    (
        day.format("%Y-%m-%d").to_string(),
        u64::try_from(left).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn calendar() -> WorkCalendar {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        WorkCalendar::new([2026], vec![d(10, 1), d(10, 2), d(10, 5)], vec![d(9, 27)]).unwrap()
    }

    const LIMITS: KindSla = KindSla {
        accept_days: 15,
        handle_days: 60,
        max_extension_days: 30,
        rating_days: 15,
        counting: Counting::Calendar,
    };

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn periods_end_at_the_end_of_a_beijing_day() {
        let cal = calendar();
        let dl = Deadlines {
            limits: &LIMITS,
            calendar: &cal,
        };
        // 20:00 UTC on 1 March is 04:00 on 2 March in Beijing: day one of the period is 3 March.
        let from = utc(2026, 3, 1, 20, 0);
        assert_eq!(
            dl.accept_by(from),
            utc(2026, 3, 17, 15, 59).naive_utc() + Duration::seconds(59)
        );
        assert_eq!(day_label(dl.handle_by(from)), "2026-05-01");
        assert_eq!(day_label(dl.rating_until(from)), "2026-03-17");
        let handle = dl.handle_by(from);
        assert_eq!(day_label(dl.extended(handle, 30)), "2026-05-31");
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let cal = calendar();
        let working = KindSla {
            counting: Counting::Working,
            ..LIMITS
        };
        let dl = Deadlines {
            limits: &working,
            calendar: &cal,
        };
        // Friday 25 Sep 2026 (Beijing): Sun 27 Sep is a make-up working day; 1, 2 and 5 Oct are off.
        let from = utc(2026, 9, 25, 2, 0);
        let three = KindSla {
            accept_days: 3,
            ..working
        };
        let short = Deadlines {
            limits: &three,
            calendar: &cal,
        };
        assert_eq!(day_label(short.accept_by(from)), "2026-09-29");
        assert!(dl.accept_by(from) > short.accept_by(from));
    }

    #[test]
    fn typed_moments_are_read_as_beijing_time() {
        assert_eq!(
            parse_deadline("2026-12-31"),
            Some(utc(2026, 12, 31, 15, 59).naive_utc() + Duration::seconds(59))
        );
        assert_eq!(
            parse_deadline("2026-12-31T08:00:00Z"),
            Some(utc(2026, 12, 31, 8, 0).naive_utc())
        );
        assert_eq!(parse_deadline("31/12/2026"), None);
        assert_eq!(parse_moment("2026-12-01 09:30"), Some(utc(2026, 12, 1, 1, 30)));
        assert_eq!(parse_moment("2026-12-01T09:30"), Some(utc(2026, 12, 1, 1, 30)));
        assert_eq!(parse_moment("tomorrow"), None);
        assert_eq!(
            beijing_time(utc(2026, 12, 1, 1, 30).naive_utc()),
            "2026-12-01 09:30"
        );
    }

    #[test]
    fn the_beijing_day_and_what_is_left_of_it() {
        let (day, left) = beijing_day(utc(2026, 12, 1, 15, 0));
        assert_eq!((day.as_str(), left), ("2026-12-01", 3600));
        let (day, _) = beijing_day(utc(2026, 12, 1, 16, 0));
        assert_eq!(day, "2026-12-02");
        // 2026-11-22 17:30 UTC is 2026-11-23 01:30 in Beijing.
        let (day, left) = beijing_day(utc(2026, 11, 22, 17, 30));
        assert_eq!((day.as_str(), left), ("2026-11-23", 22 * 3600 + 30 * 60));
    }
}
