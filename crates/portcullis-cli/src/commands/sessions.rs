//! `portcullis sessions …`

use anyhow::Result;
use portcullis::Auth;

pub async fn clear_expired(auth: &Auth) -> Result<String> {
    let n = auth.clear_expired_sessions().await?;
    let noun = if n == 1 { "session" } else { "sessions" };
    Ok(format!("removed {n} expired {noun}"))
}
