//! `minsheng seed-demo`: a large, plausible data set for trying the queue and measuring it. Cases
//! are spread over every unit of the directory, with a chosen unit holding a given number of open
//! cases; deadlines fall between a week ago and two months ahead, so some are overdue. Seeded
//! cases carry no identity, no timeline and no audit entries, and their access keys are unknown.

use chrono::{Duration, Utc};
use rand::Rng;

use crate::catalog::Catalog;
use crate::domain::kind::{Kind, State};
use crate::domain::{AccessKey, TrackingCode};
use crate::error::AppError;
use crate::storage::submissions::{self, NewSubmissionRow};
use crate::storage::{BackendKind, Db};

/// Rows per insert statement (SQLite allows 32,766 bound values; a row has 27).
const BATCH: usize = 1_000;

pub struct SeedPlan<'a> {
    pub cases: usize,
    /// This unit gets `unit_open` open cases; the rest are spread over all units.
    pub unit: &'a str,
    pub unit_open: usize,
}

/// Inserts the cases; returns how many.
pub async fn seed(db: &Db, catalog: &Catalog, plan: &SeedPlan<'_>) -> Result<usize, AppError> {
    if catalog.unit(plan.unit).is_none() {
        return Err(AppError::Malformed(format!("unknown unit `{}`", plan.unit)));
    }
    let key_hash = AccessKey::generate().hash();
    let units: Vec<&str> = catalog.units.iter().map(|u| u.code.as_str()).collect();
    let mut done = 0;
    while done < plan.cases {
        let n = BATCH.min(plan.cases - done);
        let mut rng = rand::rng();
        let now = Utc::now();
        let rows: Vec<OwnedRow> = (done..done + n)
            .map(|k| {
                let for_unit = k < plan.unit_open;
                let unit = if for_unit {
                    plan.unit
                } else {
                    units[rng.random_range(0..units.len())]
                };
                let state = if for_unit {
                    if rng.random_bool(0.6) {
                        State::Assigned
                    } else {
                        State::Accepted
                    }
                } else {
                    [State::Assigned, State::Accepted, State::Resolved, State::Closed][rng.random_range(0..4)]
                };
                let kind = Kind::ALL[rng.random_range(0..Kind::ALL.len())];
                let category = catalog
                    .categories_of(kind)
                    .nth(rng.random_range(0..2))
                    .map(|c| c.code.clone());
                let created = (now - Duration::minutes(rng.random_range(0..60 * 24 * 90))).naive_utc();
                let due = (now + Duration::minutes(rng.random_range(-60 * 24 * 7..60 * 24 * 60))).naive_utc();
                OwnedRow {
                    code: TrackingCode::generate().display(),
                    key_hash: key_hash.clone(),
                    kind: kind.code(),
                    category: category.unwrap_or_default(),
                    region: catalog.unit(unit).map(|u| u.region.clone()).unwrap_or_default(),
                    title: format!("演示件 {k}：窗口排队时间过长"),
                    state: state.code(),
                    unit: unit.to_owned(),
                    created,
                    due_at: state.is_open().then_some(due),
                    accept: Some(due),
                }
            })
            .collect();
        db.write(move |conn| -> Result<_, AppError> {
            let borrowed: Vec<NewSubmissionRow<'_>> = rows.iter().map(OwnedRow::borrow).collect();
            Ok(submissions::insert_many(conn, &borrowed)?)
        })
        .await?;
        done += n;
    }
    // Fresh statistics after a bulk load, so the planner knows what the table now holds (and, on
    // PostgreSQL, the vacuum that autovacuum would otherwise start in the middle of a measurement).
    let backend = db.backend();
    db.read(move |conn| -> Result<_, AppError> {
        let sql = match backend {
            BackendKind::Sqlite => "ANALYZE",
            BackendKind::Postgres => "VACUUM ANALYZE submissions",
        };
        Ok(diesel::connection::SimpleConnection::batch_execute(conn, sql)?)
    })
    .await?;
    Ok(done)
}

/// A row that owns its text, to cross into the writer thread.
struct OwnedRow {
    code: String,
    key_hash: String,
    kind: &'static str,
    category: String,
    region: String,
    title: String,
    state: &'static str,
    unit: String,
    created: chrono::NaiveDateTime,
    due_at: Option<chrono::NaiveDateTime>,
    accept: Option<chrono::NaiveDateTime>,
}

impl OwnedRow {
    fn borrow(&self) -> NewSubmissionRow<'_> {
        NewSubmissionRow {
            tracking_code: &self.code,
            access_key_hash: &self.key_hash,
            kind: self.kind,
            category: &self.category,
            channel: "web",
            region: &self.region,
            target_unit: None,
            title: Some(&self.title),
            body: "演示数据：办事窗口排队时间过长，希望增加窗口、缩短等待时间。",
            reporter_sealed: None,
            contact_index: None,
            anonymous: false,
            lang: "zh-CN",
            state: self.state,
            assigned_unit: Some(&self.unit),
            created_at: self.created,
            updated_at: self.created,
            routing_rule: None,
            routing_note: Some("演示数据"),
            routing_note_en: Some("Demo data"),
            dispatch_unit: None,
            due_at: self.due_at,
            accept_deadline: self.accept,
            event_id: None,
            kiosk_id: None,
            entered_by: None,
            received_day: crate::domain::stats::period::day_of(self.created),
            received_month: crate::domain::stats::period::month_of(self.created),
            publishable: false,
        }
    }
}
