//! Intake services: store a new submission (with its first events, in one transaction, after the
//! per-contact quota) and look a submission up by tracking code and access key. Handlers for the
//! web form and the API both call these; nothing here knows about HTTP.

mod first_events;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::context::Context;
use crate::domain::contact::{contact_index_form, contact_quota_form};
use crate::domain::deadlines::beijing_day;
use crate::domain::stats;
use crate::domain::{AccessKey, NewSubmission, State, TrackingCode};
use crate::error::AppError;
use crate::mail::rating_link::{self as token, RatingClaim};
use crate::mail::{notify, MailData, MailKind};
use crate::routing::{Facts, Outcome};
use crate::storage::audit;
use crate::storage::submissions::{self, NewSubmissionRow};
use crate::storage::{contact_quota, idempotency, new_case, outbox, ratings, DbConn};
use crate::telemetry::metrics::Limiter;
use first_events::first_events;

/// What the citizen is told once, right after submitting (or again, to a retry with the same
/// idempotency key).
#[derive(Debug)]
pub struct Receipt {
    pub tracking_code: TrackingCode,
    pub access_key: AccessKey,
    pub state: State,
    pub has_email: bool,
    /// This answers a retry: the submission was stored by the first request with its key.
    pub replayed: bool,
}

/// An `Idempotency-Key` with where it came from and what was asked.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// Whose keys these are: `api`, or a kiosk's own scope.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the request, so a key reused for a different request is refused.
    pub request_hash: String,
}

impl Idempotency {
    /// The longest key accepted.
    pub const MAX_KEY: usize = 255;

    /// Checks the key (1–255 visible ASCII characters) and fingerprints the request.
    pub fn new(scope: &str, key: &str, request: &[u8]) -> Result<Idempotency, AppError> {
        if key.is_empty() || key.len() > Self::MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::Malformed(
                "Idempotency-Key must be 1-255 visible ASCII characters".into(),
            ));
        }
        Ok(Idempotency {
            scope: scope.to_owned(),
            key: key.to_owned(),
            request_hash: hex::encode(Sha256::digest(request)),
        })
    }

    /// What the stored answer is sealed to: it opens only for this key.
    fn context(&self) -> Vec<u8> {
        format!("idempotency:{}:{}", self.scope, self.key).into_bytes()
    }
}

/// What the intake transaction did.
enum Stored {
    New,
    /// The first request's answer, sealed.
    Replay(Vec<u8>),
}

/// Why an intake transaction was rolled back when the tracking code drawn was taken (it must
/// fail, not return, so that nothing it wrote before stays).
const CODE_TAKEN: &str = "tracking code taken";

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAnswer {
    tracking_code: String,
    access_key: String,
    state: String,
    has_email: bool,
}

/// The public view of a submission.
#[derive(Debug, Clone)]
pub struct CaseStatus {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub region: String,
    pub state: State,
    pub assigned_unit: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Open and past its deadline: shown honestly to the citizen.
    pub overdue: bool,
    /// The deadline running now that the citizen may know of: the unit's decision on acceptance
    /// (`false`) or its answer (`true`). Supervision deadlines are internal and not shown.
    pub deadline: Option<(bool, NaiveDateTime)>,
    /// The rating link's token while the answer can be rated.
    pub rating_token: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: NaiveDateTime,
    pub state: String,
    pub note: Option<String>,
    pub note_en: Option<String>,
}

/// A generated tracking code that already exists: draw again.
const CODE_ATTEMPTS: usize = 3;

/// Stores and routes a valid submission. Returns only after the submission, its routing and its
/// first events are committed together; a per-contact quota refusal or any failure stores nothing.
pub async fn submit(state: &Context, cmd: NewSubmission) -> Result<Receipt, AppError> {
    submit_once(state, cmd, None).await
}

/// [`submit`], once per idempotency key: a retry with the same key (even one running at the same
/// time) creates nothing and gets the first answer; the same key with a different request is
/// refused.
pub async fn submit_once(
    state: &Context,
    cmd: NewSubmission,
    idem: Option<Idempotency>,
) -> Result<Receipt, AppError> {
    submit_linked(state, cmd, idem, None).await
}

/// Writes a channel's own record of a new submission (given its id) in the intake transaction:
/// committed with the case, or not at all.
pub type Link = std::sync::Arc<dyn Fn(&mut DbConn, i64) -> Result<(), AppError> + Send + Sync>;

/// [`submit_once`], with `link` run in the same transaction right after the submission is
/// inserted (Open311 records the key that filed it and the location sent).
#[tracing::instrument(skip_all, fields(kind = %cmd.kind, channel = %cmd.channel))]
pub async fn submit_linked(
    state: &Context,
    cmd: NewSubmission,
    idem: Option<Idempotency>,
    link: Option<Link>,
) -> Result<Receipt, AppError> {
    let now = state.clock.now();
    let (day, seconds_left_today) = beijing_day(now);
    // The blind index keeps an e-mail's `+tag`; the daily quota does not (see domain::contact).
    let contact = cmd.reporter.contact();
    let contact_index = contact.map(|c| state.vault.blind_index(&contact_index_form(c)));
    let quota_index = contact.map(|c| state.vault.blind_index(&contact_quota_form(c)));
    let identity = if cmd.reporter.is_empty() {
        None
    } else {
        Some(serde_json::to_vec(&cmd.reporter).map_err(|e| AppError::Internal(e.into()))?)
    };
    let limit = i32::try_from(state.settings.limits.contact_per_day).unwrap_or(i32::MAX);
    let has_email = cmd.reporter.email.is_some();
    let accept_deadline = state.sla.deadlines(cmd.kind).accept_by(now);
    let (channel, kind) = (cmd.channel.code(), cmd.kind.code());

    // Routing is pure: decided before the write, so the writer does only SQL.
    let decision = state.router.decide(&Facts {
        kind: cmd.kind,
        category: &cmd.category,
        channel: cmd.channel,
        region: &cmd.region,
        target_unit: cmd.target_unit.as_deref(),
        event_host: cmd.origin.event_host.as_deref(),
    });

    let (new_state, assigned, dispatch) = match &decision.outcome {
        Outcome::Assigned(unit) => (State::Assigned, Some(unit.clone()), None),
        Outcome::PendingDispatch(office) => (State::PendingDispatch, None, office.clone()),
    };
    let holder = assigned.clone().or_else(|| dispatch.clone());
    let at = now.naive_utc();
    for _ in 0..CODE_ATTEMPTS {
        let code = TrackingCode::generate();
        let key = AccessKey::generate();
        let code_text = code.display();
        let key_hash = key.hash();
        // Everything that is not SQL is done here, before the write: sealing, hashing, the mails
        // and the stored answer (see `storage::new_case`).
        let sealed = identity
            .as_ref()
            .map(|plain| state.vault.seal(plain, code_text.as_bytes()));
        let (first, second) = first_events(&decision, holder.as_deref(), new_state, accept_deadline);
        let entries = audit::new_chain(&[first.audit(&code_text, at), second.audit(&code_text, at)]);
        let data = MailData {
            deadline: notify::day(accept_deadline),
            ..notify::case_facts(
                &state.catalog,
                &code_text,
                cmd.kind.code(),
                cmd.title.as_ref().map(|t| t.as_str()),
                holder.as_deref(),
            )
        };
        let lang = cmd.lang.tag();
        let email = cmd.reporter.email.as_deref();
        // The receipt to the citizen and word to the unit, committed with the case.
        let mails: Vec<_> = [
            notify::citizen_row(
                &state.vault,
                &code_text,
                email,
                lang,
                MailKind::Receipt,
                &data,
                at,
            ),
            holder
                .as_deref()
                .and_then(|unit| notify::unit_row(&state.catalog, unit, MailKind::NewCase, &data, at)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let answer = match &idem {
            Some(i) => Some(stored_answer(state, i, &code_text, &key, new_state, has_email)?),
            None => None,
        };
        let idem_in = idem.clone();
        let cmd = cmd.clone();
        let day = day.clone();
        let (contact_index, quota_index) = (contact_index.clone(), quota_index.clone());
        let decision = decision.clone();
        let (assigned, dispatch) = (assigned.clone(), dispatch.clone());
        let link = link.clone();
        let written = state
            .db
            // `write` is already one atomic unit (a savepoint in the SQLite writer's group, a
            // transaction of its own on PostgreSQL): no nested savepoint here.
            .write(move |conn| -> Result<_, AppError> {
                if let Some(i) = &idem_in {
                    if !idempotency::claim(conn, &i.scope, &i.key, &i.request_hash, at)? {
                        return match idempotency::find(conn, &i.scope, &i.key)? {
                            Some((hash, _)) if hash != i.request_hash => Err(AppError::IdempotencyKeyReused),
                            Some((_, Some(sealed))) => Ok(Stored::Replay(sealed)),
                            _ => Err(AppError::Internal(anyhow::anyhow!(
                                "an idempotency key was claimed without an answer"
                            ))),
                        };
                    }
                }
                if let Some(index) = &quota_index {
                    if !contact_quota::take(conn, index, &day, limit)? {
                        return Err(AppError::RateLimited {
                            retry_after_secs: seconds_left_today,
                        });
                    }
                }
                let row = NewSubmissionRow {
                    tracking_code: &code_text,
                    access_key_hash: &key_hash,
                    kind: cmd.kind.code(),
                    category: &cmd.category,
                    channel: cmd.channel.code(),
                    region: &cmd.region,
                    target_unit: cmd.target_unit.as_deref(),
                    title: cmd.title.as_ref().map(|t| t.as_str()),
                    body: cmd.body.as_str(),
                    reporter_sealed: sealed.as_deref(),
                    contact_index: contact_index.as_deref(),
                    anonymous: cmd.anonymous,
                    lang: cmd.lang.tag(),
                    state: new_state.code(),
                    assigned_unit: assigned.as_deref(),
                    created_at: at,
                    updated_at: at,
                    routing_rule: decision.rule.as_deref(),
                    routing_note: Some(&decision.explanation),
                    routing_note_en: Some(&decision.explanation_en),
                    dispatch_unit: dispatch.as_deref(),
                    // The clock for deciding acceptance runs from receipt.
                    due_at: Some(accept_deadline),
                    accept_deadline: Some(accept_deadline),
                    event_id: cmd.origin.event_id,
                    kiosk_id: cmd.origin.kiosk_id,
                    entered_by: cmd.origin.entered_by.as_deref(),
                    received_day: stats::period::day_of(at),
                    received_month: stats::period::month_of(at),
                    publishable: cmd.publishable,
                };
                let mut events = [first.row(at), second.row(at)];
                match new_case::insert(conn, &row, &mut events, &entries) {
                    Ok(id) => {
                        if let Some(link) = &link {
                            link(conn, id)?;
                        }
                    }
                    // Refused by a unique index: the whole unit rolls back, another code is drawn.
                    Err(e) if new_case::code_taken(&e) => return Err(AppError::Conflict(CODE_TAKEN)),
                    Err(e) => return Err(e.into()),
                }
                outbox::enqueue_all(conn, &mails)?;
                if let (Some(i), Some(answer)) = (&idem_in, &answer) {
                    idempotency::complete(conn, &i.scope, &i.key, answer)?;
                }
                Ok(Stored::New)
            })
            .await;
        match written {
            Ok(Stored::New) => {
                let case = state.vault.case_tag(&code.display());
                tracing::info!(case = %case, state = %new_state, "submission stored");
                state.db.metrics().submission(channel, kind);
                return Ok(Receipt {
                    tracking_code: code,
                    access_key: key,
                    state: new_state,
                    has_email,
                    replayed: false,
                });
            }
            Ok(Stored::Replay(sealed)) => {
                let i = idem
                    .as_ref()
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a replay without a key")))?;
                return replayed(state, &sealed, i);
            }
            Err(AppError::Conflict(CODE_TAKEN)) => tracing::warn!("tracking code collision; drawing another"),
            Err(e) => {
                // The only limit inside the transaction: the contact's daily quota.
                if matches!(e, AppError::RateLimited { .. }) {
                    state.db.metrics().rate_limited(Limiter::Contact);
                }
                return Err(e);
            }
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free tracking code after {CODE_ATTEMPTS} attempts"
    )))
}

/// The stored answer for an idempotency key, sealed to the key's context.
fn stored_answer(
    state: &Context,
    i: &Idempotency,
    code: &str,
    key: &AccessKey,
    new_state: State,
    has_email: bool,
) -> Result<Vec<u8>, AppError> {
    let answer = StoredAnswer {
        tracking_code: code.to_owned(),
        access_key: key.reveal(),
        state: new_state.code().to_owned(),
        has_email,
    };
    let plain = serde_json::to_vec(&answer).map_err(|e| AppError::Internal(e.into()))?;
    Ok(state.vault.seal(&plain, &i.context()))
}

/// The stored answer to an earlier request with this key, if there is one (a read only: it
/// claims nothing). Lets a retry be answered before anything else, limits included.
pub async fn earlier_answer(state: &Context, idem: &Idempotency) -> Result<Option<Receipt>, AppError> {
    let (scope, key) = (idem.scope.clone(), idem.key.clone());
    let found = state
        .db
        .read(move |conn| Ok::<_, AppError>(idempotency::find(conn, &scope, &key)?))
        .await?;
    match found {
        Some((hash, _)) if hash != idem.request_hash => Err(AppError::IdempotencyKeyReused),
        Some((_, Some(sealed))) => replayed(state, &sealed, idem).map(Some),
        _ => Ok(None),
    }
}

/// The first request's answer, opened for a retry.
fn replayed(state: &Context, sealed: &[u8], idem: &Idempotency) -> Result<Receipt, AppError> {
    let broken = || AppError::Internal(anyhow::anyhow!("a stored idempotent answer does not open"));
    let plain = state.vault.open(sealed, &idem.context()).map_err(|_| broken())?;
    let a: StoredAnswer = serde_json::from_slice(&plain).map_err(|_| broken())?;
    tracing::info!(case = %state.vault.case_tag(&a.tracking_code), "idempotent retry answered again");
    Ok(Receipt {
        tracking_code: TrackingCode::parse(&a.tracking_code).ok_or_else(broken)?,
        access_key: AccessKey::parse(&a.access_key).ok_or_else(broken)?,
        state: State::from_code(&a.state).ok_or_else(broken)?,
        has_email: a.has_email,
        replayed: true,
    })
}

/// Looks a submission up for its citizen. An unknown code and a wrong key are the same
/// `NotFound`, so the answer reveals nothing about which codes exist.
pub async fn status(state: &Context, code: &str, key: &str) -> Result<CaseStatus, AppError> {
    let code = TrackingCode::parse(code);
    let key = AccessKey::parse(key);
    let (Some(code), Some(key)) = (code, key) else {
        return Err(AppError::NotFound);
    };
    let vault = state.vault.clone();
    let now = state.clock.now().naive_utc();
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = submissions::find_by_code(conn, &code.display())?.ok_or(AppError::NotFound)?;
            if !key.matches(&row.access_key_hash) {
                return Err(AppError::NotFound);
            }
            let events = submissions::events(conn, row.id, true)?;
            let open = row.state.is_open();
            let overdue = open && row.due_at.is_some_and(|d| d < now);
            let deadline = match row.state {
                State::Accepted => row.handle_deadline.map(|d| (true, d)),
                s if s.is_open() => row.accept_deadline.map(|d| (false, d)),
                _ => None,
            };
            let rating_token = match row.rating_until {
                Some(until)
                    if row.state == State::Resolved
                        && until >= now
                        && ratings::rating_of(conn, row.id, row.review_round)?.is_none() =>
                {
                    Some(token::sign(
                        &vault,
                        &RatingClaim {
                            tracking_code: row.tracking_code.clone(),
                            round: row.review_round,
                            until: until.and_utc().timestamp(),
                        },
                    ))
                }
                _ => None,
            };
            Ok(CaseStatus {
                tracking_code: row.tracking_code,
                kind: row.kind,
                category: row.category,
                region: row.region,
                state: row.state,
                assigned_unit: row.assigned_unit,
                created_at: row.created_at,
                updated_at: row.updated_at,
                overdue,
                deadline,
                rating_token,
                timeline: events
                    .into_iter()
                    .map(|e| TimelineEntry {
                        at: e.at,
                        state: e.state,
                        note: e.note,
                        note_en: e.note_en,
                    })
                    .collect(),
            })
        })
        .await
}
