//! What the staff pages share: who is signed in (for the header), rendering a private page with
//! its CSRF cookie, and the form that carries only a CSRF token. The pages themselves are in
//! [`super::login`], [`super::queue`] and [`super::case`].

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

use crate::catalog::Named;
use crate::domain::kind::Role;
use crate::i18n::Lang;
use crate::services::accounts::Staff;
use crate::web::csrf;
use crate::web::pages::render_private;
use crate::web::AppState;

/// Who is signed in, for the page header.
pub struct Me {
    pub(crate) username: String,
    pub(crate) unit_name: String,
    pub(crate) supervises: bool,
    pub(crate) admin: bool,
}

pub(crate) fn me(state: &AppState, staff: &Staff, lang: Lang) -> Me {
    Me {
        username: staff.username.clone(),
        unit_name: state
            .catalog
            .unit(&staff.unit)
            .map(|u| u.name(lang).to_owned())
            .unwrap_or_default(),
        supervises: staff.role == Role::Supervisor,
        admin: staff.role == Role::Admin,
    }
}

pub(crate) fn respond(status: StatusCode, page: &impl Template, token: csrf::CsrfToken) -> HttpResponse {
    render_private(status, page, token.cookie)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

/// A form field's text, or `None` when it is left empty.
pub(super) fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_owned())
}

crate::has_csrf!(CsrfOnly);
