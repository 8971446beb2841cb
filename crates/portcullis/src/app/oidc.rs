//! OpenID Connect as an authentication backend: which local account a
//! proven identity is. Matched on (provider, subject) only; a first sign-in
//! creates an account (no usable password) or, when the provider is trusted
//! for linking and says the email is verified, links the account with that
//! email; anything else is refused rather than take an account over. Also
//! linking and unlinking from the connections page.

use super::{backend::AuthBackend, Auth};
use crate::{
    accounts::{NewUser, User},
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
    oidc::{self, Proven},
};

/// Tries at making a username unique before giving up.
const USERNAME_TRIES: usize = 20;

/// Why an identity signs no one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// An account has this email, and the provider is not trusted for
    /// linking or did not say the email is verified.
    EmailInUse,
    /// The linked account is inactive.
    Inactive,
    /// The identity is already linked to another account.
    LinkedElsewhere,
    /// No unique username could be made.
    NoUsername,
}

/// The backend behind `/oidc/{provider}/callback`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OidcBackend;

impl OidcBackend {
    /// The backend id sessions record: `oidc:{provider}`.
    pub(crate) fn session_id(provider: &str) -> String {
        format!("oidc:{provider}")
    }

    /// The account `proven` is (found, linked or created, groups synced), or why none.
    pub(crate) async fn resolve(
        &self,
        auth: &Auth,
        proven: &Proven,
    ) -> Result<Result<User, Refusal>, AuthError> {
        let db = &auth.inner.db;
        let settings = auth.settings();
        let provider = settings
            .oidc
            .provider(&proven.provider)
            .ok_or_else(|| AuthError::Session("unknown OpenID provider".into()))?;
        let email = proven.email.as_deref().unwrap_or("").trim();
        let user_id = match db::identities::user_of(db, &proven.provider, &proven.subject).await? {
            Some(id) => id,
            None => {
                let existing = if email.is_empty() {
                    None
                } else {
                    db::users::by_email(db, &crate::accounts::canonical_email(email)).await?
                };
                match existing {
                    // nOAuth: an email alone never opens an account, only a
                    // verified one from a provider trusted to say so.
                    Some(row) if provider.trust_email_for_linking && proven.email_verified => {
                        link(auth, row.id, proven).await?;
                        row.id
                    }
                    Some(row) => {
                        audit(
                            AuditEvent::LoginFailed,
                            Some(&row.id.to_string()),
                            "OpenID email matches an account; not linked",
                        );
                        return Ok(Err(Refusal::EmailInUse));
                    }
                    None => match create(auth, proven, email).await? {
                        Ok(id) => id,
                        Err(r) => return Ok(Err(r)),
                    },
                }
            }
        };
        if let Some(groups) = &proven.groups {
            oidc::sync_groups(db, user_id, groups, provider.groups_sync).await?;
        }
        if proven.email_verified && !email.is_empty() {
            db::identities::mark_email_verified(db, user_id).await?;
        }
        db::identities::touch(db, &proven.provider, &proven.subject, email).await?;
        let Some(user) = auth.user_by_id(user_id).await? else {
            return Ok(Err(Refusal::Inactive));
        };
        if !user.is_active {
            audit(
                AuditEvent::LoginFailed,
                Some(&user.id.to_string()),
                "inactive",
            );
            return Ok(Err(Refusal::Inactive));
        }
        Ok(Ok(user))
    }
}

impl AuthBackend for OidcBackend {
    type Credentials = Proven;

    fn id(&self) -> &'static str {
        "oidc"
    }

    async fn authenticate(&self, auth: &Auth, proven: Proven) -> Result<Option<User>, AuthError> {
        Ok(self.resolve(auth, &proven).await?.ok())
    }
}

/// Links `proven` to `user_id`; false when another account has it.
async fn link(auth: &Auth, user_id: i64, proven: &Proven) -> Result<bool, AuthError> {
    let db = &auth.inner.db;
    let email = proven.email.as_deref().unwrap_or("");
    let linked = db::identities::link(
        db,
        user_id,
        &proven.provider,
        &proven.issuer,
        &proven.subject,
        email,
    )
    .await?;
    if linked {
        audit(
            AuditEvent::IdentityLinked,
            Some(&user_id.to_string()),
            &proven.provider,
        );
        return Ok(true);
    }
    Ok(db::identities::user_of(db, &proven.provider, &proven.subject).await? == Some(user_id))
}

/// A new account for `proven`: a safe, unique username, the claimed email
/// (dropped when it is not a valid address), no usable password.
async fn create(
    auth: &Auth,
    proven: &Proven,
    email: &str,
) -> Result<Result<i64, Refusal>, AuthError> {
    let base = oidc::username_base(
        proven.preferred_username.as_deref(),
        proven.email.as_deref(),
    );
    let mut email = email.to_owned();
    for n in 0..USERNAME_TRIES {
        let username = match n {
            0 => base.clone(),
            1..=9 => format!("{base}{}", n + 1),
            _ => format!("{base}{}", rand::random::<u32>() % 1_000_000),
        };
        let new = NewUser {
            username,
            email: email.clone(),
            password: None,
            is_active: true,
            ..Default::default()
        };
        match auth.create_checked(new, false, Default::default()).await? {
            Ok(user) => {
                if !link(auth, user.id, proven).await? {
                    // Another request signed this identity up at the same time.
                    db::identities::delete_orphan(&auth.inner.db, user.id).await?;
                    return match db::identities::user_of(
                        &auth.inner.db,
                        &proven.provider,
                        &proven.subject,
                    )
                    .await?
                    {
                        Some(id) => Ok(Ok(id)),
                        None => Ok(Err(Refusal::NoUsername)),
                    };
                }
                return Ok(Ok(user.id));
            }
            Err(errors) if !errors.email.is_empty() => {
                let taken = &auth.settings().auth.messages.email_taken;
                if errors.email.contains(taken) {
                    return Ok(Err(Refusal::EmailInUse));
                }
                // Not an address Portcullis accepts: the account goes without one.
                email.clear();
            }
            Err(_) => {}
        }
    }
    Ok(Err(Refusal::NoUsername))
}

impl Auth {
    /// Connects `proven` to `user` (the connections page); a refusal when
    /// the identity belongs to another account.
    pub(crate) async fn oidc_connect(
        &self,
        user: &User,
        proven: &Proven,
    ) -> Result<Result<(), Refusal>, AuthError> {
        if link(self, user.id, proven).await? {
            Ok(Ok(()))
        } else {
            Ok(Err(Refusal::LinkedElsewhere))
        }
    }

    /// Unlinks `user`'s identities at `provider` unless it is their last
    /// way in; true when something was unlinked.
    pub(crate) async fn oidc_disconnect(
        &self,
        user: &User,
        provider: &str,
    ) -> Result<bool, AuthError> {
        let configured: Vec<String> = self
            .settings()
            .oidc
            .providers
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let n =
            db::identities::unlink_keeping_a_way_in(&self.inner.db, user.id, provider, &configured)
                .await?;
        if n > 0 {
            audit(
                AuditEvent::IdentityUnlinked,
                Some(&user.id.to_string()),
                provider,
            );
        }
        Ok(n > 0)
    }

    /// The providers `user` is connected to (provider id, email asserted).
    pub(crate) async fn oidc_identities(
        &self,
        user: &User,
    ) -> Result<Vec<(String, String)>, AuthError> {
        Ok(db::identities::of_user(&self.inner.db, user.id)
            .await?
            .into_iter()
            .map(|r| (r.provider, r.email))
            .collect())
    }
}
