//! The public board as JSON (`GET /api/v1/board`): the same suppressed figures as the page, for
//! anyone, no token. A hidden count carries no value, only why it is hidden. The answers published
//! with the citizens' consent are `GET /api/v1/board/answers`, filtered and paged as on the page.
//! The JSON is rendered once per board and language ([`RenderedBoard`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, mime, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::Named;
use crate::domain::stats::suppress::{Mark, RateShown};
use crate::i18n::Lang;
use crate::services::board::{self as service, AnswerFilter, Board, Figure, Line, Row, RATES};
use crate::web::api::citizen::CodeName;
use crate::web::citizen::board::{board_texts, shown};
use crate::web::error::{ApiError, ApiErrorBody, ErrorIn};
use crate::web::AppState;

/// Why a count is hidden.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    /// Under the smallest count shown.
    Small,
    /// Hidden so that a small one cannot be worked out from the others.
    Withheld,
}

/// A count on the board: its value, or why it is hidden.
#[derive(Serialize, ToSchema)]
pub struct BoardFigure {
    pub value: Option<i64>,
    pub suppressed: Option<Suppressed>,
    /// As the page shows it, e.g. `12` or `<10`.
    pub shown: String,
}

/// Why a rate is not shown.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    SmallBase,
    HiddenPart,
    NoCases,
}

/// A rate on the board, in per cent to one decimal, or why it is not shown.
#[derive(Serialize, ToSchema)]
pub struct BoardRate {
    pub percent: Option<f64>,
    pub withheld: Option<Withheld>,
    pub shown: String,
}

/// One row's figures in one month (or the twelve).
#[derive(Serialize, ToSchema)]
pub struct BoardLine {
    pub received: BoardFigure,
    pub concluded: BoardFigure,
    /// By kind code.
    pub by_kind: BTreeMap<String, BoardFigure>,
    /// Reports by problem (category code).
    pub by_category: BTreeMap<String, BoardFigure>,
    /// By rate code.
    pub rates: BTreeMap<String, BoardRate>,
}

/// A region (in total, or its own level) or a kind of unit.
#[derive(Serialize, ToSchema)]
pub struct BoardRow {
    pub code: String,
    pub name: String,
    /// 0 for the province, 1 for a city, 2 for a county.
    pub level: usize,
    /// The region's own cases, not those of the regions inside it.
    pub own_level: bool,
    pub parent: Option<String>,
    pub total: BoardLine,
    /// By month, `YYYYMM`.
    pub months: BTreeMap<String, BoardLine>,
}

/// The period the board covers.
#[derive(Serialize, ToSchema)]
pub struct BoardPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The public board.
#[derive(Serialize, ToSchema)]
pub struct BoardOut {
    pub generated_at: DateTime<Utc>,
    /// The smallest count shown.
    pub min_count: i64,
    pub period: BoardPeriod,
    /// `YYYYMM`, oldest first.
    pub months: Vec<i32>,
    pub kinds: Vec<CodeName>,
    pub categories: Vec<CodeName>,
    pub regions: Vec<BoardRow>,
    pub unit_kinds: Vec<BoardRow>,
    /// How to read it.
    pub notes: Vec<String>,
}

fn figure(f: &Figure, min: i64, lang: Lang) -> BoardFigure {
    let suppressed = match f.mark {
        Mark::Shown => None,
        Mark::Small => Some(Suppressed::Small),
        Mark::Withheld => Some(Suppressed::Withheld),
    };
    BoardFigure {
        value: f.value,
        suppressed,
        shown: shown(f, min, lang),
    }
}

fn rate(r: &RateShown) -> BoardRate {
    let (percent, withheld) = match r {
        RateShown::Shown(p) => (Some((p * 10.0).round() / 10.0), None),
        RateShown::NoCases => (None, Some(Withheld::NoCases)),
        RateShown::SmallBase => (None, Some(Withheld::SmallBase)),
        RateShown::HiddenPart => (None, Some(Withheld::HiddenPart)),
    };
    BoardRate {
        percent,
        withheld,
        shown: r.display(),
    }
}

fn line(board: &Board, l: &Line, lang: Lang) -> BoardLine {
    let min = board.min_count;
    BoardLine {
        received: figure(&l.received, min, lang),
        concluded: figure(&l.concluded, min, lang),
        by_kind: board
            .kinds
            .iter()
            .zip(&l.by_kind)
            .map(|(k, f)| (k.code().to_owned(), figure(f, min, lang)))
            .collect(),
        by_category: board
            .categories
            .iter()
            .zip(&l.by_category)
            .map(|((code, _, _), f)| (code.clone(), figure(f, min, lang)))
            .collect(),
        rates: RATES
            .iter()
            .zip(&l.rates)
            .map(|(k, r)| (k.code().to_owned(), rate(r)))
            .collect(),
    }
}

fn row(board: &Board, r: &Row, lang: Lang) -> BoardRow {
    BoardRow {
        code: r.code.clone(),
        name: lang.pick(&r.name, &r.name_en).to_owned(),
        level: r.depth,
        own_level: r.own,
        parent: r.parent.clone(),
        total: line(board, &r.total, lang),
        months: board
            .months
            .iter()
            .zip(&r.months)
            .map(|(m, l)| (m.to_string(), line(board, l, lang)))
            .collect(),
    }
}

/// The board's JSON, rendered once per board and language. The board is counted once a minute;
/// rendering its 600 KB of JSON on every request took longer than fetching it (p99 84 ms at
/// 1,000,000 cases, against a target of 50).
#[derive(Default)]
pub struct RenderedBoard {
    entries: Mutex<Vec<(Lang, Arc<Board>, Bytes)>>,
}

impl RenderedBoard {
    /// The JSON of `board` in `lang`: the one rendered before if it was of this very board.
    fn get_or_render(&self, board: &Arc<Board>, lang: Lang, render: impl FnOnce() -> Vec<u8>) -> Bytes {
        let lock = || self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, _, body)) = lock()
            .iter()
            .find(|(l, b, _)| *l == lang && Arc::ptr_eq(b, board))
        {
            return body.clone();
        }
        let body = Bytes::from(render());
        let mut entries = lock();
        entries.retain(|(l, b, _)| *l != lang && Arc::ptr_eq(b, board));
        entries.push((lang, board.clone(), body.clone()));
        body
    }
}

/// The public board's figures: the same suppressed figures as the page, for anyone.
#[utoipa::path(
    tag = "public",
    operation_id = "board",
    responses((status = 200, description = "The board", body = BoardOut))
)]
#[get("/board")]
pub async fn get_board(state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let board = service::board(&state).await.api(lang)?;
    let body = state
        .board_json
        .get_or_render(&board, lang, || render(&state, &board, lang));
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .content_type(mime::APPLICATION_JSON)
        .body(body))
}

fn render(state: &AppState, board: &Board, lang: Lang) -> Vec<u8> {
    let b = board_texts(lang);
    let n = board.min_count.to_string();
    let body = BoardOut {
        generated_at: board.generated_at,
        min_count: board.min_count,
        period: BoardPeriod {
            from: board.from,
            to: board.to,
        },
        months: board.months.clone(),
        kinds: board
            .kinds
            .iter()
            .map(|k| CodeName {
                code: k.code().to_owned(),
                name: state.catalog.kind_info(*k).name(lang).to_owned(),
            })
            .collect(),
        categories: board
            .categories
            .iter()
            .map(|(code, zh, en)| CodeName {
                code: code.clone(),
                name: lang.pick(zh, en).to_owned(),
            })
            .collect(),
        regions: board.regions.iter().map(|r| row(board, r, lang)).collect(),
        unit_kinds: board.unit_kinds.iter().map(|r| row(board, r, lang)).collect(),
        notes: [b.legend_small, b.legend_withheld, b.legend_rate, b.legend_rates]
            .iter()
            .map(|s| s.replace("{n}", &n))
            .collect(),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The query of the answers: as on the page, a bad page number is page 1, not an error.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AnswersQuery {
    /// A region's code: answers there and in the regions inside it.
    pub region: Option<String>,
    /// A category's code.
    pub category: Option<String>,
    /// Words in the question or the answer.
    pub q: Option<String>,
    /// From 1; anything else is page 1.
    pub page: Option<String>,
}

/// One published answer: no tracking code, no date finer than the month.
#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    pub kind: String,
    pub category: String,
    pub category_name: Option<String>,
    pub region: String,
    pub region_name: Option<String>,
    /// `YYYY-MM`.
    pub month: String,
    pub summary: String,
    pub answer: String,
}

/// The filter as understood: unknown codes are dropped.
#[derive(Serialize, ToSchema)]
pub struct AnswerFilterOut {
    pub region: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
}

/// A page of published answers.
#[derive(Serialize, ToSchema)]
pub struct AnswersOut {
    pub page: u32,
    pub per_page: i64,
    pub has_next: bool,
    pub filter: AnswerFilterOut,
    pub items: Vec<AnswerOut>,
}

/// A page of published answers, newest first: no tracking code, no date finer than the month.
#[utoipa::path(
    tag = "public",
    operation_id = "board_answers",
    params(AnswersQuery),
    responses(
        (status = 200, description = "A page of answers", body = AnswersOut),
        (status = 400, description = "A malformed query", body = ApiErrorBody),
    )
)]
#[get("/board/answers")]
pub async fn answers(
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<AnswersQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = service::answers(
        &state,
        AnswerFilter {
            region: query.region,
            category: query.category,
            q: query.q,
            page: query.page.as_deref().and_then(|p| p.trim().parse().ok()),
        },
    )
    .await
    .api(lang)?;
    let catalog = &state.catalog;
    let items = page
        .items
        .iter()
        .map(|a| AnswerOut {
            kind: a.kind.clone(),
            category: a.category.clone(),
            category_name: catalog.category(&a.category).map(|c| c.name(lang).to_owned()),
            region: a.region.clone(),
            region_name: catalog.region(&a.region).map(|r| r.name(lang).to_owned()),
            month: format!("{:04}-{:02}", a.month / 100, a.month % 100),
            summary: a.summary.clone(),
            answer: a.answer.clone(),
        })
        .collect();
    let body = AnswersOut {
        page: page.page,
        per_page: service::ANSWERS_PER_PAGE,
        has_next: page.has_next,
        filter: AnswerFilterOut {
            region: page.region,
            category: page.category,
            q: page.q,
        },
        items,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .json(body))
}
