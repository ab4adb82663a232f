//! The public board as JSON (`GET /api/v1/board`): the same suppressed figures as the page, for
//! anyone, no token. A hidden count carries no value, only why it is hidden. The answers published
//! with the citizens' consent are `GET /api/v1/board/answers`, filtered and paged as on the page.
//! The JSON is rendered once per board and language ([`RenderedBoard`]).

use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{mime, web, HttpResponse};
use serde_json::{json, Map, Value};

use crate::catalog::Named;
use crate::domain::stats::suppress::{Mark, RateShown};
use crate::i18n::Lang;
use crate::services::board::{self as service, AnswerFilter, Board, Figure, Line, Row, RATES};
use crate::web::citizen::board::{board_texts, shown};
use crate::web::error::{ApiError, ErrorIn};
use crate::web::AppState;

fn figure(f: &Figure, min: i64, lang: Lang) -> Value {
    let suppressed = match f.mark {
        Mark::Shown => Value::Null,
        Mark::Small => json!("small"),
        Mark::Withheld => json!("withheld"),
    };
    json!({ "value": f.value, "suppressed": suppressed, "shown": shown(f, min, lang) })
}

fn rate(r: &RateShown) -> Value {
    let (percent, withheld) = match r {
        RateShown::Shown(p) => (json!((p * 10.0).round() / 10.0), Value::Null),
        RateShown::NoCases => (Value::Null, json!("no_cases")),
        RateShown::SmallBase => (Value::Null, json!("small_base")),
        RateShown::HiddenPart => (Value::Null, json!("hidden_part")),
    };
    json!({ "percent": percent, "withheld": withheld, "shown": r.display() })
}

fn line(board: &Board, l: &Line, lang: Lang) -> Value {
    let min = board.min_count;
    let by_kind: Map<String, Value> = board
        .kinds
        .iter()
        .zip(&l.by_kind)
        .map(|(k, f)| (k.code().to_owned(), figure(f, min, lang)))
        .collect();
    let by_category: Map<String, Value> = board
        .categories
        .iter()
        .zip(&l.by_category)
        .map(|((code, _, _), f)| (code.clone(), figure(f, min, lang)))
        .collect();
    let rates: Map<String, Value> = RATES
        .iter()
        .zip(&l.rates)
        .map(|(k, r)| (k.code().to_owned(), rate(r)))
        .collect();
    json!({
        "received": figure(&l.received, min, lang),
        "concluded": figure(&l.concluded, min, lang),
        "by_kind": by_kind,
        "by_category": by_category,
        "rates": rates,
    })
}

fn row(board: &Board, r: &Row, lang: Lang) -> Value {
    let months: Map<String, Value> = board
        .months
        .iter()
        .zip(&r.months)
        .map(|(m, l)| (m.to_string(), line(board, l, lang)))
        .collect();
    json!({
        "code": r.code,
        "name": lang.pick(&r.name, &r.name_en),
        "level": r.depth,
        "own_level": r.own,
        "parent": r.parent,
        "total": line(board, &r.total, lang),
        "months": months,
    })
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

pub async fn board(state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
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
    let notes: Vec<String> = [b.legend_small, b.legend_withheld, b.legend_rate, b.legend_rates]
        .iter()
        .map(|s| s.replace("{n}", &n))
        .collect();
    let body = json!({
        "generated_at": board.generated_at,
        "min_count": board.min_count,
        "period": { "from": board.from, "to": board.to },
        "months": board.months,
        "kinds": board.kinds.iter().map(|k| json!({"code": k.code(), "name": state.catalog.kind_info(*k).name(lang)})).collect::<Vec<_>>(),
        "categories": board.categories.iter().map(|(code, zh, en)| json!({"code": code, "name": lang.pick(zh, en)})).collect::<Vec<_>>(),
        "regions": board.regions.iter().map(|r| row(board, r, lang)).collect::<Vec<_>>(),
        "unit_kinds": board.unit_kinds.iter().map(|r| row(board, r, lang)).collect::<Vec<_>>(),
        "notes": notes,
    });
    body.to_string().into_bytes()
}

/// The query of the answers: as on the page, a bad page number is page 1, not an error.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswersQuery {
    pub region: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// A page of published answers, newest first: no tracking code, no date finer than the month.
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
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|a| {
            json!({
                "kind": a.kind,
                "category": a.category,
                "category_name": catalog.category(&a.category).map(|c| c.name(lang)),
                "region": a.region,
                "region_name": catalog.region(&a.region).map(|r| r.name(lang)),
                "month": format!("{:04}-{:02}", a.month / 100, a.month % 100),
                "summary": a.summary,
                "answer": a.answer,
            })
        })
        .collect();
    let body = json!({
        "page": page.page,
        "per_page": service::ANSWERS_PER_PAGE,
        "has_next": page.has_next,
        "filter": { "region": page.region, "category": page.category, "q": page.q },
        "items": items,
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .json(body))
}
