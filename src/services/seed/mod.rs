//! `minsheng seed-demo`: a large, plausible data set for trying the service and measuring it —
//! a year of history (see [`life`]): cases spread over every unit and the last `months` months,
//! each with the timeline the service would have left and the facts the statistics count, so
//! the figures of seeded data recount exactly from their timelines. A chosen unit also holds a
//! given number of open cases, for the queue benchmark. Seeded cases carry no identity and no
//! audit entries, and their access keys are unknown.

pub mod life;
mod problems;
pub mod texts;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use self::life::{Life, Places};
use crate::catalog::Catalog;
use crate::domain::kind::{Channel, Kind, State, UnitKind};
use crate::domain::stats::period::{day_of, month_of};
use crate::domain::{AccessKey, TrackingCode};
use crate::error::AppError;
use crate::routing::Directory;
use crate::sla::Sla;
use crate::storage::submissions::{self, LoadedRow, NewEventRow, NewSubmissionRow};
use crate::storage::{BackendKind, Db};

/// Cases per insert statement (SQLite allows 32,766 bound values; a case row has about 45).
const BATCH: usize = 500;
/// Events per insert statement (14 values each).
const EVENT_BATCH: usize = 2_000;
/// The share of cases that are another voice of a matter already seeded (一件多诉): the same
/// place and problem in other words, through another channel, days later.
const VOICES: f64 = 0.15;
/// Matters kept for more voices; when full, a new matter replaces a random one.
const MATTERS_KEPT: usize = 4_096;

/// A seeded matter that may get more voices: where, when, and what.
#[derive(Clone)]
struct Seeded {
    unit: usize,
    kind: Kind,
    category: String,
    received: DateTime<Utc>,
    matter: texts::Matter,
}

pub struct SeedPlan<'a> {
    pub cases: usize,
    /// This unit gets `unit_open` open cases; the rest are spread over all units.
    pub unit: &'a str,
    pub unit_open: usize,
    /// How far back the history goes.
    pub months: u32,
    /// The same seed makes the same data.
    pub seed: u64,
}

/// A case with its life, owning its text, to cross into the writer thread.
struct Made {
    code: String,
    title: String,
    body: String,
    kind: Kind,
    category: String,
    channel: Channel,
    region: String,
    received: DateTime<Utc>,
    life: Life,
}

/// Inserts the cases; returns how many.
pub async fn seed(db: &Db, catalog: &Catalog, sla: &Sla, plan: &SeedPlan<'_>) -> Result<usize, AppError> {
    if catalog.unit(plan.unit).is_none() {
        return Err(AppError::Malformed(format!("unknown unit `{}`", plan.unit)));
    }
    let dir = Directory::from_catalog(catalog);
    let key_hash = AccessKey::generate().hash();
    let workers: Vec<usize> = (0..dir.units.len())
        .filter(|&u| dir.units[u].kind != UnitKind::Office)
        .collect();
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let now = Utc::now();
    let span_minutes = i64::from(plan.months.max(1)) * 30 * 24 * 60;
    let mut kept: Vec<Seeded> = Vec::with_capacity(MATTERS_KEPT);
    let mut done = 0;
    while done < plan.cases {
        let n = BATCH.min(plan.cases - done);
        let made: Vec<Made> = (done..done + n)
            .map(|k| {
                if k < plan.unit_open {
                    return open_case(&mut rng, sla, &dir, plan.unit, now);
                }
                if !kept.is_empty() && rng.random_bool(VOICES) {
                    // Another voice: the same matter, an hour to two weeks after the first.
                    let first = &kept[rng.random_range(0..kept.len())];
                    let later = Duration::minutes(rng.random_range(60..14 * 24 * 60));
                    let received = (first.received + later).min(now);
                    return one_case(&mut rng, sla, &dir, first.unit, received, now, first);
                }
                let unit = workers[rng.random_range(0..workers.len())];
                let received = now - Duration::minutes(rng.random_range(0..span_minutes));
                let (made, seeded) = new_matter(&mut rng, sla, catalog, &dir, unit, received, now);
                if kept.len() < MATTERS_KEPT {
                    kept.push(seeded);
                } else {
                    let i = rng.random_range(0..kept.len());
                    kept[i] = seeded;
                }
                made
            })
            .collect();
        let key = key_hash.clone();
        db.write(move |conn| -> Result<_, AppError> { Ok(insert(conn, &made, &key)?) })
            .await?;
        done += n;
    }
    // The statistics rollup, from the cases just loaded.
    db.write(|conn| -> Result<_, AppError> { Ok(crate::storage::stats::rollup::refresh_if_stale(conn)?) })
        .await?;
    // Fresh statistics after a bulk load, so the planner knows what the tables now hold (and, on
    // PostgreSQL, the vacuum that autovacuum would otherwise start in the middle of a measurement).
    let backend = db.backend();
    db.read(move |conn| -> Result<_, AppError> {
        // One statement each: PostgreSQL runs a batch as one transaction, where VACUUM may not run.
        let statements: &[&str] = match backend {
            BackendKind::Sqlite => &["ANALYZE"],
            BackendKind::Postgres => &[
                "VACUUM ANALYZE submissions",
                "VACUUM ANALYZE submission_events",
                "VACUUM ANALYZE stats_daily",
                "VACUUM ANALYZE stats_days",
            ],
        };
        for sql in statements {
            diesel::connection::SimpleConnection::batch_execute(conn, sql)?;
        }
        Ok(())
    })
    .await?;
    Ok(done)
}

fn pick_kind(rng: &mut StdRng) -> Kind {
    match rng.random_range(0..100) {
        0..20 => Kind::Opinion,
        20..60 => Kind::Complaint,
        60..85 => Kind::Help,
        _ => Kind::Report,
    }
}

fn pick_channel(rng: &mut StdRng) -> Channel {
    match rng.random_range(0..100) {
        0..60 => Channel::Web,
        60..75 => Channel::Api,
        75..85 => Channel::Kiosk,
        85..95 => Channel::Staff,
        _ => Channel::Open311,
    }
}

/// A case of a new matter at `unit`, and the matter, for more voices.
fn new_matter(
    rng: &mut StdRng,
    sla: &Sla,
    catalog: &Catalog,
    dir: &Directory,
    unit: usize,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Made, Seeded) {
    let u = &dir.units[unit];
    let kind = pick_kind(rng);
    let categories: Vec<&str> = catalog.categories_of(kind).map(|c| c.code.as_str()).collect();
    let category = categories
        .get(rng.random_range(0..categories.len().max(1)))
        .copied()
        .unwrap_or_default()
        .to_owned();
    let seeded = Seeded {
        unit,
        kind,
        category,
        received,
        matter: texts::Matter::new(rng, u.kind, &dir.regions[u.region].name),
    };
    let made = one_case(rng, sla, dir, unit, received, now, &seeded);
    (made, seeded)
}

/// A case at `unit` about `about`'s matter (its kind and category too), received at `received`.
fn one_case(
    rng: &mut StdRng,
    sla: &Sla,
    dir: &Directory,
    unit: usize,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
    about: &Seeded,
) -> Made {
    let u = &dir.units[unit];
    let kind = about.kind;
    let category = about.category.clone();
    let channel = pick_channel(rng);
    let (title, body) = texts::write(rng, &about.matter, channel);
    let siblings: Vec<usize> = (0..dir.units.len())
        .filter(|&x| x != unit && dir.units[x].region == u.region && dir.units[x].kind != UnitKind::Office)
        .collect();
    let places = Places {
        unit: u.code.clone(),
        other: (!siblings.is_empty()).then(|| {
            dir.units[siblings[rng.random_range(0..siblings.len())]]
                .code
                .clone()
        }),
        above: u.parent.map(|p| dir.units[p].code.clone()),
        office: dir
            .nearest(u.region, UnitKind::Office)
            .map(|o| dir.units[o].code.clone()),
    };
    let mut life = life::live(rng, sla, kind, received, now, &places);
    life::sweep(&mut life, now);
    Made {
        code: TrackingCode::generate().display(),
        title,
        body,
        kind,
        category,
        channel,
        region: dir.regions[u.region].code.clone(),
        received,
        life,
    }
}

/// An open case at `unit`, received in the last weeks, with a deadline between a week ago and two
/// months ahead: the queue benchmark's load.
fn open_case(rng: &mut StdRng, sla: &Sla, dir: &Directory, unit: &str, now: DateTime<Utc>) -> Made {
    let u = dir.unit(unit).unwrap_or(0);
    let received = now - Duration::minutes(rng.random_range(0..60 * 24 * 20));
    let places = Places {
        unit: unit.to_owned(),
        other: None,
        above: None,
        office: None,
    };
    // A life cut short: as received, then perhaps accepted, with its deadline moved to spread them.
    let kind = pick_kind(rng);
    let mut life = life::live(rng, sla, kind, received, received, &places);
    let matter = texts::Matter::new(rng, dir.units[u].kind, &dir.regions[dir.units[u].region].name);
    let (title, body) = texts::write(rng, &matter, Channel::Web);
    let due = (now + Duration::minutes(rng.random_range(-60 * 24 * 7..60 * 24 * 60))).naive_utc();
    life.due_at = Some(due);
    life.accept_deadline = Some(due);
    if let Some(e) = life.events.iter_mut().rev().find(|e| e.deadline.is_some()) {
        e.deadline = Some(due);
    }
    Made {
        code: TrackingCode::generate().display(),
        title,
        body,
        kind,
        category: "service_attitude".to_owned(),
        channel: Channel::Web,
        region: dir.regions[dir.units[u].region].code.clone(),
        received,
        life,
    }
}

fn insert(conn: &mut crate::storage::DbConn, made: &[Made], key_hash: &str) -> diesel::QueryResult<()> {
    let merged_into = made.first().map(|m| m.code.clone()).unwrap_or_default();
    let rows: Vec<LoadedRow<'_>> = made
        .iter()
        .map(|m| {
            let l = &m.life;
            let at = m.received.naive_utc();
            LoadedRow {
                base: NewSubmissionRow {
                    tracking_code: &m.code,
                    access_key_hash: key_hash,
                    kind: m.kind.code(),
                    category: &m.category,
                    channel: m.channel.code(),
                    region: &m.region,
                    target_unit: None,
                    title: Some(&m.title),
                    body: &m.body,
                    reporter_sealed: None,
                    contact_index: None,
                    anonymous: false,
                    lang: "zh-CN",
                    state: l.state.code(),
                    assigned_unit: l.assigned_unit.as_deref(),
                    created_at: at,
                    updated_at: l.events.last().map_or(at, |e| e.at),
                    routing_rule: None,
                    routing_note: Some("演示数据"),
                    routing_note_en: Some("Demo data"),
                    dispatch_unit: l.dispatch_unit.as_deref(),
                    due_at: l.due_at.filter(|_| l.state.is_open()),
                    accept_deadline: l.accept_deadline,
                    event_id: None,
                    kiosk_id: None,
                    entered_by: None,
                    received_day: day_of(at),
                    received_month: month_of(at),
                    publishable: false,
                },
                handle_deadline: l.handle_deadline,
                extension: l.extension,
                extension_days: l.extension_days,
                outcome: l.outcome,
                result: l.outcome.map(|_| "演示数据：经核查，已依法处理并答复。"),
                merged_into: (l.state == State::Merged).then_some(merged_into.as_str()),
                supervised: l.supervised,
                overdue_for: l.overdue_for,
                rating_until: l.rating_until,
                review_round: l.review_round,
                accepted_day: l.accepted_day,
                concluded_day: l.concluded_day,
                on_time: l.on_time,
                rating: l.rating,
            }
        })
        .collect();
    submissions::insert_loaded(conn, &rows)?;
    let codes: Vec<&str> = made.iter().map(|m| m.code.as_str()).collect();
    let ids: std::collections::HashMap<String, i64> =
        submissions::ids_of(conn, &codes)?.into_iter().collect();
    let events: Vec<NewEventRow<'_>> = made
        .iter()
        .filter_map(|m| ids.get(&m.code).map(|id| (m, *id)))
        .flat_map(|(m, id)| {
            let day = day_of(m.received.naive_utc());
            m.life.events.iter().map(move |e| NewEventRow {
                submission_id: id,
                received_day: day,
                at: e.at,
                action: e.action,
                state: e.state.code(),
                note: Some("演示数据"),
                note_en: Some("Demo data"),
                public: e.public,
                actor: None,
                reason: None,
                unit: e.unit.as_deref(),
                from_unit: e.from_unit.as_deref(),
                deadline: e.deadline,
                detail: e.detail,
            })
        })
        .collect();
    for chunk in events.chunks(EVENT_BATCH) {
        submissions::insert_events(conn, chunk)?;
    }
    Ok(())
}
