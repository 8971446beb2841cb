//! Loads beside the page and the logins: a flood of attempts at an account
//! whose failed-login limit has tripped, and a burst of sign-ups.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use anyhow::bail;

use crate::{
    http::{hidden_field, Conn, Jar},
    load::{next_client_addr, Exchange, Login},
    stats::Stats,
};

/// Wrong-password POSTs at one account, each from an address of its own,
/// as an attacker spreading over a botnet does: the form is fetched once a
/// connection and its token reused (tokens are per visitor, not per form).
#[derive(Clone)]
pub struct LockedAttempts {
    pub login: Login,
}

/// A connection with the form's cookies and token, once fetched.
pub struct FormConn {
    conn: Conn,
    form: Option<(String, Arc<str>)>,
}

impl LockedAttempts {
    /// Fails logins at `login`'s account until its limit refuses them (429).
    pub async fn trip(&self) -> anyhow::Result<()> {
        let mut conn = Conn::open(self.login.addr).await?;
        for _ in 0..50 {
            let (status, ..) = self.login.once(&mut conn).await?;
            if status == 429 {
                return Ok(());
            }
        }
        bail!(
            "50 failed logins at {} never tripped its limit",
            self.login.username
        )
    }

    async fn form(&self, conn: &mut Conn) -> anyhow::Result<(String, Arc<str>)> {
        let page = conn.get(&self.login.path, "").await?;
        let mut jar = Jar::default();
        jar.absorb(&page);
        let token = hidden_field(&page.body, &["csrf_token"])?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &token)
            .append_pair("login", &self.login.username)
            .append_pair("password", &self.login.password)
            .finish();
        Ok((jar.header(), body.into()))
    }
}

impl Exchange for LockedAttempts {
    type Conn = FormConn;

    async fn open(addr: SocketAddr) -> anyhow::Result<FormConn> {
        Ok(FormConn {
            conn: Conn::open(addr).await?,
            form: None,
        })
    }

    async fn exchange(&self, c: &mut FormConn, stats: &mut Stats) -> bool {
        if c.form.is_none() {
            match self.form(&mut c.conn).await {
                Ok(f) => c.form = Some(f),
                Err(_) => {
                    stats.errors += 1;
                    return false;
                }
            }
        }
        let Some((cookie, body)) = &c.form else {
            return false;
        };
        let t0 = Instant::now();
        let reply = c
            .conn
            .post_from(
                &self.login.path,
                cookie,
                body.to_string(),
                &next_client_addr(),
            )
            .await;
        match reply {
            Ok(r) => {
                stats.record(r.status.as_u16(), t0.elapsed());
                true
            }
            Err(_) => {
                stats.errors += 1;
                false
            }
        }
    }
}

/// The outcome of [`signup_burst`].
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Burst {
    pub sent: usize,
    pub created: usize,
    pub shed: usize,
    pub secs: f64,
}

/// `n` people open the signup page and submit it at the same moment, each
/// from an address of its own: how many get an account, and how long until
/// the last answer.
pub async fn signup_burst(addr: SocketAddr, path: &str, n: usize, tag: &str) -> Burst {
    // Everyone has the form first, as people who all press the button at once.
    let mut ready = Vec::with_capacity(n);
    for i in 0..n {
        let Ok(mut conn) = Conn::open(addr).await else {
            continue;
        };
        let Ok(page) = conn.get(path, "").await else {
            continue;
        };
        let mut jar = Jar::default();
        jar.absorb(&page);
        let Ok(token) = hidden_field(&page.body, &["csrf_token"]) else {
            continue;
        };
        let name = format!("{tag}{i}");
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &token)
            .append_pair("username", &name)
            .append_pair("email", &format!("{name}@example.com"))
            .append_pair("password1", "violet-harbour-42-kites")
            .append_pair("password2", "violet-harbour-42-kites")
            .finish();
        ready.push((conn, jar.header(), body));
    }
    let t0 = Instant::now();
    let path: Arc<str> = path.into();
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(mut conn, cookie, body)| {
            let path = Arc::clone(&path);
            tokio::spawn(async move {
                conn.post_from(&path, &cookie, body, &next_client_addr())
                    .await
                    .map(|r| r.status.as_u16())
                    .unwrap_or(0)
            })
        })
        .collect();
    let mut burst = Burst {
        sent: n,
        ..Default::default()
    };
    for t in tasks {
        match t.await.unwrap_or(0) {
            302 | 303 => burst.created += 1,
            503 => burst.shed += 1,
            _ => {}
        }
    }
    burst.secs = t0.elapsed().as_secs_f64();
    burst
}
