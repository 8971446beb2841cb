//! Settings: the example file, env overrides, start-up errors naming the key.

use portcullis::Settings;

const EXAMPLE: &str = include_str!("../../../../settings.example.toml");

fn keys(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
    if let toml::Value::Table(t) = value {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if v.is_table() {
                keys(&path, v, out);
            } else {
                out.push(path);
            }
        }
    }
}

#[test]
fn the_example_file_is_valid_and_documents_every_key_with_its_default() {
    let example = Settings::from_toml_str(EXAMPLE).expect("settings.example.toml is valid");
    let defaults = toml::Value::try_from(Settings::default()).unwrap();
    let mut all = Vec::new();
    keys("", &defaults, &mut all);
    let parsed: toml::Value = toml::from_str(EXAMPLE).unwrap();
    let mut documented = Vec::new();
    keys("", &parsed, &mut documented);
    let missing: Vec<_> = all.iter().filter(|k| !documented.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "settings.example.toml lacks {missing:?}"
    );
    // Every documented value is the default, so the file doubles as the reference.
    assert_eq!(
        toml::Value::try_from(&example).unwrap(),
        defaults,
        "settings.example.toml values differ from the defaults"
    );
}

#[test]
fn a_file_with_env_overrides_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "[auth]\nlogin_url = \"/sign-in\"\n").unwrap();
    // nextest runs each test in its own process, so the variable stays local.
    std::env::set_var("PORTCULLIS__DATABASE__URL", "sqlite://from-env.db?mode=rwc");
    let s = Settings::load(&path).unwrap();
    std::env::remove_var("PORTCULLIS__DATABASE__URL");
    assert_eq!(s.auth.login_url, "/sign-in");
    assert_eq!(s.database.url, "sqlite://from-env.db?mode=rwc");
}

#[test]
fn an_unknown_env_override_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "").unwrap();
    std::env::set_var("PORTCULLIS__AUTH__NO_SUCH_THING", "1");
    let err = Settings::load(&path).unwrap_err().to_string();
    std::env::remove_var("PORTCULLIS__AUTH__NO_SUCH_THING");
    assert!(err.contains("no_such_thing"), "{err}");
}

#[test]
fn a_missing_file_or_bad_value_stops_start_up_naming_it() {
    let err = Settings::load("/nonexistent/settings.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/settings.toml"), "{err}");
    let err = Settings::from_toml_str("[database]\nurl = \"mysql://x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("database.url"), "{err}");
    let err = Settings::from_toml_str("[session]\nsame_site = \"none\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("same_site"), "{err}");
    let err = Settings::from_toml_str("[auth.branding]\nprimary_color = \"red;}\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("auth.branding.primary_color"), "{err}");
    let err = Settings::from_toml_str("[security]\nhash_thread_nice = 25\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("security.hash_thread_nice"), "{err}");
}
