//! What the public board holds: figures per line and row, already suppressed. Plain data, built
//! by [`super::build`] and kept by [`super::BoardCache`].

use crate::domain::stats::suppress::{Mark, RateShown};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::kind::Kind;
use crate::domain::stats::RateKind;

/// The rates the board shows, in order.
pub const RATES: [RateKind; 3] = [RateKind::Closure, RateKind::OnTime, RateKind::Satisfaction];

/// One published count: its value only when it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub value: Option<i64>,
    pub mark: Mark,
}

/// The published figures of one row in one month (or the twelve).
#[derive(Debug, Clone)]
pub struct Line {
    pub received: Figure,
    /// In [`Board::kinds`] order.
    pub by_kind: Vec<Figure>,
    /// Reports per problem, in [`Board::categories`] order.
    pub by_category: Vec<Figure>,
    pub concluded: Figure,
    /// In [`RATES`] order.
    pub rates: Vec<RateShown>,
}

/// A row of the board: a region (in total, or its own level without the regions inside it) or a
/// kind of unit.
#[derive(Debug, Clone)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// 0 for the province, 1 for a city, 2 for a county.
    pub depth: usize,
    /// The region's own cases, not in any region inside it (本级).
    pub own: bool,
    pub parent: Option<String>,
    /// The twelve months together.
    pub total: Line,
    /// In [`Board::months`] order.
    pub months: Vec<Line>,
}

/// Everything the board shows, suppressed.
#[derive(Debug, Clone)]
pub struct Board {
    pub generated_at: DateTime<Utc>,
    pub min_count: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `YYYYMM`, oldest first.
    pub months: Vec<i32>,
    pub kinds: Vec<Kind>,
    /// The report categories (the six stubborn problems and "other"): code, name, English name.
    pub categories: Vec<(String, String, String)>,
    /// In tree order; a region with regions inside it is followed by its own-level row when that
    /// has cases.
    pub regions: Vec<Row>,
    pub unit_kinds: Vec<Row>,
}

impl Board {
    pub fn region(&self, code: &str) -> Option<&Row> {
        self.regions.iter().find(|r| r.code == code && !r.own)
    }
}
