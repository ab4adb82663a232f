//! The submission form and the one-time receipt, as the citizen's pages and the kiosk both show
//! them: the form's fields and what was typed, the page with its per-field messages, and the
//! receipt carried once in a sealed cookie. Each audience's handlers are in its own module.

use std::collections::BTreeMap;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::catalog::Named;
use crate::domain::{FieldErrors, Kind, SubmissionInput};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake as service;
use crate::web::pages::Chrome;
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

pub(crate) const RECEIPT_COOKIE: &str = "ms_receipt";
pub(crate) const RECEIPT_PATH: &str = "/submit/receipt";
/// The form's fields as the idempotency fingerprint sees them (a key reused for other words is
/// refused).
pub(crate) fn fingerprint(form: &SubmitForm) -> Vec<u8> {
    [
        &form.kind,
        &form.category,
        &form.region,
        &form.target_unit,
        &form.title,
        &form.body,
        &form.name,
        &form.phone,
        &form.email,
        &form.id_number,
        &form.anonymous,
        &form.publishable,
        &form.assist,
    ]
    .iter()
    .flat_map(|f| f.bytes().chain(std::iter::once(0)))
    .collect()
}
const RECEIPT_CONTEXT: &[u8] = b"receipt-cookie";

/// The form as typed. Every field is a string so whatever was typed can be shown again.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SubmitForm {
    pub kind: String,
    pub category: String,
    pub region: String,
    pub target_unit: String,
    pub title: String,
    pub body: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub id_number: String,
    pub anonymous: String,
    /// `on` when the citizen agrees to publication without personal data (unticked: no).
    pub publishable: String,
    /// The honeypot: people never see it, bots fill it.
    pub website: String,
    pub csrf_token: String,
    /// One key per form shown (web and kiosk), so a double tap or a retry creates one case.
    pub idempotency_key: String,
    /// Kiosk forms only: `1` when a member of staff enters it for a visitor.
    pub assist: String,
}

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

impl SubmitForm {
    pub(crate) fn to_input(&self) -> SubmissionInput {
        SubmissionInput {
            kind: self.kind.clone(),
            category: self.category.clone(),
            region: self.region.clone(),
            body: self.body.clone(),
            title: some(&self.title),
            name: some(&self.name),
            phone: some(&self.phone),
            email: some(&self.email),
            id_number: some(&self.id_number),
            anonymous: !self.anonymous.is_empty(),
            publishable: !self.publishable.is_empty(),
            target_unit: some(&self.target_unit),
        }
    }
}

struct KindChoice {
    code: &'static str,
    label: String,
    hint: String,
    selected: bool,
}

struct Opt {
    code: String,
    label: String,
    selected: bool,
}

/// What a kiosk adds to the submission form.
pub(crate) struct KioskForm {
    pub event_line: String,
    pub staff: Option<String>,
    pub assist: &'static str,
}

#[derive(Template)]
#[template(path = "submit.html")]
pub(crate) struct SubmitPage {
    t: &'static Texts,
    pub chrome: Chrome,
    pub action: &'static str,
    pub kiosk: Option<KioskForm>,
    /// The form's idempotency key: the one it came back with, or a new one for a new form.
    idempotency_key: String,
    form: SubmitForm,
    csrf: String,
    banner: Option<String>,
    summary: Vec<(String, String)>,
    errors: BTreeMap<String, Vec<String>>,
    kinds: Vec<KindChoice>,
    general_categories: Vec<Opt>,
    report_categories: Vec<Opt>,
    regions: Vec<Opt>,
    unit_groups: Vec<(String, Vec<Opt>)>,
    anonymous_checked: bool,
    publishable_checked: bool,
}

impl SubmitPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    fn errors_of(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn field_label(t: &Texts, field: &str) -> &'static str {
    match field {
        "kind" => t.kind_label,
        "category" => t.category_label,
        "region" => t.region_label,
        "target_unit" => t.target_unit_label,
        "title" => t.title_label,
        "body" => t.body_label,
        "name" => t.name_label,
        "phone" => t.phone_label,
        "email" => t.email_label,
        "id_number" => t.id_number_label,
        "anonymous" => t.anonymous_label,
        "publishable" => t.publishable_label,
        _ => "",
    }
}

pub(crate) fn submit_page(
    state: &AppState,
    lang: Lang,
    form: SubmitForm,
    csrf: String,
    errors: &FieldErrors,
    banner: Option<String>,
) -> SubmitPage {
    let t = texts(lang);
    let catalog = &state.catalog;
    let messages = errors.messages(lang);
    let sep = lang.pick("：", ": ");
    let summary = messages
        .iter()
        .flat_map(|(field, msgs)| {
            msgs.iter()
                .map(move |m| (field.clone(), format!("{}{sep}{m}", field_label(t, field))))
        })
        .collect();
    let kinds = Kind::ALL
        .iter()
        .map(|k| {
            let info = catalog.kind_info(*k);
            KindChoice {
                code: k.code(),
                label: info.name(lang).to_owned(),
                hint: lang.pick(&info.summary, &info.summary_en).to_owned(),
                selected: form.kind == k.code(),
            }
        })
        .collect();
    let opt = |code: &str, label: &str, chosen: &str| Opt {
        code: code.to_owned(),
        label: label.to_owned(),
        selected: code == chosen,
    };
    let (report, general): (Vec<_>, Vec<_>) = catalog
        .categories
        .iter()
        .partition(|c| c.kinds.iter().any(|k| k == Kind::Report.code()));
    let general_categories = general
        .iter()
        .map(|c| opt(&c.code, c.name(lang), &form.category))
        .collect();
    let report_categories = report
        .iter()
        .map(|c| opt(&c.code, c.name(lang), &form.category))
        .collect();
    let regions = catalog
        .regions_tree()
        .into_iter()
        .map(|(r, depth)| {
            opt(
                &r.code,
                &format!("{}{}", "\u{3000}".repeat(depth), r.name(lang)),
                &form.region,
            )
        })
        .collect();
    let unit_groups = catalog
        .regions_tree()
        .into_iter()
        .map(|(r, _)| {
            let units = catalog
                .units
                .iter()
                .filter(|u| u.region == r.code)
                .map(|u| opt(&u.code, u.name(lang), &form.target_unit))
                .collect::<Vec<_>>();
            (r.name(lang).to_owned(), units)
        })
        .filter(|(_, units)| !units.is_empty())
        .collect();
    SubmitPage {
        t,
        chrome: Chrome::new(lang, "/submit"),
        action: "/submit",
        kiosk: None,
        idempotency_key: if form.idempotency_key.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            form.idempotency_key.clone()
        },
        anonymous_checked: !form.anonymous.is_empty(),
        publishable_checked: !form.publishable.is_empty(),
        form,
        csrf,
        banner,
        summary,
        errors: messages,
        kinds,
        general_categories,
        report_categories,
        regions,
        unit_groups,
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ReceiptCookie {
    code: String,
    key: String,
    has_email: bool,
}

/// After a submission: on to the receipt page at `path`, the receipt in the cookie `name`.
pub(crate) fn to_receipt(
    state: &AppState,
    receipt: &service::Receipt,
    name: &'static str,
    path: &'static str,
) -> Result<HttpResponse, AppError> {
    let cookie = receipt_cookie(state, receipt, name, path)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// The one-time receipt travels to the receipt page in a sealed, short-lived cookie (never in a
/// URL), which that page clears.
fn receipt_cookie(
    state: &AppState,
    receipt: &service::Receipt,
    name: &'static str,
    path: &'static str,
) -> Result<Cookie<'static>, AppError> {
    let plain = serde_json::to_vec(&ReceiptCookie {
        code: receipt.tracking_code.display(),
        key: receipt.access_key.reveal(),
        has_email: receipt.has_email,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let sealed = state.vault.seal(&plain, RECEIPT_CONTEXT);
    Ok(Cookie::build(name, URL_SAFE_NO_PAD.encode(sealed))
        .path(path)
        .http_only(true)
        .secure(state.settings.security.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::minutes(10))
        .finish())
}

/// Opens the receipt cookie `name`, if there is one.
pub(crate) fn take_receipt(req: &HttpRequest, state: &AppState, name: &str) -> Option<ReceiptView> {
    req.cookie(name)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|sealed| state.vault.open(&sealed, RECEIPT_CONTEXT).ok())
        .and_then(|plain| serde_json::from_slice::<ReceiptCookie>(&plain).ok())
        .map(|r| ReceiptView {
            tracking_code: r.code,
            access_key: r.key,
            has_email: r.has_email,
        })
}

/// The header that clears the receipt cookie `name`.
pub(crate) fn receipt_removal(name: &'static str, path: &'static str) -> Cookie<'static> {
    let mut gone = Cookie::build(name, "").path(path).finish();
    gone.make_removal();
    gone
}

pub(crate) struct ReceiptView {
    pub tracking_code: String,
    access_key: String,
    has_email: bool,
}

/// What a kiosk adds to the receipt: a QR code of the status page and a printable slip.
pub(crate) struct KioskReceipt {
    pub qr_svg: String,
    pub qr_caption: &'static str,
    pub status_url: String,
    pub event_line: String,
    pub print_label: &'static str,
    pub done_label: &'static str,
    pub idle_note: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub(crate) struct ReceiptPage {
    pub t: &'static Texts,
    pub chrome: Chrome,
    pub receipt: Option<ReceiptView>,
    pub kiosk: Option<KioskReceipt>,
}

crate::has_csrf!(SubmitForm);
