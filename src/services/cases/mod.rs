//! Working a case: what a member of staff sees of it, and the actions they take on it. Each action
//! is checked by the state machine ([`crate::domain::case::check`]) against the actor's role and
//! reach, changes the case, and leaves an event on its timeline (and so in the audit log), all in
//! one transaction. The staff API and (later) the handler's pages call these same functions.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::accounts::Staff;
use super::Context;
use crate::domain::calendar::beijing;
use crate::domain::case::{check, Action, CaseFacts, Extension, Outcome, Reach, Refusal};
use crate::domain::kind::{Kind, Role, State};
use crate::domain::text::{normalize_optional, Body};
use crate::domain::{FieldErrors, Problem, Reporter, TrackingCode};
use crate::error::AppError;
use crate::mail::{notify, MailData, MailKind};
use crate::routing::{guard, Directory, Holder, Subject};
use crate::storage::submissions::{self, CaseChanges, NewEventRow, SubmissionRow};
use crate::storage::DbConn;

/// An action as asked for, before it is checked. Which fields matter depends on the action.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: String,
    pub reason: Option<String>,
    pub unit: Option<String>,
    pub days: Option<u32>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    pub into: Option<String>,
    /// `YYYY-MM-DD` (end of that day, Beijing time) or RFC 3339.
    pub deadline: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub state: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub public: bool,
}

/// A case as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub region: String,
    pub target_unit: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub state: String,
    pub assigned_unit: Option<String>,
    pub dispatch_unit: Option<String>,
    pub routing_rule: Option<String>,
    pub routing_note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub accept_deadline: Option<DateTime<Utc>>,
    pub handle_deadline: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub extension: String,
    pub extension_days: Option<i32>,
    pub outcome: Option<String>,
    pub result: Option<String>,
    pub merged_into: Option<String>,
    pub supervised: bool,
    pub anonymous: bool,
    /// Shown to the assigned unit for non-reports; for reports only in the answer to a reveal.
    pub reporter: Option<Reporter>,
    pub identity_hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub timeline: Vec<EventView>,
    /// The actions this user may take now.
    pub allowed_actions: Vec<&'static str>,
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::NotFound => AppError::NotFound,
        Refusal::Forbidden => AppError::Forbidden,
        Refusal::Conflict => AppError::Conflict("state"),
    }
}

fn extension_of(code: &str) -> Extension {
    match code {
        "requested" => Extension::Requested,
        "granted" => Extension::Granted,
        "refused" => Extension::Refused,
        _ => Extension::None,
    }
}

fn extension_code(e: Extension) -> &'static str {
    match e {
        Extension::None => "none",
        Extension::Requested => "requested",
        Extension::Granted => "granted",
        Extension::Refused => "refused",
    }
}

/// Who `staff` is relative to the case.
pub fn reach(dir: &Directory, staff: &Staff, row: &SubmissionRow) -> Reach {
    let Some(me) = dir.unit(&staff.unit) else {
        return Reach::Outside;
    };
    match staff.role {
        Role::Handler | Role::Supervisor => match row.assigned_unit.as_deref().and_then(|u| dir.unit(u)) {
            Some(u) if u == me => Reach::OwnUnit,
            Some(u) if staff.role == Role::Supervisor && dir.is_subordinate(u, me) => Reach::Subordinate,
            _ => Reach::Outside,
        },
        // A dispatcher reaches what waits at their office and at the offices below it — the
        // same office the case's notices go to, so whoever is told can act.
        Role::Dispatcher => {
            let pending = row.state == State::PendingDispatch.code();
            let mine = row
                .dispatch_unit
                .as_deref()
                .and_then(|o| dir.unit(o))
                .is_some_and(|o| o == me || dir.is_subordinate(o, me));
            if pending && mine {
                Reach::DispatchArea
            } else {
                Reach::Outside
            }
        }
        Role::Admin => Reach::Outside,
    }
}

fn facts(row: &SubmissionRow) -> Result<CaseFacts, AppError> {
    let state =
        State::from_code(&row.state).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad state")))?;
    let kind = Kind::from_code(&row.kind).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad kind")))?;
    Ok(CaseFacts {
        state,
        kind,
        extension: extension_of(&row.extension),
    })
}

/// The shared pieces the functions below need inside a blocking database closure.
#[derive(Clone)]
struct Ctx {
    state: Context,
    staff: Arc<Staff>,
}

fn load(conn: &mut DbConn, code: &str) -> Result<SubmissionRow, AppError> {
    let code = TrackingCode::parse(code).ok_or(AppError::NotFound)?;
    submissions::find_by_code(conn, &code.display())?.ok_or(AppError::NotFound)
}

fn build_view(ctx: &Ctx, conn: &mut DbConn, row: SubmissionRow, reveal: bool) -> Result<CaseView, AppError> {
    let dir = &ctx.state.router.directory;
    let r = reach(dir, &ctx.staff, &row);
    let f = facts(&row)?;
    let is_report = f.kind == Kind::Report;
    let may_see = matches!(r, Reach::OwnUnit | Reach::Subordinate) && (!is_report || reveal);
    let reporter = match (&row.reporter_sealed, may_see) {
        (Some(sealed), true) => {
            let plain = ctx
                .state
                .vault
                .open(sealed, row.tracking_code.as_bytes())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            Some(serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.into()))?)
        }
        _ => None,
    };
    let events = submissions::events(conn, row.id, false)?;
    let now = Utc::now().naive_utc();
    let open = f.state.is_open();
    Ok(CaseView {
        allowed_actions: Action::ALL
            .iter()
            .filter(|a| check(**a, ctx.staff.role, r, f).is_ok())
            .map(|a| a.code())
            .collect(),
        identity_hidden: row.reporter_sealed.is_some() && reporter.is_none(),
        overdue: open && row.due_at.is_some_and(|d| d < now),
        timeline: events
            .into_iter()
            .map(|e| EventView {
                at: utc(e.at),
                action: e.action,
                state: e.state,
                actor: e.actor,
                note: e.note,
                reason: e.reason,
                public: e.public,
            })
            .collect(),
        tracking_code: row.tracking_code,
        kind: row.kind,
        category: row.category,
        channel: row.channel,
        region: row.region,
        target_unit: row.target_unit,
        title: row.title,
        body: row.body,
        state: row.state,
        assigned_unit: row.assigned_unit,
        dispatch_unit: row.dispatch_unit,
        routing_rule: row.routing_rule,
        routing_note: row.routing_note,
        due_at: row.due_at.map(utc),
        accept_deadline: row.accept_deadline.map(utc),
        handle_deadline: row.handle_deadline.map(utc),
        extension: row.extension,
        extension_days: row.extension_days,
        outcome: row.outcome,
        result: row.result,
        merged_into: row.merged_into,
        supervised: row.supervised,
        anonymous: row.anonymous,
        reporter,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// The case as `staff` may see it; a case outside their reach is `NotFound`.
pub async fn view(state: &Context, staff: Staff, code: String) -> Result<CaseView, AppError> {
    let ctx = Ctx {
        state: state.clone(),
        staff: Arc::new(staff),
    };
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = load(conn, &code)?;
            if reach(&ctx.state.router.directory, &ctx.staff, &row) == Reach::Outside {
                return Err(AppError::NotFound);
            }
            build_view(&ctx, conn, row, false)
        })
        .await
}

fn required(errors: &mut FieldErrors, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    match normalize_optional(value.as_deref()) {
        None => {
            errors.add(field, Problem::Required);
            None
        }
        Some(v) if v.chars().count() > max => {
            errors.add(field, Problem::TooLong { max });
            None
        }
        Some(v) => Some(v),
    }
}

/// The end of a Beijing day, or an exact RFC 3339 moment.
fn parse_deadline(text: &str) -> Option<NaiveDateTime> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(at.with_timezone(&Utc).naive_utc());
    }
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    day.and_hms_opt(23, 59, 59)?
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}

/// What an action needs, checked before the database is touched.
enum Input {
    None,
    Reason(String),
    UnitReason(String, Option<String>),
    Extension(u32, String),
    Resolve(Outcome, String),
    Into(String),
    Supervise(NaiveDateTime, Option<String>),
}

fn validate(action: Action, req: &ActionRequest, max_extension_days: u32) -> Result<Input, AppError> {
    let mut e = FieldErrors::default();
    let input = match action {
        Action::Accept | Action::ApproveExtension => Input::None,
        Action::Reject
        | Action::Decline
        | Action::Escalate
        | Action::RefuseExtension
        | Action::RevealIdentity => required(&mut e, "reason", &req.reason, 1000)
            .map(Input::Reason)
            .unwrap_or(Input::None),
        Action::Transfer => {
            let unit = required(&mut e, "unit", &req.unit, 64);
            let reason = required(&mut e, "reason", &req.reason, 1000);
            unit.map(|u| Input::UnitReason(u, reason)).unwrap_or(Input::None)
        }
        Action::Dispatch => required(&mut e, "unit", &req.unit, 64)
            .map(|u| Input::UnitReason(u, normalize_optional(req.reason.as_deref())))
            .unwrap_or(Input::None),
        Action::RequestExtension => {
            let reason = required(&mut e, "reason", &req.reason, 1000);
            match req.days {
                None => e.add("days", Problem::Required),
                Some(0) => e.add("days", Problem::TooShort { min: 1 }),
                Some(d) if d > max_extension_days => e.add(
                    "days",
                    Problem::TooLong {
                        max: max_extension_days as usize,
                    },
                ),
                Some(_) => {}
            }
            match (req.days, reason) {
                (Some(d), Some(r)) => Input::Extension(d, r),
                _ => Input::None,
            }
        }
        Action::Resolve => {
            let outcome = match req.outcome.as_deref().map(Outcome::from_code) {
                Some(Some(o)) => Some(o),
                Some(None) => {
                    e.add("outcome", Problem::UnknownOutcome);
                    None
                }
                None => {
                    e.add("outcome", Problem::Required);
                    None
                }
            };
            let result = match Body::parse(req.result.as_deref().unwrap_or_default()) {
                Ok(b) => Some(b.into_inner()),
                Err(p) => {
                    e.add("result", p);
                    None
                }
            };
            match (outcome, result) {
                (Some(o), Some(r)) => Input::Resolve(o, r),
                _ => Input::None,
            }
        }
        Action::Merge => required(&mut e, "into", &req.into, 32)
            .map(Input::Into)
            .unwrap_or(Input::None),
        Action::Supervise => match req.deadline.as_deref().map(parse_deadline) {
            Some(Some(at)) => Input::Supervise(at, normalize_optional(req.note.as_deref())),
            Some(None) => {
                e.add("deadline", Problem::InvalidDeadline);
                Input::None
            }
            None => {
                e.add("deadline", Problem::Required);
                Input::None
            }
        },
    };
    e.into_result().map_err(AppError::Invalid)?;
    Ok(input)
}

/// Performs an action on a case and returns the case as it is afterwards.
#[tracing::instrument(skip_all, fields(case = %code, action = %req.action))]
pub async fn act(
    state: &Context,
    staff: Staff,
    code: String,
    req: ActionRequest,
) -> Result<CaseView, AppError> {
    let action = Action::from_code(&req.action).ok_or_else(|| {
        let mut e = FieldErrors::default();
        e.add("action", Problem::UnknownAction);
        AppError::Invalid(e)
    })?;
    let ctx = Ctx {
        state: state.clone(),
        staff: Arc::new(staff),
    };
    let view = state
        .db
        .write(move |conn| perform(&ctx, conn, &code, action, &req))
        .await?;
    state.queue_counts.clear();
    Ok(view)
}

fn perform(
    ctx: &Ctx,
    conn: &mut DbConn,
    code: &str,
    action: Action,
    req: &ActionRequest,
) -> Result<CaseView, AppError> {
    let dir = &ctx.state.router.directory;
    let row = load(conn, code)?;
    let f = facts(&row)?;
    let r = reach(dir, &ctx.staff, &row);
    let next = check(action, ctx.staff.role, r, f).map_err(refusal)?;
    let limits = ctx.state.sla.for_kind(f.kind);
    let input = validate(action, req, limits.max_extension_days)?;
    let now = Utc::now();
    let at = now.naive_utc();
    let calendar = ctx.state.sla.calendar();
    // Every change of hands passes the conflict-of-interest rule (routing::guard).
    let subject = Subject::of(dir, f.kind, &row.region, row.target_unit.as_deref());
    let known_unit = |code: &str| {
        dir.unit(code).ok_or_else(|| {
            let mut e = FieldErrors::default();
            e.add("unit", Problem::UnknownUnit);
            AppError::Invalid(e)
        })
    };

    let mut changes = CaseChanges {
        state: Some(next.code()),
        updated_at: Some(at),
        ..Default::default()
    };
    // What the timeline says (citizens read the public ones) and, for staff, why.
    let (mut note, mut note_en): (String, String);
    let mut public = true;
    let mut reason: Option<String> = None;
    let mut reveal = false;
    let new_unit: String;
    let mut holder: Option<Holder> = None;
    let handle_deadline: NaiveDateTime;
    let rating_until: NaiveDateTime;
    match (action, input) {
        (Action::Accept, _) => {
            handle_deadline = calendar
                .deadline_at(now, limits.handle_days, limits.counting)
                .naive_utc();
            changes.handle_deadline = Some(Some(handle_deadline));
            changes.due_at = Some(Some(handle_deadline));
            note = "已受理，正在办理。".into();
            note_en = "Accepted; being handled.".into();
        }
        (Action::Reject, Input::Reason(why)) => {
            changes.due_at = Some(None);
            note = format!("不予受理：{why}");
            note_en = format!("Not accepted: {why}");
            reason = Some(why);
        }
        (Action::Transfer, Input::UnitReason(unit, why))
        | (Action::Dispatch, Input::UnitReason(unit, why)) => {
            let u = known_unit(&unit)?;
            if Some(unit.as_str()) == row.assigned_unit.as_deref() {
                return Err(AppError::Conflict("the case is with this unit already"));
            }
            holder = Some(guard::chosen(dir, &subject, u).map_err(|_| {
                AppError::Conflict("a report may not go to the unit it is about, or one below it")
            })?);
            note = format!("交{}办理。", dir.units[u].name);
            note_en = format!("Sent to {}.", dir.units[u].name_en);
            reason = why;
        }
        (Action::Decline, Input::Reason(why)) => {
            let placed = guard::dispatch(dir, &subject);
            // No office may hold it, and going up leads back here: nobody else can take it.
            if placed.holder.unit().is_none() || placed.holder.assigned_unit() == row.assigned_unit.as_deref()
            {
                return Err(AppError::Conflict("no rectification office may take this case"));
            }
            holder = Some(placed.holder);
            (note, note_en) = placed.diverted.unwrap_or_else(|| {
                (
                    "退回分派，另行确定承办单位。".into(),
                    "Returned for dispatch to another unit.".into(),
                )
            });
            reason = Some(why);
        }
        (Action::Escalate, Input::Reason(why)) => {
            let current = row
                .assigned_unit
                .as_deref()
                .and_then(|u| dir.unit(u))
                .ok_or(AppError::Conflict("the case is not assigned"))?;
            let up = dir.units[current]
                .parent
                .ok_or(AppError::Conflict("there is no unit above this one"))?;
            let placed = guard::worked_out(dir, &subject, up);
            holder = Some(placed.holder);
            (note, note_en) = placed.diverted.unwrap_or_else(|| {
                (
                    format!("提级交{}办理。", dir.units[up].name),
                    format!("Escalated to {}.", dir.units[up].name_en),
                )
            });
            reason = Some(why);
        }
        (Action::RequestExtension, Input::Extension(days, why)) => {
            changes.extension = Some(extension_code(Extension::Requested));
            changes.extension_days = Some(Some(days as i32));
            public = false;
            note = format!("申请延期 {days} 日。");
            note_en = format!("Asked for an extension of {days} days.");
            reason = Some(why);
        }
        (Action::ApproveExtension, _) => {
            let days = row.extension_days.unwrap_or(0).max(0) as u32;
            let from = row.handle_deadline.unwrap_or(at);
            let base = from.and_utc().with_timezone(&beijing()).date_naive();
            let last = calendar.add_days(base, days, limits.counting);
            handle_deadline = last
                .and_hms_opt(23, 59, 59)
                .and_then(|t| t.and_local_timezone(beijing()).single())
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .unwrap_or(from);
            changes.extension = Some(extension_code(Extension::Granted));
            changes.handle_deadline = Some(Some(handle_deadline));
            changes.due_at = Some(Some(handle_deadline));
            note = format!("经批准延期 {days} 日办理。");
            note_en = format!("An extension of {days} days was approved.");
        }
        (Action::RefuseExtension, Input::Reason(why)) => {
            changes.extension = Some(extension_code(Extension::Refused));
            public = false;
            note = "延期申请未获批准。".into();
            note_en = "The extension was refused.".into();
            reason = Some(why);
        }
        (Action::Resolve, Input::Resolve(outcome, result)) => {
            new_unit = result;
            changes.outcome = Some(Some(outcome.code()));
            changes.result = Some(Some(&new_unit));
            changes.due_at = Some(None);
            // The citizen's rating window opens with the answer.
            rating_until = calendar
                .deadline_at(now, limits.rating_days, limits.counting)
                .naive_utc();
            changes.rating_until = Some(Some(rating_until));
            note = format!("已办结：{new_unit}");
            note_en = format!("Handled: {new_unit}");
        }
        (Action::Merge, Input::Into(into)) => {
            let other = load(conn, &into).map_err(|_| {
                let mut e = FieldErrors::default();
                e.add("into", Problem::UnknownCase);
                AppError::Invalid(e)
            })?;
            if other.id == row.id || other.state == State::Merged.code() {
                return Err(AppError::Conflict("cannot merge into this case"));
            }
            if reach(dir, &ctx.staff, &other) == Reach::Outside {
                return Err(AppError::Conflict("the other case is out of reach"));
            }
            // The case is handled where the other one is: that unit must be allowed to hold it.
            let lead = other.assigned_unit.as_deref().or(other.dispatch_unit.as_deref());
            if lead
                .and_then(|u| dir.unit(u))
                .is_some_and(|u| !subject.may_hold(dir, u))
            {
                return Err(AppError::Conflict(
                    "a report may not be handled by the unit it is about, or one below it",
                ));
            }
            new_unit = other.tracking_code;
            changes.merged_into = Some(Some(&new_unit));
            changes.due_at = Some(None);
            note = format!("与 {new_unit} 合并办理。");
            note_en = format!("Merged with {new_unit}; handled there.");
        }
        (Action::Supervise, Input::Supervise(deadline, remark)) => {
            changes.supervised = Some(true);
            changes.due_at = Some(Some(deadline));
            public = false;
            let day = deadline.and_utc().with_timezone(&beijing()).format("%Y-%m-%d");
            note = format!("督办：限 {day} 前办理。");
            note_en = format!("Supervision: to be done by {day}.");
            reason = remark;
        }
        (Action::RevealIdentity, Input::Reason(why)) => {
            reveal = true;
            public = false;
            note = "查看举报人身份。".into();
            note_en = "The reporter's identity was revealed.".into();
            reason = Some(why);
        }
        _ => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "action and input do not match"
            )))
        }
    }
    if let Some(holder) = &holder {
        // A case that changes hands gets a fresh clock at the receiver: decide acceptance within
        // the kind's limit from now; the handling clock starts again on acceptance.
        let accept_by = ctx.state.sla.accept_by(f.kind, now);
        changes.holder = Some(holder);
        changes.accept_deadline = Some(Some(accept_by));
        changes.due_at = Some(Some(accept_by));
        changes.handle_deadline = Some(None);
        changes.extension = Some(extension_code(Extension::None));
        changes.extension_days = Some(None);
        let day = notify::day(accept_by);
        note = format!("{note}受理期限：{day}。");
        note_en = format!("{note_en} To be accepted or not by {day}.");
    }
    submissions::update_case(conn, row.id, &changes)?;
    submissions::record_event(
        conn,
        &row.tracking_code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: action_event(action),
            state: next.code(),
            note: Some(&note),
            note_en: Some(&note_en),
            public,
            actor: Some(&ctx.staff.username),
            reason: reason.as_deref(),
        },
    )?;
    let updated = load(conn, code)?;
    queue_mail(ctx, conn, action, &updated, reason.as_deref(), at)?;
    build_view(ctx, conn, updated, reveal)
}

/// Queues the mail an action causes, in the action's transaction: the citizen hears of
/// acceptance, rejection, an extension and the answer; a unit hears of a case that is now
/// theirs and of supervision.
fn queue_mail(
    ctx: &Ctx,
    conn: &mut DbConn,
    action: Action,
    row: &SubmissionRow,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let catalog = &ctx.state.catalog;
    let holder = row.assigned_unit.as_deref().or(row.dispatch_unit.as_deref());
    let base = notify::case_data(catalog, row, holder);
    let day = |t: Option<NaiveDateTime>| t.map(notify::day).unwrap_or_default();
    let to_citizen = |conn: &mut DbConn, kind: MailKind, data: MailData| {
        let email = notify::citizen_email(&ctx.state.vault, row);
        notify::citizen(
            conn,
            &ctx.state.vault,
            &row.tracking_code,
            email.as_deref(),
            &row.lang,
            kind,
            &data,
            at,
        )
    };
    match action {
        Action::Accept => to_citizen(
            conn,
            MailKind::Accepted,
            MailData {
                deadline: day(row.handle_deadline),
                ..base
            },
        )?,
        Action::Reject => to_citizen(
            conn,
            MailKind::Rejected,
            MailData {
                reason: reason.unwrap_or_default().to_owned(),
                ..base
            },
        )?,
        Action::ApproveExtension => to_citizen(
            conn,
            MailKind::Extended,
            MailData {
                days: row.extension_days.unwrap_or(0).max(0).unsigned_abs(),
                deadline: day(row.handle_deadline),
                ..base
            },
        )?,
        Action::Resolve => to_citizen(
            conn,
            MailKind::Result,
            MailData {
                outcome: row.outcome.clone().unwrap_or_default(),
                result: row.result.clone().unwrap_or_default(),
                deadline: day(row.rating_until),
                round: row.review_round,
                rating_until: row.rating_until.map_or(0, |t| t.and_utc().timestamp()),
                ..base
            },
        )?,
        Action::Transfer | Action::Escalate | Action::Dispatch | Action::Decline => {
            if let Some(unit) = holder {
                let data = MailData {
                    deadline: day(row.due_at),
                    ..base
                };
                notify::unit(conn, catalog, unit, MailKind::NewCase, &data, at)?;
            }
        }
        Action::Supervise => {
            if let Some(unit) = holder {
                let data = MailData {
                    deadline: day(row.due_at),
                    note: reason.unwrap_or_default().to_owned(),
                    ..base
                };
                notify::unit(conn, catalog, unit, MailKind::SupervisionNotice, &data, at)?;
            }
        }
        Action::RequestExtension | Action::RefuseExtension | Action::Merge | Action::RevealIdentity => {}
    }
    Ok(())
}

/// The event name recorded for an action.
fn action_event(action: Action) -> &'static str {
    match action {
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::Transfer => "transferred",
        Action::Decline => "declined",
        Action::Escalate => "escalated",
        Action::RequestExtension => "extension_requested",
        Action::ApproveExtension => "extension_approved",
        Action::RefuseExtension => "extension_refused",
        Action::Resolve => "resolved",
        Action::Merge => "merged",
        Action::Dispatch => "dispatched",
        Action::Supervise => "supervised",
        Action::RevealIdentity => "identity_revealed",
    }
}

/// Queue filters as query parameters: `state`, `kind`, `category`, `channel`, `overdue=true`,
/// `q` (a piece of the title) and `cursor` (from the previous page).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub overdue: Option<bool>,
    /// Overdue or under supervision: the supervision view.
    pub attention: Option<bool>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub tracking_code: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub state: String,
    pub title: Option<String>,
    pub assigned_unit: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub supervised: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub cases: Vec<QueueItem>,
    pub next_cursor: Option<String>,
    pub counts: BTreeMap<String, i64>,
}

pub const QUEUE_PAGE: i64 = 50;

fn encode_cursor(due: NaiveDateTime, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}:{id}", due.and_utc().timestamp_micros()))
}

fn decode_cursor(cursor: &str) -> Option<(NaiveDateTime, i64)> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let (micros, id) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc(),
        id.parse().ok()?,
    ))
}

/// The units whose cases `staff` works: a handler's own; a supervisor's and the units below it;
/// for a dispatcher, their office and the offices below it, whose dispatch queues they keep.
fn scope_codes(dir: &Directory, staff: &Staff) -> Vec<String> {
    let Some(me) = dir.unit(&staff.unit) else {
        return Vec::new();
    };
    match staff.role {
        Role::Handler => vec![staff.unit.clone()],
        Role::Supervisor | Role::Dispatcher => (0..dir.units.len())
            .filter(|&u| u == me || dir.is_subordinate(u, me))
            .map(|u| dir.units[u].code.clone())
            .collect(),
        Role::Admin => Vec::new(),
    }
}

/// One page of `staff`'s queue, nearest deadline first, with counts per state.
pub async fn queue(state: &Context, staff: Staff, params: QueueParams) -> Result<QueuePage, AppError> {
    let after = match params.cursor.as_deref() {
        Some(c) => Some(decode_cursor(c).ok_or_else(|| AppError::Malformed("bad cursor".into()))?),
        None => None,
    };
    let codes = scope_codes(&state.router.directory, &staff);
    let dispatch = staff.role == Role::Dispatcher;
    let cache_key = format!("{}:{}", staff.role, staff.unit);
    let cached = state.queue_counts.get(&cache_key);
    let page = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let now = Utc::now();
            let scope = if dispatch {
                submissions::QueueScope::Dispatch(&codes)
            } else {
                submissions::QueueScope::Units(&codes)
            };
            let q = submissions::QueueQuery {
                scope,
                state: params.state.as_deref(),
                kind: params.kind.as_deref(),
                category: params.category.as_deref(),
                channel: params.channel.as_deref(),
                overdue_at: params.overdue.filter(|o| *o).map(|_| now.naive_utc()),
                attention_at: params.attention.filter(|a| *a).map(|_| now.naive_utc()),
                title_contains: params.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
                after,
                limit: QUEUE_PAGE + 1,
            };
            let mut rows = submissions::queue(conn, &q)?;
            let more = rows.len() as i64 > QUEUE_PAGE;
            rows.truncate(QUEUE_PAGE as usize);
            let next_cursor = if more {
                rows.last().and_then(|r| r.due_at.map(|d| encode_cursor(d, r.id)))
            } else {
                None
            };
            let counts = match cached {
                Some(c) => c,
                None => submissions::queue_counts(conn, &q.scope)?.into_iter().collect(),
            };
            let cases = rows
                .into_iter()
                .map(|r| QueueItem {
                    days_left: r.due_at.map(|d| crate::domain::calendar::days_left(now, utc(d))),
                    overdue: r.due_at.is_some_and(|d| d < now.naive_utc()),
                    due_at: r.due_at.map(utc),
                    tracking_code: r.tracking_code,
                    kind: r.kind,
                    category: r.category,
                    channel: r.channel,
                    state: r.state,
                    title: r.title,
                    assigned_unit: r.assigned_unit,
                    supervised: r.supervised,
                    created_at: utc(r.created_at),
                })
                .collect();
            Ok(QueuePage {
                cases,
                next_cursor,
                counts,
            })
        })
        .await?;
    state.queue_counts.put(cache_key, page.counts.clone());
    Ok(page)
}

/// Counts of open cases per state, per queue, kept for a few seconds: counting a unit's 50,000
/// open cases on every page view would cost more than the page itself. Any action clears it.
#[derive(Default)]
pub struct CountsCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CountsEntry>>,
}

type CountsEntry = (std::time::Instant, BTreeMap<String, i64>);

impl CountsCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX_ENTRIES: usize = 10_000;

    /// The counts if fresh. When they have expired, the first caller is told to recount while the
    /// others keep getting the old counts until it is done, so expiry never sends every
    /// concurrent request to count at once.
    fn get(&self, key: &str) -> Option<BTreeMap<String, i64>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get_mut(key)?;
        if entry.0.elapsed() < Self::TTL {
            return Some(entry.1.clone());
        }
        entry.0 = std::time::Instant::now();
        None
    }

    fn put(&self, key: String, counts: BTreeMap<String, i64>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < Self::TTL);
        }
        entries.insert(key, (std::time::Instant::now(), counts));
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
