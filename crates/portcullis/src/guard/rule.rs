//! What a guard requires, as data.

use crate::accounts::User;

/// The right a guard checks (Django's `user_passes_test` predicates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Signed in (and active).
    Login,
    /// Every one of these permissions.
    Permissions(&'static [&'static str]),
    /// Membership of any one of these groups.
    Groups(&'static [&'static str]),
    /// The staff flag.
    Staff,
    /// The superuser flag.
    Superuser,
}

/// A guard's rule and options as a type, so an extractor can carry it.
/// The attribute macros generate these; write one by hand for custom extractors.
///
/// ```
/// use portcullis::guard::{Require, Requirement, Rule};
/// struct CanPublish;
/// impl Requirement for CanPublish {
///     const RULE: Rule = Rule::Permissions(&["blog.publish"]);
/// }
/// async fn publish(_: Require<CanPublish>) -> &'static str { "published" }
/// ```
pub trait Requirement: 'static {
    /// The rule checked.
    const RULE: Rule;
    /// Answer 403 even to anonymous browsers instead of redirecting (Django's `raise_exception`).
    const RAISE_EXCEPTION: bool = false;
    /// A hook replacing the denial response.
    fn on_denied() -> Option<super::DenyHook> {
        None
    }
}

/// What a user is missing for a rule: `None` when it passes, else a description.
pub(crate) fn missing(kind: Kind, names: &[&str], user: &User) -> Option<String> {
    if !user.is_active {
        return Some("active account".into());
    }
    match kind {
        Kind::Login => None,
        Kind::Staff => (!user.is_staff).then(|| "staff".into()),
        Kind::Superuser => (!user.is_superuser).then(|| "superuser".into()),
        Kind::Permissions => names
            .iter()
            .find(|p| !user.has_perm(p))
            .map(|p| (*p).to_owned()),
        Kind::Groups => (!names.iter().any(|g| user.in_group(g)))
            .then(|| format!("group {}", names.join(" or "))),
    }
}

/// A rule without its data, shared by static and scope guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    Permissions,
    Groups,
    Staff,
    Superuser,
}

impl Rule {
    pub(crate) fn parts(&self) -> (Kind, &'static [&'static str]) {
        match *self {
            Rule::Login => (Kind::Login, &[]),
            Rule::Permissions(p) => (Kind::Permissions, p),
            Rule::Groups(g) => (Kind::Groups, g),
            Rule::Staff => (Kind::Staff, &[]),
            Rule::Superuser => (Kind::Superuser, &[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superuser_passes_everything_inactive_nothing() {
        let mut u = User::for_tests("root");
        u.is_superuser = true;
        assert_eq!(missing(Kind::Permissions, &["a.b", "c.d"], &u), None);
        assert_eq!(
            missing(Kind::Groups, &["Editors"], &u),
            Some("group Editors".into())
        );
        u.is_active = false;
        assert!(missing(Kind::Login, &[], &u).is_some());
        assert!(missing(Kind::Permissions, &["a.b"], &u).is_some());
    }

    #[test]
    fn all_permissions_any_group() {
        let mut u = User::for_tests("ed");
        u.permissions.insert("a.b".into());
        u.groups.push("Writers".into());
        assert_eq!(
            missing(Kind::Permissions, &["a.b", "c.d"], &u),
            Some("c.d".into())
        );
        assert_eq!(missing(Kind::Groups, &["Editors", "Writers"], &u), None);
        assert_eq!(missing(Kind::Staff, &[], &u), Some("staff".into()));
    }
}
