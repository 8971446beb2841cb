//! What guards need from the app: the database to load the user from, and
//! how to answer a denial. The middleware attaches it to every request.

use std::sync::{atomic::AtomicU64, Arc};

use actix_web::{HttpMessage as _, HttpRequest};

use super::DenyHook;
use crate::{db::Database, render::Renderer, settings::Settings};

/// Built once per worker beside [`crate::Auth`]; requests share it.
pub(crate) struct GuardContext {
    pub(crate) settings: Arc<Settings>,
    pub(crate) db: Database,
    pub(crate) renderer: Arc<dyn Renderer>,
    /// The app-wide denial hook ([`crate::AuthBuilder::on_denied`]).
    pub(crate) on_denied: Option<DenyHook>,
    /// Database loads of the current user (tests check: at most one per request).
    pub(crate) user_loads: Arc<AtomicU64>,
}

impl GuardContext {
    /// The same context over `db` (a worker's own pool), sharing the load count.
    pub(crate) fn on(&self, db: Database) -> GuardContext {
        GuardContext {
            settings: Arc::clone(&self.settings),
            db,
            renderer: Arc::clone(&self.renderer),
            on_denied: self.on_denied,
            user_loads: Arc::clone(&self.user_loads),
        }
    }
}

/// The context the middleware attached to `req`.
pub(crate) fn of(req: &HttpRequest) -> Option<Arc<GuardContext>> {
    req.extensions().get::<Arc<GuardContext>>().cloned()
}
