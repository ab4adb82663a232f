//! Staff sign-in sessions on the web: an HttpOnly, SameSite=Strict cookie holding the random
//! session id; the session itself lives in the database (see [`crate::services::sessions`]), so
//! the server can end it — a copied cookie is worth nothing after sign-out, a password change,
//! disabling or an administrator's "sign out everywhere". Every request looks it up; a session
//! idle for 8 hours or 12 hours old is over (see [`crate::domain::session`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use crate::services::accounts::Staff;
use crate::services::sessions::{self, SessionId};
use crate::web::lang::negotiate;
use crate::web::pages::PageError;
use crate::web::AppState;

pub const COOKIE: &str = "ms_staff";

/// The cookie that carries session `id`. It has no expiry of its own: the server decides.
pub fn cookie(id: &SessionId, secure: bool) -> Cookie<'static> {
    // Path `/`: the open-day kiosk's staff-assisted mode (`/kiosk?assist=1`) needs to know who is
    // signed in on that screen.
    Cookie::build(COOKIE, id.expose().to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// A cookie that removes the session cookie from the browser.
pub fn removal() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "").path("/").finish();
    c.make_removal();
    c
}

/// The session id this request's cookie carries, if any.
pub fn id_of(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The signed-in member of staff; without a live session, pages redirect to the login page.
pub struct SignedIn(pub Staff);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let id = id_of(req);
        let req = req.clone();
        Box::pin(async move {
            let to_login = || -> actix_web::Error {
                let resp = HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/handler/login"))
                    .cookie(removal())
                    .finish();
                actix_web::error::InternalError::from_response("signed out", resp).into()
            };
            let (Some(state), Some(id)) = (state, id) else {
                return Err(to_login());
            };
            // A database that cannot be reached is an honest 503, not "please sign in again".
            let staff = sessions::staff_for(&state.db, &id, state.clock.now())
                .await
                .map_err(|e| PageError::new(e, negotiate(&req)))?;
            staff.map(SignedIn).ok_or_else(to_login)
        })
    }
}
