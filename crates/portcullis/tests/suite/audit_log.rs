//! What the audit log records, and what it must never record.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use crate::support::{app, setup, user, Backend, Browser, PASSWORD};

/// Every line logged on this thread while the guard lives.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// People type passwords into the login box: a failed login logs that it
/// failed (and the known user's id), never the typed value.
async fn a_failed_login_never_logs_the_typed_value(b: Backend) {
    let ctx = setup(&b).await;
    let known = user(&ctx, "ida").await;
    let app = app(&ctx.auth).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
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
