//! Staff sign-in sessions: a cookie holding the user's id and the time of their last request,
//! sealed (encrypted and authenticated) by the vault, HttpOnly and SameSite=Strict. A session idle
//! for longer than [`IDLE`] is over; every request renews it. The user is re-read from the
//! database on each request, so a disabled account is out at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::services::accounts;
use crate::services::accounts::Staff;
use crate::vault::Vault;
use crate::web::lang::negotiate;
use crate::web::pages::PageError;
use crate::web::AppState;

pub const COOKIE: &str = "ms_staff";
const CONTEXT: &[u8] = b"staff-session";
/// Signed out after this long without a request.
pub const IDLE: chrono::Duration = chrono::Duration::hours(8);

#[derive(Serialize, Deserialize)]
struct Sealed {
    user: String,
    last_seen: i64,
}

/// The session cookie for `username`, seen now.
pub fn cookie(vault: &Vault, username: &str, secure: bool) -> Cookie<'static> {
    cookie_seen_at(vault, username, secure, Utc::now())
}

/// The session cookie for `username`, last seen at `seen`.
pub fn cookie_seen_at(
    vault: &Vault,
    username: &str,
    secure: bool,
    seen: chrono::DateTime<Utc>,
) -> Cookie<'static> {
    let body = Sealed {
        user: username.to_owned(),
        last_seen: seen.timestamp(),
    };
    let sealed = vault.seal(&serde_json::to_vec(&body).unwrap_or_default(), CONTEXT);
    // Path `/`: the open-day kiosk's staff-assisted mode (`/kiosk?assist=1`) needs to know who is
    // signed in on that screen.
    Cookie::build(COOKIE, URL_SAFE_NO_PAD.encode(sealed))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// A cookie that ends the session.
pub fn removal() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "").path("/").finish();
    c.make_removal();
    c
}

fn open(vault: &Vault, value: &str) -> Option<Sealed> {
    let raw = URL_SAFE_NO_PAD.decode(value).ok()?;
    let plain = vault.open(&raw, CONTEXT).ok()?;
    let s: Sealed = serde_json::from_slice(&plain).ok()?;
    let age = Utc::now().timestamp() - s.last_seen;
    (0..=IDLE.num_seconds()).contains(&age).then_some(s)
}

/// Marks a request whose session is to be renewed on the way out.
#[derive(Clone)]
struct Renew(String);

/// Middleware for the staff pages: renews the session cookie of a signed-in request, so that it
/// expires only after [`IDLE`] without use.
pub async fn renew(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut res = next.call(req).await?;
    let renew = res.request().extensions().get::<Renew>().cloned();
    let signing_out = res.response().cookies().any(|c| c.name() == COOKIE);
    if let (Some(Renew(user)), Some(state), false) = (renew, state, signing_out) {
        let c = cookie(&state.vault, &user, state.settings.security.secure_cookies);
        res.response_mut().add_cookie(&c)?;
    }
    Ok(res)
}

/// The signed-in member of staff; without a valid session, pages redirect to the login page.
pub struct SignedIn(pub Staff);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let value = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let req = req.clone();
        Box::pin(async move {
            let to_login = || -> actix_web::Error {
                let resp = HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/handler/login"))
                    .cookie(removal())
                    .finish();
                actix_web::error::InternalError::from_response("signed out", resp).into()
            };
            let (Some(state), Some(value)) = (state, value) else {
                return Err(to_login());
            };
            let Some(session) = open(&state.vault, &value) else {
                return Err(to_login());
            };
            // A database that cannot be reached is an honest 503, not "please sign in again".
            let staff = accounts::staff_named(&state.db, session.user)
                .await
                .map_err(|e| PageError::new(e, negotiate(&req)))?;
            match staff {
                Some(staff) => {
                    req.extensions_mut().insert(Renew(staff.username.clone()));
                    Ok(SignedIn(staff))
                }
                None => Err(to_login()),
            }
        })
    }
}
