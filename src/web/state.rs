//! What every request handler shares: the services' [`Context`] (settings, database, catalog,
//! keys, router, deadlines, mailer) and the web's own rate limiters. It dereferences to the
//! context, so a handler writes `state.db` and passes `&state.ctx` to a service.

use std::ops::Deref;
use std::sync::Arc;

use crate::limits::Limits;
use crate::services::Context;

pub struct AppState {
    pub ctx: Context,
    pub limits: Arc<Limits>,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
