-- Portcullis core schema (SQLite). Timestamps are UTC epoch seconds.
-- username_canonical / email_canonical hold NFKC + lower-case forms so the
-- database itself enforces case-insensitive uniqueness.

CREATE TABLE portcullis_users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT    NOT NULL,
    username_canonical  TEXT    NOT NULL UNIQUE,
    email               TEXT    NOT NULL DEFAULT '',
    email_canonical     TEXT    NULL UNIQUE,
    password_hash       TEXT    NOT NULL DEFAULT '',
    credential_version  BIGINT  NOT NULL DEFAULT 1,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff            BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser        BOOLEAN NOT NULL DEFAULT FALSE,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT  NOT NULL,
    last_login          BIGINT  NULL
);

CREATE TABLE portcullis_groups (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    name  TEXT NOT NULL UNIQUE
);

CREATE TABLE portcullis_permissions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    codename  TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE portcullis_user_groups (
    user_id   BIGINT NOT NULL REFERENCES portcullis_users(id) ON DELETE CASCADE,
    group_id  BIGINT NOT NULL REFERENCES portcullis_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE portcullis_user_permissions (
    user_id        BIGINT NOT NULL REFERENCES portcullis_users(id) ON DELETE CASCADE,
    permission_id  BIGINT NOT NULL REFERENCES portcullis_permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, permission_id)
);

CREATE TABLE portcullis_group_permissions (
    group_id       BIGINT NOT NULL REFERENCES portcullis_groups(id) ON DELETE CASCADE,
    permission_id  BIGINT NOT NULL REFERENCES portcullis_permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, permission_id)
);

-- key_hash is SHA-256 of the cookie's session key: a stolen table yields no usable cookie.
CREATE TABLE portcullis_sessions (
    key_hash    TEXT   PRIMARY KEY,
    user_id     BIGINT NULL REFERENCES portcullis_users(id) ON DELETE CASCADE,
    data        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX portcullis_sessions_expires_at ON portcullis_sessions (expires_at);
CREATE INDEX portcullis_sessions_user_id ON portcullis_sessions (user_id);
CREATE INDEX portcullis_user_groups_group_id ON portcullis_user_groups (group_id);
CREATE INDEX portcullis_group_permissions_permission_id ON portcullis_group_permissions (permission_id);

-- Generated secrets (the session cookie key) shared by every replica.
CREATE TABLE portcullis_secrets (
    name        TEXT   PRIMARY KEY,
    value       TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
