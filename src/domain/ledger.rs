//! The ledger (台账, issue #12): one row per case, per problem type, for supervisors' reports. Pure:
//! its columns, the order of its categories, the words for stored codes, and the names of its
//! spreadsheet sheets. The rows come from [`crate::storage::ledger`]; the files are written by
//! [`crate::services::ledger`].
//!
//! A ledger never names who reported a case: no column holds a name, a contact, the text of a
//! submission or of its answer.

use chrono::{NaiveDate, NaiveDateTime};

/// The six stubborn problems (六大顽瘴痼疾), the misconduct categories reports are about: they
/// come first in every ledger, in this order.
pub const STUBBORN_PROBLEMS: [&str; 6] = [
    "interfering_with_justice",
    "illegal_business",
    "illegal_shareholding_lending",
    "lax_enforcement",
    "illegal_commutation",
    "improper_lawyer_contact",
];

/// The most data rows one sheet takes: Excel's 1,048,576 rows less the header. A category with
/// more goes on in a sheet named "… (2)", and so on.
pub const MAX_SHEET_ROWS: u32 = 1_048_575;

/// Excel's longest sheet name, in characters.
const MAX_SHEET_NAME: usize = 31;

/// Orders category codes: the six stubborn problems first, then the catalog's order, then any
/// code the catalog does not know, alphabetically.
pub fn order_categories(mut present: Vec<String>, catalog_order: &[&str]) -> Vec<String> {
    let rank = |code: &str| -> (usize, usize) {
        if let Some(i) = STUBBORN_PROBLEMS.iter().position(|c| *c == code) {
            (0, i)
        } else if let Some(i) = catalog_order.iter().position(|c| *c == code) {
            (1, i)
        } else {
            (2, 0)
        }
    };
    present.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    present
}

/// A ledger column: its header in Chinese and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
    /// A spreadsheet column width, in characters.
    pub width: u16,
}

impl Column {
    /// `查询码 Tracking code`: one header line, for CSV.
    pub fn header(self) -> String {
        format!("{} {}", self.zh, self.en)
    }
}

const fn col(zh: &'static str, en: &'static str, width: u16) -> Column {
    Column { zh, en, width }
}

/// Every column, in order. [`LedgerCells::cells`] fills them in the same order.
pub const COLUMNS: [Column; 18] = [
    col("查询码", "Tracking code", 16),
    col("收件日期", "Received", 12),
    col("类型", "Kind", 10),
    col("问题类别", "Category", 24),
    col("类别代码", "Category code", 16),
    col("承办单位", "Unit", 22),
    col("单位代码", "Unit code", 16),
    col("状态", "State", 10),
    col("受理日期", "Accepted", 12),
    col("受理期限", "Acceptance deadline", 17),
    col("办理期限", "Handling deadline", 17),
    col("延期天数", "Extension days", 10),
    col("办结日期", "Concluded", 12),
    col("办理结果", "Outcome", 14),
    col("办理用时（天）", "Days taken", 10),
    col("超期", "Overdue", 8),
    col("督办", "Supervised", 8),
    col("群众评价", "Rating", 10),
];

/// One value in a ledger row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(i64),
    /// A Beijing calendar day.
    Date(NaiveDate),
    /// A Beijing date and time.
    Time(NaiveDateTime),
}

impl Cell {
    /// The value as CSV text: dates `YYYY-MM-DD`, times `YYYY-MM-DD HH:MM` (Beijing).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

/// A ledger row, ready to write: one cell per entry of [`COLUMNS`].
pub type LedgerCells = Vec<Cell>;

/// What a state is called in a ledger.
pub fn state_label(code: &str) -> &str {
    match code {
        "submitted" => "已提交",
        "pending_dispatch" => "待分派",
        "assigned" => "已交办",
        "accepted" => "已受理",
        "rejected" => "不予受理",
        "resolved" => "已办结",
        "reopened" => "重办中",
        "merged" => "已并件",
        "closed" => "已结案",
        other => other,
    }
}

/// Outcome codes in the order a report lists them, with their names.
pub const OUTCOMES: [(&str, &str, &str); 4] = [
    ("substantiated", "属实并已处理", "Substantiated"),
    ("partly", "部分属实", "Partly substantiated"),
    ("unsubstantiated", "不属实", "Not substantiated"),
    ("unresolvable", "无法办理", "Cannot be resolved"),
];

/// What an outcome is called in a ledger.
pub fn outcome_label(code: &str) -> &str {
    OUTCOMES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, zh, _)| zh)
}

/// What a citizen's rating is called in a ledger.
pub fn rating_label(code: &str) -> &str {
    match code {
        "satisfied" => "满意",
        "basically_satisfied" => "基本满意",
        "not_satisfied" => "不满意",
        other => other,
    }
}

/// `是` or `否`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// A sheet name Excel accepts, unique among `taken`: without `[]:*?/\`, not starting or ending
/// with `'`, at most 31 characters with its part suffix (" (2)" for a category's second sheet).
pub fn sheet_name(base: &str, part: u32, taken: &[String]) -> String {
    let clean: String = base
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').trim().to_owned();
    let clean = if clean.is_empty() {
        "Sheet".to_owned()
    } else {
        clean
    };
    let mut n = 0;
    loop {
        let mut suffix = if part > 1 {
            format!(" ({part})")
        } else {
            String::new()
        };
        if n > 0 {
            suffix.push_str(&format!(" #{n}"));
        }
        let room = MAX_SHEET_NAME.saturating_sub(suffix.chars().count());
        let name: String = clean.chars().take(room).collect::<String>() + &suffix;
        if !taken.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_stubborn_problems_come_first_then_the_catalog_order() {
        let present = vec![
            "other".to_owned(),
            "zzz_unknown".to_owned(),
            "improper_lawyer_contact".to_owned(),
            "law_enforcement".to_owned(),
            "interfering_with_justice".to_owned(),
        ];
        let catalog = ["law_enforcement", "other", "interfering_with_justice"];
        assert_eq!(
            order_categories(present, &catalog),
            [
                "interfering_with_justice",
                "improper_lawyer_contact",
                "law_enforcement",
                "other",
                "zzz_unknown"
            ]
        );
    }

    #[test]
    fn sheet_names_fit_excel() {
        let long = "执法不严、司法不公（有案不立、压案不查、有罪不究）再加上一些很长很长的文字";
        let name = sheet_name(long, 1, &[]);
        assert!(name.chars().count() <= 31);
        let second = sheet_name(long, 2, std::slice::from_ref(&name));
        assert!(second.ends_with(" (2)") && second.chars().count() <= 31);
        assert_eq!(sheet_name("a/b:c", 1, &[]), "a_b_c");
        assert_eq!(sheet_name("x", 1, &["X".to_owned()]), "x #1");
        assert_eq!(
            sheet_name("违反防止干预司法“三个规定”", 1, &[]),
            "违反防止干预司法“三个规定”"
        );
    }

    #[test]
    fn no_column_names_a_person() {
        for c in COLUMNS {
            for word in [
                "姓名", "Name", "电话", "Phone", "mail", "身份", "内容", "Body", "Title",
            ] {
                assert!(!c.zh.contains(word) && !c.en.contains(word), "{c:?}");
            }
        }
    }
}
