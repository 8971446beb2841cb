//! The pages: login, logout, signup, and the stylesheet. Each is mounted
//! only when the settings enable it; nothing is mounted silently.

// Handlers return early with a ready response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod account;
mod assets;
mod email_change;
mod fields;
pub(crate) mod form;
mod login;
mod logout;
mod oidc;
mod password_change;
mod password_reset;
mod reauthenticate;
mod respond;
mod signup;
mod verify_email;

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    web, App, Error, FromRequest, Handler, Responder,
};

use crate::Auth;

impl Auth {
    /// Every page the settings enable, for `.configure`: login, logout,
    /// signup (`auth.signup_enabled`), password change, password reset
    /// (`auth.password_reset_enabled`), email confirmation and email
    /// change (`auth.email_pages_enabled`), and the stylesheet.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use actix_web::App;
    /// # let settings = portcullis::Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
    /// let auth = portcullis::Auth::connect(settings).await.unwrap();
    /// let app = App::new().wrap(auth.middleware()).configure(auth.pages());
    /// # }
    /// ```
    pub fn pages(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        let auth = self.clone();
        move |cfg| {
            let a = &auth.settings().auth;
            if !a.enabled {
                return;
            }
            auth.login_page()(cfg);
            auth.logout_page()(cfg);
            if a.signup_enabled {
                auth.signup_page()(cfg);
            }
            auth.password_change_pages()(cfg);
            if a.password_reset_enabled {
                auth.password_reset_pages()(cfg);
            }
            if a.email_pages_enabled {
                auth.email_pages()(cfg);
            }
            if !auth.inner.oidc.is_empty() {
                // The connections page sends an old sign-in there too.
                if !a.email_pages_enabled {
                    reauthenticate_page(&auth)(cfg);
                }
                oidc::mount(&auth, cfg);
            }
            auth.static_files()(cfg);
        }
    }

    /// Only the login page (at `auth.login_url`).
    pub fn login_page(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        page(&self.settings().auth.login_url, login::show, login::submit)
    }

    /// Only the logout page (at `auth.logout_url`).
    pub fn logout_page(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        page(
            &self.settings().auth.logout_url,
            logout::show,
            logout::submit,
        )
    }

    /// Only the signup page (at `auth.signup_url`), whatever `signup_enabled` says.
    pub fn signup_page(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        page(
            &self.settings().auth.signup_url,
            signup::show,
            signup::submit,
        )
    }

    /// Only the password-change pages (at `auth.password_change_url`, and
    /// `/done` below it).
    pub fn password_change_pages(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        family(&self.settings().auth.password_change_url, |cfg| {
            page("", password_change::show, password_change::submit)(cfg);
            cfg.route("/done", web::get().to(password_change::done));
        })
    }

    /// Only the password-reset pages (at `auth.password_reset_url`: the
    /// request form, `/done`, `/confirm/{uid}/{token}` and `/complete`),
    /// whatever `password_reset_enabled` says.
    pub fn password_reset_pages(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        family(&self.settings().auth.password_reset_url, |cfg| {
            page("", password_reset::show, password_reset::submit)(cfg);
            cfg.route("/done", web::get().to(password_reset::done));
            cfg.route("/complete", web::get().to(password_reset::complete));
            page(
                "/confirm/{uid}/{token}",
                password_reset::link_get,
                password_reset::link_post,
            )(cfg);
        })
    }

    /// Only the email pages: confirmation links and the resend form (at
    /// `auth.verify_email_url`), the email-change page (at
    /// `auth.email_change_url`) and the reauthentication page it sends an
    /// old sign-in to (at `auth.reauthenticate_url`), whatever
    /// `email_pages_enabled` says.
    pub fn email_pages(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        let a = &self.settings().auth;
        let verify = family(&a.verify_email_url, |cfg| {
            page("", verify_email::show, verify_email::submit)(cfg);
            // Before the `{token}` pattern, which would match it too.
            cfg.route("/sent", web::get().to(verify_email::sent));
            page("/{token}", verify_email::link_get, verify_email::link_post)(cfg);
        });
        let change = page(
            &a.email_change_url,
            email_change::show,
            email_change::submit,
        );
        let reauthenticate = reauthenticate_page(self);
        move |cfg| {
            verify(cfg);
            change(cfg);
            reauthenticate(cfg);
        }
    }

    /// The default pages' stylesheet and logo under `/static/portcullis/`.
    pub fn static_files(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        // Static paths, not a `{file}` pattern: a pattern is a regex every
        // request under the prefix would be matched against.
        family(assets::PREFIX, |cfg| {
            for (path, body, kind) in assets::FILES {
                cfg.route(path, web::get().to(assets::serve(body, kind)));
            }
        })
    }
}

/// The reauthentication page (at `auth.reauthenticate_url`), where the
/// email-change and connections pages send a sign-in that is not recent.
fn reauthenticate_page(auth: &Auth) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
    page(
        &auth.settings().auth.reauthenticate_url,
        reauthenticate::show,
        reauthenticate::submit,
    )
}

/// A family of pages under one path: one scope, so a request for any other
/// path pays one prefix check for the whole family instead of a match per
/// page (every route mounted before an app's own costs each of its
/// requests that match; docs/BENCHMARKS.md, "Routes").
fn family(
    base: &str,
    pages: impl FnOnce(&mut web::ServiceConfig) + 'static,
) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
    let base = base.to_owned();
    move |cfg| {
        cfg.service(web::scope(&base).configure(pages));
    }
}

/// A page at `path`: `show` answers GET, `submit` POST.
fn page<G, GArgs, P, PArgs>(
    path: &str,
    show: G,
    submit: P,
) -> impl FnOnce(&mut web::ServiceConfig) + 'static
where
    G: Handler<GArgs>,
    GArgs: FromRequest + 'static,
    G::Output: Responder + 'static,
    P: Handler<PArgs>,
    PArgs: FromRequest + 'static,
    P::Output: Responder + 'static,
{
    let path = path.to_owned();
    move |cfg| {
        cfg.service(
            web::resource(path)
                .route(web::get().to(show))
                .route(web::post().to(submit)),
        );
    }
}

/// `App::add_auth_pages`: the middleware and every enabled page in one call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use actix_web::App;
/// use portcullis::{Auth, AuthAppExt, Settings};
/// # let settings = Settings::from_toml_str("[database]\nurl = \"sqlite::memory:\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n").unwrap();
/// let auth = Auth::connect(settings).await.unwrap();
/// let app = App::new().add_auth_pages(&auth);
/// # }
/// ```
pub trait AuthAppExt {
    /// The app with `auth.middleware()` wrapped and `auth.pages()` configured.
    fn add_auth_pages(
        self,
        auth: &Auth,
    ) -> App<
        impl ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<impl MessageBody + use<Self>>,
                Error = Error,
                InitError = (),
            > + use<Self>,
    >;
}

impl<T, B> AuthAppExt for App<T>
where
    T: ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<B>,
        Error = Error,
        InitError = (),
    >,
    T::Service: 'static,
    B: MessageBody + 'static,
{
    fn add_auth_pages(
        self,
        auth: &Auth,
    ) -> App<
        impl ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<impl MessageBody + use<T, B>>,
                Error = Error,
                InitError = (),
            > + use<T, B>,
    > {
        self.configure(auth.pages()).wrap(auth.middleware())
    }
}
