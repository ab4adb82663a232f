//! `/kiosk`: the open-day touch screen. An unenrolled screen asks for its enrolment code; an
//! enrolled one shows the submission form (the web form's, in large type, about the event's host
//! by default), then a receipt with a QR code of the status page and a printable slip, then a blank
//! form again — after a tap on "done" or after `kiosk.idle_secs`. Nothing of one visitor stays
//! for the next: pages are `no-store`, fields keep no browser memory, the receipt is shown once.
//! Each form carries its own idempotency key, so a double tap or a flaky network makes one case.
//! A member of staff signed in on the same screen can enter a visitor's words (`?assist=1`).

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::catalog::Named;
use crate::domain::{Channel, FieldErrors, NewSubmission, Origin};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake::{earlier_answer, submit_once, Idempotency};
use crate::services::open_days::{self as service, Device};
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::extract::CsrfForm;
use crate::web::pages::{render_private, set_retry_after, Chrome, PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::submission::{
    fingerprint, receipt_removal, submit_page, take_receipt, to_receipt, KioskForm, KioskReceipt,
    ReceiptPage, SubmitForm,
};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

const DEVICE_COOKIE: &str = "ms_kiosk";
const RECEIPT_COOKIE: &str = "ms_kiosk_receipt";
const RECEIPT_PATH: &str = "/kiosk/receipt";

/// Kiosk pages may run the kiosk's own script (idle reset, print); everything else stays as strict
/// as the rest of the site.
const KIOSK_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
                         form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct KioskTexts {
    enrol_title: &'static str,
    enrol_intro: &'static str,
    enrol_code: &'static str,
    enrol_button: &'static str,
    enrol_failed: &'static str,
    event_line: &'static str,
    assisted: &'static str,
    qr_caption: &'static str,
    print: &'static str,
    done: &'static str,
    idle_note: &'static str,
}

static ZH: KioskTexts = KioskTexts {
    enrol_title: "登记自助终端",
    enrol_intro: "请工作人员输入管理员提供的登记码。登记后，这台终端即可供来访群众使用。",
    enrol_code: "登记码",
    enrol_button: "登记",
    enrol_failed: "登记码不正确或已经用过，请向管理员重新申请。",
    event_line: "开放日：{title}（{host}），{place}",
    assisted: "工作人员代录：{staff}",
    qr_caption: "用手机扫描二维码，输入查询密码即可查看办理进度。",
    print: "打印回执",
    done: "完成，交给下一位",
    idle_note: "{secs} 秒无人操作后，本屏幕将自动清空。",
};

static EN: KioskTexts = KioskTexts {
    enrol_title: "Enrol this kiosk",
    enrol_intro: "Staff: enter the enrolment code the administrator gave you. Once enrolled, visitors can use this screen.",
    enrol_code: "Enrolment code",
    enrol_button: "Enrol",
    enrol_failed: "That code is wrong or already used. Please ask the administrator for a new one.",
    event_line: "Open day: {title} ({host}), {place}",
    assisted: "Entered by staff: {staff}",
    qr_caption: "Scan with your phone and enter your access key to follow your case.",
    print: "Print the receipt",
    done: "Done — next visitor",
    idle_note: "The screen clears itself after {secs} seconds without a touch.",
};

fn kiosk_texts(lang: Lang) -> &'static KioskTexts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

fn private(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(KIOSK_CSP),
    );
    resp
}

#[derive(Template)]
#[template(path = "kiosk/enrol.html")]
struct EnrolPage {
    t: &'static Texts,
    k: &'static KioskTexts,
    chrome: Chrome,
    csrf: String,
    banner: Option<&'static str>,
}

fn enrol_page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    banner: Option<&'static str>,
) -> HttpResponse {
    let token = csrf::issue_for(req, state);
    let page = EnrolPage {
        t: texts(lang),
        k: kiosk_texts(lang),
        chrome: Chrome::kiosk(lang, "/kiosk", state.settings.kiosk.idle_secs),
        csrf: token.token,
        banner,
    };
    private(render_private(status, &page, token.cookie))
}

/// The kiosk this browser is, if it holds a valid credential.
async fn device(req: &HttpRequest, state: &AppState) -> Result<Option<Device>, AppError> {
    match req.cookie(DEVICE_COOKIE) {
        Some(c) => service::device(&state.db, c.value()).await,
        None => Ok(None),
    }
}

fn event_line(state: &AppState, d: &Device, lang: Lang) -> String {
    let host = state
        .catalog
        .unit(&d.event.host_unit)
        .map(|u| u.name(lang).to_owned())
        .unwrap_or_default();
    kiosk_texts(lang)
        .event_line
        .replace("{title}", &d.event.title)
        .replace("{host}", &host)
        .replace("{place}", &d.event.place)
}

/// Who enters this submission: a signed-in member of staff, when the form says so.
fn assisting(staff: &Option<SignedIn>, assist: &str) -> Option<String> {
    staff
        .as_ref()
        .filter(|_| assist == "1")
        .map(|s| s.0.username.clone())
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    d: &Device,
    form: SubmitForm,
    errors: &FieldErrors,
    banner: Option<String>,
    staff: Option<String>,
) -> (crate::web::submission::SubmitPage, csrf::CsrfToken) {
    let token = csrf::issue_for(req, state);
    let assist = if staff.is_some() { "1" } else { "" };
    let mut page = submit_page(state, lang, form, token.token.clone(), errors, banner);
    page.chrome = Chrome::kiosk(lang, "/kiosk", state.settings.kiosk.idle_secs);
    page.action = "/kiosk";
    page.kiosk = Some(KioskForm {
        event_line: event_line(state, d, lang),
        staff: staff.map(|s| kiosk_texts(lang).assisted.replace("{staff}", &s)),
        assist,
    });
    (page, token)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KioskQuery {
    pub assist: String,
    pub lang: String,
}

/// A blank form (or the enrolment page on a screen not enrolled yet).
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: Option<SignedIn>,
    query: web::Query<KioskQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(d) = device(&req, &state).await.page(lang)? else {
        return Ok(enrol_page(&req, &state, lang, StatusCode::OK, None));
    };
    let host_region = state
        .catalog
        .unit(&d.event.host_unit)
        .map(|u| u.region.clone())
        .unwrap_or_default();
    // About the host, in the host's region, unless the visitor says otherwise.
    let form = SubmitForm {
        region: host_region,
        target_unit: d.event.host_unit.clone(),
        ..Default::default()
    };
    let staff = assisting(&staff, &query.assist);
    let (page, token) = form_page(&req, &state, lang, &d, form, &FieldErrors::default(), None, staff);
    Ok(private(render_private(StatusCode::OK, &page, token.cookie)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EnrolForm {
    pub code: String,
    pub csrf_token: String,
}

pub async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    form: CsrfForm<EnrolForm>,
) -> Result<HttpResponse, PageError> {
    match service::enrol(&state.db, &form.code).await.page(lang)? {
        Some(credential) => {
            let cookie = Cookie::build(DEVICE_COOKIE, credential)
                .path("/kiosk")
                .http_only(true)
                .secure(state.settings.security.secure_cookies)
                .same_site(SameSite::Strict)
                .max_age(CookieDuration::days(365))
                .finish();
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/kiosk"))
                .cookie(cookie)
                .finish())
        }
        None => Ok(enrol_page(
            &req,
            &state,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(kiosk_texts(lang).enrol_failed),
        )),
    }
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: Option<SignedIn>,
    form: web::Form<SubmitForm>,
) -> Result<HttpResponse, PageError> {
    let Some(d) = device(&req, &state).await.page(lang)? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/kiosk"))
            .finish());
    };
    let form = form.into_inner();
    // Checked here, not by the CsrfForm extractor: a screen that is not (or no longer) an
    // enrolled kiosk goes back to enrolment first, whatever its form says.
    csrf::verify(&req, &state.vault, &form.csrf_token).page(lang)?;
    if !form.website.is_empty() {
        return Err(PageError::new(AppError::Malformed("honeypot".into()), lang));
    }
    let entered_by = assisting(&staff, &form.assist);
    let again = |status: StatusCode, errors: &FieldErrors, err: Option<&AppError>| {
        let banner = err.map(|e| e.message(lang).to_owned());
        let (page, token) = form_page(
            &req,
            &state,
            lang,
            &d,
            form.clone(),
            errors,
            banner,
            entered_by.clone(),
        );
        let mut resp = private(render_private(status, &page, token.cookie));
        set_retry_after(&mut resp, err.and_then(AppError::retry_after));
        resp
    };
    // A retry of a form already sent is answered from its key, whatever the limit says.
    let idem = Idempotency::new(
        &format!("kiosk:{}", d.kiosk.id),
        &form.idempotency_key,
        &fingerprint(&form),
    )
    .page(lang)?;
    let channel = if entered_by.is_some() {
        Channel::Staff
    } else {
        Channel::Kiosk
    };
    let mut cmd = match NewSubmission::parse(&form.to_input(), &state.catalog, channel, lang) {
        Ok(cmd) => cmd,
        Err(errors) => return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, &errors, None)),
    };
    cmd.origin = Origin {
        event_id: Some(d.event.id),
        event_host: Some(d.event.host_unit.clone()),
        kiosk_id: Some(d.kiosk.id),
        entered_by: entered_by.clone(),
    };
    let earlier = match earlier_answer(&state, &idem).await {
        Ok(r) => r,
        Err(e) => return Ok(again(e.status(), &FieldErrors::default(), Some(&e))),
    };
    let receipt = match earlier {
        Some(r) => r,
        None => {
            if let Err(e) = state.limits.check_kiosk(d.kiosk.id) {
                return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
            }
            match submit_once(&state, cmd, Some(idem)).await {
                Ok(r) => r,
                Err(e) => {
                    e.log();
                    return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
                }
            }
        }
    };
    to_receipt(&state, &receipt, RECEIPT_COOKIE, RECEIPT_PATH).page(lang)
}

/// The receipt screen, once: the code, the key, a QR code of the status page, a printable slip.
pub async fn receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let Some(d) = device(&req, &state).await.page(lang)? else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/kiosk"))
            .finish());
    };
    let k = kiosk_texts(lang);
    let receipt = take_receipt(&req, &state, RECEIPT_COOKIE);
    let kiosk = match &receipt {
        Some(r) => {
            let base = state.settings.mail.public_url.trim_end_matches('/');
            let status_url = format!("{base}/track?code={}", r.tracking_code);
            let qr = qrcode::QrCode::new(status_url.as_bytes())
                .map_err(|e| PageError::new(AppError::Internal(anyhow::anyhow!("QR code: {e}")), lang))?;
            Some(KioskReceipt {
                qr_svg: qr
                    .render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .build(),
                qr_caption: k.qr_caption,
                status_url,
                event_line: event_line(&state, &d, lang),
                print_label: k.print,
                done_label: k.done,
                idle_note: k
                    .idle_note
                    .replace("{secs}", &state.settings.kiosk.idle_secs.to_string()),
            })
        }
        None => None,
    };
    let page = ReceiptPage {
        t: texts(lang),
        chrome: Chrome::kiosk(lang, RECEIPT_PATH, state.settings.kiosk.idle_secs),
        receipt,
        kiosk,
    };
    let mut resp = private(render_private(StatusCode::OK, &page, None));
    let _ = resp.add_cookie(&receipt_removal(RECEIPT_COOKIE, RECEIPT_PATH));
    Ok(resp)
}

crate::has_csrf!(EnrolForm);
