//! `[oidc]`: OpenID Connect providers ("Sign in with …").

use serde::{Deserialize, Serialize};

/// One `[[oidc.providers]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// Short id used in paths: `/oidc/{id}/login`.
    pub id: String,
    /// Button text: "Sign in with {display_name}".
    pub display_name: String,
    /// Issuer URL; discovery is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Client id registered at the provider.
    pub client_id: String,
    /// Client secret for confidential clients (prefer `client_secret_env`).
    /// Neither set: a public client, PKCE only.
    #[serde(default)]
    pub client_secret: String,
    /// Scopes beyond `openid email profile`.
    #[serde(default)]
    pub extra_scopes: Vec<String>,
    /// Dotted path of a claim listing the user's groups.
    #[serde(default)]
    pub groups_claim: String,
    /// Name of an environment variable holding the client secret (it wins
    /// over `client_secret`; start-up fails when it is unset). Arrays of
    /// tables cannot be overridden by `PORTCULLIS__…` variables, hence this.
    #[serde(default)]
    pub client_secret_env: String,
    /// Image URL shown on the provider's button, empty for none.
    #[serde(default)]
    pub icon: String,
    /// Link a first sign-in to the local account with the same email, but
    /// only when the provider says `email_verified = true`. Off: such a
    /// sign-in is refused ("sign in with your password, then connect").
    #[serde(default)]
    pub trust_email_for_linking: bool,
    /// How `groups_claim` updates local groups at each sign-in: `"add"`
    /// (only adds) or `"mirror"` (also removes groups the claim lacks).
    #[serde(default)]
    pub groups_sync: GroupsSync,
    /// After the local logout, send the browser to the provider's
    /// `end_session_endpoint` (with `id_token_hint`, kept in the server-side
    /// session) and back to `auth.logout_redirect_url`.
    #[serde(default)]
    pub rp_initiated_logout: bool,
}

impl ProviderSettings {
    /// The client secret in force: the variable `client_secret_env` names,
    /// else `client_secret`; `None` for a public client.
    pub fn resolved_client_secret(&self) -> Option<String> {
        let secret = if self.client_secret_env.is_empty() {
            self.client_secret.clone()
        } else {
            std::env::var(&self.client_secret_env).unwrap_or_default()
        };
        (!secret.is_empty()).then_some(secret)
    }
}

/// How a provider's groups claim updates local groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupsSync {
    /// Add the user to each group the claim lists; never remove.
    #[default]
    Add,
    /// Make the user's groups exactly the claim's list.
    Mirror,
}

/// `[oidc]`: providers and options.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// Redirect to the provider on a bare GET of `/oidc/{id}/login` (false: a confirm page).
    pub login_on_get: bool,
    /// The providers.
    pub providers: Vec<ProviderSettings>,
    /// Id of a provider that is the only way in: the login page shows its
    /// button and no password form (empty: passwords too).
    pub only_provider: String,
    /// Seconds a provider's discovery document and keys are kept before
    /// they are read again (keys are also re-read at once on an unknown `kid`).
    pub discovery_refresh_secs: u64,
    /// Seconds the browser has to come back from the provider.
    pub flow_max_age_secs: u64,
    /// Seconds to wait for a provider's answer (discovery, keys, token).
    pub http_timeout_secs: u64,
    /// The OpenID pages' texts; `{provider}` is the provider's display name.
    pub messages: OidcMessages,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            login_on_get: false,
            providers: Vec::new(),
            only_provider: String::new(),
            discovery_refresh_secs: 3600,
            flow_max_age_secs: 600,
            http_timeout_secs: 5,
            messages: OidcMessages::default(),
        }
    }
}

impl OidcSettings {
    /// The provider with id `id`.
    pub fn provider(&self, id: &str) -> Option<&ProviderSettings> {
        self.providers.iter().find(|p| p.id == id)
    }
}

/// Declares the messages struct and its defaults in one place.
macro_rules! oidc_messages {
    ($($(#[doc = $doc:literal])* $name:ident = $default:literal;)*) => {
        /// `[oidc.messages]`: every user-visible string of the OpenID pages.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct OidcMessages {
            $($(#[doc = $doc])* pub $name: String,)*
        }

        impl Default for OidcMessages {
            fn default() -> Self {
                Self { $($name: $default.into(),)* }
            }
        }
    };
}

oidc_messages! {
    /// Text of a provider's button.
    sign_in_with = "Sign in with {provider}";
    /// Heading of the page a bare GET of `/oidc/{id}/login` shows.
    confirm_heading = "Sign in with {provider}";
    /// Text of that page.
    confirm_text = "You will be sent to {provider} to sign in, then brought back here.";
    /// Its button.
    confirm_button = "Continue to {provider}";
    /// Heading of the sign-in error page.
    error_heading = "Sign-in did not work";
    /// The user cancelled at the provider.
    cancelled = "Sign-in with {provider} was cancelled.";
    /// The sign-in failed (state, code or token refused). No details: they are logged.
    failed = "Sign-in with {provider} could not be completed. Please try again.";
    /// The provider could not be reached.
    unavailable = "{provider} cannot be reached right now. Please try again in a moment.";
    /// `auth.site_origin` is unset and the address this request came to
    /// cannot be read, so the provider could not send the browser back.
    bad_origin = "This site was reached at an address {provider} cannot send you back to. Please open the site at its usual address and try again.";
    /// An account has the email, and linking by email is not allowed.
    email_in_use = "An account with this email address already exists. Sign in with your password, then connect {provider} on your account's connections page.";
    /// The account is disabled.
    inactive = "This account is disabled.";
    /// The identity belongs to another account.
    linked_elsewhere = "This {provider} account is already connected to another account.";
    /// No username could be made for a new account.
    no_username = "No account could be created for this sign-in. Please contact the site's administrators.";
    /// The retry link of the error page.
    retry = "Try again";
    /// Heading of `/account/connections`.
    connections_heading = "Connected accounts";
    /// A provider the user is connected to.
    connected = "Connected";
    /// A provider the user is not connected to.
    not_connected = "Not connected";
    /// Button to connect a provider.
    connect_button = "Connect";
    /// Button to disconnect a provider.
    disconnect_button = "Disconnect";
    /// Refused disconnection of the last way in.
    last_way_in = "This is your only way to sign in, so it cannot be disconnected.";
}
