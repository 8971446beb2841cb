//! The current user, loaded from the database at most once per request.

use std::rc::Rc;

use actix_session::SessionExt;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::{accounts::AuthError, session::keys, Auth, User};

#[derive(Clone, Default)]
struct IdentityCell(Rc<OnceCell<Option<User>>>);

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
    let user = cell
        .0
        .get_or_try_init(|| async {
            let session = req.get_session();
            let Some(id) = session.get::<i64>(keys::USER_ID).ok().flatten() else {
                return Ok::<_, AuthError>(None);
            };
            let bound = session.get::<i64>(keys::CREDENTIAL).ok().flatten();
            auth.inner
                .user_loads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match auth.user_by_id(id).await? {
                Some(u) if u.is_active && Some(u.credential_version()) == bound => Ok(Some(u)),
                _ => {
                    // Deleted, deactivated, or the password changed since login: end this session.
                    session.purge();
                    Ok(None)
                }
            }
        })
        .await?;
    Ok(user.clone())
}
