//! The anonymous visitor's CSRF secret, kept in a signed cookie instead of a
//! session row (Django's `csrftoken` cookie): a visitor who has not signed
//! in costs no database write, and a crawler cannot grow the session table.
//!
//! A page that needs a token for an anonymous visitor without the cookie
//! issues a fresh secret ([`Issued`], a request extension); the middleware
//! sets the cookie on the way out. At login the session gets a secret of
//! its own and the middleware expires this cookie.

use actix_web::{
    cookie::{time::Duration, Cookie, CookieJar, Key, SameSite},
    HttpMessage, HttpRequest,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

use super::{Secret, SECRET_LEN};
use crate::settings::{SameSitePolicy, Settings};

/// A secret issued during this request, to be set as the cookie.
#[derive(Clone, Copy)]
pub(crate) struct Issued(pub(crate) Secret);

/// The cookie's name and signing key, fixed at start-up.
#[derive(Clone)]
pub(crate) struct CsrfCookie {
    /// The session cookie's name with `_csrf` appended (so `__Host-`
    /// prefixed too when the cookie is Secure).
    pub(crate) name: String,
    /// Derived from the session cookie's secret, so that a value signed for
    /// one cookie is never valid for the other.
    pub(crate) key: Key,
}

impl CsrfCookie {
    pub(crate) fn new(settings: &Settings, secret: &str) -> Self {
        Self {
            name: format!("{}_csrf", settings.cookie_name()),
            key: Key::derive_from(format!("portcullis csrf cookie:{secret}").as_bytes()),
        }
    }

    /// The signed cookie carrying `secret`, flagged like the session cookie.
    pub(crate) fn cookie(&self, settings: &Settings, secret: &Secret) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key)
            .add(base(&self.name, settings, URL_SAFE_NO_PAD.encode(secret)));
        let mut signed = jar
            .get(&self.name)
            .cloned()
            .unwrap_or_else(|| base(&self.name, settings, String::new()));
        signed.set_max_age(Duration::seconds(settings.session.max_age as i64));
        signed
    }

    /// The cookie that removes the visitor's anonymous secret (after login).
    pub(crate) fn removal(&self, settings: &Settings) -> Cookie<'static> {
        let mut c = base(&self.name, settings, String::new());
        c.make_removal();
        c
    }
}

/// The secret of this request's cookie, when it is present and its
/// signature holds (or the one issued earlier in this request).
pub(crate) fn read(req: &HttpRequest, name: &str, key: &Key) -> Option<Secret> {
    if let Some(Issued(secret)) = req.extensions().get::<Issued>() {
        return Some(*secret);
    }
    let raw = req.cookie(name)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw);
    let verified = jar.signed(key).get(name)?;
    let bytes = URL_SAFE_NO_PAD.decode(verified.value()).ok()?;
    <[u8; SECRET_LEN]>::try_from(bytes.as_slice()).ok()
}

fn base(name: &str, settings: &Settings, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name.to_owned(), value);
    c.set_http_only(true);
    c.set_secure(settings.cookie_secure());
    c.set_path("/");
    c.set_same_site(match settings.session.same_site {
        SameSitePolicy::Lax => SameSite::Lax,
        SameSitePolicy::Strict => SameSite::Strict,
    });
    c
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_signed_cookie_reads_back_and_a_forged_one_does_not() {
        let settings = Settings::default();
        let c = CsrfCookie::new(&settings, &"k".repeat(64));
        assert_eq!(c.name, "portcullis_session_csrf");
        let secret = [9u8; SECRET_LEN];
        let cookie = c.cookie(&settings, &secret);
        assert!(cookie.http_only().unwrap_or(false));
        let req = TestRequest::default().cookie(cookie).to_http_request();
        assert_eq!(read(&req, &c.name, &c.key), Some(secret));
        // Another key (another site, or the session cookie's) does not verify.
        let other = CsrfCookie::new(&settings, &"x".repeat(64));
        assert_eq!(read(&req, &c.name, &other.key), None);
        // An unsigned value does not either.
        let plain = Cookie::new(c.name.clone(), URL_SAFE_NO_PAD.encode(secret));
        let req = TestRequest::default().cookie(plain).to_http_request();
        assert_eq!(read(&req, &c.name, &c.key), None);
    }
}
