//! The current user, loaded from the database at most once per request.

use std::rc::Rc;

use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use super::context;
use crate::{
    accounts::{self, User},
    error::AuthError,
    session::{keys, preload},
};

/// The signed-in, active user whose password has not changed since login;
/// `None` for everyone else. Loaded once per request, whatever asks.
///
/// # Errors
/// [`AuthError`] when the database is unreachable, or the middleware is missing.
pub async fn current_user(req: &HttpRequest) -> Result<Option<User>, AuthError> {
    Ok(loaded(req).await?.user().cloned())
}

/// This request's identity, loaded on first use; guards borrow the user
/// from it instead of copying it.
#[derive(Clone, Default)]
pub(crate) struct IdentityCell(Rc<OnceCell<Option<User>>>);

impl IdentityCell {
    /// The signed-in user, once [`loaded`] has returned this cell.
    pub(crate) fn user(&self) -> Option<&User> {
        self.0.get().and_then(Option::as_ref)
    }
}

/// The request's identity cell, with the user loaded (see [`current_user`]).
pub(crate) async fn loaded(req: &HttpRequest) -> Result<IdentityCell, AuthError> {
    let ctx = context::of(req).ok_or_else(|| {
        AuthError::Session("portcullis middleware is not installed (use add_auth_pages or .wrap(auth.middleware()))".into())
    })?;
    let cell = {
        let mut ext = req.extensions_mut();
        match ext.get::<IdentityCell>() {
            Some(c) => c.clone(),
            None => {
                let c = IdentityCell::default();
                ext.insert(c.clone());
                c
            }
        }
    };
    cell.0
        .get_or_try_init(|| async {
            let session = req.get_session();
            let Some(id) = session.get::<i64>(keys::USER_ID).ok().flatten() else {
                return Ok::<_, AuthError>(None);
            };
            let bound = session.get::<i64>(keys::CREDENTIAL).ok().flatten();
            ctx.user_loads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let user = match preload::take(id) {
                Some(u) => Some(u),
                None => accounts::load::by_id(&ctx.db, id).await?,
            };
            match user {
                Some(u) if u.is_active && Some(u.credential_version()) == bound => Ok(Some(u)),
                _ => {
                    // Deleted, deactivated, or the password changed since login: end this session.
                    session.purge();
                    Ok(None)
                }
            }
        })
        .await?;
    Ok(cell)
}
