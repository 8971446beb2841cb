//! What the audit log records, and what it must never record.

use crate::support::{app, setup, user, Backend, Browser, Captured, PASSWORD};

/// People type passwords into the login box: a failed login logs that it
/// failed (and the known user's id), never the typed value.
async fn a_failed_login_never_logs_the_typed_value(b: Backend) {
    let ctx = setup(&b).await;
    let known = user(&ctx, "ida").await;
    let app = app(&ctx.auth).await;
    let (captured, _guard) = Captured::start();
    let mut br = Browser::new();
    let typed = "Tr0ub4dor-typed-into-the-wrong-box";
    br.login(&app, typed, "x").await;
    br.login(&app, "ida", "wrong-password-typed-here").await;
    let log = captured.text();
    assert!(log.contains("LoginFailed"), "no audit event logged: {log}");
    assert!(!log.contains(typed), "typed login value logged: {log}");
    assert!(
        !log.contains("wrong-password-typed-here"),
        "password logged: {log}"
    );
    assert!(
        log.contains(&format!("user=\"{}\"", known.id))
            || log.contains(&format!("user={}", known.id)),
        "the known user's id is not logged: {log}"
    );
    // Successful logins log the id too, and still no password.
    br.login(&app, "ida", PASSWORD).await;
    assert!(!captured.text().contains(PASSWORD));
}

crate::on_both_backends!(a_failed_login_never_logs_the_typed_value);
