//! `/handler/users` (admins only): the staff accounts, how many live sessions each has, and a
//! button that signs an account out everywhere (see [`crate::services::sessions::end_all`]).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::pages::{me, respond, CsrfOnly, Me};
use super::texts::{staff_texts, StaffTexts};
use super::users_texts::{role_label, users_texts, UsersTexts};
use crate::catalog::Named;
use crate::domain::kind::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::AccountError;
use crate::services::sessions;
use crate::web::csrf;
use crate::web::extract::{Admin, CsrfForm};
use crate::web::pages::{Chrome, PageError, PageResult};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

struct Row {
    username: String,
    unit: String,
    role: &'static str,
    disabled: bool,
    sessions: i64,
}

#[derive(Template)]
#[template(path = "handler/users.html")]
struct UsersPage {
    s: &'static StaffTexts,
    u: &'static UsersTexts,
    t: &'static Texts,
    chrome: Chrome,
    me: Option<Me>,
    csrf: String,
    notice: Option<&'static str>,
    rows: Vec<Row>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    pub ended: Option<String>,
    pub lang: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, PageError> {
    let u = users_texts(lang);
    let users = sessions::overview(&state.db, state.clock.now())
        .await
        .page(lang)?;
    let token = csrf::issue_for(&req, &state);
    let body = UsersPage {
        s: staff_texts(lang),
        u,
        t: texts(lang),
        chrome: Chrome::new(lang, "/handler/users"),
        me: Some(me(&state, &staff.0, lang)),
        csrf: token.token.clone(),
        notice: query.ended.is_some().then_some(u.signed_out),
        rows: users
            .into_iter()
            .map(|r| Row {
                unit: state
                    .catalog
                    .unit(&r.unit)
                    .map_or_else(|| r.unit.clone(), |unit| unit.name(lang).to_owned()),
                role: role_label(Role::from_code(&r.role), lang),
                username: r.username,
                disabled: r.disabled,
                sessions: r.sessions,
            })
            .collect(),
    };
    Ok(respond(StatusCode::OK, &body, token))
}

/// Signs the user out everywhere.
pub async fn sign_out(
    state: web::Data<AppState>,
    lang: Lang,
    Admin(staff): Admin,
    path: web::Path<String>,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let username = path.into_inner();
    let now = state.clock.now();
    match sessions::end_all(&state.db, &username, &staff.0.username, now).await {
        Ok(ended) => {
            tracing::info!(user = %username, by = %staff.0.username, ended, "signed out everywhere");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/handler/users?ended=1"))
                .finish())
        }
        Err(AccountError::NoSuchUser(_)) => Err(PageError::new(AppError::NotFound, lang)),
        Err(AccountError::App(e)) => Err(PageError::new(e, lang)),
        Err(other) => Err(PageError::new(AppError::Internal(other.into()), lang)),
    }
}
