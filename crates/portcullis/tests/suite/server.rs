//! The test app behind a real `HttpServer` on 127.0.0.1 (port 0) with two
//! workers, spoken to over TCP: what the in-process service cannot show
//! (pools per worker, `Host` and `Origin` as a browser sends them, the
//! `__Host-` cookie going out and coming back).

use std::{collections::BTreeMap, net::SocketAddr};

use actix_web::{dev::ServerHandle, HttpServer};
use http_body_util::{BodyExt as _, Full};
use hyper::{
    body::Bytes,
    client::conn::http1::{self, SendRequest},
    header::{self, HeaderMap},
    Method, Request, StatusCode,
};
use hyper_util::rt::TokioIo;
use portcullis::Auth;

use crate::support::{setup, setup_with, test_app, user, Backend, PASSWORD};

/// A running server; [`Server::stop`] ends it.
struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl Server {
    /// Serves the test app with two workers, each building its own app
    /// (and so its own `Auth::for_worker`), as an application would.
    fn start(auth: &Auth) -> Server {
        let auth = auth.clone();
        let server = HttpServer::new(move || test_app(&auth))
            .workers(2)
            .bind(("127.0.0.1", 0))
            .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Server { addr, handle }
    }

    async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// A response, read to the end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// The cookies of one browser, which may use several connections.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn absorb(&mut self, reply: &Reply) {
        for cookie in reply.set_cookies() {
            let (name, value) = cookie.split(';').next().unwrap().split_once('=').unwrap();
            if value.is_empty() || cookie.to_ascii_lowercase().contains("max-age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One keep-alive connection: every request on it is served by the
/// worker that accepted it. When the server closes it (after refusing a
/// body it did not read), the next request opens another, as a browser
/// does.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    /// `Host` as a browser sends it: the address it connected to.
    host: String,
    /// Connections opened after the first (each may reach another worker).
    reopened: u32,
}

impl Conn {
    async fn open(server: &Server) -> Conn {
        Conn::connect(server.addr).await
    }

    async fn connect(addr: SocketAddr) -> Conn {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
        actix_web::rt::spawn(async move {
            let _ = conn.await;
        });
        Conn {
            sender,
            addr,
            host: addr.to_string(),
            reopened: 0,
        }
    }

    async fn send(
        &mut self,
        jar: &mut Jar,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if !jar.0.is_empty() {
            req = req.header(header::COOKIE, jar.header());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match form {
            Some(form) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Bytes::from(serde_urlencoded::to_string(form).unwrap())
            }
            None => Bytes::new(),
        };
        if self.sender.ready().await.is_err() {
            let reopened = self.reopened + 1;
            *self = Conn::connect(self.addr).await;
            self.reopened = reopened;
        }
        let res = self
            .sender
            .send_request(req.body(Full::new(body)).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        let reply = Reply {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        jar.absorb(&reply);
        reply
    }

    async fn get(&mut self, jar: &mut Jar, path: &str) -> Reply {
        self.send(jar, Method::GET, path, &[], None).await
    }

    /// GET the login page, then POST its form with `origin` (None: no header).
    async fn login(&mut self, jar: &mut Jar, origin: Option<&str>, name: &str) -> Reply {
        let page = self.get(jar, "/login").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let token = crate::support::csrf_of(&page.body);
        let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
        let form = [
            ("csrf_token", token.as_str()),
            ("login", name),
            ("password", PASSWORD),
        ];
        self.send(jar, Method::POST, "/login", &headers, Some(&form))
            .await
    }
}

/// Connections until two are served by different workers (accepted
/// connections go to the workers in turn).
async fn one_connection_per_worker(server: &Server, jar: &mut Jar) -> [(Conn, String); 2] {
    let mut first = Conn::open(server).await;
    let first_worker = first.get(jar, "/worker").await.body;
    for _ in 0..16 {
        let mut other = Conn::open(server).await;
        let worker = other.get(jar, "/worker").await.body;
        if worker != first_worker {
            return [(first, first_worker), (other, worker)];
        }
    }
    panic!("16 connections in a row went to {first_worker}");
}

/// With `database.pool_per_worker` (the default) each worker has a pool of
/// its own: closing one worker's pool leaves the other worker serving, and
/// the `Auth` the app was built from untouched. With it off, the workers
/// share the one pool, and closing it stops both.
async fn each_worker_has_its_own_pool_unless_told_to_share(b: Backend) {
    for per_worker in [true, false] {
        let ctx = setup_with(&b, |s| s.database.pool_per_worker = per_worker).await;
        user(&ctx, "ann").await;
        let server = Server::start(&ctx.auth);
        let mut jar = Jar::default();
        let [(mut a, worker_a), (mut b, worker_b)] =
            one_connection_per_worker(&server, &mut jar).await;
        let res = a.login(&mut jar, None, "ann").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(a.get(&mut jar, "/me").await.body, "ann");
        assert_eq!(b.get(&mut jar, "/me").await.body, "ann");

        assert_eq!(
            a.get(&mut jar, "/close-this-workers-pool").await.body,
            "closed"
        );
        let on_a = a.get(&mut jar, "/me").await;
        let on_b = b.get(&mut jar, "/me").await;
        assert_eq!(on_a.status, StatusCode::SERVICE_UNAVAILABLE, "{worker_a}");
        assert_eq!(
            (a.reopened, b.reopened),
            (0, 0),
            "each stayed on its worker"
        );
        let built_from = ctx.auth.user_by_username("ann").await;
        if per_worker {
            assert_eq!(
                (on_b.status, on_b.body.as_str()),
                (StatusCode::OK, "ann"),
                "{worker_b} has a pool of its own"
            );
            assert!(
                built_from.unwrap().is_some(),
                "the app's Auth keeps its pool"
            );
        } else {
            assert_eq!(
                on_b.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{worker_b} shares the closed pool"
            );
            assert!(built_from.is_err(), "the one pool is the app's own");
        }
        server.stop().await;
    }
}

/// A form post is same-origin when its `Origin` is the `Host` the browser
/// connected to (here not `auth.site_origin`, which names port 8000):
/// another host, port or scheme is refused, token or not.
async fn origin_is_checked_against_the_host_over_tcp(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    let server = Server::start(&ctx.auth);
    let port = server.addr.port();
    let own = format!("http://127.0.0.1:{port}");
    for foreign in [
        "https://evil.example".to_owned(),
        format!("http://localhost:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (mut conn, mut jar) = (Conn::open(&server).await, Jar::default());
        let res = conn.login(&mut jar, Some(&foreign), "ann").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{foreign}");
        assert_eq!(conn.get(&mut jar, "/me").await.body, "anonymous");
    }
    let (mut conn, mut jar) = (Conn::open(&server).await, Jar::default());
    let res = conn.login(&mut jar, Some(&own), "ann").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(conn.get(&mut jar, "/me").await.body, "ann");
    server.stop().await;
}

/// With an https `site_origin` and `session.secure = "always"` the session
/// cookie set at login is `__Host-` prefixed: Secure, `Path=/`, no
/// `Domain`, as the prefix requires, and it is accepted back. (Over plain
/// TCP here, as behind a proxy that ends TLS: a browser would send a
/// Secure cookie over https only.) What the login page sets before is
/// left alone: the anonymous visitor's cookie is not this test's subject.
async fn the_host_prefixed_cookie_round_trips_over_tcp(b: Backend) {
    let ctx = setup_with(&b, |s| {
        s.auth.site_origin = "https://auth.example.com".into();
        s.session.secure = portcullis::settings::CookieSecure::Always;
    })
    .await;
    user(&ctx, "ann").await;
    let server = Server::start(&ctx.auth);
    let (mut conn, mut jar) = (Conn::open(&server).await, Jar::default());
    let res = conn
        .login(&mut jar, Some("https://auth.example.com"), "ann")
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cookies = res.set_cookies();
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with("__Host-portcullis_session="))
        .unwrap_or_else(|| panic!("no __Host- session cookie in {cookies:?}"));
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for required in ["secure", "httponly", "path=/", "samesite=lax"] {
        assert!(
            attributes.iter().any(|a| a == required),
            "{required}: {cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{cookie}"
    );
    assert!(
        !jar.0.contains_key("portcullis_session"),
        "no unprefixed session cookie: {:?}",
        jar.0.keys()
    );
    assert_eq!(conn.get(&mut jar, "/me").await.body, "ann");
    // On a new connection too: the cookie, not the connection, carries the session.
    let mut other = Conn::open(&server).await;
    assert_eq!(other.get(&mut jar, "/me").await.body, "ann");
    // And only the cookie: without it the same connection is anonymous.
    assert_eq!(
        other.get(&mut Jar::default(), "/me").await.body,
        "anonymous"
    );
    server.stop().await;
}

crate::on_both_backends!(
    each_worker_has_its_own_pool_unless_told_to_share,
    origin_is_checked_against_the_host_over_tcp,
    the_host_prefixed_cookie_round_trips_over_tcp,
);
