//! The user read together with the session row (one statement for both),
//! handed from the session store to the request's identity. The store runs
//! inside actix-session's middleware, where the request is out of reach, so
//! the handoff is a task-local that the middleware scopes to each request.

use std::{cell::RefCell, future::Future};

use crate::accounts::User;

tokio::task_local! {
    static PRELOADED: RefCell<Option<User>>;
}

/// Runs a request's service future with room for a preloaded user.
pub(crate) fn scope<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    PRELOADED.scope(RefCell::new(None), fut)
}

/// Offers the user read beside the session row to this request.
pub(super) fn offer(user: Option<User>) {
    let _ = PRELOADED.try_with(|slot| *slot.borrow_mut() = user);
}

/// The preloaded user, when it is the one the session names.
pub(crate) fn take(id: i64) -> Option<User> {
    PRELOADED
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten()
        .filter(|u| u.id == id)
}
