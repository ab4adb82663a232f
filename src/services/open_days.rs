//! Open days: events, the kiosks enrolled at them, visitor counts and the figures per event.
//! Nothing here knows about HTTP; the CLI, the admin pages and the kiosk pages call it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::domain::codes::{
    device_secret, event_public_id, is_event_public_id, secret_digest, EnrolmentCode,
};
use crate::domain::text::{term, FreeText, Shape};
use crate::domain::State;
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::storage::events::{self, EventRow, KioskRow, NewEvent};
use crate::storage::Db;

/// The longest title or place.
pub const TEXT_MAX: usize = 100;

/// An event as asked for, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub host_unit: String,
    pub title: String,
    pub place: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// A title, place or kiosk name: one line of free text under the text rule.
fn text(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    FreeText::parse(value, Shape::Line, TEXT_MAX)
        .map(FreeText::into_inner)
        .map_err(|p| errors.add(field, p))
        .ok()
}

/// Adds an event; returns its id. Every field's problem is reported at once.
pub async fn add_event(db: &Db, catalog: &Catalog, input: &EventInput) -> Result<i64, AppError> {
    let mut errors = FieldErrors::default();
    let host = term(&input.host_unit);
    if catalog.unit(&host).is_none() {
        errors.add("host_unit", Problem::UnknownUnit);
    }
    let title = text(&mut errors, "title", &input.title);
    let place = text(&mut errors, "place", &input.place);
    match (input.starts_at, input.ends_at) {
        (None, _) => errors.add("starts_at", Problem::InvalidDeadline),
        (_, None) => errors.add("ends_at", Problem::InvalidDeadline),
        (Some(s), Some(e)) if e <= s => errors.add("ends_at", Problem::EndsBeforeStart),
        _ => {}
    }
    errors.into_result().map_err(AppError::Invalid)?;
    let (title, place) = (title.unwrap_or_default(), place.unwrap_or_default());
    let (starts, ends) = (
        input.starts_at.unwrap_or_default().naive_utc(),
        input.ends_at.unwrap_or_default().naive_utc(),
    );
    let public_id = event_public_id();
    db.write(move |conn| -> Result<_, AppError> {
        Ok(events::insert(
            conn,
            &NewEvent {
                public_id: &public_id,
                host_unit: &host,
                title: &title,
                place: &place,
                starts_at: starts,
                ends_at: ends,
                at: Utc::now().naive_utc(),
            },
        )?)
    })
    .await
}

pub async fn list_events(db: &Db) -> Result<Vec<EventRow>, AppError> {
    db.read(|conn| -> Result<_, AppError> { Ok(events::list(conn)?) })
        .await
}

/// Adds a kiosk to an event; returns its id and the one-time enrolment code.
pub async fn add_kiosk(db: &Db, event_id: i64, name: &str) -> Result<(i64, String), AppError> {
    let mut errors = FieldErrors::default();
    let name = text(&mut errors, "name", name);
    errors.into_result().map_err(AppError::Invalid)?;
    let code = EnrolmentCode::generate();
    let (hash, name) = (code.hash(), name.unwrap_or_default());
    let id = db
        .write(move |conn| -> Result<_, AppError> {
            if events::find(conn, event_id)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(events::insert_kiosk(
                conn,
                event_id,
                &name,
                &hash,
                Utc::now().naive_utc(),
            )?)
        })
        .await?;
    Ok((id, code.reveal()))
}

/// Uses an enrolment code; returns the device credential to keep (in a cookie), once.
pub async fn enrol(db: &Db, code: &str) -> Result<Option<String>, AppError> {
    let Some(code) = EnrolmentCode::parse(code) else {
        return Ok(None);
    };
    let secret = device_secret();
    let (enrol_hash, credential_hash) = (code.hash(), secret_digest(&secret));
    let id = db
        .write(move |conn| -> Result<_, AppError> {
            Ok(events::enrol(
                conn,
                &enrol_hash,
                &credential_hash,
                Utc::now().naive_utc(),
            )?)
        })
        .await?;
    if let Some(id) = id {
        tracing::info!(kiosk = id, "kiosk enrolled");
    }
    Ok(id.map(|_| secret))
}

/// An enrolled kiosk and the event it stands at.
#[derive(Debug, Clone)]
pub struct Device {
    pub kiosk: KioskRow,
    pub event: EventRow,
}

/// The device holding `credential`, unless it was revoked.
pub async fn device(db: &Db, credential: &str) -> Result<Option<Device>, AppError> {
    let hash = secret_digest(credential);
    let found = db
        .read(move |conn| Ok::<_, AppError>(events::kiosk_by_credential(conn, &hash)?))
        .await?;
    Ok(found.map(|(kiosk, event)| Device { kiosk, event }))
}

pub async fn revoke(db: &Db, kiosk_id: i64) -> Result<(), AppError> {
    let found = db
        .write(move |conn| Ok::<_, AppError>(events::revoke(conn, kiosk_id)?))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    tracing::info!(kiosk = kiosk_id, "kiosk revoked");
    Ok(())
}

/// Staff count visitors as they come in, in batches.
pub async fn add_visitors(db: &Db, event_id: i64, n: i32) -> Result<(), AppError> {
    if !(1..=100_000).contains(&n) {
        let mut e = FieldErrors::default();
        e.add("visitors", Problem::TooLong { max: 100_000 });
        return Err(AppError::Invalid(e));
    }
    let found = db
        .write(move |conn| Ok::<_, AppError>(events::add_visitors(conn, event_id, n)?))
        .await?;
    if found {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What an event collected.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventStats {
    /// The row id, for staff pages behind sign-in; never in the public JSON.
    #[serde(skip)]
    pub id: i64,
    /// The id the public URL `/api/v1/events/{public_id}/stats` carries.
    pub public_id: String,
    pub title: String,
    pub place: String,
    pub host_unit: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visitors: i32,
    pub submissions: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_category: BTreeMap<String, i64>,
    /// Submissions that already have an answer: handled, closed, or decided not to accept.
    pub answered: i64,
    /// Kiosks at the event, and how many are enrolled and not revoked.
    pub kiosks: usize,
    pub kiosks_active: usize,
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// An event's figures by its row id (staff pages, the CLI).
pub async fn stats(db: &Db, event_id: i64) -> Result<EventStats, AppError> {
    let found = db
        .read(move |conn| -> Result<_, AppError> {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            figures_of(conn, event)
        })
        .await?;
    Ok(summarise(found))
}

/// An event's figures by its public id (the public API). Anything not shaped like one is
/// `NotFound` without a look-up; a row id is never accepted here.
pub async fn public_stats(db: &Db, public_id: &str) -> Result<EventStats, AppError> {
    if !is_event_public_id(public_id) {
        return Err(AppError::NotFound);
    }
    let public_id = public_id.to_owned();
    let found = db
        .read(move |conn| -> Result<_, AppError> {
            let event = events::find_public(conn, &public_id)?.ok_or(AppError::NotFound)?;
            figures_of(conn, event)
        })
        .await?;
    Ok(summarise(found))
}

type Figures = (EventRow, Vec<(String, String, String, i64)>, Vec<KioskRow>);

fn figures_of(conn: &mut crate::storage::DbConn, event: EventRow) -> Result<Figures, AppError> {
    let tallies = events::tallies(conn, event.id)?;
    let kiosks = events::kiosks_of(conn, event.id)?;
    Ok((event, tallies, kiosks))
}

fn summarise((event, tallies, kiosks): Figures) -> EventStats {
    let mut by_kind = BTreeMap::new();
    let mut by_category = BTreeMap::new();
    let (mut total, mut answered) = (0, 0);
    for (kind, category, state, n) in tallies {
        *by_kind.entry(kind).or_insert(0) += n;
        *by_category.entry(category).or_insert(0) += n;
        total += n;
        if State::from_code(&state).is_some_and(State::is_answered) {
            answered += n;
        }
    }
    EventStats {
        id: event.id,
        public_id: event.public_id,
        title: event.title,
        place: event.place,
        host_unit: event.host_unit,
        starts_at: utc(event.starts_at),
        ends_at: utc(event.ends_at),
        visitors: event.visitors,
        submissions: total,
        by_kind,
        by_category,
        answered,
        kiosks: kiosks.len(),
        kiosks_active: kiosks
            .iter()
            .filter(|k| k.enrolled_at.is_some() && !k.revoked)
            .count(),
    }
}

pub async fn kiosks_of(db: &Db, event_id: i64) -> Result<Vec<KioskRow>, AppError> {
    db.read(move |conn| Ok::<_, AppError>(events::kiosks_of(conn, event_id)?))
        .await
}
