//! The mail thread: one current-thread runtime owning the transport, so
//! SMTP connections live in one place whichever server worker asked.

use std::{io::Write as _, time::Duration};

use lettre::{
    message::Mailbox, transport::smtp::authentication::Credentials, AsyncFileTransport,
    AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor,
};
use tokio::sync::mpsc;

use super::{Job, MailError, OutgoingMail};
use crate::settings::{EmailBackend, EmailSettings};

/// Owns the thread; dropping the last sender ends its loop.
pub(super) struct Handle {
    _thread: std::thread::JoinHandle<()>,
}

enum Transport {
    Console,
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub(super) fn spawn(
    settings: EmailSettings,
    mut rx: mpsc::Receiver<Job>,
) -> Result<Handle, MailError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| MailError::Setup(format!("email.from: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| MailError::Setup(e.to_string()))?;
    let timeout = Duration::from_secs(settings.timeout_secs);
    // The thread logs where the code that started it logs (an app's or a
    // test's subscriber), not only to the global default.
    let dispatch = tracing::dispatcher::get_default(|d| d.clone());
    // The transport is built on the thread, inside its runtime (the SMTP
    // pool starts its upkeep task there); the caller learns whether it could.
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("portcullis-mail".into())
        .spawn(move || {
            let _logs = tracing::dispatcher::set_default(&dispatch);
            runtime.block_on(async move {
                let transport = match transport(&settings) {
                    Ok(t) => {
                        let _ = ready_tx.send(Ok(()));
                        std::sync::Arc::new(t)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Some(job) = rx.recv().await {
                    let transport = std::sync::Arc::clone(&transport);
                    let from = from.clone();
                    // Each mail on its own task: one slow server answer does
                    // not hold the mails queued behind it.
                    tokio::spawn(async move {
                        let result = deliver(&transport, &from, &job.mail, timeout).await;
                        match (job.reply, &result) {
                            // Whoever waits reports the outcome.
                            (Some(reply), _) => {
                                let _ = reply.send(result);
                            }
                            (None, Ok(())) => tracing::info!(mail = job.mail.kind, "mail sent"),
                            (None, Err(e)) => {
                                tracing::error!(mail = job.mail.kind, error = %e, "mail not sent")
                            }
                        }
                    });
                }
            });
        })
        .map_err(|e| MailError::Setup(e.to_string()))?;
    ready_rx
        .recv()
        .map_err(|_| MailError::Setup("the mail thread stopped while starting".into()))??;
    Ok(Handle { _thread: thread })
}

fn transport(settings: &EmailSettings) -> Result<Transport, MailError> {
    Ok(match settings.backend {
        EmailBackend::Console => Transport::Console,
        EmailBackend::File => {
            std::fs::create_dir_all(&settings.file_dir).map_err(|e| {
                MailError::Setup(format!("email.file_dir {:?}: {e}", settings.file_dir))
            })?;
            Transport::File(AsyncFileTransport::new(&settings.file_dir))
        }
        EmailBackend::Smtp => {
            let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
                .map_err(|e| MailError::Setup(format!("email.smtp_url: {e}")))?
                .timeout(Some(Duration::from_secs(settings.timeout_secs)));
            if !settings.smtp_username.is_empty() {
                builder = builder.credentials(Credentials::new(
                    settings.smtp_username.clone(),
                    settings.smtp_password.clone(),
                ));
            }
            Transport::Smtp(builder.build())
        }
    })
}

async fn deliver(
    transport: &Transport,
    from: &Mailbox,
    mail: &OutgoingMail,
    timeout: Duration,
) -> Result<(), MailError> {
    let message = mail.message(from)?;
    let sending = async {
        match transport {
            Transport::Console => {
                print_to_console(from, mail);
                Ok(())
            }
            Transport::File(t) => t
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Send(e.to_string())),
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Send(e.to_string())),
        }
    };
    tokio::time::timeout(timeout, sending)
        .await
        .map_err(|_| MailError::Timeout(timeout.as_secs()))?
}

/// The console backend: the mail as a reader wants it (the text part
/// unencoded, so its links can be clicked), on standard output like
/// Django's console backend, not through the log.
fn print_to_console(from: &Mailbox, mail: &OutgoingMail) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "---------- mail ----------\nFrom: {from}\nTo: {}\nSubject: {}\n\n{}\n--------------------------",
        mail.to, mail.subject, mail.text
    );
    let _ = out.flush();
}
