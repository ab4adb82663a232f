//! Extractors that do a page's checks before its handler runs, so no handler repeats them:
//! [`CsrfForm`] — a form whose CSRF token matches this browser's cookie (else 403); [`Admin`] —
//! a signed-in administrator (else 403; not signed in, to the sign-in page).

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::csrf;
use super::lang::negotiate;
use super::pages::PageError;
use super::session::SignedIn;
use super::AppState;
use crate::domain::kind::Role;
use crate::error::AppError;

/// A form that carries a CSRF token.
pub trait HasCsrf {
    fn csrf_token(&self) -> &str;
}

/// A posted form whose CSRF token was checked against the browser's cookie.
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + HasCsrf + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let lang = negotiate(&req);
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| PageError::new(AppError::Internal(anyhow::anyhow!("no app state")), lang))?;
            csrf::verify(&req, &state.vault, form.csrf_token()).map_err(|e| PageError::new(e, lang))?;
            Ok(CsrfForm(form))
        })
    }
}

/// A signed-in administrator.
pub struct Admin(pub SignedIn);

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        let lang = negotiate(req);
        Box::pin(async move {
            let staff = signed_in.await?;
            if staff.0.role == Role::Admin {
                Ok(Admin(staff))
            } else {
                Err(PageError::new(AppError::Forbidden, lang).into())
            }
        })
    }
}

/// Marks forms whose `csrf_token` field [`CsrfForm`] checks.
#[macro_export]
macro_rules! has_csrf {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::extract::HasCsrf for $form {
            fn csrf_token(&self) -> &str {
                &self.csrf_token
            }
        })+
    };
}
