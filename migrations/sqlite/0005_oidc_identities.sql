-- OpenID Connect identities: which local user a provider's subject is.
-- A sign-in is matched on (provider, subject) only, never on an email or a
-- name (the nOAuth trap). `issuer` records whose subject it is; `email` is
-- the address the provider last asserted, for the connections page.

CREATE TABLE portcullis_oidc_identities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES portcullis_users(id) ON DELETE CASCADE,
    provider    TEXT    NOT NULL,
    issuer      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    email       TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    last_login  BIGINT  NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX portcullis_oidc_identities_user_id ON portcullis_oidc_identities (user_id);
