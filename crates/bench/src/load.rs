//! Closed-loop load: `conns` connections each send the next request as soon
//! as the last answered, for a fixed time (as wrk does); and paced load, sent
//! at a stated rate whatever the answers (as wrk2 does).

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use hyper::header;

use crate::{
    http::{hidden_field, Conn, Jar},
    raw::{self, RawConn},
    setup,
    stats::Stats,
};

/// A guarded page fetched with a signed-in session cookie.
#[derive(Clone)]
pub struct Page {
    pub addr: SocketAddr,
    pub path: Arc<str>,
    pub cookie: Arc<str>,
}

/// Hammers `page` from `conns` connections for `dur`.
pub async fn pages(page: &Page, conns: usize, dur: Duration) -> Stats {
    let get = PageGet(raw::get_request(page.addr, &page.path, &page.cookie).into());
    closed_loop(&get, page.addr, conns, dur).await
}

/// One request/response a closed loop repeats; false when the connection
/// cannot carry the next one (broken: the exchange counts an error; or
/// closed by the server).
pub trait Exchange: Clone + Send + Sync + 'static {
    type Conn: Send;
    /// What connection `i` of a closed loop sends (by default the same for all).
    fn for_conn(&self, _i: usize) -> Self {
        self.clone()
    }
    fn open(addr: SocketAddr) -> impl Future<Output = anyhow::Result<Self::Conn>> + Send;
    fn exchange<'a>(
        &'a self,
        conn: &'a mut Self::Conn,
        stats: &'a mut Stats,
    ) -> impl Future<Output = bool> + Send + 'a;
}

/// A page's GET as bytes, sent over a [`RawConn`].
#[derive(Clone)]
struct PageGet(Arc<[u8]>);

impl Exchange for PageGet {
    type Conn = RawConn;

    async fn open(addr: SocketAddr) -> anyhow::Result<RawConn> {
        RawConn::open(addr).await
    }

    async fn exchange(&self, conn: &mut RawConn, stats: &mut Stats) -> bool {
        let t0 = Instant::now();
        match conn.exchange(&self.0).await {
            Ok((status, reusable)) => {
                stats.record(status, t0.elapsed());
                // A server that answers `Connection: close` (gunicorn's sync workers) gets a
                // new connection, as a browser would open one; that is not an error.
                reusable
            }
            Err(_) => {
                stats.errors += 1;
                false
            }
        }
    }
}

impl Exchange for Login {
    type Conn = Conn;

    fn for_conn(&self, i: usize) -> Self {
        match self.who {
            Who::Crowd => self.with(&setup::crowd_user(i), &self.password),
            _ => self.clone(),
        }
    }

    async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        Conn::open(addr).await
    }

    async fn exchange(&self, conn: &mut Conn, stats: &mut Stats) -> bool {
        match self.once(conn).await {
            Ok((status, took, retry_after, _)) => {
                stats.record(status, took);
                if matches!(status, 429 | 503) && retry_after {
                    stats.shed_with_retry_after += 1;
                }
                true
            }
            Err(_) => {
                stats.errors += 1;
                false
            }
        }
    }
}

/// Like wrk: `conns` keep-alive connections, each sending its next exchange
/// when the last one answered, until `dur` is over; a connection the
/// exchange cannot reuse is reopened.
async fn closed_loop<E: Exchange>(
    what: &E,
    addr: SocketAddr,
    conns: usize,
    dur: Duration,
) -> Stats {
    let deadline = Instant::now() + dur;
    let tasks: Vec<_> = (0..conns)
        .map(|i| {
            let what = what.for_conn(i);
            tokio::spawn(async move {
                let mut stats = Stats::default();
                let mut conn = None;
                while Instant::now() < deadline {
                    once(&what, &mut conn, addr, &mut stats).await;
                }
                stats
            })
        })
        .collect();
    collect(tasks, dur).await
}

/// Like wrk2: `conns` keep-alive connections together send `rate` exchanges
/// a second, each on a schedule of its own (staggered), until `dur` is over.
/// A connection still waiting for its last answer when its next turn comes
/// sends the turns it missed as soon as it can (as wrk2 does), so a slow
/// answer shifts a request, not the rate; a server that cannot keep up
/// shows as a lower rate answered by the end.
pub async fn run_paced<E: Exchange>(
    what: &E,
    addr: SocketAddr,
    conns: usize,
    rate: f64,
    dur: Duration,
) -> Stats {
    let start = tokio::time::Instant::now();
    let deadline = start + dur;
    let period = Duration::from_secs_f64(conns as f64 / rate.max(1e-3));
    let tasks: Vec<_> = (0..conns)
        .map(|i| {
            let what = what.for_conn(i);
            let first = start + period.mul_f64(i as f64 / conns as f64);
            tokio::spawn(async move {
                let mut stats = Stats::default();
                let mut conn = None;
                let mut tick = tokio::time::interval_at(first, period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                loop {
                    tick.tick().await;
                    if tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    once(&what, &mut conn, addr, &mut stats).await;
                }
                stats
            })
        })
        .collect();
    collect(tasks, dur).await
}

/// A login form and the credentials to post to it.
#[derive(Clone)]
pub struct Login {
    pub addr: SocketAddr,
    pub path: Arc<str>,
    pub username: Arc<str>,
    pub password: Arc<str>,
    pub who: Who,
}

/// Whose login a form is, across a load's connections and rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The same account every time.
    One,
    /// One crowd account per connection ([`setup::crowd_user`]), or per
    /// round of [`interleaved_logins`].
    Crowd,
    /// A name of its own per round (`{username}-{round}`): unknown users
    /// that never repeat, so no per-account limit counts them together.
    Numbered,
}

/// A distinct client address for every login: each comes through the
/// demo's one trusted proxy (`security.trusted_proxy_count = 1`) from
/// `X-Forwarded-For`, as a crowd of people behind a load balancer does, so
/// per-address rate limits see many addresses. Servers that trust no proxy
/// (Django here) ignore the header.
pub fn next_client_addr() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

/// Hidden CSRF field names: ours, then Django's.
const TOKEN_FIELDS: &[&str] = &["csrf_token", "csrfmiddlewaretoken"];

impl Login {
    /// The form at `path` on `addr`, with the benchmark user's credentials.
    pub fn bench_user(addr: SocketAddr, path: &str) -> Login {
        Login {
            addr,
            path: path.into(),
            username: setup::USER.into(),
            password: setup::PASSWORD.into(),
            who: Who::One,
        }
    }

    /// This form in round `k` of [`interleaved_logins`].
    fn for_round(&self, k: usize) -> Login {
        match self.who {
            Who::One => self.clone(),
            Who::Crowd => self.with(&setup::crowd_user(k), &self.password),
            Who::Numbered => self.with(&format!("{}-{k}", self.username), &self.password),
        }
    }

    /// This form with `who` deciding the account per connection or round.
    pub fn varied(&self, who: Who) -> Login {
        Login {
            who,
            ..self.clone()
        }
    }

    /// The same form, one crowd account per connection of a load.
    pub fn crowd(&self) -> Login {
        Login {
            who: Who::Crowd,
            ..self.clone()
        }
    }

    /// The same form with other credentials.
    pub fn with(&self, username: &str, password: &str) -> Login {
        Login {
            username: username.into(),
            password: password.into(),
            who: Who::One,
            ..self.clone()
        }
    }

    /// A fresh visitor: GET the form (cookie + token), then POST it.
    /// Returns the POST's status and latency, whether a shed answer carried
    /// Retry-After, and the cookies afterwards.
    pub async fn once(&self, conn: &mut Conn) -> anyhow::Result<(u16, Duration, bool, Jar)> {
        let mut jar = Jar::default();
        let form_page = conn.get(&self.path, "").await?;
        if form_page.status != 200 {
            bail!("GET {} answered {}", self.path, form_page.status);
        }
        jar.absorb(&form_page);
        let token = hidden_field(&form_page.body, TOKEN_FIELDS)?;
        let form = form_urlencoded::Serializer::new(String::new())
            // `login` is Portcullis' field (username or email), `username` Django's.
            .append_pair("login", &self.username)
            .append_pair("username", &self.username)
            .append_pair("password", &self.password)
            .append_pair(TOKEN_FIELDS[0], &token)
            .append_pair(TOKEN_FIELDS[1], &token)
            .finish();
        let t0 = Instant::now();
        let reply = conn
            .post_from(&self.path, &jar.header(), form, &next_client_addr())
            .await?;
        let took = t0.elapsed();
        jar.absorb(&reply);
        let retry_after = reply.headers.contains_key(header::RETRY_AFTER);
        Ok((reply.status.as_u16(), took, retry_after, jar))
    }

    /// Signs in once and returns the session's `Cookie:` header value.
    pub async fn cookie(&self) -> anyhow::Result<String> {
        let mut conn = Conn::open(self.addr).await?;
        let (status, _, _, jar) = self.once(&mut conn).await.context("logging in")?;
        if !matches!(status, 302 | 303) {
            bail!(
                "login as {} answered {status}, not a redirect",
                self.username
            );
        }
        Ok(jar.header())
    }
}

/// Runs `what` from `conns` connections to `addr` back to back for `dur`.
pub async fn run<E: Exchange>(what: &E, addr: SocketAddr, conns: usize, dur: Duration) -> Stats {
    closed_loop(what, addr, conns, dur).await
}

/// Logs in from `conns` connections back to back for `dur`; records each POST.
pub async fn logins(login: &Login, conns: usize, dur: Duration) -> Stats {
    closed_loop(login, login.addr, conns, dur).await
}

/// `n` rounds of one login per form in `forms`, one after another on one
/// connection: each form's cost, unloaded. Interleaved, so a slow spell on a
/// shared machine hits every form alike instead of one whole series.
pub async fn interleaved_logins(forms: &[Login], n: usize) -> anyhow::Result<Vec<Stats>> {
    let mut conn = Conn::open(forms[0].addr).await?;
    let mut stats = vec![Stats::default(); forms.len()];
    let t0 = Instant::now();
    for k in 0..n {
        for (form, s) in forms.iter().zip(stats.iter_mut()) {
            let (status, took, _, _) = form.for_round(k).once(&mut conn).await?;
            s.record(status, took);
        }
    }
    for s in &mut stats {
        s.elapsed = t0.elapsed();
    }
    Ok(stats)
}

/// One exchange on the open connection (opened first if need be); a
/// connection the exchange cannot reuse is dropped, to be reopened.
async fn once<E: Exchange>(
    what: &E,
    conn: &mut Option<E::Conn>,
    addr: SocketAddr,
    stats: &mut Stats,
) {
    let Some(c) = connected::<E>(conn, addr, stats).await else {
        return;
    };
    if !what.exchange(c, stats).await {
        *conn = None;
    }
}

/// The open connection, or a new one; a failed connect counts as an error
/// and backs off briefly (a refused server must not spin the driver).
async fn connected<'a, E: Exchange>(
    conn: &'a mut Option<E::Conn>,
    addr: SocketAddr,
    stats: &mut Stats,
) -> Option<&'a mut E::Conn> {
    if conn.is_none() {
        match E::open(addr).await {
            Ok(c) => *conn = Some(c),
            Err(_) => {
                stats.errors += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                return None;
            }
        }
    }
    conn.as_mut()
}

async fn collect(tasks: Vec<tokio::task::JoinHandle<Stats>>, dur: Duration) -> Stats {
    let mut all = Stats::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(&s);
        }
    }
    all.elapsed = dur;
    all
}
