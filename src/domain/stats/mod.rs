//! What the supervision figures mean (issue #12): the counts, the rates built from them, and the
//! day figures. Pure definitions; storage counts them with SQL `GROUP BY`
//! ([`crate::storage::stats`]) and the statistics service scopes them ([`crate::services::stats`]).
//!
//! Every figure counts **cases received in the period** (Beijing calendar days), each attributed
//! to one unit: the unit that holds the case now — except the figures that name a unit by their
//! nature, which count a case at the unit on its timeline event: transferred out (the unit that
//! passed it on), transferred in (the receiver), dispatched (the office that dispatched it),
//! supervised (督办) and flagged overdue (the unit holding it then). A rate is a numerator and a
//! denominator; with a zero denominator it is "—", never 0 % or 100 %.

pub mod period;
pub mod suppress;

use std::collections::BTreeMap;

use crate::i18n::Lang;

pub use period::{Period, PeriodChoice};

macro_rules! counts {
    ($($variant:ident = $code:literal, $zh:literal, $en:literal, $zh_def:literal, $en_def:literal;)+) => {
        /// A count of cases. See the module doc and README "Statistics" for how each is attributed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Count { $($variant),+ }

        impl Count {
            pub const ALL: &'static [Count] = &[$(Count::$variant),+];

            /// The stable code used in the API, links and exports.
            pub fn code(self) -> &'static str {
                match self { $(Count::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Count> {
                match code { $($code => Some(Count::$variant),)+ _ => None }
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $(Count::$variant => lang.pick($zh, $en)),+ }
            }

            /// What it counts, in a sentence.
            pub fn definition(self, lang: Lang) -> &'static str {
                match self { $(Count::$variant => lang.pick($zh_def, $en_def)),+ }
            }
        }
    };
}

counts! {
    Received = "received", "来件量", "Received",
        "期内收到的件数（件次）：同一事项多人反映的，每人计一件。", "Cases received in the period (voices): a matter raised by several people counts once for each.";
    Matters = "matters", "事项数", "Matters",
        "期内收到的来件涉及的不同事项数：同一事项多人反映（一件多诉）计为一项，即来件量减去并件。", "Distinct matters among the cases received: a matter raised by several people counts once (received less linked).";
    Dispatched = "dispatched", "已分派", "Dispatched",
        "离开分派队列的件数，计在分派的整改办。", "Cases that left the dispatch queue, counted at the office that dispatched them.";
    PendingDispatch = "pending_dispatch", "待分派", "Awaiting dispatch",
        "现仍在等待分派的件数。", "Cases waiting for dispatch now.";
    Accepted = "accepted", "受理", "Accepted",
        "已受理的件数。", "Cases accepted.";
    Rejected = "rejected", "不予受理", "Not accepted",
        "不予受理的件数。", "Cases not accepted.";
    Merged = "merged", "并件", "Linked to a matter",
        "与其他来件同属一事项、随其一并办理的件数（含此前合并的件）。来件量减去并件即事项数。",
        "Cases handled with another case of the same matter (一件多诉), and cases merged before. Received less these is the number of matters.";
    TransferredOut = "transferred_out", "转出", "Transferred out",
        "转交他单位的件数，计在转出单位。", "Cases passed on to another unit, counted at the unit that passed them on.";
    TransferredIn = "transferred_in", "转入", "Transferred in",
        "他单位转来的件数，计在接收单位。", "Cases received by transfer, counted at the receiver.";
    Concluded = "concluded", "办结", "Concluded",
        "已办结（有办理结果）的件数。", "Cases with an outcome in force (resolved, or closed after it).";
    OnTime = "on_time", "按期办结", "Concluded on time",
        "在办理期限（含批准的延期）内办结的件数。", "Cases concluded by the handling deadline in force, with an approved extension.";
    Solved = "solved", "解决", "Solved",
        "办理结果为属实或部分属实的件数。", "Concluded cases whose outcome is substantiated or partly substantiated.";
    OverdueNow = "overdue_now", "超期在办", "Overdue now",
        "现仍在办且已过期限的件数。", "Open cases past their deadline now.";
    Flagged = "flagged", "超期标记", "Flagged overdue",
        "曾被系统标记超期的件数，计在当时的承办单位。", "Cases ever flagged overdue by the sweeper, counted at the unit holding them then.";
    Supervised = "supervised", "督办", "Supervised",
        "收到督办通知的件数，计在被督办单位。", "Cases that got a supervision notice (督办), counted at the unit supervised.";
    Ratable = "ratable", "可评价", "Could be rated",
        "已答复、群众可评价的件数。", "Cases answered with an outcome, which the citizen could rate.";
    Rated = "rated", "已评价", "Rated",
        "群众已评价的件数。", "Cases the citizen rated.";
    Satisfied = "satisfied", "满意", "Satisfied",
        "最近一次评价为满意或基本满意的件数。", "Cases whose latest rating is satisfied or basically satisfied.";
    Reopened = "reopened", "重办", "Reopened",
        "因群众不满意而重办的件数。", "Cases reopened after the citizen was not satisfied.";
}

impl Count {
    /// Counted from timeline events at the unit the event names, not where the case is now.
    pub fn from_events(self) -> bool {
        matches!(
            self,
            Count::Dispatched
                | Count::TransferredOut
                | Count::TransferredIn
                | Count::Flagged
                | Count::Supervised
        )
    }
}

/// A rate: one count over another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateKind {
    /// 查结率
    Closure,
    /// 按期办结率
    OnTime,
    /// 解决率
    Resolution,
    /// 满意率
    Satisfaction,
    /// 参评率
    Participation,
    /// 重办率
    Reopening,
}

impl RateKind {
    pub const ALL: [RateKind; 6] = [
        RateKind::Closure,
        RateKind::OnTime,
        RateKind::Resolution,
        RateKind::Satisfaction,
        RateKind::Participation,
        RateKind::Reopening,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RateKind::Closure => "closure_rate",
            RateKind::OnTime => "on_time_rate",
            RateKind::Resolution => "resolution_rate",
            RateKind::Satisfaction => "satisfaction_rate",
            RateKind::Participation => "participation_rate",
            RateKind::Reopening => "reopen_rate",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RateKind::Closure => lang.pick("查结率", "Closure rate"),
            RateKind::OnTime => lang.pick("按期办结率", "On-time rate"),
            RateKind::Resolution => lang.pick("解决率", "Resolution rate"),
            RateKind::Satisfaction => lang.pick("满意率", "Satisfaction rate"),
            RateKind::Participation => lang.pick("参评率", "Rating take-up"),
            RateKind::Reopening => lang.pick("重办率", "Reopening rate"),
        }
    }

    /// Numerator over denominator.
    pub fn parts(self) -> (Count, Count) {
        match self {
            RateKind::Closure => (Count::Concluded, Count::Accepted),
            RateKind::OnTime => (Count::OnTime, Count::Concluded),
            RateKind::Resolution => (Count::Solved, Count::Concluded),
            RateKind::Satisfaction => (Count::Satisfied, Count::Rated),
            RateKind::Participation => (Count::Rated, Count::Ratable),
            RateKind::Reopening => (Count::Reopened, Count::Rated),
        }
    }
}

/// A numerator over a denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
}

impl Rate {
    /// The rate in per cent; `None` when there is nothing to divide by.
    pub fn percent(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 * 100.0 / self.denominator as f64)
    }

    /// `87.5%`, or `—` with a zero denominator.
    pub fn display(self) -> String {
        self.percent()
            .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"))
    }
}

/// How many cases took how many days: the day figures' distribution, exact in whole days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Days {
    /// Days → number of cases.
    pub histogram: BTreeMap<i32, i64>,
}

impl Days {
    pub fn add(&mut self, days: i32, cases: i64) {
        *self.histogram.entry(days).or_default() += cases;
    }

    pub fn cases(&self) -> i64 {
        self.histogram.values().sum()
    }

    pub fn total(&self) -> i64 {
        self.histogram.iter().map(|(d, n)| i64::from(*d) * n).sum()
    }

    /// The mean, to one decimal; `None` with no cases.
    pub fn mean(&self) -> Option<f64> {
        let n = self.cases();
        (n > 0).then(|| (self.total() as f64 / n as f64 * 10.0).round() / 10.0)
    }

    /// The 90th percentile by nearest rank: the smallest day count that at least 90 % of the
    /// cases did not exceed.
    pub fn p90(&self) -> Option<i32> {
        let n = self.cases();
        if n == 0 {
            return None;
        }
        let rank = (n * 9 + 9) / 10;
        let mut seen = 0;
        for (days, count) in &self.histogram {
            seen += count;
            if seen >= rank {
                return Some(*days);
            }
        }
        None
    }

    pub fn merge(&mut self, other: &Days) {
        for (d, n) in &other.histogram {
            self.add(*d, *n);
        }
    }
}

/// Every figure of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    counts: BTreeMap<Count, i64>,
    /// From receipt to (first) acceptance, in Beijing calendar days.
    pub to_accept: Days,
    /// From (first) acceptance to the conclusion in force.
    pub to_conclude: Days,
}

impl Figures {
    /// A count; [`Count::Matters`] always from the two it is made of, however it was read.
    pub fn get(&self, c: Count) -> i64 {
        match c {
            Count::Matters => self.get(Count::Received) - self.get(Count::Merged),
            c => self.counts.get(&c).copied().unwrap_or(0),
        }
    }

    pub fn set(&mut self, c: Count, n: i64) {
        self.counts.insert(c, n);
    }

    pub fn add(&mut self, c: Count, n: i64) {
        *self.counts.entry(c).or_default() += n;
    }

    pub fn rate(&self, r: RateKind) -> Rate {
        let (num, den) = r.parts();
        Rate {
            numerator: self.get(num),
            denominator: self.get(den),
        }
    }

    /// Adds another group's figures to these (a total, a roll-up to a city).
    pub fn merge(&mut self, other: &Figures) {
        for (c, n) in &other.counts {
            self.add(*c, *n);
        }
        self.to_accept.merge(&other.to_accept);
        self.to_conclude.merge(&other.to_conclude);
    }
}

/// What figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Unit,
    Region,
    Kind,
    Category,
    Channel,
    Event,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Unit,
        GroupBy::Region,
        GroupBy::Kind,
        GroupBy::Category,
        GroupBy::Channel,
        GroupBy::Event,
    ];

    pub fn code(self) -> &'static str {
        match self {
            GroupBy::Unit => "unit",
            GroupBy::Region => "region",
            GroupBy::Kind => "kind",
            GroupBy::Category => "category",
            GroupBy::Channel => "channel",
            GroupBy::Event => "event",
        }
    }

    pub fn from_code(code: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            GroupBy::Unit => lang.pick("单位", "Unit"),
            GroupBy::Region => lang.pick("地区", "Region"),
            GroupBy::Kind => lang.pick("类型", "Kind"),
            GroupBy::Category => lang.pick("问题类别", "Category"),
            GroupBy::Channel => lang.pick("渠道", "Channel"),
            GroupBy::Event => lang.pick("开放日活动", "Open day"),
        }
    }
}

/// The outcomes that count as solved (解决): never unsubstantiated or unresolvable.
pub const SOLVED_OUTCOMES: [&str; 2] = ["substantiated", "partly"];
/// The ratings that count as satisfied (满意率's numerator).
pub const SATISFIED_RATINGS: [&str; 2] = ["satisfied", "basically_satisfied"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_over_nothing_is_a_dash_not_a_number() {
        let r = Rate {
            numerator: 0,
            denominator: 0,
        };
        assert_eq!(r.percent(), None);
        assert_eq!(r.display(), "—");
        let r = Rate {
            numerator: 7,
            denominator: 8,
        };
        assert_eq!(r.display(), "87.5%");
    }

    #[test]
    fn rates_are_the_counts_the_issue_names() {
        let mut f = Figures::default();
        f.set(Count::Accepted, 10);
        f.set(Count::Concluded, 8);
        f.set(Count::OnTime, 6);
        f.set(Count::Solved, 4);
        f.set(Count::Rated, 5);
        f.set(Count::Satisfied, 3);
        f.set(Count::Ratable, 10);
        f.set(Count::Reopened, 1);
        let pct = |r| f.rate(r).percent().unwrap();
        assert_eq!(pct(RateKind::Closure), 80.0);
        assert_eq!(pct(RateKind::OnTime), 75.0);
        assert_eq!(pct(RateKind::Resolution), 50.0);
        assert_eq!(pct(RateKind::Satisfaction), 60.0);
        assert_eq!(pct(RateKind::Participation), 50.0);
        assert_eq!(pct(RateKind::Reopening), 20.0);
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        let mut d = Days::default();
        assert_eq!((d.mean(), d.p90()), (None, None));
        // Ten cases: 0,1,...,9 days. The 9th of ten (rank ceil(0.9 * 10)) took 8 days.
        for i in 0..10 {
            d.add(i, 1);
        }
        assert_eq!(d.p90(), Some(8));
        assert_eq!(d.mean(), Some(4.5));
        // Eleven cases: rank ceil(9.9) = 10 → 9 days.
        d.add(30, 1);
        assert_eq!(d.p90(), Some(9));
    }

    #[test]
    fn codes_round_trip_and_every_figure_has_words() {
        for c in Count::ALL {
            assert_eq!(Count::from_code(c.code()), Some(*c));
            assert!(!c.label(Lang::Zh).is_empty() && !c.definition(Lang::En).is_empty());
        }
        for g in GroupBy::ALL {
            assert_eq!(GroupBy::from_code(g.code()), Some(g));
        }
    }
}
