//! Loads beside the page and the logins: a flood of attempts at an account
//! whose failed-login limit has tripped, and a burst of sign-ups.

use std::{io::Write as _, net::SocketAddr, sync::Arc, time::Instant};

use anyhow::bail;

use crate::{
    http::{hidden_field, Conn, Jar},
    load::{next_client_addr, Exchange, Login},
    raw::RawConn,
    stats::Stats,
};

/// Wrong-password POSTs at one account, each from an address of its own,
/// as an attacker spreading over a botnet does: the form is fetched once a
/// connection and its token reused (tokens are per visitor, not per form).
/// The POSTs go out as bytes on a raw socket, as the page load's GETs do
/// (`raw.rs`): the driver shares the server's cores, and hyper's client
/// would take from them more than the refusal itself costs.
#[derive(Clone)]
pub struct LockedAttempts {
    pub login: Login,
}

/// A connection with the form's cookies and token, once fetched.
pub struct FormConn {
    conn: RawConn,
    form: Option<Form>,
    request: Vec<u8>,
}

/// What every attempt of one connection sends but its address.
struct Form {
    cookie: String,
    body: String,
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

    async fn form(&self) -> anyhow::Result<Form> {
        let mut conn = Conn::open(self.login.addr).await?;
        let page = conn.get(&self.login.path, "").await?;
        let mut jar = Jar::default();
        jar.absorb(&page);
        let token = hidden_field(&page.body, &["csrf_token"])?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", &token)
            .append_pair("login", &self.login.username)
            .append_pair("password", &self.login.password)
            .finish();
        Ok(Form {
            cookie: jar.header(),
            body,
        })
    }

    /// The POST of `form` from `client`, written into `out`.
    fn request(&self, form: &Form, client: &str, out: &mut Vec<u8>) {
        let (host, path) = (self.login.addr, &self.login.path);
        out.clear();
        let _ = write!(
            out,
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Origin: http://{host}\r\nReferer: http://{host}{path}\r\n\
             X-Forwarded-For: {client}\r\nContent-Length: {}\r\n\r\n{}",
            form.cookie,
            form.body.len(),
            form.body
        );
    }
}

impl Exchange for LockedAttempts {
    type Conn = FormConn;

    async fn open(addr: SocketAddr) -> anyhow::Result<FormConn> {
        Ok(FormConn {
            conn: RawConn::open(addr).await?,
            form: None,
            request: Vec::with_capacity(1024),
        })
    }

    async fn exchange(&self, c: &mut FormConn, stats: &mut Stats) -> bool {
        if c.form.is_none() {
            match self.form().await {
                Ok(f) => c.form = Some(f),
                Err(_) => {
                    stats.errors += 1;
                    return false;
                }
            }
        }
        let Some(form) = &c.form else {
            return false;
        };
        self.request(form, &next_client_addr(), &mut c.request);
        let t0 = Instant::now();
        match c.conn.exchange(&c.request).await {
            Ok((status, reusable)) => {
                stats.record(status, t0.elapsed());
                reusable
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
