//! `portcullis sessions …`

use anyhow::Result;
use portcullis::Auth;

/// Deletes expired sessions, then rate-limit windows that no longer count
/// (both tables the in-process purge keeps bounded, for apps that turn it
/// off and run this from cron); one line.
pub async fn clear_expired(auth: &Auth) -> Result<String> {
    let n = auth.clear_expired_sessions().await?;
    let noun = if n == 1 { "session" } else { "sessions" };
    let w = auth.clear_expired_rate_limits().await?;
    let windows = if w == 1 { "window" } else { "windows" };
    Ok(format!(
        "removed {n} expired {noun} and {w} expired rate-limit {windows}"
    ))
}
