//! Small-count suppression for the public board: no published number may single out a few
//! people, and none may be worked out from the numbers that are published.
//!
//! The rules, applied to a grid of counts and the additive relations between them (a total is
//! the sum of its parts: a city of its own cases and its counties, twelve months of their
//! months, all cases of their kinds, …):
//!
//! 1. **Primary**: a count from 1 to `min - 1` is not shown; it reads "<10" ([`Mark::Small`]).
//!    A zero is shown: "nobody" singles nobody out, and a zero that is visible is not a secret
//!    that siblings could give away.
//! 2. **Secondary**: in any relation where exactly one member is hidden, that member could be
//!    worked out by subtraction, so one more member is hidden ([`Mark::Withheld`]): the
//!    smallest non-zero part not yet hidden, else the total. Hiding one cell can expose another
//!    relation it belongs to, so this repeats until no relation has exactly one hidden member.
//!    Every hidden cell is non-zero, so two hidden members of a relation are never a hidden
//!    number and a known zero.
//! 3. **Rates** ([`publish_rate`]): a rate is shown only when its denominator is at least
//!    `min`, and when neither of its parts is a published count that is hidden (a rate and its
//!    published denominator would give the hidden numerator back, and the other way round).
//!
//! Pure: the statistics service builds the grid, this module marks it.

use super::Rate;

/// What may be shown of a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Shown,
    /// Under the threshold (and not zero): shown as "<min".
    Small,
    /// Not small, but hidden so that a small count cannot be worked out from it.
    Withheld,
}

impl Mark {
    pub fn hidden(self) -> bool {
        self != Mark::Shown
    }
}

/// A total and the cells that add up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Counts and the additive relations between them.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    values: Vec<i64>,
    relations: Vec<Relation>,
}

impl Grid {
    pub fn new() -> Grid {
        Grid::default()
    }

    /// Adds a count and returns its index.
    pub fn cell(&mut self, value: i64) -> usize {
        self.values.push(value);
        self.values.len() - 1
    }

    pub fn value(&self, cell: usize) -> i64 {
        self.values[cell]
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Declares `total = Σ parts`. A relation with no parts says nothing and is dropped.
    pub fn relation(&mut self, total: usize, parts: Vec<usize>) {
        debug_assert_eq!(
            self.values[total],
            parts.iter().map(|p| self.values[*p]).sum::<i64>(),
            "a relation must add up"
        );
        if !parts.is_empty() {
            self.relations.push(Relation { total, parts });
        }
    }

    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Marks every cell: primary suppression, then secondary until stable.
    pub fn suppress(&self, min: i64) -> Vec<Mark> {
        let mut marks: Vec<Mark> = self
            .values
            .iter()
            .map(|&v| {
                if is_small(v, min) {
                    Mark::Small
                } else {
                    Mark::Shown
                }
            })
            .collect();
        loop {
            let mut changed = false;
            for r in &self.relations {
                let hidden = std::iter::once(r.total)
                    .chain(r.parts.iter().copied())
                    .filter(|&c| marks[c].hidden())
                    .count();
                if hidden != 1 {
                    continue;
                }
                if let Some(c) = self.partner(r, &marks) {
                    marks[c] = Mark::Withheld;
                    changed = true;
                }
            }
            if !changed {
                return marks;
            }
        }
    }

    /// The cell to hide next to a relation's one hidden member: the smallest non-zero part that
    /// is shown (the least lost), else the total. `None` only when every other member is zero,
    /// which cannot happen beside a hidden (so non-zero) member of a relation that adds up.
    fn partner(&self, r: &Relation, marks: &[Mark]) -> Option<usize> {
        r.parts
            .iter()
            .copied()
            .filter(|&c| !marks[c].hidden() && self.values[c] > 0)
            .min_by_key(|&c| (self.values[c], c))
            .or_else(|| (!marks[r.total].hidden() && self.values[r.total] > 0).then_some(r.total))
    }

    /// The first relation in which a hidden count could be worked out exactly: exactly one
    /// hidden member. `None` after [`Grid::suppress`]; tests use it to prove that.
    pub fn exposed(&self, marks: &[Mark]) -> Option<&Relation> {
        self.relations.iter().find(|r| {
            std::iter::once(r.total)
                .chain(r.parts.iter().copied())
                .filter(|&c| marks[c].hidden())
                .count()
                == 1
        })
    }
}

/// A count the primary rule hides.
pub fn is_small(value: i64, min: i64) -> bool {
    value > 0 && value < min
}

/// What may be shown of a rate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "percent")]
pub enum RateShown {
    Shown(f64),
    /// Nothing to divide by.
    NoCases,
    /// Fewer cases than the threshold behind it.
    SmallBase,
    /// One of its parts is a published count that is hidden.
    HiddenPart,
}

impl RateShown {
    /// `87.5%`, else "—".
    pub fn display(self) -> String {
        match self {
            RateShown::Shown(p) => format!("{p:.1}%"),
            _ => "—".to_owned(),
        }
    }
}

/// Rule 3: a rate with a denominator under `min`, or with a hidden published part, is not shown.
pub fn publish_rate(rate: Rate, min: i64, part_hidden: bool) -> RateShown {
    match rate.percent() {
        None => RateShown::NoCases,
        Some(_) if rate.denominator < min => RateShown::SmallBase,
        Some(_) if part_hidden => RateShown::HiddenPart,
        Some(p) => RateShown::Shown(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const K: i64 = 10;

    /// The example: a city with two counties of 3 and 20 cases.
    #[test]
    fn a_small_county_is_not_given_away_by_its_city() {
        let mut g = Grid::new();
        let own = g.cell(0);
        let a = g.cell(3);
        let b = g.cell(20);
        let city = g.cell(23);
        g.relation(city, vec![own, a, b]);
        let m = g.suppress(K);
        assert_eq!(m[a], Mark::Small);
        assert_eq!(m[b], Mark::Withheld, "the sibling is hidden too");
        assert_eq!(m[city], Mark::Shown);
        assert_eq!(m[own], Mark::Shown, "a zero is shown");
        assert!(g.exposed(&m).is_none());
    }

    #[test]
    fn zero_is_shown_and_the_threshold_itself_is_not_small() {
        assert!(!is_small(0, K));
        assert!(is_small(1, K));
        assert!(is_small(9, K));
        assert!(!is_small(10, K));
        let mut g = Grid::new();
        let cells: Vec<usize> = [0, 1, 9, 10, 11].iter().map(|v| g.cell(*v)).collect();
        let m = g.suppress(K);
        let got: Vec<Mark> = cells.iter().map(|c| m[*c]).collect();
        assert_eq!(
            got,
            [Mark::Shown, Mark::Small, Mark::Small, Mark::Shown, Mark::Shown]
        );
    }

    #[test]
    fn the_smallest_non_zero_sibling_goes_not_the_total() {
        let mut g = Grid::new();
        let parts: Vec<usize> = [2, 0, 40, 15, 30].iter().map(|v| g.cell(*v)).collect();
        let total = g.cell(87);
        g.relation(total, parts.clone());
        let m = g.suppress(K);
        assert_eq!(m[parts[0]], Mark::Small);
        assert_eq!(m[parts[1]], Mark::Shown, "a zero is no protection");
        assert_eq!(
            m[parts[3]],
            Mark::Withheld,
            "15 is the smallest non-zero shown part"
        );
        assert_eq!(m[parts[2]], Mark::Shown);
        assert_eq!(m[total], Mark::Shown);
    }

    #[test]
    fn two_small_parts_protect_each_other() {
        let mut g = Grid::new();
        let a = g.cell(3);
        let b = g.cell(4);
        let c = g.cell(50);
        let t = g.cell(57);
        g.relation(t, vec![a, b, c]);
        let m = g.suppress(K);
        assert_eq!(
            (m[a], m[b], m[c], m[t]),
            (Mark::Small, Mark::Small, Mark::Shown, Mark::Shown)
        );
    }

    #[test]
    fn a_hidden_total_hides_a_part_when_the_rest_is_shown() {
        // A small total (5) over one part of 5: both small. A withheld total needs a partner.
        let mut g = Grid::new();
        let p = g.cell(5);
        let z = g.cell(0);
        let t = g.cell(5);
        g.relation(t, vec![p, z]);
        let m = g.suppress(K);
        assert_eq!((m[p], m[z], m[t]), (Mark::Small, Mark::Shown, Mark::Small));
    }

    /// Hiding a cell to protect one relation exposes another; suppression follows the chain
    /// (the county's kind total, then its month, then its city's month).
    #[test]
    fn suppression_cascades_until_stable() {
        let mut g = Grid::new();
        // Rows: county A, county B, city (= A + B). Columns: month 1, month 2, year (= m1 + m2).
        let vals = [[3, 0, 3], [12, 30, 42], [15, 30, 45]];
        let c: Vec<Vec<usize>> = vals
            .iter()
            .map(|row| row.iter().map(|v| g.cell(*v)).collect())
            .collect();
        for row in &c {
            g.relation(row[2], vec![row[0], row[1]]);
        }
        for ((t, a), b) in c[2].iter().zip(&c[0]).zip(&c[1]) {
            g.relation(*t, vec![*a, *b]);
        }
        let m = g.suppress(K);
        assert_eq!(m[c[0][0]], Mark::Small);
        assert_eq!(m[c[0][2]], Mark::Small);
        assert!(g.exposed(&m).is_none(), "{m:?}");
        // B's first month would give A's away through the city's first month: withheld.
        assert_eq!(m[c[1][0]], Mark::Withheld);
        // …and then B's year through B's months: withheld as well.
        assert_eq!(m[c[1][2]], Mark::Withheld);
    }

    #[test]
    fn rates_need_a_large_base_and_visible_parts() {
        let r = |n, d| Rate {
            numerator: n,
            denominator: d,
        };
        assert_eq!(publish_rate(r(0, 0), K, false), RateShown::NoCases);
        assert_eq!(publish_rate(r(3, 9), K, false), RateShown::SmallBase);
        assert_eq!(publish_rate(r(3, 12), K, true), RateShown::HiddenPart);
        assert_eq!(publish_rate(r(3, 12), K, false), RateShown::Shown(25.0));
        assert_eq!(publish_rate(r(3, 12), K, false).display(), "25.0%");
        assert_eq!(publish_rate(r(3, 9), K, false).display(), "—");
    }

    /// A table with row totals, column totals and a grand total, as the board has them.
    fn table(values: &[Vec<i64>]) -> (Grid, Vec<Vec<usize>>) {
        let mut g = Grid::new();
        let cols = values[0].len();
        let mut cells: Vec<Vec<usize>> = Vec::new();
        for row in values {
            let mut ids: Vec<usize> = row.iter().map(|v| g.cell(*v)).collect();
            let total = g.cell(row.iter().sum());
            g.relation(total, ids.clone());
            ids.push(total);
            cells.push(ids);
        }
        let mut bottom = Vec::new();
        for col in 0..=cols {
            let parts: Vec<usize> = cells.iter().map(|r| r[col]).collect();
            let sum = parts.iter().map(|p| g.value(*p)).sum();
            let t = g.cell(sum);
            g.relation(t, parts);
            bottom.push(t);
        }
        // The grand total is also the sum of the row of column totals.
        let grand = bottom[cols];
        g.relation(grand, bottom[..cols].to_vec());
        cells.push(bottom);
        (g, cells)
    }

    proptest! {
        #[test]
        fn no_hidden_count_can_be_worked_out_by_subtraction(
            values in proptest::collection::vec(proptest::collection::vec(0i64..40, 2..6), 2..6)
        ) {
            let cols = values[0].len();
            let values: Vec<Vec<i64>> = values.into_iter().map(|mut r| { r.resize(cols, 0); r }).collect();
            let (g, _) = table(&values);
            let m = g.suppress(K);
            prop_assert!(g.exposed(&m).is_none());
            for (c, mark) in m.iter().enumerate() {
                let v = g.value(c);
                // Every small count is hidden and marked as small; nothing else is.
                prop_assert_eq!(*mark == Mark::Small, is_small(v, K));
                // A hidden cell is never zero, so two hidden members never include a known zero.
                if mark.hidden() {
                    prop_assert!(v > 0);
                }
            }
        }

        #[test]
        fn large_counts_alone_are_all_shown(
            values in proptest::collection::vec(proptest::collection::vec(10i64..500, 3), 1..5)
        ) {
            let (g, _) = table(&values);
            let m = g.suppress(K);
            prop_assert!(m.iter().all(|x| *x == Mark::Shown));
        }
    }
}
