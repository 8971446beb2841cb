//! One keep-alive HTTP/1.1 connection (hyper's client), a cookie jar and
//! the hidden CSRF field of a login form: what a browser does, minus the page.

use std::{collections::BTreeMap, net::SocketAddr};

use anyhow::anyhow;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{
    client::conn::http1::{self, SendRequest},
    header::{self, HeaderMap},
    Method, Request, StatusCode,
};
use hyper_util::rt::TokioIo;

/// A response, read to the end.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A keep-alive connection to one server.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    host: String,
}

impl Conn {
    /// Connects (see [`crate::raw::connect`]).
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = crate::raw::connect(addr).await?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            addr,
            host: addr.to_string(),
        })
    }

    /// GET `path` with `cookie` (a `Cookie:` header value, may be empty).
    pub async fn get(&mut self, path: &str, cookie: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, cookie, None, None).await
    }

    /// POST an urlencoded `form` to `path`, same-origin, forwarded for the
    /// client address `client` (`X-Forwarded-For`).
    pub async fn post_from(
        &mut self,
        path: &str,
        cookie: &str,
        form: String,
        client: &str,
    ) -> anyhow::Result<Reply> {
        self.send(Method::POST, path, cookie, Some(form), Some(client))
            .await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        cookie: &str,
        form: Option<String>,
        forwarded_for: Option<&str>,
    ) -> anyhow::Result<Reply> {
        // A server that answers `Connection: close` (gunicorn's sync workers) gets a new connection,
        // as a browser would open one.
        if self.sender.is_closed() || self.sender.ready().await.is_err() {
            *self = Conn::open(self.addr).await?;
        }
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(client) = forwarded_for {
            req = req.header("x-forwarded-for", client);
        }
        let body = match form {
            Some(form) => {
                req = req
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ORIGIN, format!("http://{}", self.host))
                    .header(header::REFERER, format!("http://{}{path}", self.host));
                Full::new(Bytes::from(form))
            }
            None => Full::new(Bytes::new()),
        };
        let resp = self.sender.send_request(req.body(body)?).await?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// The cookies a server set, sent back on the next request.
#[derive(Default, Clone)]
pub struct Jar(BTreeMap<String, String>);

impl Jar {
    /// Takes every `Set-Cookie` of `reply`; an expired or emptied cookie is dropped.
    pub fn absorb(&mut self, reply: &Reply) {
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let Some(c) = value
                .to_str()
                .ok()
                .and_then(|v| cookie::Cookie::parse(v.to_owned()).ok())
            else {
                continue;
            };
            let gone =
                c.value().is_empty() || c.max_age().is_some_and(|a| a.is_zero() || a.is_negative());
            if gone {
                self.0.remove(c.name());
            } else {
                self.0.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
    }

    /// The `Cookie:` header value.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The value of the first hidden input named one of `names` (ours: `csrf_token`, Django: `csrfmiddlewaretoken`).
pub fn hidden_field(body: &[u8], names: &[&str]) -> anyhow::Result<String> {
    let html = std::str::from_utf8(body)?;
    for name in names {
        let marker = format!("name=\"{name}\"");
        let Some(at) = html.find(&marker) else {
            continue;
        };
        // The value may come before or after the name inside the same tag.
        let start = html[..at].rfind('<').unwrap_or(0);
        let end = at + html[at..].find('>').unwrap_or(html.len() - at);
        let tag = &html[start..end];
        if let Some(v) = tag
            .split("value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        {
            return Ok(v.to_owned());
        }
    }
    Err(anyhow!("no hidden field named {names:?} in the page"))
}
