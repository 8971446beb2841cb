//! Settings mean what they say: every feature a key switches on exists (the
//! mail and OpenID settings once refused are accepted now), and values that
//! would misbehave are refused with the key named.

use portcullis::Settings;

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
    // Nor password reset: it would set passwords nobody can sign in with.
    let err = Settings::from_toml_str(
        "[auth]\nsignup_enabled = false\n[oidc]\nonly_provider = \"x\"\n[[oidc.providers]]\nid = \"x\"\ndisplay_name = \"X\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("password_reset_enabled"), "{err}");
}

#[test]
fn defaults_say_what_the_software_does() {
    let s = Settings::default();
    assert!(s.auth.password_reset_enabled, "the reset pages exist");
    assert_eq!(
        s.auth.email_verification,
        portcullis::settings::EmailVerification::None
    );
    assert_eq!(s.email.backend, portcullis::settings::EmailBackend::Console);
    // The mail settings that were refused before delivery existed work now.
    for toml in [
        "[auth]\npassword_reset_enabled = true\nemail_verification = \"optional\"\n",
        "[auth]\nemail_verification = \"mandatory\"\n",
        "[email]\nbackend = \"file\"\nfile_dir = \"outbox\"\n",
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtps://smtp.example.com:465\"\n",
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtp://smtp.example.com:587?tls=required\"\n",
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtp://127.0.0.1:2525\"\n",
    ] {
        Settings::from_toml_str(toml).unwrap_or_else(|e| panic!("{toml}: {e}"));
    }
}

#[test]
fn mail_settings_that_cannot_work_are_refused() {
    invalid("[email]\nbackend = \"smtp\"\n", "email.smtp_url");
    // Reset links must not cross a network in clear text.
    invalid(
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtp://smtp.example.com:25\"\n",
        "email.smtp_url",
    );
    invalid(
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtp://smtp.example.com:587?tls=opportunistic\"\n",
        "email.smtp_url",
    );
    invalid(
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"http://smtp.example.com\"\n",
        "email.smtp_url",
    );
    invalid("[email]\nfrom = \"not an address\"\n", "email.from");
    invalid("[email]\ntimeout_secs = 0\n", "email.timeout_secs");
    invalid(
        "[email]\nbackend = \"file\"\nfile_dir = \"\"\n",
        "email.file_dir",
    );
    invalid(
        "[auth]\npassword_reset_timeout = 10\n",
        "auth.password_reset_timeout",
    );
    invalid(
        "[auth]\nverify_email_url = \"https://evil.example/\"\n",
        "auth.verify_email_url",
    );
    // The password never reaches an error message or a debug print.
    let err = Settings::from_toml_str(
        "[email]\nbackend = \"smtp\"\nsmtp_url = \"smtp://user:hunter2-secret@smtp.example.com:25\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("hunter2-secret"), "{err}");
    let s = Settings::from_toml_str(
        "[email]\nsmtp_password = \"hunter2-secret\"\nsmtp_url = \"smtps://u:hunter2-secret@smtp.example.com\"\n",
    )
    .unwrap();
    assert!(!format!("{s:?}").contains("hunter2-secret"));
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
