//! Pages every visitor shares: the layout ("chrome"), the home page, the stylesheet, health
//! checks, and [`PageError`], which answers any [`AppError`] as a page in the visitor's language.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::texts::{texts, Texts};
use crate::domain::Kind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::error::HttpStatus;
use crate::web::AppState;

/// What the layout needs: the language and the link that switches it.
pub struct Chrome {
    pub lang_tag: &'static str,
    pub switch_href: String,
    /// Set on the open-day kiosk's pages: no site navigation, large type, the idle reset.
    pub kiosk: Option<KioskChrome>,
}

pub struct KioskChrome {
    /// Seconds without a touch before the screen goes back to `home`.
    pub idle_secs: u32,
    pub home: &'static str,
}

impl Chrome {
    /// `path` is where the language link leads (the same page, in the other language).
    pub fn new(lang: Lang, path: &str) -> Chrome {
        let other = texts(lang).other_lang_code;
        Chrome {
            lang_tag: lang.tag(),
            switch_href: format!("{path}?lang={other}"),
            kiosk: None,
        }
    }

    /// The chrome of a kiosk page.
    pub fn kiosk(lang: Lang, path: &str, idle_secs: u32) -> Chrome {
        Chrome {
            kiosk: Some(KioskChrome {
                idle_secs,
                home: "/kiosk",
            }),
            ..Chrome::new(lang, path)
        }
    }
}

/// Renders a template into an HTML response with the given status.
pub fn render(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(html),
        Err(e) => {
            tracing::error!(error.cause = %e, "template failed to render");
            HttpResponse::InternalServerError()
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("500")
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Texts,
    chrome: Chrome,
    kinds: Vec<(String, String)>,
}

pub async fn home(state: web::Data<AppState>, lang: Lang) -> HttpResponse {
    let kinds = Kind::ALL
        .iter()
        .map(|k| {
            let info = state.catalog.kind_info(*k);
            (
                lang.pick(&info.name, &info.name_en).to_owned(),
                lang.pick(&info.summary, &info.summary_en).to_owned(),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &HomePage {
            t: texts(lang),
            chrome: Chrome::new(lang, "/"),
            kinds,
        },
    )
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    t: &'static Texts,
    chrome: Chrome,
    heading: String,
    message: String,
    back_href: String,
    back_label: String,
}

/// A page that must not be cached (it holds a form token or someone's case), with the CSRF cookie
/// when the browser has none yet.
pub fn render_private(
    status: StatusCode,
    template: &impl Template,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    let mut resp = render(status, template);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

/// Tells the client when to try again, if there is something to tell.
pub fn set_retry_after(resp: &mut HttpResponse, seconds: Option<u64>) {
    if let Some(v) = seconds.and_then(|s| header::HeaderValue::from_str(&s.to_string()).ok()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// An [`AppError`] answered as a page.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PageError {
    pub error: AppError,
    pub lang: Lang,
}

impl PageError {
    pub fn new(error: AppError, lang: Lang) -> PageError {
        PageError { error, lang }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.error.log();
        let t = texts(self.lang);
        let page = MessagePage {
            t,
            chrome: Chrome::new(self.lang, "/"),
            heading: t.error_title.to_owned(),
            message: self.error.message(self.lang).to_owned(),
            back_href: "/".to_owned(),
            back_label: t.back_home.to_owned(),
        };
        let mut resp = render(self.status_code(), &page);
        set_retry_after(&mut resp, self.error.retry_after());
        resp
    }
}

/// Turns a result's [`AppError`] into a page.
pub trait PageResult<T> {
    fn page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> PageResult<T> for Result<T, AppError> {
    fn page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(e, lang))
    }
}

/// Any path nobody serves: JSON under `/api/`, a page elsewhere.
pub async fn not_found(req: HttpRequest, lang: Lang) -> HttpResponse {
    if req.path().starts_with("/api/") {
        crate::web::error::ApiError {
            error: AppError::NotFound,
            lang,
        }
        .error_response()
    } else {
        PageError::new(AppError::NotFound, lang).error_response()
    }
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../templates/static/site.css"))
}

pub async fn kiosk_script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../templates/static/kiosk.js"))
}

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "up"}))
}

/// Readiness: the database answers, within [`crate::storage::pool::PING_BUDGET`].
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = state.db.ping().await.map_err(AppError::from);
    match ping {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            e.log();
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unavailable"}))
        }
    }
}
