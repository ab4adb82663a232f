//! The citizen's submission form and its one-time receipt: thin handlers that read the form,
//! call [`crate::services::intake`], and render. No JavaScript needed. Each form shown carries its
//! own idempotency key, so sending it again (a double click, or after an outage left the outcome
//! unknown) is answered with the first receipt, before any rate limit, and never makes a second case.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::{Channel, FieldErrors, Kind, NewSubmission};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::intake as service;
use crate::web::client::ClientIp;
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::extract::CsrfForm;
use crate::web::pages::{render_private, set_retry_after, Chrome, PageError, PageResult};
use crate::web::submission::{
    fingerprint, receipt_removal, submit_page, take_receipt, to_receipt, ReceiptPage, SubmitForm,
    RECEIPT_COOKIE, RECEIPT_PATH,
};
use crate::web::texts::texts;
use crate::web::AppState;

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

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: CsrfForm<SubmitForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
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
    // A form from before forms carried keys has none: it is taken as it is.
    let idem = if form.idempotency_key.is_empty() {
        None
    } else {
        match service::Idempotency::new("web", &form.idempotency_key, &fingerprint(&form)) {
            Ok(i) => Some(i),
            Err(e) => return Ok(again(e.status(), &FieldErrors::default(), Some(&e))),
        }
    };
    // A retry of a form already sent is answered from its key, whatever the limit says.
    if let Some(i) = &idem {
        match service::earlier_answer(&state, i).await {
            Ok(Some(receipt)) => {
                return to_receipt(&state, &receipt, RECEIPT_COOKIE, RECEIPT_PATH).page(lang)
            }
            Ok(None) => {}
            Err(AppError::IdempotencyKeyReused) => {
                return Ok(changed_after_sending(&state, lang, form, token))
            }
            Err(e) => return Ok(again(e.status(), &FieldErrors::default(), Some(&e))),
        }
    }
    if let Err(e) = state.limits.check_submit(client.0) {
        return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
    }
    let cmd = match NewSubmission::parse(&form.to_input(), &state.catalog, Channel::Web, lang) {
        Ok(cmd) => cmd,
        Err(errors) => return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, &errors, None)),
    };
    let receipt = match service::submit_once(&state, cmd, idem).await {
        Ok(r) => r,
        Err(e) => {
            e.log();
            return Ok(again(e.status(), &FieldErrors::default(), Some(&e)));
        }
    };
    to_receipt(&state, &receipt, RECEIPT_COOKIE, RECEIPT_PATH).page(lang)
}

/// The form was sent and stored before (its key is known), and has been changed since — after
/// an unknown outcome, say. Said plainly, with the changed form back under a key of its own, so
/// sending it once more makes a new submission rather than being refused again.
fn changed_after_sending(
    state: &AppState,
    lang: Lang,
    mut form: SubmitForm,
    token: csrf::CsrfToken,
) -> HttpResponse {
    form.idempotency_key.clear();
    let banner = lang
        .pick(
            "这张表格之前已经提交成功并保存了。您修改后的内容还没有提交；如果确实要把修改后的内容作为新的一件提交，请再点一次“提交”。",
            "This form was already sent and stored. Your changes have not been sent; to send them as a new submission, press Send once more.",
        )
        .to_owned();
    let page = submit_page(
        state,
        lang,
        form,
        token.token,
        &FieldErrors::default(),
        Some(banner),
    );
    render_private(StatusCode::CONFLICT, &page, token.cookie)
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
