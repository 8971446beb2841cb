//! The signed-in user as guards and handlers see it: live flags, groups and permissions.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::db::{access::Access, users::UserRow};

/// A user with their groups and effective permissions, loaded from the
/// database for the current request (never from a client-side snapshot).
///
/// ```
/// use portcullis::User;
/// // In a handler a guard or extractor hands you the User; a unit test
/// // builds one with `for_tests` (feature `test-support`).
/// let mut u = User::for_tests("alice");
/// u.groups.push("Editors".into());
/// u.permissions.insert("blog.publish".into());
/// assert!(u.has_perm("blog.publish"));
/// assert!(!u.has_perm("blog.delete"));
/// assert!(u.in_group("Editors"));
/// u.is_active = false;
/// assert!(!u.has_perm("blog.publish"), "inactive users have no permission");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Primary key.
    pub id: i64,
    /// Username as typed at signup.
    pub username: String,
    /// Email address, empty when none.
    pub email: String,
    /// Inactive users are treated as signed out.
    pub is_active: bool,
    /// May enter staff-only areas.
    pub is_staff: bool,
    /// Has every permission.
    pub is_superuser: bool,
    /// Email confirmed.
    pub email_verified: bool,
    /// Group names.
    pub groups: Vec<String>,
    /// Effective permission codenames (direct and through groups).
    pub permissions: BTreeSet<String>,
    /// Epoch seconds of creation.
    pub created_at: i64,
    /// Epoch seconds of the last login.
    pub last_login: Option<i64>,
    #[serde(skip)]
    pub(crate) credential_version: i64,
}

impl User {
    /// `row` with the names read for it (see `db/access.rs`).
    pub(crate) fn from_access(row: UserRow, access: &Access) -> User {
        User {
            id: row.id,
            username: row.username,
            email: row.email,
            is_active: row.is_active,
            is_staff: row.is_staff,
            is_superuser: row.is_superuser,
            email_verified: row.email_verified,
            groups: access.groups.clone(),
            permissions: access.permissions.clone(),
            created_at: row.created_at,
            last_login: row.last_login,
            credential_version: row.credential_version,
        }
    }

    /// A detached active user for unit tests (id 0, no groups or
    /// permissions; feature `test-support`).
    #[cfg(any(test, feature = "test-support"))]
    pub fn for_tests(username: &str) -> User {
        User {
            id: 0,
            username: username.into(),
            email: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            email_verified: false,
            groups: Vec::new(),
            permissions: BTreeSet::new(),
            created_at: 0,
            last_login: None,
            credential_version: 1,
        }
    }

    /// Django's `has_perm`: active superusers have every permission, inactive users none.
    pub fn has_perm(&self, codename: &str) -> bool {
        self.is_active && (self.is_superuser || self.permissions.contains(codename))
    }

    /// True when every one of `codenames` is held.
    pub fn has_perms<S: AsRef<str>>(&self, codenames: &[S]) -> bool {
        codenames.iter().all(|c| self.has_perm(c.as_ref()))
    }

    /// True when the active user belongs to group `name` (exact, case-sensitive, as Django).
    pub fn in_group(&self, name: &str) -> bool {
        self.is_active && self.groups.iter().any(|g| g == name)
    }

    /// The credential version the session was bound to (changes with the password).
    pub fn credential_version(&self) -> i64 {
        self.credential_version
    }
}

/// What may be shown to the browser about the user: display only, never for
/// authorization (decisions are made on the server from live data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSnapshot {
    /// Primary key.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
    /// Group names, when `auth.user_snapshot_include_groups` is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// A display snapshot of `user`.
///
/// ```
/// use portcullis::{user_snapshot, User};
/// let snap = user_snapshot(&User::for_tests("alice"), false);
/// assert_eq!(snap.username, "alice");
/// assert!(snap.groups.is_none());
/// ```
pub fn user_snapshot(user: &User, include_groups: bool) -> UserSnapshot {
    UserSnapshot {
        id: user.id,
        username: user.username.clone(),
        email: user.email.clone(),
        is_staff: user.is_staff,
        is_superuser: user.is_superuser,
        groups: include_groups.then(|| user.groups.clone()),
    }
}
