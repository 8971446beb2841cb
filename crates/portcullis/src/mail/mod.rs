//! Sending mail: a [`Mailer`] the pages hand finished messages to, never
//! lettre directly. The transport (console, `.eml` files or pooled async
//! SMTP, from `[email]`) runs on a thread of its own with its own runtime,
//! so a slow or unreachable server never holds a request or a server
//! worker: pages queue a mail and answer at once, and a failure is logged.

mod error;
mod outgoing;
mod worker;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

pub use error::MailError;
pub(crate) use outgoing::OutgoingMail;

use crate::settings::EmailSettings;

/// Mails waiting for the transport; beyond this a new one is dropped and
/// logged rather than grow memory without bound during an outage.
const QUEUE: usize = 1024;

/// One mail for the worker, with where to report the outcome (if anyone waits).
struct Job {
    mail: OutgoingMail,
    reply: Option<oneshot::Sender<Result<(), MailError>>>,
}

/// The handle to the mail thread; cheap to clone. The thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub(crate) struct Mailer {
    tx: mpsc::Sender<Job>,
    _worker: Arc<worker::Handle>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// Starts the mail thread for `settings` (validated at start-up).
    ///
    /// # Errors
    /// [`MailError::Setup`] when the thread or the transport cannot start.
    pub(crate) fn start(settings: &EmailSettings) -> Result<Mailer, MailError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let handle = worker::spawn(settings.clone(), rx)?;
        Ok(Mailer {
            tx,
            _worker: Arc::new(handle),
        })
    }

    /// Queues `mail` and returns at once; a failure to send is logged
    /// (without the message body, which may carry a link).
    pub(crate) fn send_in_background(&self, mail: OutgoingMail) {
        let kind = mail.kind;
        if let Err(e) = self.tx.try_send(Job { mail, reply: None }) {
            tracing::error!(mail = kind, error = %e, "mail dropped: the mail queue is full or closed");
        }
    }

    /// Sends `mail` and waits for the transport's answer (the CLI's
    /// `sendtestemail`).
    ///
    /// # Errors
    /// [`MailError`] saying why the mail was not sent.
    pub(crate) async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job {
                mail,
                reply: Some(reply),
            })
            .await
            .map_err(|_| MailError::Closed)?;
        answer.await.map_err(|_| MailError::Closed)?
    }
}
