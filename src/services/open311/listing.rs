//! `GET requests`, `GET requests/{id}` and `GET tokens/{token}`. Complaints and reports are not
//! public: a caller sees the requests its own key filed (in full: the description, the location,
//! the newest note its citizen can read), and answers their citizens agreed to publish — the same
//! ones the public board shows, with the retold question and the published answer only. Anything
//! else does not exist as far as the caller can tell (404).

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

use super::check_jurisdiction;
use crate::catalog::Named;
use crate::domain::open311::{parse_service_code, service_code, window, Status, WindowError, MAX_RESULTS};
use crate::domain::{calendar, Kind, State, TrackingCode};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::Context;
use crate::storage::open311::{self as store, RequestQuery, RequestRow};

/// A `GET requests` as asked (text as sent; checked here).
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// The caller's key, if one was presented (and checked).
    pub key_id: Option<i64>,
    pub jurisdiction_id: Option<String>,
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: Option<String>,
    pub lang: Lang,
}

/// One request as the spec shows it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub service_request_id: String,
    pub status: Status,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub requested_datetime: DateTime<FixedOffset>,
    pub updated_datetime: DateTime<FixedOffset>,
    pub expected_datetime: Option<DateTime<FixedOffset>>,
    pub address: Option<String>,
    /// The region code.
    pub address_id: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
}

/// Beijing time, as every datetime is given.
fn beijing(at: NaiveDateTime) -> DateTime<FixedOffset> {
    at.and_utc().with_timezone(&calendar::beijing())
}

fn parse_date(raw: Option<&str>, field: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| {
                AppError::Malformed(format!(
                    "{field} must be a W3C datetime such as 2026-12-01T00:00:00+08:00"
                ))
            }),
    }
}

/// A comma-separated list, blanks dropped.
fn list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The requests the caller may see that match, newest first, at most 1,000.
pub async fn list_requests(ctx: &Context, req: ListRequest) -> Result<Vec<RequestView>, AppError> {
    check_jurisdiction(&ctx.catalog, req.jurisdiction_id.as_deref())?;
    let now = ctx.clock.now();
    let tracking_codes: Vec<String> = list(req.service_request_id.as_deref())
        .iter()
        .filter_map(|c| TrackingCode::parse(c).map(|t| t.display()))
        .collect();
    if req.service_request_id.is_some() && tracking_codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut services = Vec::new();
    for code in list(req.service_code.as_deref()) {
        let (kind, category) = parse_service_code(&code, &ctx.catalog)
            .ok_or_else(|| AppError::Malformed(format!("unknown service_code `{code}`")))?;
        services.push((kind.code().to_owned(), category.code.clone()));
    }
    let states = match req.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(raw) => Status::parse_list(raw)
            .ok_or_else(|| AppError::Malformed("status is open, closed, or both".into()))?
            .into_iter()
            .flat_map(|s| s.states())
            .map(str::to_owned)
            .collect(),
    };
    let start = parse_date(req.start_date.as_deref(), "start_date")?;
    let end = parse_date(req.end_date.as_deref(), "end_date")?;
    let (from, to) = window(start, end, now).map_err(|e| {
        AppError::Malformed(
            match e {
                WindowError::EndsBeforeStart => "end_date is before start_date",
                WindowError::TooLong => "start_date and end_date are at most 90 days apart",
            }
            .into(),
        )
    })?;
    let query = RequestQuery {
        key_id: req.key_id,
        tracking_codes,
        services,
        window: Some((from.naive_utc(), to.naive_utc())),
        states,
        limit: MAX_RESULTS as i64,
    };
    load(ctx, query, req.lang).await
}

/// One request the caller may see, else `NotFound`.
pub async fn one(ctx: &Context, key_id: Option<i64>, id: &str, lang: Lang) -> Result<RequestView, AppError> {
    let code = TrackingCode::parse(id).ok_or(AppError::NotFound)?;
    let query = RequestQuery {
        key_id,
        tracking_codes: vec![code.display()],
        limit: 1,
        ..Default::default()
    };
    load(ctx, query, lang)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

/// The request a token stands for. Every request gets its id at once, so the id is its own
/// token: a token answers only for the key that filed the request.
pub async fn token(ctx: &Context, key_id: Option<i64>, token: &str) -> Result<String, AppError> {
    let key_id = key_id.ok_or(AppError::NotFound)?;
    let view = one(ctx, Some(key_id), token, Lang::Zh).await?;
    Ok(view.service_request_id)
}

async fn load(ctx: &Context, query: RequestQuery, lang: Lang) -> Result<Vec<RequestView>, AppError> {
    let own_key = query.key_id;
    let (rows, notes) = ctx
        .db
        .read(move |conn| -> Result<_, AppError> {
            let rows = store::requests(conn, &query)?;
            let own: Vec<i64> = rows
                .iter()
                .filter(|r| r.key_id.is_some() && r.key_id == own_key)
                .map(|r| r.id)
                .collect();
            let notes = if own.is_empty() {
                Vec::new()
            } else {
                store::latest_public_notes(conn, &own)?
            };
            Ok((rows, notes))
        })
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let note = notes
                .iter()
                .find(|n| n.0 == row.id)
                .and_then(|(_, zh, en)| match lang {
                    Lang::Zh => zh.clone(),
                    Lang::En => en.clone().or_else(|| zh.clone()),
                });
            view(ctx, row, own_key, note, lang)
        })
        .collect())
}

/// What the caller may see of one row: in full if its key filed it, else the published texts.
fn view(
    ctx: &Context,
    row: RequestRow,
    own_key: Option<i64>,
    note: Option<String>,
    lang: Lang,
) -> Option<RequestView> {
    let own = row.key_id.is_some() && row.key_id == own_key;
    if !own && !row.published {
        return None;
    }
    let catalog = &ctx.catalog;
    let kind = Kind::from_code(&row.kind)?;
    let state = State::from_code(&row.state)?;
    let kind_name = catalog.kind_info(kind).name(lang).to_owned();
    let category_name = catalog
        .category(&row.category)
        .map(|c| c.name(lang).to_owned())
        .unwrap_or_else(|| row.category.clone());
    let status_notes = if row.published {
        row.public_answer.clone()
    } else {
        note
    };
    let expected = match state {
        State::Accepted => row.handle_deadline,
        s if s.is_open() => row.accept_deadline,
        _ => None,
    };
    let region_name = catalog.region(&row.region).map(|r| r.name(lang).to_owned());
    Some(RequestView {
        service_request_id: row.tracking_code,
        status: Status::of(state),
        status_notes,
        service_name: format!("{kind_name}：{category_name}"),
        service_code: service_code(kind, &row.category),
        description: if own {
            row.body
        } else {
            row.public_summary.unwrap_or_default()
        },
        agency_responsible: row
            .unit
            .as_deref()
            .and_then(|u| catalog.unit(u))
            .map(|u| u.name(lang).to_owned()),
        requested_datetime: beijing(row.created_at),
        updated_datetime: beijing(row.updated_at),
        expected_datetime: expected.map(beijing),
        address: if own {
            row.address_string.or(region_name)
        } else {
            region_name
        },
        address_id: row.region,
        lat: if own { row.lat } else { None },
        long: if own { row.long } else { None },
    })
}
