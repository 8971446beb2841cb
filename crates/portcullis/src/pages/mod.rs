//! The pages: login, logout, signup, and the stylesheet. Each is mounted
//! only when the settings enable it; nothing is mounted silently.

// Handlers return early with a ready response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod assets;
pub(crate) mod form;
mod login;
mod logout;
mod oidc;
mod respond;
mod signup;

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    web, App, Error, FromRequest, Handler, Responder,
};

use crate::Auth;

impl Auth {
    /// Every page the settings enable (login, logout, signup, stylesheet), for `.configure`.
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
            if !auth.inner.oidc.is_empty() {
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

    /// The default pages' stylesheet and logo under `/static/portcullis/`.
    pub fn static_files(&self) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
        |cfg| {
            // Static paths, not a `{file}` pattern: a pattern is a regex every
            // request registered after it would be matched against.
            for (path, body, kind) in assets::FILES {
                cfg.route(path, web::get().to(assets::serve(body, kind)));
            }
        }
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
