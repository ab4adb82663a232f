//! The citizen's web pages: the submission form, the one-time receipt, and the status look-up.
//! Handlers are thin: read the form, call [`super::service`], render. No JavaScript needed.

use std::collections::BTreeMap;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::catalog::Named;
use crate::domain::deadlines::beijing_time;
use crate::domain::{Channel, FieldErrors, Kind, NewSubmission, SubmissionInput, TrackingCode};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{self as service, CaseStatus};
use crate::web::client::ClientIp;
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::pages::{render_private, set_retry_after, Chrome, PageError, PageResult};
use crate::web::texts::{state_label, texts, Texts};
use crate::web::AppState;

const RECEIPT_COOKIE: &str = "ms_receipt";
const RECEIPT_PATH: &str = "/submit/receipt";
/// The form's fields as the kiosk's idempotency fingerprint sees them.
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
    /// The honeypot: people never see it, bots fill it.
    pub website: String,
    pub csrf_token: String,
    /// Kiosk forms only: one key per form shown, so a double tap or a retry creates one case.
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
    pub idempotency_key: String,
    pub assist: &'static str,
}

#[derive(Template)]
#[template(path = "submit.html")]
pub(crate) struct SubmitPage {
    t: &'static Texts,
    pub chrome: Chrome,
    pub action: &'static str,
    pub kiosk: Option<KioskForm>,
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
        anonymous_checked: !form.anonymous.is_empty(),
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

pub async fn submit_form(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let token = csrf::issue_for(&req, &state);
    let mut form = SubmitForm::default();
    // A link from the home page may preselect the kind (`/submit?kind=report`).
    if let Ok(q) = web::Query::<BTreeMap<String, String>>::from_query(req.query_string()) {
        if let Some(k) = q.get("kind").and_then(|k| Kind::from_code(k)) {
            form.kind = k.code().to_owned();
        }
    }
    let page = submit_page(&state, lang, form, token.token, &FieldErrors::default(), None);
    render_private(StatusCode::OK, &page, token.cookie)
}

#[derive(Serialize, Deserialize)]
struct ReceiptCookie {
    code: String,
    key: String,
    has_email: bool,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: web::Form<SubmitForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    if !form.website.is_empty() {
        tracing::info!("honeypot filled; submission dropped");
        return Err(PageError::new(AppError::Malformed("honeypot".into()), lang));
    }
    let token = csrf::issue_for(&req, &state);
    // Whatever goes wrong below, the form comes back with everything typed still in it.
    let again = |status: StatusCode, errors: &FieldErrors, err: Option<&AppError>| {
        let banner = err.map(|e| e.message(lang).to_owned());
        let page = submit_page(&state, lang, form.clone(), token.token.clone(), errors, banner);
        let mut resp = render_private(status, &page, token.cookie.clone());
        set_retry_after(&mut resp, err.and_then(AppError::retry_after));
        resp
    };
    if let Err(e) = state.limits.check_submit(client.0) {
        return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
    }
    let cmd = match NewSubmission::parse(&form.to_input(), &state.catalog, Channel::Web, lang) {
        Ok(cmd) => cmd,
        Err(errors) => return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, &errors, None)),
    };
    let receipt = match service::submit(&state, cmd).await {
        Ok(r) => r,
        Err(e) => {
            e.log();
            return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
        }
    };
    to_receipt(&state, &receipt, RECEIPT_COOKIE, RECEIPT_PATH).page(lang)
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

/// Shows the tracking code and access key once; the cookie that carried them is cleared.
pub async fn receipt(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let page = ReceiptPage {
        t: texts(lang),
        chrome: Chrome::new(lang, RECEIPT_PATH),
        receipt: take_receipt(&req, &state, RECEIPT_COOKIE),
        kiosk: None,
    };
    let mut resp = render_private(StatusCode::OK, &page, None);
    let _ = resp.add_cookie(&receipt_removal(RECEIPT_COOKIE, RECEIPT_PATH));
    resp
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    t: &'static Texts,
    chrome: Chrome,
    csrf: String,
    code: String,
    banner: Option<String>,
}

pub async fn track_form(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let token = csrf::issue_for(&req, &state);
    // A receipt's QR code links here with the (public) tracking code filled in; never the key.
    let code = web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("code").and_then(|c| TrackingCode::parse(c)))
        .map(|c| c.display())
        .unwrap_or_default();
    let page = TrackPage {
        t: texts(lang),
        chrome: Chrome::new(lang, "/track"),
        csrf: token.token,
        code,
        banner: None,
    };
    render_private(StatusCode::OK, &page, token.cookie)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub code: String,
    pub key: String,
    pub csrf_token: String,
}

struct StatusView {
    tracking_code: String,
    kind: String,
    category: String,
    region: String,
    state: String,
    unit: Option<String>,
    /// The running deadline's label and day.
    deadline: Option<(&'static str, String)>,
    created_at: String,
    updated_at: String,
    overdue: bool,
    /// Where to rate the answer, while it can be rated.
    rating_href: Option<String>,
    timeline: Vec<EntryView>,
}

struct EntryView {
    at: String,
    state: String,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    t: &'static Texts,
    chrome: Chrome,
    s: StatusView,
}

fn status_view(state: &AppState, s: CaseStatus, lang: Lang) -> StatusView {
    let c = &state.catalog;
    let name = |n: Option<&dyn Named>, code: &str| {
        n.map(|n| n.name(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    StatusView {
        kind: Kind::from_code(&s.kind)
            .map(|k| c.kind_info(k).name(lang).to_owned())
            .unwrap_or_else(|| s.kind.clone()),
        category: name(c.category(&s.category).map(|x| x as &dyn Named), &s.category),
        region: name(c.region(&s.region).map(|x| x as &dyn Named), &s.region),
        state: state_label(&s.state, lang).to_owned(),
        unit: s
            .assigned_unit
            .as_deref()
            .map(|u| name(c.unit(u).map(|x| x as &dyn Named), u)),
        deadline: s.deadline.map(|(answer, at)| {
            let t = texts(lang);
            let label = if answer {
                t.deadline_answer
            } else {
                t.deadline_accept
            };
            (label, crate::mail::notify::day(at))
        }),
        created_at: beijing_time(s.created_at),
        updated_at: beijing_time(s.updated_at),
        overdue: s.overdue,
        rating_href: s.rating_token.map(|t| format!("/rate/{t}?lang={}", lang.code())),
        timeline: s
            .timeline
            .into_iter()
            .map(|e| EntryView {
                at: beijing_time(e.at),
                state: state_label(&e.state, lang).to_owned(),
                note: match lang {
                    Lang::Zh => e.note,
                    Lang::En => e.note_en.or(e.note),
                },
            })
            .collect(),
        tracking_code: s.tracking_code,
    }
}

/// The status page. Code and key travel in the POST body, never in a URL.
pub async fn track(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: web::Form<TrackForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    let token = csrf::issue_for(&req, &state);
    let again = |status: StatusCode, banner: String, retry_after: Option<u64>| {
        let page = TrackPage {
            t: texts(lang),
            chrome: Chrome::new(lang, "/track"),
            csrf: token.token.clone(),
            code: form.code.clone(),
            banner: Some(banner),
        };
        let mut resp = render_private(status, &page, token.cookie.clone());
        set_retry_after(&mut resp, retry_after);
        resp
    };
    if let Err(e) = state.limits.check_track(client.0) {
        return Ok(again(e.status(), e.message(lang).to_owned(), e.retry_after()));
    }
    match service::status(&state, &form.code, &form.key).await {
        Ok(s) => {
            let page = StatusPage {
                t: texts(lang),
                chrome: Chrome::new(lang, "/track"),
                s: status_view(&state, s, lang),
            };
            Ok(render_private(StatusCode::OK, &page, token.cookie.clone()))
        }
        Err(AppError::NotFound) => Ok(again(
            StatusCode::NOT_FOUND,
            texts(lang).track_not_found.to_owned(),
            None,
        )),
        Err(e) => Err(PageError::new(e, lang)),
    }
}
