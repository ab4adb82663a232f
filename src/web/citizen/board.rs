//! The public board page (`/board`): the figures of the last twelve months in big plain tables,
//! small counts suppressed, and the answers published with the citizens' consent — searchable
//! with a plain GET form. No sign-in, no JavaScript, no tracking codes, no names.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::catalog::Named;
use crate::domain::kind::Kind;
use crate::domain::stats::suppress::Mark;
use crate::i18n::Lang;
use crate::services::board::{self as service, AnswerFilter, AnswerPage, Board, Figure, Line, Row};
use crate::web::pages::{render, Chrome, PageError, PageResult};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

/// The board's own words, in both languages.
pub struct BoardTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub period: &'static str,
    pub regions_heading: &'static str,
    pub kinds_heading: &'static str,
    pub problems_heading: &'static str,
    pub problems_intro: &'static str,
    pub units_heading: &'static str,
    pub months_heading: &'static str,
    pub months_region: &'static str,
    pub show: &'static str,
    pub region_col: &'static str,
    pub unit_col: &'static str,
    pub month_col: &'static str,
    pub received: &'static str,
    pub concluded: &'static str,
    pub closure_rate: &'static str,
    pub on_time_rate: &'static str,
    pub satisfaction_rate: &'static str,
    pub twelve_months: &'static str,
    pub legend_heading: &'static str,
    pub legend_small: &'static str,
    pub legend_withheld: &'static str,
    pub legend_rate: &'static str,
    pub legend_rates: &'static str,
    pub withheld: &'static str,
    pub answers_heading: &'static str,
    pub answers_intro: &'static str,
    pub filter_region: &'static str,
    pub filter_category: &'static str,
    pub filter_text: &'static str,
    pub any: &'static str,
    pub search: &'static str,
    pub no_answers: &'static str,
    pub question: &'static str,
    pub answer: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub updated: &'static str,
}

pub static ZH: BoardTexts = BoardTexts {
    title: "办理情况公开",
    intro: "这里公开近12个月群众来件的办理情况，以及经群众同意公开的答复。这里不显示任何人的姓名、电话或查询码。",
    period: "统计期间",
    regions_heading: "各地办理情况",
    kinds_heading: "各地来件类型",
    problems_heading: "举报的问题类别",
    problems_intro: "举报按“六大顽瘴痼疾”等问题分类统计，只公开件数，不公开内容。",
    units_heading: "各类单位办理情况",
    months_heading: "逐月办理情况",
    months_region: "地区",
    show: "查看",
    region_col: "地区",
    unit_col: "单位类别",
    month_col: "月份",
    received: "来件量",
    concluded: "办结",
    closure_rate: "查结率",
    on_time_rate: "按期办结率",
    satisfaction_rate: "满意率",
    twelve_months: "近12个月合计",
    legend_heading: "怎么看这些表",
    legend_small: "“<{n}”：不到{n}件。为保护个人隐私，不公布具体数字。",
    legend_withheld: "“不公布”：为防止用合计减去其他数字推算出不到{n}件的数字，这一格也不公布。",
    legend_rate: "比率一栏的“—”：用来计算的件数不到{n}件（或没有），不计算比率。",
    legend_rates: "查结率 = 办结件数 ÷ 受理件数；按期办结率 = 按期办结件数 ÷ 办结件数；满意率 = 满意和基本满意的评价 ÷ 全部评价。市的数字包括所辖县（市、区），“本级”是直接反映到该市（省）的来件。",
    withheld: "不公布",
    answers_heading: "公开答复",
    answers_intro: "以下问题和答复经反映人同意公开，已由工作人员去掉个人信息。举报一律不公开。",
    filter_region: "地区",
    filter_category: "问题类别",
    filter_text: "关键词",
    any: "全部",
    search: "查找",
    no_answers: "没有找到公开的答复。",
    question: "问题",
    answer: "答复",
    newer: "上一页",
    older: "下一页",
    updated: "数据每分钟更新一次。",
};

pub static EN: BoardTexts = BoardTexts {
    title: "Public figures",
    intro: "How the public's messages of the last 12 months were handled, and the answers published with the sender's consent. No names, phone numbers or tracking codes are shown here.",
    period: "Period",
    regions_heading: "Handling by region",
    kinds_heading: "Kinds of message by region",
    problems_heading: "Reports by problem",
    problems_intro: "Reports are counted by problem (the six stubborn problems and other misconduct). Only numbers are published, never their content.",
    units_heading: "Handling by kind of unit",
    months_heading: "Month by month",
    months_region: "Region",
    show: "Show",
    region_col: "Region",
    unit_col: "Kind of unit",
    month_col: "Month",
    received: "Received",
    concluded: "Concluded",
    closure_rate: "Closure rate",
    on_time_rate: "On-time rate",
    satisfaction_rate: "Satisfaction rate",
    twelve_months: "Last 12 months",
    legend_heading: "How to read these tables",
    legend_small: "“<{n}”: fewer than {n}. The exact number is not published, to protect privacy.",
    legend_withheld: "“withheld”: not published either, so that a number under {n} cannot be worked out by subtracting from a total.",
    legend_rate: "“—” in a rate column: fewer than {n} cases (or none) to count it over, so no rate is given.",
    legend_rates: "Closure rate = concluded ÷ accepted; on-time rate = concluded on time ÷ concluded; satisfaction rate = satisfied or basically satisfied ratings ÷ all ratings. A city's figures include its counties; “own level” is what was sent to the city (or province) itself.",
    withheld: "withheld",
    answers_heading: "Published answers",
    answers_intro: "These questions and answers are published with the sender's consent; staff removed any personal details. Reports are never published.",
    filter_region: "Region",
    filter_category: "Category",
    filter_text: "Words",
    any: "All",
    search: "Search",
    no_answers: "No published answers found.",
    question: "Question",
    answer: "Answer",
    newer: "Previous page",
    older: "Next page",
    updated: "The figures are updated every minute.",
};

pub fn board_texts(lang: Lang) -> &'static BoardTexts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A count as shown: the number, "<10", or "withheld".
pub fn shown(f: &Figure, min: i64, lang: Lang) -> String {
    match (f.mark, f.value) {
        (Mark::Shown, Some(v)) => v.to_string(),
        (Mark::Small, _) => format!("<{min}"),
        _ => board_texts(lang).withheld.to_owned(),
    }
}

/// One cell: its text and a class for its look.
pub struct Cell {
    pub text: String,
    pub class: &'static str,
}

pub struct TableRow {
    pub name: String,
    pub depth: usize,
    pub cells: Vec<Cell>,
}

pub struct Table {
    pub id: &'static str,
    pub heading: String,
    pub intro: Option<String>,
    pub head: Vec<String>,
    pub rows: Vec<TableRow>,
}

struct Opt {
    code: String,
    label: String,
    selected: bool,
}

struct AnswerItem {
    summary: String,
    answer: String,
    meta: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    t: &'static Texts,
    b: &'static BoardTexts,
    chrome: Chrome,
    period: String,
    tables: Vec<Table>,
    month_table: Table,
    month_regions: Vec<Opt>,
    legend: Vec<String>,
    answers: Vec<AnswerItem>,
    answer_regions: Vec<Opt>,
    answer_categories: Vec<Opt>,
    q: String,
    newer: Option<String>,
    older: Option<String>,
}

fn figure_cell(f: &Figure, min: i64, lang: Lang) -> Cell {
    Cell {
        text: shown(f, min, lang),
        class: match f.mark {
            Mark::Shown => "num",
            Mark::Small => "num small",
            Mark::Withheld => "num withheld",
        },
    }
}

fn main_cells(l: &Line, min: i64, lang: Lang) -> Vec<Cell> {
    let mut v = vec![
        figure_cell(&l.received, min, lang),
        figure_cell(&l.concluded, min, lang),
    ];
    v.extend(l.rates.iter().map(|r| Cell {
        text: r.display(),
        class: "num rate",
    }));
    v
}

fn main_head(b: &BoardTexts, first: &str) -> Vec<String> {
    [
        first,
        b.received,
        b.concluded,
        b.closure_rate,
        b.on_time_rate,
        b.satisfaction_rate,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn month_label(month: i32, lang: Lang) -> String {
    let (y, m) = (month / 100, month % 100);
    match lang {
        Lang::Zh => format!("{y}年{m}月"),
        Lang::En => format!("{y}-{m:02}"),
    }
}

fn row_name(r: &Row, lang: Lang) -> String {
    lang.pick(&r.name, &r.name_en).to_owned()
}

fn tables(state: &AppState, board: &Board, lang: Lang) -> Vec<Table> {
    let b = board_texts(lang);
    let min = board.min_count;
    let regions = |cells: &dyn Fn(&Line) -> Vec<Cell>| -> Vec<TableRow> {
        board
            .regions
            .iter()
            .map(|r| TableRow {
                name: row_name(r, lang),
                depth: r.depth,
                cells: cells(&r.total),
            })
            .collect()
    };
    let mut kind_head = vec![b.region_col.to_owned(), b.received.to_owned()];
    kind_head.extend(
        board
            .kinds
            .iter()
            .map(|k| state.catalog.kind_info(*k).name(lang).to_owned()),
    );
    let mut problem_head = vec![
        b.region_col.to_owned(),
        state.catalog.kind_info(Kind::Report).name(lang).to_owned(),
    ];
    problem_head.extend(
        board
            .categories
            .iter()
            .map(|(_, zh, en)| lang.pick(zh, en).to_owned()),
    );
    let report = board.kinds.iter().position(|k| *k == Kind::Report).unwrap_or(0);
    vec![
        Table {
            id: "by-region",
            heading: b.regions_heading.to_owned(),
            intro: None,
            head: main_head(b, b.region_col),
            rows: regions(&|l| main_cells(l, min, lang)),
        },
        Table {
            id: "by-kind",
            heading: b.kinds_heading.to_owned(),
            intro: None,
            head: kind_head,
            rows: regions(&|l| {
                let mut v = vec![figure_cell(&l.received, min, lang)];
                v.extend(l.by_kind.iter().map(|f| figure_cell(f, min, lang)));
                v
            }),
        },
        Table {
            id: "by-problem",
            heading: b.problems_heading.to_owned(),
            intro: Some(b.problems_intro.to_owned()),
            head: problem_head,
            rows: regions(&|l| {
                let mut v = vec![figure_cell(&l.by_kind[report], min, lang)];
                v.extend(l.by_category.iter().map(|f| figure_cell(f, min, lang)));
                v
            }),
        },
        Table {
            id: "by-unit-kind",
            heading: b.units_heading.to_owned(),
            intro: None,
            head: main_head(b, b.unit_col),
            rows: board
                .unit_kinds
                .iter()
                .map(|r| TableRow {
                    name: row_name(r, lang),
                    depth: 0,
                    cells: main_cells(&r.total, min, lang),
                })
                .collect(),
        },
    ]
}

fn month_table(board: &Board, row: &Row, lang: Lang) -> Table {
    let b = board_texts(lang);
    let min = board.min_count;
    let mut rows: Vec<TableRow> = board
        .months
        .iter()
        .zip(&row.months)
        .rev()
        .map(|(m, l)| TableRow {
            name: month_label(*m, lang),
            depth: 0,
            cells: main_cells(l, min, lang),
        })
        .collect();
    rows.push(TableRow {
        name: b.twelve_months.to_owned(),
        depth: 0,
        cells: main_cells(&row.total, min, lang),
    });
    Table {
        id: "by-month",
        heading: format!("{}：{}", b.months_heading, row_name(row, lang)),
        intro: None,
        head: main_head(b, b.month_col),
        rows,
    }
}

/// The board's query: which region's months, and the answers' filter.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    pub months: Option<String>,
    pub region: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
    /// Text, so that a bad page number is page 1 rather than an error page.
    pub page: Option<String>,
}

fn page_link(a: &AnswerPage, months: &Option<String>, page: u32) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(m) = months {
        pairs.push(("months", m.clone()));
    }
    if let Some(r) = &a.region {
        pairs.push(("region", r.clone()));
    }
    if let Some(c) = &a.category {
        pairs.push(("category", c.clone()));
    }
    if let Some(q) = &a.q {
        pairs.push(("q", q.clone()));
    }
    pairs.push(("page", page.to_string()));
    format!(
        "/board?{}#answers",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

pub async fn page(
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let board = service::board(&state).await.page(lang)?;
    let answers = service::answers(
        &state,
        AnswerFilter {
            region: query.region.clone(),
            category: query.category.clone(),
            q: query.q.clone(),
            page: query.page.as_deref().and_then(|p| p.trim().parse().ok()),
        },
    )
    .await
    .page(lang)?;
    let b = board_texts(lang);
    let catalog = &state.catalog;
    let months_row = query
        .months
        .as_deref()
        .and_then(|code| board.region(code))
        .or_else(|| board.regions.first());
    let months_code = months_row.map(|r| r.code.clone());
    let month_table = match months_row {
        Some(r) => month_table(&board, r, lang),
        None => Table {
            id: "by-month",
            heading: b.months_heading.to_owned(),
            intro: None,
            head: Vec::new(),
            rows: Vec::new(),
        },
    };
    let region_opts = |chosen: Option<&str>| -> Vec<Opt> {
        catalog
            .regions_tree()
            .into_iter()
            .map(|(r, depth)| Opt {
                code: r.code.clone(),
                label: format!("{}{}", "\u{3000}".repeat(depth), r.name(lang)),
                selected: Some(r.code.as_str()) == chosen,
            })
            .collect()
    };
    let n = board.min_count.to_string();
    let legend = [
        b.legend_small,
        b.legend_withheld,
        b.legend_rate,
        b.legend_rates,
        b.updated,
    ]
    .iter()
    .map(|s| s.replace("{n}", &n))
    .collect();
    let items = answers
        .items
        .iter()
        .map(|a| {
            let category = catalog
                .category(&a.category)
                .map(|c| c.name(lang))
                .unwrap_or_default();
            let region = catalog
                .region(&a.region)
                .map(|r| r.name(lang))
                .unwrap_or_default();
            let kind = Kind::from_code(&a.kind)
                .map(|k| catalog.kind_info(k).name(lang))
                .unwrap_or_default();
            AnswerItem {
                summary: a.summary.clone(),
                answer: a.answer.clone(),
                meta: [kind, category, region, &month_label(a.month, lang)].join(" · "),
            }
        })
        .collect();
    let explicit_months = query.months.clone().filter(|_| months_row.is_some());
    let page = BoardPage {
        t: texts(lang),
        b,
        chrome: Chrome::new(lang, "/board"),
        period: format!(
            "{}：{} — {}",
            b.period,
            board.from.format("%Y-%m-%d"),
            board.to.format("%Y-%m-%d")
        ),
        tables: tables(&state, &board, lang),
        month_table,
        month_regions: region_opts(months_code.as_deref()),
        legend,
        answers: items,
        answer_regions: region_opts(answers.region.as_deref()),
        answer_categories: catalog
            .categories
            .iter()
            .filter(|c| !c.kinds.iter().all(|k| k == Kind::Report.code()))
            .map(|c| Opt {
                code: c.code.clone(),
                label: c.name(lang).to_owned(),
                selected: answers.category.as_deref() == Some(c.code.as_str()),
            })
            .collect(),
        q: answers.q.clone().unwrap_or_default(),
        newer: (answers.page > 1).then(|| page_link(&answers, &explicit_months, answers.page - 1)),
        older: answers
            .has_next
            .then(|| page_link(&answers, &explicit_months, answers.page + 1)),
    };
    let mut resp = render(StatusCode::OK, &page);
    // The same for everyone who asks in the same language; a minute old at most.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=60"),
    );
    resp.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    Ok(resp)
}
