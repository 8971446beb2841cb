//! The common-passwords list (Django's, ~20,000 entries; see `data/README.md`).

use std::{collections::HashSet, sync::OnceLock};

static LIST: &str = include_str!("../../data/common-passwords.txt");

/// True when `password` (trimmed, lower-cased) is on the list.
pub(crate) fn is_common(password: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let set = SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    });
    set.contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn well_known_passwords_are_common() {
        assert!(super::is_common("password"));
        assert!(super::is_common("  Password123 "));
        assert!(!super::is_common("correct horse battery staple 9f2k"));
    }
}
