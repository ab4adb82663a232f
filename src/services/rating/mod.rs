//! The citizen's rating of an answer (满意度评价), and what follows from it: satisfied or basically
//! satisfied closes the case; not satisfied reopens it for review (复查) at the unit of the same
//! kind one level up, tells the citizen, and notifies that unit's supervisors ("群众不满意不放过").
//! An answer gets one rating; staff can never write one. An answer nobody rates within the window
//! is closed as not rated by the sweeper ([`close_unrated`]).

use chrono::{DateTime, NaiveDateTime, Utc};

mod matter;

use super::context::Context;
use crate::catalog::Catalog;
use crate::domain::case::{decide, Actor, CaseFacts, Extension, Step};
use crate::domain::text::{FreeText, Shape};
use crate::domain::{FieldErrors, Kind, State};
use crate::error::AppError;
use crate::mail::rating_link::RatingClaim;
use crate::mail::{notify, MailData, MailKind};
use crate::routing::guard::{self, Placed};
use crate::routing::{Directory, Subject};
use crate::storage::ratings;
use crate::storage::submissions::{CaseChanges, NewEventRow, SubmissionRow};
use crate::storage::{self, Db, DbConn};

/// The three answers a citizen can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    NotSatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::NotSatisfied,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::NotSatisfied => "not_satisfied",
        }
    }

    pub fn from_code(code: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            Rating::Satisfied => lang.pick("满意", "Satisfied"),
            Rating::BasicallySatisfied => lang.pick("基本满意", "Basically satisfied"),
            Rating::NotSatisfied => lang.pick("不满意", "Not satisfied"),
        }
    }
}

/// The longest comment a citizen may add.
pub const COMMENT_MAX: usize = 1000;

/// What the rating page shows about the answer being rated.
#[derive(Debug, Clone)]
pub struct Answer {
    pub tracking_code: String,
    pub unit: Option<String>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    /// The rating this answer already has, if any.
    pub rated: Option<Rating>,
    /// True while this answer can still be rated.
    pub open: bool,
}

/// What happened to the case after a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rated {
    Closed,
    /// Reopened for review at this unit (its code is in the case).
    Reopened,
}

/// The answer the link names is the case's current one and its window is open.
fn ratable(row: &SubmissionRow, claim: &RatingClaim, now: NaiveDateTime) -> bool {
    row.state == State::Resolved
        && row.review_round == claim.round
        && row.rating_until.is_some_and(|until| until >= now)
}

/// What the state machine says of `step` by `actor` on `row`.
fn verdict(row: &SubmissionRow, step: Step, actor: Actor) -> Result<State, AppError> {
    let facts = CaseFacts {
        state: row.state,
        kind: Kind::from_code(&row.kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad kind")))?,
        extension: Extension::None,
        linked: row.lead_id.is_some(),
    };
    decide(step, actor, facts).map_err(|_| AppError::Conflict("the case's state does not allow this"))
}

/// The answer a (verified) rating link points at. A code that is not a case is `NotFound`.
pub async fn answer(state: &Context, claim: RatingClaim) -> Result<Answer, AppError> {
    let now = state.clock.now().naive_utc();
    state
        .db
        .read(move |conn| {
            let row =
                storage::submissions::find_by_code(conn, &claim.tracking_code)?.ok_or(AppError::NotFound)?;
            let rated = ratings::rating_of(conn, row.id, claim.round)?.and_then(|r| Rating::from_code(&r));
            let open = rated.is_none() && ratable(&row, &claim, now);
            let current = row.review_round == claim.round;
            Ok(Answer {
                tracking_code: row.tracking_code,
                unit: row.assigned_unit,
                outcome: row.outcome.filter(|_| current),
                result: row.result.filter(|_| current),
                rated,
                open,
            })
        })
        .await
}

/// Checks the optional comment: free text under the text rule, at most [`COMMENT_MAX`].
pub fn parse_comment(raw: &str) -> Result<Option<String>, AppError> {
    FreeText::optional(Some(raw), Shape::Paragraph, COMMENT_MAX)
        .map(|c| c.map(FreeText::into_inner))
        .map_err(|p| {
            let mut e = FieldErrors::default();
            e.add("comment", p);
            AppError::Invalid(e)
        })
}

/// Records the citizen's rating of the answer `claim` points at, and acts on it, in one
/// transaction. A second rating of the same answer, or one after the window, is a `Conflict`.
pub async fn rate(
    state: &Context,
    claim: RatingClaim,
    rating: Rating,
    comment: Option<String>,
) -> Result<Rated, AppError> {
    let s = state.clone();
    let now = state.clock.now();
    let outcome = state
        .db
        .write(move |conn| {
            let at = now.naive_utc();
            let row =
                storage::submissions::find_by_code(conn, &claim.tracking_code)?.ok_or(AppError::NotFound)?;
            if ratings::rating_of(conn, row.id, claim.round)?.is_some() {
                return Err(AppError::Conflict("already rated"));
            }
            if !ratable(&row, &claim, at) {
                return Err(AppError::Conflict("not open for rating"));
            }
            let step = match rating {
                Rating::NotSatisfied => Step::RateNotSatisfied,
                Rating::Satisfied | Rating::BasicallySatisfied => Step::RateSatisfied,
            };
            let next = verdict(&row, step, Actor::Citizen)?;
            ratings::insert(conn, row.id, claim.round, rating.code(), comment.as_deref(), at)?;
            if next == State::Reopened {
                reopen(&s, conn, &row, comment.as_deref(), now, false)?;
                matter::reopen_all(&s, conn, &row, now)?;
                Ok(Rated::Reopened)
            } else {
                close(conn, &row, rating, next, at)?;
                Ok(Rated::Closed)
            }
        })
        .await?;
    state.queue_counts.clear();
    Ok(outcome)
}

fn close(
    conn: &mut DbConn,
    row: &SubmissionRow,
    rating: Rating,
    next: State,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    storage::submissions::update_case(
        conn,
        row.id,
        &CaseChanges {
            state: Some(next.code()),
            rating_until: Some(None),
            updated_at: Some(at),
            rating: Some(Some(rating.code())),
            ..Default::default()
        },
    )?;
    let (zh, en) = (
        rating.label(crate::i18n::Lang::Zh),
        rating.label(crate::i18n::Lang::En),
    );
    storage::submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: "rated",
            state: next.code(),
            note: Some(&format!("群众评价：{zh}。已结案。")),
            note_en: Some(&format!("Rated by the citizen: {en}. Closed.")),
            public: true,
            unit: row.assigned_unit.as_deref(),
            detail: Some(rating.code()),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Where a case goes for review: the unit of the same kind one level up from the one that
/// answered (the same unit at the top), past the conflict-of-interest rule — a report never goes
/// to the unit it is about or below it, but one level up from that, as routing does.
pub fn review_unit(dir: &Directory, row: &SubmissionRow) -> Option<Placed> {
    let current = dir.unit(row.assigned_unit.as_deref()?)?;
    let unit = &dir.units[current];
    let up = dir.regions[unit.region]
        .parent
        .and_then(|r| dir.nearest(r, unit.kind))
        .unwrap_or(current);
    let kind = Kind::from_code(&row.kind)?;
    let subject = Subject::of(dir, kind, &row.region, row.target_unit.as_deref());
    let placed = guard::worked_out(dir, &subject, up);
    if placed.holder.assigned_unit().is_some() {
        return Some(placed);
    }
    // Nowhere above may hold it (a directory without such units): the unit that answered reviews.
    guard::chosen(dir, &subject, current).ok().map(|holder| Placed {
        holder,
        diverted: None,
    })
}

/// Sends an answered case for review one level up. `other_voice`: not this case's citizen but
/// another of its matter was not satisfied — this citizen's own rating stays unrecorded, and
/// the units were told with the case rated.
fn reopen(
    state: &Context,
    conn: &mut DbConn,
    row: &SubmissionRow,
    comment: Option<&str>,
    now: DateTime<Utc>,
    other_voice: bool,
) -> Result<(), AppError> {
    let at = now.naive_utc();
    let dir = &state.router.directory;
    let placed = review_unit(dir, row).ok_or(AppError::Conflict("no unit may review this case"))?;
    let unit = placed.holder.unit().unwrap_or_default().to_owned();
    let kind = Kind::from_code(&row.kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad kind")))?;
    let deadline = state.sla.deadlines(kind).accept_by(now);
    storage::submissions::update_case(
        conn,
        row.id,
        &CaseChanges {
            state: Some(State::Reopened.code()),
            holder: Some(&placed.holder),
            due_at: Some(Some(deadline)),
            accept_deadline: Some(Some(deadline)),
            handle_deadline: Some(None),
            extension: Some("none"),
            extension_days: Some(None),
            outcome: Some(None),
            result: Some(None),
            rating_until: Some(None),
            review_round: Some(row.review_round + 1),
            updated_at: Some(at),
            // Not concluded any more: the review will conclude it again.
            rating: if other_voice {
                None
            } else {
                Some(Some(Rating::NotSatisfied.code()))
            },
            concluded_day: Some(None),
            on_time: Some(None),
            ..Default::default()
        },
    )?;
    let u = dir.unit(&unit).map(|i| &dir.units[i]);
    let (name, name_en) = u.map_or((unit.as_str(), unit.as_str()), |u| (&u.name, &u.name_en));
    storage::submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: "reopened",
            state: State::Reopened.code(),
            note: Some(&format!(
                "{}交{name}复查，受理期限：{}。",
                if other_voice {
                    "同一事项另有群众评价不满意，重新办理。"
                } else {
                    "群众评价：不满意。"
                },
                notify::day(deadline)
            )),
            note_en: Some(&format!(
                "{} Sent to {name_en} for review, to be accepted or not by {}.",
                if other_voice {
                    "Another person who raised the same matter was not satisfied; it is handled again."
                } else {
                    "Rated by the citizen: not satisfied."
                },
                notify::day(deadline)
            )),
            public: true,
            // The other citizen's comment is theirs: only the rated case carries it.
            reason: if other_voice { None } else { comment },
            unit: Some(&unit),
            from_unit: row.assigned_unit.as_deref(),
            deadline: Some(deadline),
            detail: if other_voice {
                None
            } else {
                Some(Rating::NotSatisfied.code())
            },
            ..Default::default()
        },
    )?;
    let catalog: &Catalog = &state.catalog;
    let data = MailData {
        deadline: notify::day(deadline),
        comment: if other_voice {
            String::new()
        } else {
            comment.unwrap_or_default().to_owned()
        },
        ..notify::case_data(catalog, row, Some(&unit))
    };
    let email = notify::citizen_email(&state.vault, row);
    notify::citizen(
        conn,
        &state.vault,
        &row.tracking_code,
        email.as_deref(),
        &row.lang,
        MailKind::Reopened,
        &data,
        at,
    )?;
    if !other_voice {
        notify::unit(conn, catalog, &unit, MailKind::NewCase, &data, at)?;
        notify::supervisors(conn, catalog, &unit, MailKind::ReviewNotice, &data, at)?;
    }
    Ok(())
}

/// Closes, as not rated, every answered case whose rating window ended before `as_of`. Each case
/// is closed by a conditional update, so two sweepers never close one twice. Returns how many.
pub async fn close_unrated(db: &Db, as_of: DateTime<Utc>) -> Result<usize, AppError> {
    let at = as_of.naive_utc();
    let mut closed = 0;
    loop {
        let candidates = db
            .read(move |conn| -> Result<_, AppError> { Ok(ratings::unrated_past(conn, at, 200)?) })
            .await?;
        if candidates.is_empty() {
            return Ok(closed);
        }
        for (id, code, until, unit) in candidates {
            // Candidates are answered cases; the state machine says what closing one leads to.
            let answered = CaseFacts {
                state: State::Resolved,
                kind: Kind::Opinion,
                extension: Extension::None,
                linked: false,
            };
            let next = decide(Step::CloseUnrated, Actor::System, answered)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("the sweeper may not close answers")))?;
            let won = db
                .write(move |conn| -> Result<_, AppError> {
                    if !ratings::claim_unrated(conn, id, until, next, at)? {
                        return Ok(false);
                    }
                    storage::submissions::record_event(
                        conn,
                        &code,
                        &NewEventRow {
                            submission_id: id,
                            at,
                            action: "closed_unrated",
                            state: next.code(),
                            note: Some("评价期已过，未评价，已结案。"),
                            note_en: Some("The rating period ended without a rating; closed."),
                            public: true,
                            unit: unit.as_deref(),
                            ..Default::default()
                        },
                    )?;
                    Ok(true)
                })
                .await?;
            if won {
                closed += 1;
            }
        }
    }
}
