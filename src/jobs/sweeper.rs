//! The sweeper (督办): finds open cases whose deadline has passed, marks each overdue once per
//! deadline, adds a supervision event to its timeline, and queues a notice to the unit holding it
//! and to that unit's superior (outbox rows; sending is the mail worker's).
//!
//! Running it twice changes nothing the second time, and two instances never process the same
//! case twice: each case is claimed with a conditional update that only one of them can win.

use chrono::{DateTime, Utc};

use crate::catalog::Catalog;
use crate::domain::case::{decide, Actor, CaseFacts, Extension, Step};
use crate::domain::Kind;
use crate::error::AppError;
use crate::mail::{notify, MailData, MailKind};
use crate::routing::Directory;
use crate::storage::submissions::{self, NewEventRow};
use crate::storage::Db;

/// How many candidates are read per round.
const PAGE: i64 = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub flagged: usize,
    pub notices: usize,
    /// Answers nobody rated in time, closed as not rated.
    pub closed_unrated: usize,
}

/// Sweeps as if at `as_of` (normally now; `minsheng sweep --as-of` replays another moment).
pub async fn sweep(
    db: &Db,
    catalog: &Catalog,
    dir: &Directory,
    as_of: DateTime<Utc>,
) -> Result<SweepReport, AppError> {
    let mut report = SweepReport::default();
    let at = as_of.naive_utc();
    // Each round's candidates are either claimed here or by someone else; either way they leave
    // the candidate set, so the rounds end. The bound guards against a case whose deadline keeps
    // moving under us.
    for _ in 0..10_000 {
        let candidates = {
            db.read(move |conn| -> Result<_, AppError> {
                Ok(submissions::overdue_candidates(conn, at, PAGE)?)
            })
            .await?
        };
        if candidates.is_empty() {
            break;
        }
        for case in candidates {
            let Some(due) = case.due_at else { continue };
            // The state machine has the last word: only an open case is flagged, and it keeps
            // its state.
            let Some(kind) = Kind::from_code(&case.kind) else {
                continue;
            };
            let facts = CaseFacts {
                state: case.state,
                kind,
                extension: Extension::None,
                linked: case.lead_id.is_some(),
            };
            let Ok(next) = decide(Step::FlagOverdue, Actor::System, facts) else {
                continue;
            };
            let holder = case.assigned_unit.clone().or(case.dispatch_unit.clone());
            let data = MailData {
                deadline: notify::day(due),
                ..notify::case_data(catalog, &case, None)
            };
            // The unit holding the case and its superior, each at its published address.
            let mails: Vec<(String, MailData)> = holder
                .iter()
                .filter_map(|u| dir.unit(u))
                .flat_map(|u| std::iter::once(u).chain(dir.units[u].parent))
                .filter_map(|u| notify::unit_mail(catalog, &dir.units[u].code, &data))
                .collect();
            let deadline = data.deadline.clone();
            let outcome = db
                .write(move |conn| -> Result<_, AppError> {
                    if !submissions::claim_overdue(conn, case.id, due, at)? {
                        return Ok(None);
                    }
                    submissions::record_event(
                        conn,
                        &case.tracking_code,
                        &NewEventRow {
                            submission_id: case.id,
                            at,
                            action: "overdue",
                            state: next.code(),
                            note: Some("已超过办理期限，已督办。"),
                            note_en: Some("Past its deadline; now under supervision."),
                            public: true,
                            reason: Some(&format!("deadline {deadline}")),
                            unit: holder.as_deref(),
                            ..Default::default()
                        },
                    )?;
                    for (address, data) in &mails {
                        notify::to_unit_address(conn, address, MailKind::OverdueNotice, data, at)?;
                    }
                    Ok(Some(mails.len()))
                })
                .await?;
            if let Some(notices) = outcome {
                report.flagged += 1;
                report.notices += notices;
            }
        }
    }
    report.closed_unrated = crate::services::rating::close_unrated(db, as_of).await?;
    if report.flagged > 0 || report.closed_unrated > 0 {
        tracing::info!(
            flagged = report.flagged,
            notices = report.notices,
            closed_unrated = report.closed_unrated,
            "sweeper flagged overdue cases"
        );
    }
    Ok(report)
}
