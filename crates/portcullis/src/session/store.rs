//! [`DbSessionStore`]: actix-session's `SessionStore` on our database.
//!
//! The cookie carries 256 random bits; the table keeps only their SHA-256,
//! so a leaked table gives no usable cookie. Absolute expiry and idle
//! timeout are enforced by the row, not by the cookie.

use std::{collections::HashMap, sync::Arc};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::keys;
use crate::{
    accounts::User,
    db::{self, session_reads::SessionReadPool, Database},
};

/// Touch `last_seen` at most this often, so reads stay reads.
const TOUCH_EVERY_SECS: i64 = 60;

/// actix-session store backed by `portcullis_sessions`.
///
/// On a pool of more than one connection the store reads sessions through
/// connections of its own, up to the pool's `max_connections` more, opened
/// on first use with the pool's connect options (not its `after_connect`
/// hooks: see [`DbSessionStore::read_connections`]): sqlx's pool pings each
/// connection as it goes back, which costs a page more than its query does. Build one
/// store per server worker (in the `HttpServer::new` closure, as
/// [`Auth::middleware`](crate::Auth::middleware) does), so each worker's
/// connections are driven by its own runtime. Clones share connections.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Database,
    reads: Option<Arc<SessionReadPool>>,
    max_age: i64,
    idle_timeout: u64,
}

impl DbSessionStore {
    /// A store with absolute lifetime `max_age` and `idle_timeout` (0: none), in seconds.
    pub fn new(db: Database, max_age: u64, idle_timeout: u64) -> Self {
        Self {
            reads: SessionReadPool::beside(&db).map(Arc::new),
            db,
            max_age: max_age as i64,
            idle_timeout,
        }
    }

    /// With `false`, sessions are read through the pool like every other
    /// query (`database.session_read_connections`). Needed when the pool
    /// relies on `after_connect` hooks (a `SET search_path`, a role) that
    /// the session read must see: its own connections are opened with the
    /// pool's connect options only.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use portcullis::{db::Database, settings::DatabaseSettings, test_support::DbSessionStore};
    /// let settings = DatabaseSettings { url: "sqlite::memory:".into(), ..Default::default() };
    /// let db = Database::connect(&settings).await.unwrap();
    /// let store = DbSessionStore::new(db, 1_209_600, 43_200).read_connections(false);
    /// # let _ = store;
    /// # }
    /// ```
    #[must_use]
    pub fn read_connections(mut self, on: bool) -> Self {
        if !on {
            self.reads = None;
        } else if self.reads.is_none() {
            self.reads = SessionReadPool::beside(&self.db).map(Arc::new);
        }
        self
    }
}

/// SHA-256 hex of a session key: what the table stores.
pub(crate) fn hash_key(key: &str) -> String {
    // Into a fixed buffer: `hex::encode` collects chars one by one, and this
    // runs on every request.
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = [0u8; 64];
    match hex::encode_to_slice(digest, &mut hex).map(|()| std::str::from_utf8(&hex)) {
        Ok(Ok(text)) => text.to_owned(),
        // Unreachable: 32 bytes always make 64 ASCII digits.
        _ => hex::encode(digest),
    }
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn user_of(state: &HashMap<String, String>) -> Option<i64> {
    state
        .get(keys::USER_ID)
        .and_then(|v| serde_json::from_str::<i64>(v).ok())
}

/// `state` without Portcullis' own keys (user, credential, CSRF secret).
fn without_auth_keys(mut state: HashMap<String, String>) -> HashMap<String, String> {
    state.retain(|k, _| !keys::is_portcullis_key(k));
    state
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let hash = hash_key(session_key.as_ref());
        let row = db::sessions::load_with_user_on(
            &self.db,
            self.reads.as_deref(),
            &hash,
            db::sessions::idle_cutoff(self.idle_timeout),
        )
        .await
        .map_err(|e| LoadError::Other(e.into()))?;
        let Some((row, user)) = row else {
            return Ok(None);
        };
        super::preload::offer(user.map(|(u, access)| User::from_access(u, &access)));
        if self.idle_timeout > 0 && db::now() - row.last_seen >= TOUCH_EVERY_SECS {
            db::sessions::touch(&self.db, &hash)
                .await
                .map_err(|e| LoadError::Other(e.into()))?;
        }
        serde_json::from_str(&row.data)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let data = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        db::sessions::insert(
            &self.db,
            &hash_key(&key),
            user_of(&state),
            &data,
            db::now() + self.max_age,
        )
        .await
        .map_err(|e| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let data =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let hash = hash_key(session_key.as_ref());
        let updated = db::sessions::update(&self.db, &hash, user_of(&state), &data)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated {
            Ok(session_key)
        } else {
            // The row expired or was deleted (a logout elsewhere) while this
            // request ran: keep the app's own keys under a fresh key, but
            // never the sign-in, or a logout could be undone and an expired
            // session renewed. Django answers SessionInterrupted here.
            let state = without_auth_keys(state);
            self.save(state, ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            })
        }
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        // Lifetime is the row's absolute expiry plus the idle timeout; activity is recorded on load.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        db::sessions::delete(&self.db, &hash_key(session_key.as_ref())).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_key_is_lowercase_sha256_hex() {
        assert_eq!(
            super::hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
