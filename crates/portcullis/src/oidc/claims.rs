//! Reading claims: the groups claim at a dotted path, and a username made
//! from what the provider says.

use serde_json::{Map, Value};

/// Longest group name taken from a claim.
const MAX_GROUP_CHARS: usize = 150;

/// The strings at `path` (`groups`, `realm_access.roles`): an array of
/// strings, or one string. `None` when the claim is absent (no sync then);
/// values that are not strings, empty or over-long are skipped.
pub(crate) fn groups_at(claims: &Map<String, Value>, path: &str) -> Option<Vec<String>> {
    let mut parts = path.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    let names = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => return None,
    };
    let mut out: Vec<String> = names
        .into_iter()
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= MAX_GROUP_CHARS && !n.contains('\0'))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// A username to start from: the `preferred_username`, else the email's
/// local part, else `user`, reduced to letters, digits, `.`, `-`, `_` (the
/// rules a username must meet) and at most 30 characters.
pub(crate) fn username_base(preferred: Option<&str>, email: Option<&str>) -> String {
    let source = preferred
        .filter(|p| !p.trim().is_empty())
        .or_else(|| email.and_then(|e| e.split('@').next()))
        .unwrap_or("user");
    let cleaned: String = source
        .trim()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(30)
        .collect();
    if cleaned.is_empty() {
        "user".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn groups_are_read_at_a_dotted_path() {
        let claims =
            json!({"groups": ["b", "a", "a", 3, ""], "realm_access": {"roles": ["r"]}, "one": "x"});
        let m = claims.as_object().unwrap();
        assert_eq!(groups_at(m, "groups"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(groups_at(m, "realm_access.roles"), Some(vec!["r".into()]));
        assert_eq!(groups_at(m, "one"), Some(vec!["x".into()]));
        assert_eq!(groups_at(m, "missing"), None);
        assert_eq!(groups_at(m, "realm_access.missing"), None);
    }

    #[test]
    fn usernames_are_made_safe() {
        assert_eq!(username_base(Some("Ann Lee"), None), "AnnLee");
        assert_eq!(username_base(None, Some("bob+x@ex.com")), "bobx");
        assert_eq!(username_base(Some("@@"), None), "user");
        assert_eq!(username_base(None, None), "user");
        assert_eq!(username_base(Some(&"a".repeat(99)), None).len(), 30);
    }
}
