//! Beijing calendar days as numbers, and the periods figures are counted over.
//!
//! A day number counts days from 1970-01-01 in Beijing time, so day differences and weeks are
//! integer arithmetic, the same in Rust and in SQL on both backends. A month number is `YYYYMM`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::domain::calendar::beijing;

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");

/// The Beijing calendar day of a stored (UTC) moment.
pub fn beijing_date(at: NaiveDateTime) -> NaiveDate {
    at.and_utc().with_timezone(&beijing()).date_naive()
}

/// The day number of a date.
pub fn day_number(date: NaiveDate) -> i32 {
    i32::try_from((date - EPOCH).num_days()).unwrap_or(i32::MAX)
}

/// The day number of a stored moment, in Beijing.
pub fn day_of(at: NaiveDateTime) -> i32 {
    day_number(beijing_date(at))
}

/// The month number (`YYYYMM`) of a stored moment, in Beijing.
pub fn month_of(at: NaiveDateTime) -> i32 {
    month_number(beijing_date(at))
}

/// The date of a day number.
pub fn date_of(day: i32) -> NaiveDate {
    EPOCH + Duration::days(i64::from(day))
}

/// The Monday of the week a day falls in, as a day number (1970-01-01 was a Thursday).
pub fn week_start(day: i32) -> i32 {
    day - (day + 3).rem_euclid(7)
}

/// Which cases a figure counts: those received from `from` to `to`, both included (day numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i32,
    pub to: i32,
}

/// The periods a supervisor picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodChoice {
    ThisWeek,
    ThisMonth,
    LastMonth,
    Last12Months,
    Custom,
}

impl PeriodChoice {
    pub const ALL: [PeriodChoice; 5] = [
        PeriodChoice::ThisWeek,
        PeriodChoice::ThisMonth,
        PeriodChoice::LastMonth,
        PeriodChoice::Last12Months,
        PeriodChoice::Custom,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PeriodChoice::ThisWeek => "this_week",
            PeriodChoice::ThisMonth => "this_month",
            PeriodChoice::LastMonth => "last_month",
            PeriodChoice::Last12Months => "last_12_months",
            PeriodChoice::Custom => "custom",
        }
    }

    pub fn from_code(code: &str) -> Option<PeriodChoice> {
        PeriodChoice::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The days of this period, seen on `today`; `None` for a custom one.
    pub fn days(self, today: NaiveDate) -> Option<Period> {
        let t = day_number(today);
        let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let this_month = first_of(today);
        match self {
            PeriodChoice::ThisWeek => Some(Period {
                from: week_start(t),
                to: t,
            }),
            PeriodChoice::ThisMonth => Some(Period {
                from: day_number(this_month),
                to: t,
            }),
            PeriodChoice::LastMonth => {
                let last_day = this_month - Duration::days(1);
                Some(Period {
                    from: day_number(first_of(last_day)),
                    to: day_number(last_day),
                })
            }
            PeriodChoice::Last12Months => {
                let start = this_month
                    .checked_sub_months(chrono::Months::new(11))
                    .unwrap_or(this_month);
                Some(Period {
                    from: day_number(start),
                    to: t,
                })
            }
            PeriodChoice::Custom => None,
        }
    }
}

impl Period {
    /// From two dates, in either order.
    pub fn between(a: NaiveDate, b: NaiveDate) -> Period {
        let (a, b) = (day_number(a), day_number(b));
        Period {
            from: a.min(b),
            to: a.max(b),
        }
    }

    pub fn contains(self, day: i32) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// The months the period touches, oldest first.
    pub fn months(self) -> Vec<i32> {
        let mut out = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            let month = month_number(date_of(day));
            out.push(month);
            day = month_days(month).1 + 1;
        }
        out
    }

    /// Splits the period into whole months, read from the monthly rollup, and the days left
    /// over at its ends. A month counts as whole when the period covers all its days, or all of
    /// them up to the last day anything was received in it (`last_received(month)`, `None` when
    /// nothing was): "this month" up to today is the whole month so far.
    pub fn split_months(self, last_received: impl Fn(i32) -> Option<i32>) -> (Vec<i32>, Vec<Period>) {
        let mut whole = Vec::new();
        let mut rest: Vec<Period> = Vec::new();
        for month in self.months() {
            let (first, last) = month_days(month);
            let covered =
                self.from <= first && (self.to >= last || last_received(month).is_none_or(|l| l <= self.to));
            if covered {
                whole.push(month);
            } else {
                let part = Period {
                    from: self.from.max(first),
                    to: self.to.min(last),
                };
                match rest.last_mut() {
                    Some(p) if p.to + 1 == part.from => p.to = part.to,
                    _ => rest.push(part),
                }
            }
        }
        (whole, rest)
    }
}

/// The month number (`YYYYMM`) of a date.
pub fn month_number(date: NaiveDate) -> i32 {
    date.year() * 100 + date.month() as i32
}

/// The first and last day numbers of a month (`YYYYMM`).
pub fn month_days(month: i32) -> (i32, i32) {
    let (y, m) = (month / 100, (month % 100).clamp(1, 12) as u32);
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(EPOCH);
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .unwrap_or(first);
    (day_number(first), day_number(next) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_day_begins_at_midnight_in_beijing() {
        let utc = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        // 15:59 UTC is 23:59 in Beijing; 16:00 UTC is the next day there.
        assert_eq!(date_of(day_of(utc("2026-11-30 15:59"))), d(2026, 11, 30));
        assert_eq!(date_of(day_of(utc("2026-11-30 16:00"))), d(2026, 12, 1));
        assert_eq!(month_of(utc("2026-11-30 16:00")), 202612);
        assert_eq!(day_number(d(1970, 1, 1)), 0);
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-12-02 is a Wednesday; its week began on Monday 2026-11-30.
        assert_eq!(date_of(week_start(day_number(d(2026, 12, 2)))), d(2026, 11, 30));
        assert_eq!(date_of(week_start(day_number(d(2026, 11, 30)))), d(2026, 11, 30));
        assert_eq!(date_of(week_start(day_number(d(2026, 12, 6)))), d(2026, 11, 30));
    }

    #[test]
    fn periods_seen_on_a_day() {
        let today = d(2026, 1, 14);
        let p = |c: PeriodChoice| c.days(today).unwrap();
        assert_eq!(p(PeriodChoice::ThisMonth), Period::between(d(2026, 1, 1), today));
        assert_eq!(
            p(PeriodChoice::LastMonth),
            Period::between(d(2025, 12, 1), d(2025, 12, 31))
        );
        assert_eq!(
            p(PeriodChoice::Last12Months),
            Period::between(d(2025, 2, 1), today)
        );
        assert_eq!(p(PeriodChoice::ThisWeek), Period::between(d(2026, 1, 12), today));
        assert_eq!(PeriodChoice::Custom.days(today), None);
        assert!(Period::between(d(2026, 1, 2), d(2026, 1, 1)).contains(day_number(d(2026, 1, 2))));
    }

    #[test]
    fn months_and_their_days() {
        assert_eq!(
            month_days(202602),
            (day_number(d(2026, 2, 1)), day_number(d(2026, 2, 28)))
        );
        assert_eq!(
            month_days(202612),
            (day_number(d(2026, 12, 1)), day_number(d(2026, 12, 31)))
        );
        let p = Period::between(d(2025, 11, 20), d(2026, 2, 3));
        assert_eq!(p.months(), [202511, 202512, 202601, 202602]);
    }

    #[test]
    fn a_period_splits_into_whole_months_and_its_ends() {
        let day = |y, m, x| day_number(d(y, m, x));
        let range = |a: NaiveDate, b: NaiveDate| Period::between(a, b);
        // Mid-November to early February: December and January whole, the ends by day.
        let p = range(d(2025, 11, 20), d(2026, 2, 3));
        let (whole, rest) = p.split_months(|_| Some(day(2026, 2, 28)));
        assert_eq!(whole, [202512, 202601]);
        assert_eq!(
            rest,
            [
                range(d(2025, 11, 20), d(2025, 11, 30)),
                range(d(2026, 2, 1), d(2026, 2, 3))
            ]
        );
        // This month so far: whole when nothing was received after today, else by day.
        let this_month = range(d(2026, 12, 1), d(2026, 12, 2));
        assert_eq!(
            this_month.split_months(|_| Some(day(2026, 12, 2))),
            (vec![202612], vec![])
        );
        assert_eq!(this_month.split_months(|_| None), (vec![202612], vec![]));
        assert_eq!(
            this_month.split_months(|_| Some(day(2026, 12, 3))),
            (vec![], vec![this_month])
        );
        // A week inside a month is never a whole month, even when nothing came after it.
        let week = range(d(2026, 11, 9), d(2026, 11, 15));
        assert_eq!(week.split_months(|_| None), (vec![], vec![week]));
    }
}
