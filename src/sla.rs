//! Deadlines per kind (办理时限) from `config/sla.toml`, and the working-day calendar from
//! `config/calendar/*.toml`, one file per year of public holidays and make-up working days (调休).
//!
//! Loaded once and checked as a whole, like the catalog: every problem found is returned, named
//! with its file and entry. The arithmetic lives in [`crate::domain::calendar`]; nothing here does
//! I/O after loading. A deadline in a year with no calendar file is counted Monday to Friday, so
//! callers should warn when [`WorkCalendar::covers`] says no.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::domain::deadlines::Deadlines;
use crate::domain::{Counting, Kind, WorkCalendar};

pub use crate::domain::deadlines::KindSla;

/// The checked deadlines for every kind, and the calendar they are counted on.
#[derive(Debug, Clone)]
pub struct Sla {
    kinds: BTreeMap<Kind, KindSla>,
    calendar: WorkCalendar,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaFile {
    counting: Counting,
    kind: BTreeMap<String, KindEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindEntry {
    accept_days: u32,
    handle_days: u32,
    max_extension_days: u32,
    rating_days: u32,
    counting: Option<Counting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    year: i32,
    holidays: Vec<DayEntry>,
    workdays: Vec<DayEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayEntry {
    date: NaiveDate,
    name: String,
}

/// What the calendar files hold together, before it becomes a [`WorkCalendar`].
#[derive(Default)]
struct Days {
    years: BTreeMap<i32, PathBuf>,
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
}

impl Sla {
    /// Reads and checks `sla.toml` and every `calendar/*.toml` under `config_dir`; every problem
    /// found is returned, not just the first.
    pub fn load(config_dir: &Path) -> Result<Sla, Vec<String>> {
        let sla_path = config_dir.join("sla.toml");
        let calendar_dir = config_dir.join("calendar");
        let mut errors = Vec::new();
        let kinds = match read_toml::<SlaFile>(&sla_path) {
            Ok(file) => check_kinds(file, &sla_path, &mut errors),
            Err(e) => {
                errors.push(e);
                BTreeMap::new()
            }
        };
        let days = read_calendars(&calendar_dir, &mut errors);
        if days.years.is_empty() && kinds.values().any(|k| k.counting == Counting::Working) {
            errors.push(format!(
                "{}: no calendar file, but {} counts working days",
                calendar_dir.display(),
                sla_path.display()
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        match WorkCalendar::new(days.years.into_keys(), days.holidays, days.workdays) {
            Ok(calendar) => Ok(Sla { kinds, calendar }),
            Err(e) => Err(vec![format!("{}: {e}", calendar_dir.display())]),
        }
    }

    #[allow(clippy::expect_used, reason = "Sla::load refuses a file without every kind")]
    pub fn for_kind(&self, kind: Kind) -> &KindSla {
        self.kinds
            .get(&kind)
            .expect("Sla::load checks that every kind is present")
    }

    pub fn calendar(&self) -> &WorkCalendar {
        &self.calendar
    }

    /// The due dates of a case of `kind`, on the calendar.
    pub fn deadlines(&self, kind: Kind) -> Deadlines<'_> {
        Deadlines {
            limits: self.for_kind(kind),
            calendar: &self.calendar,
        }
    }
}

fn check_kinds(file: SlaFile, path: &Path, errors: &mut Vec<String>) -> BTreeMap<Kind, KindSla> {
    let f = path.display();
    let mut kinds = BTreeMap::new();
    for (code, entry) in file.kind {
        let Some(kind) = Kind::from_code(&code) else {
            let expected: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
            errors.push(format!(
                "{f}: [kind.{code}] is not a kind; the kinds are {expected:?}"
            ));
            continue;
        };
        let numbers = [
            ("accept_days", entry.accept_days),
            ("handle_days", entry.handle_days),
            ("max_extension_days", entry.max_extension_days),
            ("rating_days", entry.rating_days),
        ];
        for (key, value) in numbers {
            if value == 0 {
                errors.push(format!("{f}: [kind.{code}] {key} must be at least 1"));
            }
        }
        kinds.insert(
            kind,
            KindSla {
                accept_days: entry.accept_days,
                handle_days: entry.handle_days,
                max_extension_days: entry.max_extension_days,
                rating_days: entry.rating_days,
                counting: entry.counting.unwrap_or(file.counting),
            },
        );
    }
    for kind in Kind::ALL {
        if !kinds.contains_key(kind) {
            errors.push(format!(
                "{f}: [kind.{kind}] is missing; every kind needs its deadlines"
            ));
        }
    }
    kinds
}

/// Reads every `*.toml` in `dir`, in file-name order, checking each file and that no two cover
/// the same year.
fn read_calendars(dir: &Path, errors: &mut Vec<String>) -> Days {
    let mut days = Days::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return days;
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    paths.retain(|p| p.extension().is_some_and(|ext| ext == "toml"));
    paths.sort();
    for path in paths {
        match read_toml::<CalendarFile>(&path) {
            Ok(file) => check_calendar(file, path, &mut days, errors),
            Err(e) => errors.push(e),
        }
    }
    days
}

fn check_calendar(file: CalendarFile, path: PathBuf, days: &mut Days, errors: &mut Vec<String>) {
    let f = path.display();
    let year = file.year;
    if let Some(other) = days.years.get(&year) {
        errors.push(format!(
            "{f}: year {year} is already covered by {}",
            other.display()
        ));
    }
    let lists = [("holiday", &file.holidays), ("workday", &file.workdays)];
    for (what, list) in lists {
        let mut seen = HashSet::new();
        for DayEntry { date, name } in list {
            if date.year() != year {
                errors.push(format!("{f}: {what} {date} ({name}) is not in {year}"));
            }
            if name.trim().is_empty() {
                errors.push(format!("{f}: {what} {date} has no name"));
            }
            if !seen.insert(*date) {
                errors.push(format!("{f}: {what} {date} ({name}) is listed twice"));
            }
        }
    }
    for DayEntry { date, name } in &file.workdays {
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            errors.push(format!(
                "{f}: workday {date} ({name}) is a {}; only a Saturday or Sunday can be a make-up working day",
                date.format("%A")
            ));
        }
        if let Some(holiday) = file.holidays.iter().find(|h| h.date == *date) {
            errors.push(format!(
                "{f}: {date} is both a holiday ({}) and a workday ({name})",
                holiday.name
            ));
        }
    }
    days.holidays.extend(file.holidays.iter().map(|d| d.date));
    days.workdays.extend(file.workdays.iter().map(|d| d.date));
    days.years.entry(year).or_insert(path);
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_dir() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Copies the shipped files to a fresh directory, lets `edit` change them, and loads the copy.
    fn load_edited(edit: impl FnOnce(&Path)) -> Result<Sla, Vec<String>> {
        let dir = std::env::temp_dir().join(format!("minsheng-sla-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("calendar")).unwrap();
        std::fs::copy(config_dir().join("sla.toml"), dir.join("sla.toml")).unwrap();
        for entry in std::fs::read_dir(config_dir().join("calendar")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join("calendar").join(path.file_name().unwrap())).unwrap();
        }
        edit(&dir);
        let loaded = Sla::load(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        loaded
    }

    fn replace_in(path: &Path, from: &str, to: &str) {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{} lacks {from:?}", path.display());
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    fn assert_error(errors: &[String], parts: &[&str]) {
        assert!(
            errors.iter().any(|e| parts.iter().all(|p| e.contains(p))),
            "no error mentions all of {parts:?}: {errors:?}"
        );
    }

    #[test]
    fn shipped_files_load() {
        let sla = Sla::load(config_dir()).unwrap();
        for &kind in Kind::ALL {
            let k = sla.for_kind(kind);
            assert_eq!(
                (k.accept_days, k.handle_days, k.max_extension_days, k.rating_days),
                (15, 60, 30, 15),
                "{kind}"
            );
            assert_eq!(k.counting, Counting::Calendar, "{kind}");
        }
        let cal = sla.calendar();
        assert_eq!(cal.years().collect::<Vec<_>>(), [2026, 2027]);
        // The worked example in `domain::calendar`: 15 working days across the Spring Festival.
        assert_eq!(
            cal.add_days(date(2026, 2, 13), 15, Counting::Working),
            date(2026, 3, 12)
        );
        assert!(cal.is_working_day(date(2026, 9, 20)));
        assert!(!cal.is_working_day(date(2026, 10, 7)));
        assert!(cal.is_working_day(date(2026, 10, 10)));
        assert!(!cal.is_working_day(date(2027, 2, 8)));
    }

    #[test]
    fn the_calendar_knows_which_years_it_covers() {
        let sla = Sla::load(config_dir()).unwrap();
        let cal = sla.calendar();
        assert!(cal.covers(date(2026, 1, 1)));
        assert!(cal.covers(date(2027, 12, 31)));
        assert!(!cal.covers(date(2025, 12, 31)));
        assert!(!cal.covers(date(2028, 1, 1)));
        // A deadline that runs past the last covered year is the caller's cue to warn.
        let last = cal.add_days(date(2027, 11, 1), 60, Counting::Working);
        assert!(!cal.covers(last), "{last}");
    }

    #[test]
    fn a_kind_may_override_the_counting() {
        let sla = load_edited(|dir| {
            replace_in(
                &dir.join("sla.toml"),
                "[kind.opinion]\n",
                "[kind.opinion]\ncounting = \"working\"\n",
            )
        })
        .unwrap();
        assert_eq!(sla.for_kind(Kind::Opinion).counting, Counting::Working);
        assert_eq!(sla.for_kind(Kind::Report).counting, Counting::Calendar);
    }

    #[test]
    fn problems_in_sla_toml_name_the_file_and_kind() {
        let errors = load_edited(|dir| {
            let path = dir.join("sla.toml");
            replace_in(&path, "[kind.help]", "[kind.petition]");
            replace_in(&path, "rating_days = 15", "rating_days = 0");
        })
        .unwrap_err();
        assert_error(&errors, &["sla.toml", "[kind.petition]", "not a kind"]);
        assert_error(&errors, &["sla.toml", "[kind.help]", "missing"]);
        assert_error(&errors, &["sla.toml", "[kind.opinion]", "rating_days"]);

        let errors = load_edited(|dir| {
            replace_in(
                &dir.join("sla.toml"),
                "[kind.report]\n",
                "[kind.report]\ngrace_days = 3\n",
            )
        })
        .unwrap_err();
        assert_error(&errors, &["sla.toml", "grace_days"]);
    }

    #[test]
    fn problems_in_a_calendar_name_the_file_and_date() {
        let errors = load_edited(|dir| {
            let path = dir.join("calendar/2026.toml");
            // A Monday as a make-up working day.
            replace_in(
                &path,
                "\"2026-01-04\", name = \"元旦调休上班\"",
                "\"2026-01-05\", name = \"元旦调休上班\"",
            );
            // Sunday 22 February is a holiday; list it as a workday too.
            replace_in(
                &path,
                "\"2026-02-28\", name = \"春节调休上班\"",
                "\"2026-02-22\", name = \"春节调休上班\"",
            );
            // A date in the wrong year.
            replace_in(&path, "\"2026-10-07\"", "\"2027-10-07\"");
        })
        .unwrap_err();
        assert_error(&errors, &["2026.toml", "2026-01-05", "Monday"]);
        assert_error(&errors, &["2026.toml", "2026-02-22", "both"]);
        assert_error(&errors, &["2026.toml", "2027-10-07", "not in 2026"]);
        assert!(errors.iter().all(|e| !e.contains("2027.toml")), "{errors:?}");
    }

    #[test]
    fn two_files_for_one_year_are_refused() {
        let errors = load_edited(|dir| {
            let cal = dir.join("calendar");
            std::fs::copy(cal.join("2027.toml"), cal.join("2027-draft.toml")).unwrap();
        })
        .unwrap_err();
        assert_error(&errors, &["2027.toml", "2027-draft.toml", "already covered"]);
    }

    #[test]
    fn unknown_fields_and_bad_dates_are_refused() {
        let errors = load_edited(|dir| {
            let path = dir.join("calendar/2027.toml");
            replace_in(&path, "year = 2027", "year = 2027\nprovisional = true");
        })
        .unwrap_err();
        assert_error(&errors, &["2027.toml", "provisional"]);

        let errors = load_edited(|dir| {
            replace_in(
                &dir.join("calendar/2026.toml"),
                "\"2026-06-20\"",
                "\"2026-06-31\"",
            )
        })
        .unwrap_err();
        assert_error(&errors, &["2026.toml"]);
    }

    #[test]
    fn working_days_need_a_calendar() {
        let errors = load_edited(|dir| std::fs::remove_dir_all(dir.join("calendar")).unwrap()).unwrap_err();
        assert_error(&errors, &["calendar"]);

        // Calendar-day counting (the shipped default) needs no calendar files...
        let edit_calendars = |dir: &Path, counting: &str| {
            for year in [2026, 2027] {
                std::fs::remove_file(dir.join(format!("calendar/{year}.toml"))).unwrap();
            }
            replace_in(&dir.join("sla.toml"), "counting = \"calendar\"\n", counting);
        };
        assert!(load_edited(|dir| edit_calendars(dir, "counting = \"calendar\"\n")).is_ok());
        // ...working days do.
        let errors = load_edited(|dir| edit_calendars(dir, "counting = \"working\"\n")).unwrap_err();
        assert_error(&errors, &["calendar", "no calendar file", "working days"]);
    }
}
