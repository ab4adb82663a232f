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

pub use super::board_texts::{board_texts, BoardTexts};

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
