//! Settings that would switch on a missing feature are refused at start-up,
//! and values that would misbehave are refused with the key named.

use portcullis::Settings;

/// One line, naming the key and saying the feature is not there yet.
fn refused(toml: &str, key: &str) {
    let err = Settings::from_toml_str(toml)
        .expect_err(&format!("accepted: {toml}"))
        .to_string();
    assert!(err.contains(key), "{toml}: {err}");
    assert!(err.contains("not available yet"), "{toml}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn settings_for_missing_features_stop_start_up() {
    refused(
        "[auth]\npassword_reset_enabled = true\n",
        "auth.password_reset_enabled",
    );
    refused(
        "[auth]\nemail_verification = \"optional\"\n",
        "auth.email_verification",
    );
    refused(
        "[auth]\nemail_verification = \"mandatory\"\n",
        "auth.email_verification",
    );
    refused("[email]\nbackend = \"smtp\"\n", "email.backend");
    refused("[email]\nbackend = \"file\"\n", "email.backend");
}

#[test]
fn openid_settings_are_accepted_now_that_sign_in_exists() {
    let s = Settings::from_toml_str(
        "[oidc]\nlogin_on_get = true\n[[oidc.providers]]\nid = \"x\"\ndisplay_name = \"X\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\n",
    )
    .unwrap();
    assert!(s.oidc.login_on_get);
    assert_eq!(s.oidc.providers[0].resolved_client_secret(), None);
    // A secret named by an unset variable stops start-up, naming the key.
    let err = Settings::from_toml_str(
        "[[oidc.providers]]\nid = \"x\"\ndisplay_name = \"X\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\nclient_secret_env = \"PORTCULLIS_TEST_NO_SUCH_SECRET_VAR\"\n",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("oidc.providers.client_secret_env"),
        "{err}"
    );
    // The only provider must exist, and password signup must be off.
    let err = Settings::from_toml_str("[oidc]\nonly_provider = \"nope\"\n").unwrap_err();
    assert!(err.to_string().contains("oidc.only_provider"), "{err}");
    let err = Settings::from_toml_str(
        "[oidc]\nonly_provider = \"x\"\n[[oidc.providers]]\nid = \"x\"\ndisplay_name = \"X\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("signup_enabled"), "{err}");
}

#[test]
fn defaults_say_what_the_software_does() {
    let s = Settings::default();
    assert!(!s.auth.password_reset_enabled);
    assert_eq!(
        s.auth.email_verification,
        portcullis::settings::EmailVerification::None
    );
    // Keys that only configure a missing feature stay accepted.
    Settings::from_toml_str(
        "[auth]\npassword_reset_url = \"/reset\"\n[email]\nfrom = \"A <a@example.com>\"\nsmtp_url = \"smtp://localhost\"\n",
    )
    .unwrap();
}

fn invalid(toml: &str, key: &str) {
    let err = Settings::from_toml_str(toml)
        .expect_err(&format!("accepted: {toml}"))
        .to_string();
    assert!(err.contains(key), "{toml}: {err}");
}

#[test]
fn lifetimes_have_an_upper_bound() {
    invalid(
        "[session]\nmax_age = 9223372036854775807\n",
        "session.max_age",
    );
    invalid("[session]\nmax_age = 34560001\n", "session.max_age");
    invalid(
        "[session]\nidle_timeout = 9223372036854775807\n",
        "session.idle_timeout",
    );
    Settings::from_toml_str("[session]\nmax_age = 34560000\nidle_timeout = 34560000\n").unwrap();
}

#[test]
fn a_name_starting_with_127_is_not_loopback() {
    invalid(
        "[auth]\nsite_origin = \"http://127.evil.com\"\n[session]\nsecure = \"never\"\n",
        "session.secure",
    );
    Settings::from_toml_str(
        "[auth]\nsite_origin = \"http://127.0.0.2:8000\"\n[session]\nsecure = \"never\"\n",
    )
    .unwrap();
}

#[test]
fn portcullis_own_session_keys_cannot_survive_logout() {
    for key in [
        "_auth_user_id",
        "_auth_credential",
        "_auth_anything",
        "_csrf",
    ] {
        invalid(
            &format!("[auth]\nlogout_preserve_session_keys = [\"{key}\"]\n"),
            "auth.logout_preserve_session_keys",
        );
    }
    Settings::from_toml_str("[auth]\nlogout_preserve_session_keys = [\"theme\", \"_lang\"]\n")
        .unwrap();
}
