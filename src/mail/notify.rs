//! Queueing mail from inside a business transaction: the services call these with the same
//! connection that writes the change, so the mail exists exactly when the change does.
//!
//! A citizen gets mail only where they gave an e-mail address (so never for an anonymous report);
//! the address is sealed in the outbox row. A unit gets mail at its published address.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::compose::{MailData, MailKind};
use crate::catalog::Catalog;
use crate::domain::{Kind, Reporter};
use crate::storage::outbox::{self, MailRow, NewMail, To};
use crate::storage::submissions::SubmissionRow;
use crate::storage::{accounts, DbConn};
use crate::vault::Vault;

/// The Beijing calendar day of a stored UTC time, as `YYYY-MM-DD`.
pub fn day(at: NaiveDateTime) -> String {
    crate::domain::deadlines::day_label(at)
}

/// The facts every mail about a case shares; `unit` names the unit now holding it.
pub fn case_data(catalog: &Catalog, row: &SubmissionRow, unit: Option<&str>) -> MailData {
    case_facts(catalog, &row.tracking_code, &row.kind, row.title.as_deref(), unit)
}

/// [`case_data`] from the pieces, for a case not read back from the database.
pub fn case_facts(
    catalog: &Catalog,
    tracking_code: &str,
    kind: &str,
    title: Option<&str>,
    unit: Option<&str>,
) -> MailData {
    let kind = Kind::from_code(kind).map(|k| catalog.kind_info(k));
    let unit = unit.and_then(|u| catalog.unit(u));
    MailData {
        tracking_code: tracking_code.to_owned(),
        kind: kind.map(|k| k.name.clone()).unwrap_or_default(),
        kind_en: kind.map(|k| k.name_en.clone()).unwrap_or_default(),
        title: title.unwrap_or_default().to_owned(),
        unit: unit.map(|u| u.name.clone()).unwrap_or_default(),
        unit_en: unit.map(|u| u.name_en.clone()).unwrap_or_default(),
        ..Default::default()
    }
}

/// The citizen's e-mail address, opened from the sealed identity; `None` when they gave none.
pub fn citizen_email(vault: &Vault, row: &SubmissionRow) -> Option<String> {
    let sealed = row.reporter_sealed.as_ref()?;
    let plain = vault.open(sealed, row.tracking_code.as_bytes()).ok()?;
    let reporter: Reporter = serde_json::from_slice(&plain).ok()?;
    reporter.email
}

#[allow(
    clippy::expect_used,
    reason = "MailData is strings and numbers: serializing it cannot fail"
)]
fn payload(data: &MailData) -> String {
    serde_json::to_string(data).expect("mail data serializes")
}

/// Queues `kind` to the citizen at `email` (if any), in their language.
#[allow(clippy::too_many_arguments)]
pub fn citizen(
    conn: &mut DbConn,
    vault: &Vault,
    code: &str,
    email: Option<&str>,
    lang: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> QueryResult<()> {
    match citizen_row(vault, code, email, lang, kind, data, at) {
        Some(row) => outbox::enqueue_all(conn, &[row]),
        None => Ok(()),
    }
}

/// The outbox row of [`citizen`], sealed and serialised without touching the database (so a
/// write can carry it ready-made); `None` without an address.
#[allow(clippy::too_many_arguments)]
pub fn citizen_row(
    vault: &Vault,
    code: &str,
    email: Option<&str>,
    lang: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> Option<MailRow> {
    let sealed = vault.seal(email?.as_bytes(), &outbox::citizen_context(code));
    Some(MailRow::new(&NewMail {
        template: kind.name(),
        to: To::Citizen(&sealed),
        case_code: Some(code),
        payload: &payload(data),
        lang,
        at,
    }))
}

/// The outbox row of [`unit`], built without touching the database; `None` when the directory
/// has no address for the unit.
pub fn unit_row(
    catalog: &Catalog,
    unit_code: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> Option<MailRow> {
    let (address, data) = unit_mail(catalog, unit_code, data)?;
    Some(MailRow::new(&NewMail {
        template: kind.name(),
        to: To::Unit(&address),
        case_code: Some(&data.tracking_code),
        payload: &payload(&data),
        lang: "zh-CN",
        at,
    }))
}

/// A unit's published address and `data` naming that unit; `None` when it has no address.
pub fn unit_mail(catalog: &Catalog, unit_code: &str, data: &MailData) -> Option<(String, MailData)> {
    let u = catalog.unit(unit_code).filter(|u| !u.email.is_empty())?;
    let data = MailData {
        unit: u.name.clone(),
        unit_en: u.name_en.clone(),
        ..data.clone()
    };
    Some((u.email.clone(), data))
}

/// Queues `kind` to a unit's `address` (see [`unit_mail`]).
pub fn to_unit_address(
    conn: &mut DbConn,
    address: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> QueryResult<()> {
    to_staff_side(conn, To::Unit(address), kind, data, at)
}

/// Queues `kind` to a unit or a member of staff: always in Chinese, the staff's language.
fn to_staff_side(
    conn: &mut DbConn,
    to: To<'_>,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> QueryResult<()> {
    outbox::enqueue(
        conn,
        &NewMail {
            template: kind.name(),
            to,
            case_code: Some(&data.tracking_code),
            payload: &payload(data),
            lang: "zh-CN",
            at,
        },
    )
}

/// Queues `kind` to a unit's published address (nothing when the directory has none).
pub fn unit(
    conn: &mut DbConn,
    catalog: &Catalog,
    unit_code: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> QueryResult<()> {
    match unit_row(catalog, unit_code, kind, data, at) {
        Some(row) => outbox::enqueue_all(conn, &[row]),
        None => Ok(()),
    }
}

/// Queues `kind` to every active supervisor of `unit_code` who has an address; when none has,
/// to the unit's own address. Returns how many mails were queued.
pub fn supervisors(
    conn: &mut DbConn,
    catalog: &Catalog,
    unit_code: &str,
    kind: MailKind,
    data: &MailData,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let addresses = accounts::supervisor_emails(conn, unit_code)?;
    if addresses.is_empty() {
        unit(conn, catalog, unit_code, kind, data, at)?;
        return Ok(1);
    }
    for address in &addresses {
        to_staff_side(conn, To::Staff(address), kind, data, at)?;
    }
    Ok(addresses.len())
}
