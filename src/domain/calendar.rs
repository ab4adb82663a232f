//! Statutory deadlines (办理期限) and the working-day calendar they are counted on: public
//! holidays and make-up working days (调休) on the mainland, and the arithmetic that turns
//! "within N days of receipt" into a moment in time.
//!
//! A period starts the day after the event that starts it (receipt, acceptance, reply): that day
//! itself never counts, as in Civil Code art. 201. With [`Counting::Working`] only working days
//! count; with [`Counting::Calendar`] every day does, and a last day that falls on a holiday stays
//! where it is. A period ends at 23:59:59 Beijing time (UTC+8) on its last day.
//!
//! A [`WorkCalendar`] knows the years it has lists for; outside them it counts Monday to Friday,
//! so callers should check [`WorkCalendar::covers`] and warn. The lists are read from
//! `config/calendar/*.toml` by [`crate::sla`]; nothing here does I/O.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// How the days of a period are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Every day counts.
    Calendar,
    /// Only working days count: Monday to Friday unless a holiday, plus make-up working days.
    Working,
}

/// Why a set of holidays and make-up working days cannot form a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{0} is not in a year the calendar covers")]
    OutsideYears(NaiveDate),
    #[error("{0} is both a holiday and a make-up working day")]
    HolidayAndWorkday(NaiveDate),
    #[error("make-up working day {0} is a {day}, not a Saturday or Sunday", day = .0.format("%A"))]
    WorkdayNotWeekend(NaiveDate),
}

/// Beijing time, UTC+8 all year round.
#[allow(clippy::expect_used, reason = "UTC+8 is a constant, valid offset")]
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar date in Beijing at the moment `at`.
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&beijing()).date_naive()
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Public holidays and make-up working days for the years it covers. The default calendar covers
/// no year: every Monday to Friday is a working day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

impl WorkCalendar {
    /// `holidays` are the days off in holiday periods (weekdays and weekend days alike);
    /// `workdays` the Saturdays and Sundays that are working days. Every date must fall in one of
    /// `years`, no date may be in both lists, and every workday must be a weekend day.
    pub fn new(
        years: impl IntoIterator<Item = i32>,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<WorkCalendar, CalendarError> {
        let years: BTreeSet<i32> = years.into_iter().collect();
        let holidays: HashSet<NaiveDate> = holidays.into_iter().collect();
        let workdays: HashSet<NaiveDate> = workdays.into_iter().collect();
        let mut all: Vec<NaiveDate> = holidays.iter().chain(&workdays).copied().collect();
        all.sort();
        if let Some(&date) = all.iter().find(|d| !years.contains(&d.year())) {
            return Err(CalendarError::OutsideYears(date));
        }
        let mut both: Vec<NaiveDate> = holidays.intersection(&workdays).copied().collect();
        both.sort();
        if let Some(&date) = both.first() {
            return Err(CalendarError::HolidayAndWorkday(date));
        }
        let mut weekdays: Vec<NaiveDate> = workdays.iter().copied().filter(|d| !is_weekend(*d)).collect();
        weekdays.sort();
        if let Some(&date) = weekdays.first() {
            return Err(CalendarError::WorkdayNotWeekend(date));
        }
        Ok(WorkCalendar {
            years,
            holidays,
            workdays,
        })
    }

    /// The years this calendar has holiday lists for, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// True when the calendar has the holiday list for `date`'s year. Outside those years working
    /// days are counted Monday to Friday, which is wrong around every holiday.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains(&date.year())
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    /// Monday to Friday unless a holiday; Saturday and Sunday only as a make-up working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if is_weekend(date) {
            self.workdays.contains(&date)
        } else {
            !self.holidays.contains(&date)
        }
    }

    /// The last day of a period of `days` days that starts the day after `start`. With
    /// [`Counting::Working`] only working days count, so the result is always a working day
    /// (unless `days` is 0, which gives `start`).
    ///
    /// A result beyond chrono's range (about 262,000 years away) stops at its last day.
    pub fn add_days(&self, start: NaiveDate, days: u32, counting: Counting) -> NaiveDate {
        match counting {
            Counting::Calendar => start
                .checked_add_days(Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MAX),
            Counting::Working => {
                let mut day = start;
                let mut left = days;
                while left > 0 {
                    let Some(next) = day.succ_opt() else { return day };
                    day = next;
                    if self.is_working_day(day) {
                        left -= 1;
                    }
                }
                day
            }
        }
    }

    /// The moment a period of `days` days from `received` runs out: 23:59:59 Beijing time on the
    /// last day given by [`add_days`](Self::add_days) from `received`'s date in Beijing.
    #[allow(
        clippy::expect_used,
        reason = "23:59:59 is a valid time, and a fixed offset reads every local time exactly once"
    )]
    pub fn deadline_at(&self, received: DateTime<Utc>, days: u32, counting: Counting) -> DateTime<Utc> {
        let last = self.add_days(beijing_date(received), days, counting);
        let end = last.and_hms_opt(23, 59, 59).expect("23:59:59 is a valid time");
        beijing()
            .from_local_datetime(&end)
            .single()
            .expect("a fixed offset has exactly one reading of every local time")
            .with_timezone(&Utc)
    }
}

/// Whole calendar days in Beijing from `now`'s date to `deadline`'s date: 0 on the last day,
/// negative once the deadline has passed by a day or more.
pub fn days_left(now: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
    (beijing_date(deadline) - beijing_date(now)).num_days()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    fn span(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
        from.iter_days().take_while(move |d| *d <= to)
    }

    /// 2026 as announced in 国办发明电〔2025〕7号 (the same dates as `config/calendar/2026.toml`).
    fn cal_2026() -> WorkCalendar {
        let periods = [
            (date(2026, 1, 1), date(2026, 1, 3)),
            (date(2026, 2, 15), date(2026, 2, 23)),
            (date(2026, 4, 4), date(2026, 4, 6)),
            (date(2026, 5, 1), date(2026, 5, 5)),
            (date(2026, 6, 19), date(2026, 6, 21)),
            (date(2026, 9, 25), date(2026, 9, 27)),
            (date(2026, 10, 1), date(2026, 10, 7)),
        ];
        let holidays = periods.into_iter().flat_map(|(a, b)| span(a, b));
        let workdays = [
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ];
        WorkCalendar::new([2026], holidays, workdays).unwrap()
    }

    #[test]
    fn working_days_follow_holidays_and_make_up_days() {
        let cal = cal_2026();
        assert!(cal.is_working_day(date(2026, 2, 13))); // Friday
        assert!(cal.is_working_day(date(2026, 2, 14))); // Saturday, make-up
        assert!(!cal.is_working_day(date(2026, 2, 15))); // Sunday in the Spring Festival
        assert!(!cal.is_working_day(date(2026, 2, 16))); // Monday, 除夕
        assert!(!cal.is_working_day(date(2026, 2, 23))); // Monday, last day off
        assert!(cal.is_working_day(date(2026, 2, 24)));
        assert!(!cal.is_working_day(date(2026, 3, 1))); // ordinary Sunday
        assert!(cal.is_working_day(date(2026, 3, 2))); // ordinary Monday
        assert!(cal.is_holiday(date(2026, 10, 3)));
        assert!(!cal.is_holiday(date(2026, 10, 10)));
    }

    #[test]
    fn working_days_across_the_2026_spring_festival() {
        let cal = cal_2026();
        // Received Friday 13 February; the period starts on Saturday the 14th:
        //   Sat Feb 14 (make-up)                          1
        //   Sun Feb 15 – Mon Feb 23 off (春节)
        //   Tue Feb 24 – Fri Feb 27                       2–5
        //   Sat Feb 28 (make-up)                          6
        //   Sun Mar 1 off; Mon Mar 2 – Fri Mar 6          7–11
        //   Mon Mar 9 – Thu Mar 12                        12–15
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 15, Counting::Working),
            date(2026, 3, 12)
        );
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 1, Counting::Working),
            date(2026, 2, 14)
        );
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 2, Counting::Working),
            date(2026, 2, 24)
        );
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 6, Counting::Working),
            date(2026, 2, 28)
        );
        // Received on a day off: the count still starts the next day.
        assert_eq!(
            cal.add_days(date(2026, 2, 18), 1, Counting::Working),
            date(2026, 2, 24)
        );
    }

    #[test]
    fn working_days_across_national_day_2026() {
        let cal = cal_2026();
        // Received Friday 18 September:
        //   Sat Sep 19 off; Sun Sep 20 (make-up)          1
        //   Mon Sep 21 – Thu Sep 24                       2–5
        //   Fri Sep 25 – Sun Sep 27 off (中秋)
        //   Mon Sep 28 – Wed Sep 30                       6–8
        //   Thu Oct 1 – Wed Oct 7 off (国庆)
        //   Thu Oct 8, Fri Oct 9                          9, 10
        //   Sat Oct 10 (make-up)                          11
        let from = date(2026, 9, 18);
        assert_eq!(cal.add_days(from, 1, Counting::Working), date(2026, 9, 20));
        assert_eq!(cal.add_days(from, 8, Counting::Working), date(2026, 9, 30));
        assert_eq!(cal.add_days(from, 9, Counting::Working), date(2026, 10, 8));
        assert_eq!(cal.add_days(from, 11, Counting::Working), date(2026, 10, 10));
        // Then Sun Oct 11 off, Mon Oct 12 is day 12.
        assert_eq!(cal.add_days(from, 12, Counting::Working), date(2026, 10, 12));
    }

    #[test]
    fn calendar_counting_ignores_holidays() {
        let cal = cal_2026();
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 15, Counting::Calendar),
            date(2026, 2, 28)
        );
        assert_eq!(
            cal.add_days(date(2026, 9, 30), 1, Counting::Calendar),
            date(2026, 10, 1)
        );
        assert_eq!(
            cal.add_days(date(2026, 12, 20), 60, Counting::Calendar),
            date(2027, 2, 18)
        );
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 0, Counting::Calendar),
            date(2026, 2, 13)
        );
        assert_eq!(
            cal.add_days(date(2026, 2, 15), 0, Counting::Working),
            date(2026, 2, 15)
        );
    }

    #[test]
    fn outside_the_covered_years_monday_to_friday_count() {
        let cal = cal_2026();
        assert!(cal.covers(date(2026, 1, 1)));
        assert!(cal.covers(date(2026, 12, 31)));
        assert!(!cal.covers(date(2025, 12, 31)));
        assert!(!cal.covers(date(2027, 1, 1)));
        assert_eq!(cal.years().collect::<Vec<_>>(), [2026]);
        // 2027-01-01 is a Friday and a holiday in fact, but this calendar does not know 2027.
        assert_eq!(
            cal.add_days(date(2026, 12, 31), 1, Counting::Working),
            date(2027, 1, 1)
        );
        let none = WorkCalendar::default();
        assert!(!none.covers(date(2026, 10, 1)));
        assert!(none.is_working_day(date(2026, 10, 1)));
        assert!(!none.is_working_day(date(2026, 10, 10)));
    }

    #[test]
    fn construction_refuses_inconsistent_lists() {
        let sun = date(2026, 1, 4);
        let mon = date(2026, 1, 5);
        assert_eq!(
            WorkCalendar::new([2026], [date(2027, 1, 1)], []),
            Err(CalendarError::OutsideYears(date(2027, 1, 1)))
        );
        assert_eq!(
            WorkCalendar::new([2026], [sun], [sun]),
            Err(CalendarError::HolidayAndWorkday(sun))
        );
        assert_eq!(
            WorkCalendar::new([2026], [], [mon]),
            Err(CalendarError::WorkdayNotWeekend(mon))
        );
        let message = CalendarError::WorkdayNotWeekend(mon).to_string();
        assert_eq!(
            message,
            "make-up working day 2026-01-05 is a Monday, not a Saturday or Sunday"
        );
    }

    #[test]
    fn deadline_is_the_end_of_the_last_day_in_beijing() {
        let cal = cal_2026();
        // 2026-02-12 20:00 UTC is already Friday 13 February, 04:00, in Beijing.
        let received = utc(2026, 2, 12, 20, 0, 0);
        // Last day 2026-03-12; 23:59:59 Beijing is 15:59:59 UTC.
        assert_eq!(
            cal.deadline_at(received, 15, Counting::Working),
            utc(2026, 3, 12, 15, 59, 59)
        );
        // 15:59 UTC is still the 12th in Beijing: one day earlier.
        let received = utc(2026, 2, 12, 15, 59, 0);
        assert_eq!(
            cal.deadline_at(received, 1, Counting::Calendar),
            utc(2026, 2, 13, 15, 59, 59)
        );
        assert_eq!(
            cal.deadline_at(received, 0, Counting::Calendar),
            utc(2026, 2, 12, 15, 59, 59)
        );
        // 16:00 UTC is midnight in Beijing, the 13th.
        let received = utc(2026, 2, 12, 16, 0, 0);
        assert_eq!(
            cal.deadline_at(received, 1, Counting::Calendar),
            utc(2026, 2, 14, 15, 59, 59)
        );
    }

    #[test]
    fn days_left_counts_beijing_dates() {
        let cal = cal_2026();
        let deadline = cal.deadline_at(utc(2026, 2, 13, 2, 0, 0), 15, Counting::Working);
        assert_eq!(deadline, utc(2026, 3, 12, 15, 59, 59));
        // Positive before the last day.
        assert_eq!(days_left(utc(2026, 3, 10, 1, 0, 0), deadline), 2);
        // 16:30 UTC on the 11th is already the 12th in Beijing: the last day.
        assert_eq!(days_left(utc(2026, 3, 11, 16, 30, 0), deadline), 0);
        assert_eq!(days_left(deadline, deadline), 0);
        // One second later it is the 13th in Beijing: overdue.
        assert_eq!(days_left(deadline + chrono::Duration::seconds(1), deadline), -1);
        assert_eq!(days_left(utc(2026, 3, 20, 4, 0, 0), deadline), -8);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // 2025-07-01 to about 2027-06: across the covered year and out of it on both sides.
        (0u64..730).prop_map(|n| date(2025, 7, 1) + Days::new(n))
    }

    fn any_counting() -> impl Strategy<Value = Counting> {
        prop_oneof![Just(Counting::Calendar), Just(Counting::Working)]
    }

    proptest! {
        #[test]
        fn add_days_is_strictly_monotonic(
            start in any_date(), a in 0u32..200, b in 0u32..200, counting in any_counting(),
        ) {
            let cal = cal_2026();
            let (lo, hi) = (a.min(b), a.max(b));
            let (x, y) = (cal.add_days(start, lo, counting), cal.add_days(start, hi, counting));
            prop_assert!(x <= y);
            if lo < hi {
                prop_assert!(x < y);
            }
        }

        #[test]
        fn working_result_is_a_working_day(start in any_date(), days in 1u32..200) {
            let cal = cal_2026();
            prop_assert!(cal.is_working_day(cal.add_days(start, days, Counting::Working)));
        }

        #[test]
        fn calendar_counting_is_plain_addition(start in any_date(), days in 0u32..2000) {
            let cal = cal_2026();
            prop_assert_eq!(
                cal.add_days(start, days, Counting::Calendar),
                start + Days::new(u64::from(days))
            );
        }

        #[test]
        fn periods_compose(
            start in any_date(), a in 0u32..100, b in 0u32..100, counting in any_counting(),
        ) {
            let cal = cal_2026();
            let mid = cal.add_days(start, a, counting);
            prop_assert_eq!(cal.add_days(mid, b, counting), cal.add_days(start, a + b, counting));
        }

        #[test]
        fn a_fresh_calendar_deadline_leaves_its_days(
            secs in 1_750_000_000i64..1_820_000_000, days in 0u32..400,
        ) {
            let cal = cal_2026();
            let received = DateTime::from_timestamp(secs, 0).unwrap();
            let deadline = cal.deadline_at(received, days, Counting::Calendar);
            prop_assert!(deadline >= received);
            prop_assert_eq!(days_left(received, deadline), i64::from(days));
        }
    }
}
