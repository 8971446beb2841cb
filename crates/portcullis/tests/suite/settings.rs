//! Settings: the example file, env overrides, start-up errors naming the key.

use portcullis::{settings::LoginField, Settings};

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

/// Tests that set `PORTCULLIS__…` variables hold this, so that they cannot
/// see each other's variables when run as threads of one process (`cargo
/// test`; nextest runs each test in a process of its own).
static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Loads `toml` from a file with `vars` set in the environment.
fn load_with_env(toml: &str, vars: &[(&str, &str)]) -> Result<Settings, String> {
    let _env = ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, toml).unwrap();
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let loaded = Settings::load(&path).map_err(|e| e.to_string());
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    loaded
}

#[test]
fn env_overrides_win_over_the_file_for_numbers_booleans_and_lists() {
    let file = "\
[auth]
login_url = \"/sign-in\"
password_min_length = 14
signup_enabled = false
login_fields = [\"username\"]
[database]
url = \"sqlite://from-file.db?mode=rwc\"
max_connections = 3
[security]
csrf_trusted_origins = [\"https://file.example\"]
";
    let s = load_with_env(
        file,
        &[
            ("PORTCULLIS__DATABASE__URL", "sqlite://from-env.db?mode=rwc"),
            ("PORTCULLIS__AUTH__PASSWORD_MIN_LENGTH", "16"),
            ("PORTCULLIS__DATABASE__MAX_CONNECTIONS", "7"),
            ("PORTCULLIS__AUTH__SIGNUP_ENABLED", "true"),
            (
                "PORTCULLIS__AUTH__LOGIN_FIELDS",
                "[\"email\", \"username\"]",
            ),
            (
                "PORTCULLIS__SECURITY__CSRF_TRUSTED_ORIGINS",
                "[\"https://env.example\", \"https://other.example\"]",
            ),
        ],
    )
    .unwrap();
    assert_eq!(s.database.url, "sqlite://from-env.db?mode=rwc");
    assert_eq!(s.auth.password_min_length, 16);
    assert_eq!(s.database.max_connections, 7);
    assert!(s.auth.signup_enabled);
    assert_eq!(
        s.auth.login_fields,
        [LoginField::Email, LoginField::Username]
    );
    assert_eq!(
        s.security.csrf_trusted_origins,
        ["https://env.example", "https://other.example"]
    );
    // What the environment leaves alone comes from the file.
    assert_eq!(s.auth.login_url, "/sign-in");
    // And the file wins over the defaults for everything it sets.
    let s = load_with_env(file, &[]).unwrap();
    assert_eq!(
        (
            s.auth.password_min_length,
            s.database.max_connections,
            s.auth.signup_enabled
        ),
        (14, 3, false)
    );
    assert_eq!(s.auth.login_fields, [LoginField::Username]);
    assert_eq!(s.security.csrf_trusted_origins, ["https://file.example"]);
}

#[test]
fn an_env_override_is_validated_like_the_file() {
    let err = load_with_env(
        "[auth]\npassword_min_length = 14\n",
        &[("PORTCULLIS__AUTH__PASSWORD_MIN_LENGTH", "4")],
    )
    .unwrap_err();
    assert!(err.contains("auth.password_min_length"), "{err}");
    let err = load_with_env("", &[("PORTCULLIS__AUTH__SIGNUP_ENABLED", "maybe")]).unwrap_err();
    assert!(err.contains("signup_enabled"), "{err}");
}

#[test]
fn an_unknown_env_override_is_named() {
    let err = load_with_env("", &[("PORTCULLIS__AUTH__NO_SUCH_THING", "1")]).unwrap_err();
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
    for (toml, key) in [
        (
            "[auth.branding]\nhome_url = \"javascript:alert(1)\"",
            "auth.branding.home_url",
        ),
        ("[auth.branding]\nhome_url = \"\"", "auth.branding.home_url"),
        (
            "[auth.branding]\nbrand_icon_src = \"data:image/svg+xml,x\"",
            "auth.branding.brand_icon_src",
        ),
        (
            "[auth.branding]\nextra_stylesheet = \"https://cdn.example/x.css\"",
            "auth.branding.extra_stylesheet",
        ),
        (
            "[auth.messages]\nlang = \"en\\\" onload=\\\"x\"",
            "auth.messages.lang",
        ),
    ] {
        let err = Settings::from_toml_str(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
    let err = Settings::from_toml_str("[security]\nhash_thread_nice = 25\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("security.hash_thread_nice"), "{err}");
}
