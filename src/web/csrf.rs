//! CSRF protection for every form: a random value in an HttpOnly, SameSite=Strict cookie, and in
//! the form a MAC of that value (keyed by the vault). A POST passes only when both agree.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use rand::rngs::OsRng;
use rand::TryRngCore;

use crate::error::AppError;
use crate::vault::Vault;

pub const COOKIE: &str = "ms_csrf";
pub const FIELD: &str = "csrf_token";
const PURPOSE: &str = "csrf";

/// The token to put in a form, and the cookie to set when the browser has none yet.
pub struct CsrfToken {
    pub token: String,
    pub cookie: Option<Cookie<'static>>,
}

fn valid_seed(value: &str) -> bool {
    value.len() == 32 && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// Issues a token for this browser, reusing its cookie when it has one.
#[allow(
    clippy::expect_used,
    reason = "without the OS's random source a CSRF seed would be guessable: stop instead"
)]
pub fn issue(req: &HttpRequest, vault: &Vault, secure: bool) -> CsrfToken {
    if let Some(existing) = req.cookie(COOKIE).filter(|c| valid_seed(c.value())) {
        return CsrfToken {
            token: vault.token(PURPOSE, existing.value().as_bytes()),
            cookie: None,
        };
    }
    let mut seed = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut seed)
        .expect("the operating system's random source is available");
    let seed = hex::encode(seed);
    let token = vault.token(PURPOSE, seed.as_bytes());
    let cookie = Cookie::build(COOKIE, seed)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    CsrfToken {
        token,
        cookie: Some(cookie),
    }
}

/// [`issue`] with the application's vault and cookie settings.
pub fn issue_for(req: &HttpRequest, state: &crate::web::AppState) -> CsrfToken {
    issue(req, &state.vault, state.settings.security.secure_cookies)
}

/// Checks a submitted token against this browser's cookie.
pub fn verify(req: &HttpRequest, vault: &Vault, submitted: &str) -> Result<(), AppError> {
    let cookie = req.cookie(COOKIE).ok_or(AppError::Csrf)?;
    if valid_seed(cookie.value()) && vault.verify_token(PURPOSE, cookie.value().as_bytes(), submitted) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}
