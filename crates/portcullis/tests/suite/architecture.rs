//! The module graph of `src/` is a ladder: a module imports only modules on
//! lower rungs (docs/ARCHITECTURE.md draws it). Read from the source text:
//! every `crate::…` path, including the names inside `use crate::{…}`.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Rungs, top first; a module may import only modules on a lower rung.
const LADDER: &[&[&str]] = &[
    &["pages", "middleware", "test_support"],
    &["app"],
    &["guard"],
    &["render"],
    &["error"],
    &["security"],
    &["session"],
    &["accounts", "mail", "oidc"],
    &["db", "password"],
    &["audit"],
    &["settings"],
];

/// Names the crate root re-exports, and the module each comes from.
const ROOT_NAMES: &[(&str, &str)] = &[
    ("Auth", "app"),
    ("AuthBackend", "app"),
    ("AuthBuilder", "app"),
    ("CsrfField", "app"),
    ("csrf_token", "app"),
    ("PasswordBackend", "app"),
    ("PasswordCredentials", "app"),
    ("AuthError", "error"),
    ("MailError", "mail"),
    ("User", "accounts"),
    ("UserSnapshot", "accounts"),
    ("user_snapshot", "accounts"),
    ("NewUser", "accounts"),
    ("FieldErrors", "accounts"),
    ("Authenticated", "guard"),
    ("OptionalUser", "guard"),
    ("require", "guard"),
    ("AuthMiddleware", "middleware"),
    ("check_oidc_providers", "oidc"),
    ("AuthAppExt", "pages"),
    ("Settings", "settings"),
];

fn rung(module: &str) -> usize {
    LADDER
        .iter()
        .position(|r| r.contains(&module))
        .unwrap_or_else(|| {
            panic!("module `{module}` is not on the ladder in tests/suite/architecture.rs")
        })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `//` comments (doc examples name the crate freely).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level names after each `crate::` in `text`.
fn crate_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at depth one of the group.
            let mut depth = 1;
            let mut token = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        names.push(std::mem::take(&mut token));
                        continue;
                    }
                    _ => {}
                }
                if depth == 1 && c != '}' {
                    token.push(c);
                }
            }
            names.push(token);
        } else {
            names.push(rest.to_owned());
        }
    }
    names
        .iter()
        .filter_map(|n| {
            let ident: String = n
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!ident.is_empty()).then_some(ident)
        })
        .collect()
}

#[test]
fn modules_import_only_downward_and_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let from = first.trim_end_matches(".rs").to_owned();
        if from == "lib" {
            continue;
        }
        rung(&from);
        for name in crate_names(&code(&fs::read_to_string(file).unwrap())) {
            let to = match ROOT_NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, module)) => (*module).to_owned(),
                None => name,
            };
            if to != from {
                edges
                    .entry(from.clone())
                    .or_default()
                    .insert((to, rel.display().to_string()));
            }
        }
    }
    let mut upward = Vec::new();
    for (from, tos) in &edges {
        for (to, file) in tos {
            if rung(to) <= rung(from) {
                upward.push(format!("{from} -> {to} (in src/{file})"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that do not go down the ladder:\n{}",
        upward.join("\n")
    );
    // The ladder is strict, so no cycle can remain; check the graph is seen at all.
    assert!(edges["app"].iter().any(|(to, _)| to == "accounts"));
    assert!(edges["pages"].iter().any(|(to, _)| to == "app"));
}

#[test]
fn the_reader_sees_grouped_and_root_imports() {
    let names =
        crate_names("use crate::{accounts::{self, User}, db, Auth};\nlet x = crate::render::html;");
    assert_eq!(names, ["accounts", "db", "Auth", "render"]);
}
