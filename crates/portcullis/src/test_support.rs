//! Hooks for tests, behind the `test-support` feature. For apps:
//! [`check_renderer`], which fails when a replaced page forgets its CSRF
//! field or its errors (enable the feature in `[dev-dependencies]`). The
//! rest is for Portcullis' own tests and benchmarks (raw table counts, the
//! hashing pool and the stores under the API): not a stable API.

pub use crate::{
    db::users::UserRow,
    password::hash::{HashParams, HashPool, Verified},
    security::ratelimit::database::DbRateLimitStore,
    session::DbSessionStore,
};
use crate::{
    db::{self, Database, DbError},
    render::Renderer,
};

/// Now, in epoch seconds, as the tables store it.
pub fn now() -> i64 {
    db::now()
}

/// Rows in the users table.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_users(db: &Database) -> Result<i64, DbError> {
    db::users::count(db).await
}

/// Rows in the sessions table.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_sessions(db: &Database) -> Result<i64, DbError> {
    db::sessions::count(db).await
}

/// Live sessions of one user.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_sessions_of(db: &Database, user_id: i64) -> Result<i64, DbError> {
    db::sessions::count_for_user(db, user_id).await
}

/// A user's row as stored, password hash included.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn user_row(db: &Database, id: i64) -> Result<Option<UserRow>, DbError> {
    db::users::by_id(db, id).await
}

/// Stores a session row as the store would (`key_hash` as given).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn insert_session(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    db::sessions::insert(db, key_hash, user_id, data, expires_at).await
}

/// True when the masked CSRF token `submitted` unmasks to `secret` (the
/// session's stored secret), as the CSRF check decides.
pub fn masked_token_matches(secret: &str, submitted: &str) -> bool {
    crate::security::csrf::masked_token_matches(secret, submitted)
}

/// Renders every page of `renderer` with a known CSRF token, known errors
/// and a known `next`, and lists what a page forgot: the hidden
/// `csrf_token` field of each form, an error message, the `next` field,
/// or escaping (a probe with `<b>` must not come out as markup). Run it in
/// the app's tests against the app's [`Renderer`], so a replaced page that
/// loses its CSRF field or its errors fails there, not in production.
///
/// ```
/// use portcullis::render::{DefaultRenderer, LoginContext, RenderError, Renderer};
///
/// assert_eq!(portcullis::test_support::check_renderer(&DefaultRenderer), Ok(()));
///
/// // A login page that forgot the CSRF field and the failure message:
/// struct Forgetful;
/// impl Renderer for Forgetful {
///     fn login(&self, ctx: &LoginContext) -> Result<String, RenderError> {
///         self.layout(&ctx.base, "<form method=post><input name=login></form>")
///     }
/// }
/// let problems = portcullis::test_support::check_renderer(&Forgetful).unwrap_err();
/// assert!(problems.contains("login: no csrf_token field"), "{problems}");
/// ```
///
/// # Errors
/// Every problem found, one per line.
pub fn check_renderer(renderer: &dyn Renderer) -> Result<(), String> {
    renderer_probe::check(renderer)
}

/// The probes behind [`check_renderer`].
mod renderer_probe {
    use crate::{
        render::{
            auth_page_base, AccountFormContext, ButtonForm, ConnectionRow, ConnectionsContext,
            ErrorContext, FieldContext, FormError, LoginContext, LogoutContext, Notice,
            NoticeContext, OidcConfirmContext, ProviderButton, RenderError, Renderer,
            SignupContext,
        },
        settings::Settings,
    };

    const TOKEN: &str = "probe-csrf-token-6b1f0c";
    const NEXT: &str = "/probe-next-path";
    /// Rendered escaped, `<b>` must not survive as markup.
    const MARKUP: &str = "<b>probe</b>";

    fn field(name: &str, error: Option<&str>) -> FieldContext {
        FieldContext {
            name: name.into(),
            label: format!("probe label {name}"),
            input_type: if name.starts_with("password") {
                "password".into()
            } else {
                "text".into()
            },
            value: String::new(),
            errors: error.map(|e| vec![e.to_owned()]).unwrap_or_default(),
            autocomplete: String::new(),
            maxlength: 0,
            help: String::new(),
            autofocus: false,
        }
    }

    /// What one rendered page must contain.
    struct Expect<'a> {
        page: &'a str,
        csrf: bool,
        next: bool,
        messages: Vec<String>,
    }

    pub(super) fn check(renderer: &dyn Renderer) -> Result<(), String> {
        let settings = Settings::default();
        let base = |title: &str| auth_page_base(&settings, title, None);
        let mut problems = Vec::new();

        let failed = format!("probe login failed {MARKUP}");
        let login = field("login", Some(&failed));
        let login_ctx = LoginContext {
            base: base("Sign in"),
            heading: "Sign in".into(),
            action: "/login".into(),
            csrf_token: TOKEN.into(),
            errors: FormError::collect(&[], [&login]),
            login,
            password: field("password", None),
            button: "Sign in".into(),
            error: Some(failed.clone()),
            next: Some(NEXT.into()),
            signup_url: Some("/register".into()),
            signup_prompt: "Create one".into(),
            password_reset_url: Some("/password-reset".into()),
            password_reset_prompt: "Forgotten your password?".into(),
            password_form: true,
            providers: Vec::new(),
            or_label: "or".into(),
        };
        verify(
            renderer.login(&login_ctx),
            Expect {
                page: "login",
                csrf: true,
                next: true,
                messages: vec![failed],
            },
            &mut problems,
        );

        let fields: Vec<FieldContext> = ["username", "email", "password1", "password2"]
            .iter()
            .map(|name| field(name, Some(&format!("probe {name} error {MARKUP}"))))
            .collect();
        let form_error = format!("probe form error {MARKUP}");
        let [username, email, password1, password2] =
            <[FieldContext; 4]>::try_from(fields).expect("four fields");
        let signup_ctx = SignupContext {
            base: base("Create an account"),
            heading: "Create an account".into(),
            action: "/register".into(),
            csrf_token: TOKEN.into(),
            errors: FormError::collect(
                std::slice::from_ref(&form_error),
                [&username, &email, &password1, &password2],
            ),
            username,
            email,
            password1,
            password2,
            form_errors: vec![form_error.clone()],
            button: "Create account".into(),
            next: Some(NEXT.into()),
            login_url: "/login".into(),
            login_prompt: "Sign in".into(),
        };
        let mut messages = vec![form_error];
        messages.extend(
            ["username", "email", "password1", "password2"]
                .iter()
                .map(|name| format!("probe {name} error {MARKUP}")),
        );
        verify(
            renderer.signup(&signup_ctx),
            Expect {
                page: "signup",
                csrf: true,
                next: true,
                messages,
            },
            &mut problems,
        );

        let logout_ctx = LogoutContext {
            base: base("Sign out"),
            heading: "Sign out".into(),
            action: "/logout".into(),
            csrf_token: TOKEN.into(),
            signed_in: true,
            confirm: format!("probe confirm {MARKUP}"),
            not_signed_in: "You are not signed in.".into(),
            button: "Sign out".into(),
            home_label: "Home".into(),
        };
        verify(
            renderer.logout(&logout_ctx),
            Expect {
                page: "logout",
                csrf: true,
                next: false,
                messages: Vec::new(),
            },
            &mut problems,
        );

        let message = format!("probe error message {MARKUP}");
        let error_ctx = ErrorContext {
            base: base("Page not found"),
            status: 404,
            heading: "Page not found".into(),
            message: message.clone(),
            home_label: "Home".into(),
        };
        verify(
            renderer.error(&error_ctx),
            Expect {
                page: "error",
                csrf: false,
                next: false,
                messages: vec![message],
            },
            &mut problems,
        );

        // The account forms: each must carry the token and show its errors.
        type Draw = fn(&dyn Renderer, &AccountFormContext) -> Result<String, RenderError>;
        let forms: [(&str, Draw); 5] = [
            ("password_change", |r, c| r.password_change(c)),
            ("password_reset", |r, c| r.password_reset(c)),
            ("password_reset_confirm", |r, c| r.password_reset_confirm(c)),
            ("email_change", |r, c| r.email_change(c)),
            ("verify_email_resend", |r, c| r.verify_email_resend(c)),
        ];
        for (page, draw) in forms {
            let error = format!("probe {page} error {MARKUP}");
            let input = field("email", Some(&error));
            let ctx = AccountFormContext {
                base: base(page),
                heading: page.into(),
                intro: Vec::new(),
                action: "/probe".into(),
                csrf_token: TOKEN.into(),
                errors: FormError::collect(&[], [&input]),
                fields: vec![input],
                button: "Send".into(),
                links: Vec::new(),
            };
            verify(
                draw(renderer, &ctx),
                Expect {
                    page,
                    csrf: true,
                    next: false,
                    messages: vec![error],
                },
                &mut problems,
            );
        }
        let paragraph = format!("probe notice {MARKUP}");
        let notice_ctx = NoticeContext {
            base: base("Confirm"),
            notice: Notice::ConfirmEmail,
            heading: "Confirm".into(),
            paragraphs: vec![paragraph.clone()],
            form: Some(ButtonForm {
                action: "/probe".into(),
                csrf_token: TOKEN.into(),
                button: "Confirm".into(),
            }),
            links: Vec::new(),
        };
        verify(
            renderer.notice(&notice_ctx),
            Expect {
                page: "notice",
                csrf: true,
                next: false,
                messages: vec![paragraph],
            },
            &mut problems,
        );

        let confirm_ctx = OidcConfirmContext {
            base: base("Sign in"),
            heading: "Sign in".into(),
            text: "Continue to the provider.".into(),
            button: ProviderButton {
                label: "Sign in with Probe".into(),
                action: format!("/oidc/probe/login?next={NEXT}"),
                icon: String::new(),
            },
            csrf_token: TOKEN.into(),
        };
        verify(
            renderer.oidc_confirm(&confirm_ctx),
            Expect {
                page: "oidc_confirm",
                csrf: true,
                next: true,
                messages: Vec::new(),
            },
            &mut problems,
        );
        let refused = format!("probe connections error {MARKUP}");
        let connections_ctx = ConnectionsContext {
            base: base("Connections"),
            heading: "Connections".into(),
            action: "/account/connections".into(),
            csrf_token: TOKEN.into(),
            rows: vec![ConnectionRow {
                name: "Probe".into(),
                provider: "probe".into(),
                connected: true,
                email: "probe@example.com".into(),
                status: "Connected".into(),
            }],
            error: Some(refused.clone()),
            connect_button: "Connect".into(),
            disconnect_button: "Disconnect".into(),
        };
        verify(
            renderer.connections(&connections_ctx),
            Expect {
                page: "connections",
                csrf: true,
                next: false,
                messages: vec![refused],
            },
            &mut problems,
        );

        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    fn verify<E: std::fmt::Display>(
        rendered: Result<String, E>,
        expect: Expect<'_>,
        problems: &mut Vec<String>,
    ) {
        let page = expect.page;
        let html = match rendered {
            Ok(html) => html,
            Err(e) => return problems.push(format!("{page}: does not render: {e}")),
        };
        if expect.csrf && !(html.contains("csrf_token") && html.contains(TOKEN)) {
            problems.push(format!(
                "{page}: no csrf_token field carrying the form's token"
            ));
        }
        if expect.next && !html.contains(NEXT) {
            problems.push(format!("{page}: no next field carrying {NEXT}"));
        }
        for message in &expect.messages {
            let text = message.trim_end_matches(MARKUP).trim_end();
            if !html.contains(text) {
                problems.push(format!("{page}: the error {text:?} is not shown"));
            }
        }
        if html.contains(MARKUP) {
            problems.push(format!(
                "{page}: a message is not escaped ({MARKUP} came out as markup)"
            ));
        }
    }
}
