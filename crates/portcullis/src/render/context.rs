//! The data each page template receives. Apps that replace a page with their
//! own askama template get the same fields (see [`super::Renderer`]). Each
//! context renders the page's body (`templates/portcullis/pages/…`);
//! [`super::Renderer::layout`] puts it into the page frame.

use askama::Template;

/// Fields every page shares: branding, title, who is signed in.
#[derive(Debug, Clone)]
pub struct PageBase {
    /// `<title>` and header text.
    pub title: String,
    /// Brand name from `[auth.branding]`.
    pub brand_text: String,
    /// Logo URL, empty for none.
    pub brand_icon_src: String,
    /// Colours (validated `#rgb`/`#rrggbb`, safe inside a style attribute).
    pub primary_color: String,
    /// Page background colour.
    pub background_color: String,
    /// Body text colour.
    pub text_color: String,
    /// URL of the stylesheet.
    pub stylesheet: String,
    /// The app's own stylesheet loaded after it (`auth.branding.extra_stylesheet`), empty for none.
    pub extra_stylesheet: String,
    /// Link target of the brand (`auth.branding.home_url`).
    pub home_url: String,
    /// Language of the page (`auth.messages.lang`), for `<html lang>`.
    pub lang: String,
    /// Text before the signed-in user's name (`auth.messages.signed_in_as`).
    pub signed_in_label: String,
    /// Username of the signed-in visitor, if any.
    pub signed_in_as: Option<String>,
    /// Ask search engines not to index the page: on for Portcullis' own
    /// pages, off from [`super::page_base`] for the app's pages.
    pub noindex: bool,
    /// Heading of a form's error summary (`auth.messages.error_summary_heading`).
    pub error_summary_heading: String,
}

/// One problem of a submitted form, for the error summary at the top of
/// the page: a link to the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// `id` of the input the problem concerns; empty for the whole form.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl FormError {
    /// Every error of `fields`, in page order, after the errors of the
    /// whole form (`form`).
    ///
    /// ```
    /// use portcullis::render::{FieldContext, FormError};
    /// let email = FieldContext {
    ///     name: "email".into(), label: "Email".into(), input_type: "email".into(),
    ///     value: "x".into(), errors: vec!["Enter a valid email address.".into()],
    ///     autocomplete: "email".into(), maxlength: 254, help: String::new(), autofocus: true,
    /// };
    /// let errors = FormError::collect(&["Try again.".into()], [&email]);
    /// assert_eq!(errors[0].field, "");
    /// assert_eq!(errors[1].field, "email");
    /// ```
    pub fn collect<'a>(
        form: &[String],
        fields: impl IntoIterator<Item = &'a FieldContext>,
    ) -> Vec<FormError> {
        let whole = form.iter().map(|m| FormError {
            field: String::new(),
            message: m.clone(),
        });
        let each = fields.into_iter().flat_map(|f| {
            f.errors.iter().map(|m| FormError {
                field: f.name.clone(),
                message: m.clone(),
            })
        });
        whole.chain(each).collect()
    }
}

/// One input of a form.
#[derive(Debug, Clone)]
pub struct FieldContext {
    /// `name` and `id` of the input.
    pub name: String,
    /// Visible label.
    pub label: String,
    /// `type` of the input: text, email, password.
    pub input_type: String,
    /// Value to show again after an error (never for passwords).
    pub value: String,
    /// Errors under the field.
    pub errors: Vec<String>,
    /// `autocomplete` attribute: username, email, current-password, new-password.
    pub autocomplete: String,
    /// Longest accepted input.
    pub maxlength: usize,
    /// Help text under the field, empty for none.
    pub help: String,
    /// Focus this field when the page opens.
    pub autofocus: bool,
}

/// A "Sign in with …" button, one per `[[oidc.providers]]`.
#[derive(Debug, Clone)]
pub struct ProviderButton {
    /// Button text.
    pub label: String,
    /// Where the button POSTs (`/oidc/{id}/login`, with the safe `next`).
    pub action: String,
    /// Image URL from the provider's `icon`, empty for none.
    pub icon: String,
}

/// `templates/portcullis/pages/login.html`.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/login.html")]
pub struct LoginContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// Form action (the login path).
    pub action: String,
    /// Masked CSRF token for the hidden `csrf_token` input.
    pub csrf_token: String,
    /// The `login` field (username and/or email).
    pub login: FieldContext,
    /// The `password` field.
    pub password: FieldContext,
    /// Submit button text.
    pub button: String,
    /// The one failure message, when the last attempt failed (also in
    /// `errors` and under the `login` field).
    pub error: Option<String>,
    /// Every error, for the summary at the top of the form.
    pub errors: Vec<FormError>,
    /// Safe `next` path carried in a hidden input.
    pub next: Option<String>,
    /// Signup link (when signup is enabled).
    pub signup_url: Option<String>,
    /// Text of the signup link.
    pub signup_prompt: String,
    /// Password-reset link (when reset is enabled).
    pub password_reset_url: Option<String>,
    /// Text of the password-reset link.
    pub password_reset_prompt: String,
    /// Provider buttons.
    pub providers: Vec<ProviderButton>,
    /// The word between the form and the provider buttons (`auth.messages.login_or`).
    pub or_label: String,
    /// False when `oidc.only_provider` makes a provider the only way in:
    /// no password form then.
    pub password_form: bool,
}

/// `templates/portcullis/pages/logout.html`.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/logout.html")]
pub struct LogoutContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// Form action (the logout path).
    pub action: String,
    /// Masked CSRF token.
    pub csrf_token: String,
    /// True when someone is signed in (else only `not_signed_in` is shown).
    pub signed_in: bool,
    /// The confirmation question.
    pub confirm: String,
    /// Text shown to visitors who are not signed in.
    pub not_signed_in: String,
    /// Submit button text.
    pub button: String,
    /// Text of the home link shown to visitors who are not signed in.
    pub home_label: String,
}

/// `templates/portcullis/pages/signup.html`.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/signup.html")]
pub struct SignupContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// Form action (the signup path).
    pub action: String,
    /// Masked CSRF token.
    pub csrf_token: String,
    /// The `username` field.
    pub username: FieldContext,
    /// The `email` field.
    pub email: FieldContext,
    /// The `password1` field.
    pub password1: FieldContext,
    /// The `password2` (confirmation) field.
    pub password2: FieldContext,
    /// Errors not tied to one field.
    pub form_errors: Vec<String>,
    /// Every error (the form's, then each field's), for the summary at the top of the form.
    pub errors: Vec<FormError>,
    /// Submit button text.
    pub button: String,
    /// Safe `next` path carried in a hidden input.
    pub next: Option<String>,
    /// Login link.
    pub login_url: String,
    /// Text of the login link.
    pub login_prompt: String,
}

/// `templates/portcullis/pages/error.html`: 400, 403, 404, 413, 429, 500, 503.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/error.html")]
pub struct ErrorContext {
    /// Shared fields.
    pub base: PageBase,
    /// HTTP status code.
    pub status: u16,
    /// Heading.
    pub heading: String,
    /// Explanation.
    pub message: String,
    /// Home link text.
    pub home_label: String,
}

/// `templates/portcullis/pages/oidc_confirm.html`: a bare GET of
/// `/oidc/{id}/login` asks before leaving for the provider.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/oidc_confirm.html")]
pub struct OidcConfirmContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// What happens next.
    pub text: String,
    /// The provider's button (POSTs with the CSRF token).
    pub button: ProviderButton,
    /// Masked CSRF token.
    pub csrf_token: String,
}

/// `templates/portcullis/pages/oidc_error.html`: a sign-in with a provider
/// failed (cancelled, refused, provider unreachable).
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/oidc_error.html")]
pub struct OidcErrorContext {
    /// Shared fields.
    pub base: PageBase,
    /// HTTP status code.
    pub status: u16,
    /// Heading.
    pub heading: String,
    /// What went wrong, for the user (never the provider's own words).
    pub message: String,
    /// Where to try again (the login page, keeping `next`).
    pub retry_url: String,
    /// Text of the retry link.
    pub retry_label: String,
}

/// One provider on the connections page.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    /// The provider's display name.
    pub name: String,
    /// The provider's id (the form's `provider` value).
    pub provider: String,
    /// True when the user is connected to it.
    pub connected: bool,
    /// The email the provider asserted, when connected.
    pub email: String,
    /// "Connected" or "Not connected".
    pub status: String,
}

/// `templates/portcullis/pages/connections.html`: `/account/connections`.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/connections.html")]
pub struct ConnectionsContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// Form action (the page's path).
    pub action: String,
    /// Masked CSRF token.
    pub csrf_token: String,
    /// Every configured provider.
    pub rows: Vec<ConnectionRow>,
    /// A message after a refused change, if any.
    pub error: Option<String>,
    /// Button texts.
    pub connect_button: String,
    /// Button texts.
    pub disconnect_button: String,
}
