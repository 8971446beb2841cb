//! The current user, loaded from the database at most once per request.

use std::{cell::RefCell, future::Future, rc::Rc};

use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::{accounts::AuthError, session::keys, Auth, User};

tokio::task_local! {
    /// The user the session store read together with the session row (one
    /// statement for both), waiting for the first guard of this request.
    static PRELOADED: RefCell<Option<User>>;
}

/// Runs a request's service future with room for a preloaded user.
pub(crate) fn with_preload_slot<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    PRELOADED.scope(RefCell::new(None), fut)
}

/// Hands the user read beside the session row to this request's identity.
pub(crate) fn offer_preloaded(user: Option<User>) {
    let _ = PRELOADED.try_with(|slot| *slot.borrow_mut() = user);
}

/// The preloaded user, when it is the one the session names.
fn take_preloaded(id: i64) -> Option<User> {
    PRELOADED
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten()
        .filter(|u| u.id == id)
}

/// The `Auth` the middleware attached to this request.
pub(crate) fn auth_of(req: &HttpRequest) -> Option<Auth> {
    req.extensions().get::<Auth>().cloned()
}

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
    let auth = auth_of(req).ok_or_else(|| {
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
            auth.inner
                .user_loads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let user = match take_preloaded(id) {
                Some(u) => Some(u),
                None => auth.user_by_id(id).await?,
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
