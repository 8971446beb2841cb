//! `portcullis sendtestemail`.

use anyhow::{Context as _, Result};
use portcullis::Auth;

/// Sends one test mail to each address and waits for each answer.
pub async fn send_test(auth: &Auth, addresses: &[String]) -> Result<String> {
    for address in addresses {
        auth.send_test_email(address)
            .await
            .with_context(|| format!("test mail to {address:?} not sent"))?;
    }
    Ok(format!(
        "sent a test mail to {} through the {} backend",
        addresses.join(", "),
        format!("{:?}", auth.settings().email.backend).to_lowercase()
    ))
}
