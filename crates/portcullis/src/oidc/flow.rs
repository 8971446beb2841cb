//! The anonymous half of a sign-in: `state`, `nonce` and the PKCE verifier
//! of one flow, kept in a short-lived encrypted and signed cookie (as the
//! anonymous CSRF secret is: no session row for a visitor who has not
//! signed in). `SameSite=Lax`: the browser comes back from the provider by a
//! top-level GET, which a `Strict` cookie would miss.

use actix_web::{
    cookie::{time::Duration, Cookie, CookieJar, Key, SameSite},
    HttpRequest,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::settings::Settings;

/// What one flow must find again when the browser comes back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowState {
    /// The provider's id.
    pub(crate) provider: String,
    /// The `state` sent (compared in constant time).
    pub(crate) state: String,
    /// The `nonce` sent; the ID token must carry it.
    pub(crate) nonce: String,
    /// The PKCE verifier (S256 challenge sent).
    pub(crate) verifier: String,
    /// The `redirect_uri` sent; the code exchange must send the same one
    /// (with `auth.site_origin` unset it came from the request).
    pub(crate) redirect_uri: String,
    /// Where to go after signing in (checked again before use).
    pub(crate) next: Option<String>,
    /// Set when a signed-in user connects this provider to their account.
    pub(crate) link_user: Option<i64>,
    /// When the flow started (epoch seconds).
    pub(crate) started: i64,
}

impl FlowState {
    /// True when `provider` and `state` are this flow's and it is younger than `max_age` seconds.
    pub(crate) fn matches(&self, provider: &str, state: &str, now: i64, max_age: u64) -> bool {
        let same_state: bool = self.state.as_bytes().ct_eq(state.as_bytes()).into();
        same_state
            && self.provider == provider
            && now >= self.started
            && now - self.started <= max_age as i64
    }
}

/// The flow cookie's name and key, fixed at start-up.
#[derive(Clone)]
pub(crate) struct FlowCookie {
    /// The session cookie's name with `_oidc` appended.
    pub(crate) name: String,
    /// Derived from the server's secret apart from the other cookies' keys.
    key: Key,
    secure: bool,
    max_age: u64,
}

impl FlowCookie {
    pub(crate) fn new(settings: &Settings, secret: &str) -> Self {
        Self {
            name: format!("{}_oidc", settings.cookie_name()),
            key: Key::derive_from(format!("portcullis oidc flow cookie:{secret}").as_bytes()),
            secure: settings.cookie_secure(),
            max_age: settings.oidc.flow_max_age_secs,
        }
    }

    /// The cookie carrying `flow`.
    pub(crate) fn cookie(&self, flow: &FlowState) -> Cookie<'static> {
        let value = serde_json::to_string(flow).unwrap_or_default();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(self.base(value));
        let mut c = jar
            .get(&self.name)
            .cloned()
            .unwrap_or_else(|| self.base(String::new()));
        c.set_max_age(Duration::seconds(self.max_age as i64));
        c
    }

    /// The cookie that ends the flow (after the callback, whatever its outcome).
    pub(crate) fn removal(&self) -> Cookie<'static> {
        let mut c = self.base(String::new());
        c.make_removal();
        c
    }

    /// The flow of this request's cookie, when present and intact.
    pub(crate) fn read(&self, req: &HttpRequest) -> Option<FlowState> {
        let raw = req.cookie(&self.name)?;
        let mut jar = CookieJar::new();
        jar.add_original(raw);
        let opened = jar.private(&self.key).get(&self.name)?;
        serde_json::from_str(opened.value()).ok()
    }

    fn base(&self, value: String) -> Cookie<'static> {
        let mut c = Cookie::new(self.name.clone(), value);
        c.set_http_only(true);
        c.set_secure(self.secure);
        c.set_path("/");
        c.set_same_site(SameSite::Lax);
        c
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn flow() -> FlowState {
        FlowState {
            provider: "idp".into(),
            state: "s".repeat(22),
            nonce: "n".into(),
            verifier: "v".into(),
            redirect_uri: "http://127.0.0.1:8000/oidc/idp/callback".into(),
            next: None,
            link_user: None,
            started: 1_000,
        }
    }

    #[test]
    fn a_flow_reads_back_only_with_its_key_and_is_not_readable_in_the_cookie() {
        let settings = Settings::default();
        let c = FlowCookie::new(&settings, &"k".repeat(64));
        let cookie = c.cookie(&flow());
        assert!(!cookie.value().contains("sssss"), "encrypted");
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        let req = TestRequest::default()
            .cookie(cookie.clone())
            .to_http_request();
        assert_eq!(c.read(&req).unwrap().state, flow().state);
        let other = FlowCookie::new(&settings, &"x".repeat(64));
        assert!(other.read(&req).is_none());
    }

    #[test]
    fn state_provider_and_age_must_all_match() {
        let f = flow();
        let s = f.state.clone();
        assert!(f.matches("idp", &s, 1_100, 600));
        assert!(!f.matches("idp", "wrong", 1_100, 600));
        assert!(!f.matches("other", &s, 1_100, 600));
        assert!(!f.matches("idp", &s, 1_601, 600));
    }
}
