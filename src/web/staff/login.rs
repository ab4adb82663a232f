//! Signing in and out of the staff pages: failures limited per username and address and per
//! address, a username under attack slowed down but never locked (see
//! [`crate::limits::signin`]), every failure answered the same way. Signing in starts a
//! server-side session (its id in an HttpOnly cookie); signing out ends it.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{respond, CsrfOnly, Me};
use super::texts::{staff_texts, StaffTexts};
use crate::i18n::Lang;
use crate::services::sessions;
use crate::web::client::ClientIp;
use crate::web::csrf;
use crate::web::error::HttpStatus;
use crate::web::extract::CsrfForm;
use crate::web::pages::{set_retry_after, Chrome, PageError, PageResult};
use crate::web::session::{self};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "handler/login.html")]
struct LoginPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    username: String,
    banner: Option<String>,
}

pub async fn login_form(req: HttpRequest, state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let token = csrf::issue_for(&req, &state);
    let page = LoginPage {
        s: staff_texts(lang),
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/login"),
        me: None,
        csrf: token.token.clone(),
        username: String::new(),
        banner: None,
    };
    respond(StatusCode::OK, &page, token)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf_token: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientIp,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let token = csrf::issue_for(&req, &state);
    // The username is a term of the text rule (domain::text): forbidden characters removed.
    let username = crate::domain::text::term(&form.username).to_lowercase();
    let again = |status: StatusCode, banner: &str, retry: Option<u64>| {
        let page = LoginPage {
            s: staff_texts(lang),
            t: texts(lang),
            chrome: Chrome::new(lang, "/handler/login"),
            me: None,
            csrf: token.token.clone(),
            username: form.username.clone(),
            banner: Some(banner.to_owned()),
        };
        let mut resp = respond(
            status,
            &page,
            csrf::CsrfToken {
                token: token.token.clone(),
                cookie: token.cookie.clone(),
            },
        );
        set_retry_after(&mut resp, retry);
        resp
    };
    let wait = match state.sign_in.admit(&username, client.0) {
        Ok(wait) => wait,
        Err(e) => return Ok(again(e.status(), e.message(lang), e.retry_after())),
    };
    if !wait.is_zero() {
        actix_web::rt::time::sleep(wait).await;
    }
    let data_dir = &state.settings.data_dir;
    let signed_in = sessions::sign_in(&state.db, data_dir, &username, &form.password, state.clock.now())
        .await
        .page(lang)?;
    match signed_in {
        Some((staff, id)) => {
            state.sign_in.succeeded(&username, client.0);
            tracing::info!(user = %staff.username, "signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/handler"))
                .cookie(session::cookie(&id, state.settings.security.secure_cookies))
                .finish())
        }
        // One message for every failure: it does not say which part was wrong.
        None => {
            state.sign_in.failed(&username, client.0);
            Ok(again(
                StatusCode::UNAUTHORIZED,
                staff_texts(lang).login_failed,
                None,
            ))
        }
    }
}

/// Signs out: the session ends on the server and its cookie is removed (a checked form, so no
/// other site can sign one out).
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    if let Some(id) = session::id_of(&req) {
        sessions::end(&state.db, &id).await.page(lang)?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/handler/login"))
        .cookie(session::removal())
        .finish())
}

crate::has_csrf!(LoginForm);
