//! What every request handler shares: the services' [`Context`] (settings, database, catalog,
//! keys, router, deadlines, mailer) and the web's own rate limiters (submissions, look-ups, kiosks,
//! sign-in failures). It dereferences to the context, so a handler writes `state.db` and passes
//! `&state.ctx` to a service.

use std::ops::Deref;
use std::sync::Arc;

use crate::limits::signin::SignInLimits;
use crate::limits::Limits;
use crate::services::Context;
use crate::web::api::board::RenderedBoard;
use crate::web::api::doc::ApiDoc;

pub struct AppState {
    pub ctx: Context,
    pub limits: Arc<Limits>,
    /// Failed staff sign-ins, counted to slow guessing without locking anyone out.
    pub sign_in: Arc<SignInLimits>,
    /// The public board's JSON, rendered once per board and language.
    pub board_json: RenderedBoard,
    /// The OpenAPI document of `/api/v1`, built once at start from the routes and the catalog.
    pub api_doc: Arc<ApiDoc>,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
