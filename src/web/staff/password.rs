//! `/handler/password`: a signed-in member of staff changes their own password (the current one
//! first, the new one twice). Every field's problem is named; passwords are never shown again.
//! A change ends every session of theirs (a copied cookie with it); this browser gets a new one.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{me, respond, Me};
use super::texts::{staff_texts, StaffTexts};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::{self, AccountError, MIN_PASSWORD_CHARS};
use crate::services::sessions;
use crate::web::csrf;
use crate::web::extract::CsrfForm;
use crate::web::pages::{Chrome, PageError};
use crate::web::session::{self, SignedIn};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "handler/password.html")]
struct PasswordPage {
    s: &'static StaffTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    username: String,
    notice: Option<&'static str>,
    errors: BTreeMap<&'static str, &'static str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
    pub repeat: String,
    pub username: String,
    pub csrf_token: String,
}

fn show(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    staff: &SignedIn,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: BTreeMap<&'static str, &'static str>,
) -> HttpResponse {
    let token = csrf::issue_for(req, state);
    let page = PasswordPage {
        s: staff_texts(lang),
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/password"),
        me: Some(me(state, &staff.0, lang)),
        csrf: token.token.clone(),
        username: staff.0.username.clone(),
        notice,
        errors,
    };
    respond(status, &page, token)
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>, lang: Lang, staff: SignedIn) -> HttpResponse {
    show(&req, &state, lang, &staff, StatusCode::OK, None, BTreeMap::new())
}

pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    staff: SignedIn,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let s = staff_texts(lang);
    let mut errors = BTreeMap::new();
    if form.new.chars().count() < MIN_PASSWORD_CHARS {
        errors.insert("new", s.password_weak);
    } else if form.new != form.repeat {
        errors.insert("repeat", s.password_mismatch);
    }
    if errors.is_empty() {
        let changed = accounts::change_password(&state.db, &staff.0.username, &form.current, &form.new).await;
        match changed {
            Ok(()) => {
                tracing::info!(user = %staff.0.username, "password changed");
                let fresh = sessions::start(&state.db, &staff.0, state.clock.now())
                    .await
                    .map_err(|e| PageError::new(e, lang))?;
                let notice = Some(s.password_changed);
                let mut resp = show(&req, &state, lang, &staff, StatusCode::OK, notice, errors);
                let cookie = session::cookie(&fresh, state.settings.security.secure_cookies);
                resp.add_cookie(&cookie)
                    .map_err(|e| PageError::new(AppError::Internal(anyhow::anyhow!("{e}")), lang))?;
                return Ok(resp);
            }
            Err(AccountError::WrongPassword) => {
                errors.insert("current", s.password_wrong);
            }
            Err(AccountError::SamePassword) => {
                errors.insert("new", s.password_same);
            }
            Err(AccountError::WeakPassword) => {
                errors.insert("new", s.password_weak);
            }
            Err(AccountError::App(e)) => return Err(PageError::new(e, lang)),
            Err(other) => return Err(PageError::new(AppError::Internal(other.into()), lang)),
        }
    }
    Ok(show(
        &req,
        &state,
        lang,
        &staff,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        errors,
    ))
}

crate::has_csrf!(PasswordForm);
