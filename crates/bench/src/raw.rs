//! The page load's connection: one prebuilt GET written as bytes, the answer
//! read with `httparse`. The driver shares the server's two cores, so its own
//! cost per request is taken from the server: hyper's client (a connection
//! task, a header map, a collected body) costs more for a 1.7 KB page than for
//! the floor's small one, which would lower the page's ratio to the floor.
//! This does about as little per request as wrk, the tool the reference
//! figures were measured with (docs/BENCHMARKS.md, Method).

use std::net::SocketAddr;

use anyhow::{anyhow, bail, Context as _};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};

/// The bytes of `GET path` with `cookie` (a `Cookie:` header value, may be empty).
pub fn get_request(addr: SocketAddr, path: &str, cookie: &str) -> Vec<u8> {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    req.push_str("\r\n");
    req.into_bytes()
}

/// A keep-alive connection that sends prebuilt requests.
pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// How the body after the header block ends.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Headers read per response; ours and Django's send fewer than twenty.
const MAX_HEADERS: usize = 48;

/// A TCP connection with TCP_NODELAY (as browsers and wrk use).
pub async fn connect(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

impl RawConn {
    /// Connects (see [`connect`]).
    pub async fn open(addr: SocketAddr) -> anyhow::Result<RawConn> {
        Ok(RawConn {
            stream: connect(addr).await?,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends `request` and reads the whole response. Returns its status and
    /// whether the connection can carry the next request (no `Connection: close`).
    pub async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<(u16, bool)> {
        self.buf.clear();
        self.stream.write_all(request).await?;
        loop {
            let (head, status, framing, close) = loop {
                if let Some(parsed) = parse_head(&self.buf)? {
                    break parsed;
                }
                self.fill().await?;
            };
            let end = match framing {
                Framing::Length(n) => {
                    while self.buf.len() < head + n {
                        self.fill().await?;
                    }
                    head + n
                }
                Framing::Chunked => self.chunked_end(head).await?,
                Framing::UntilClose => {
                    while self.stream.read_buf(&mut self.buf).await? > 0 {}
                    return Ok((status, false));
                }
            };
            // An interim 1xx answer precedes the real one.
            if (100..200).contains(&status) {
                self.buf.drain(..end);
                continue;
            }
            if end != self.buf.len() {
                bail!("bytes after the response to a request sent alone");
            }
            return Ok((status, !close));
        }
    }

    /// Reads more bytes; the peer closing mid-response is an error.
    async fn fill(&mut self) -> anyhow::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            bail!("connection closed mid-response");
        }
        Ok(())
    }

    /// Where a chunked body that starts at `at` ends (trailers are not expected).
    async fn chunked_end(&mut self, mut at: usize) -> anyhow::Result<usize> {
        loop {
            match httparse::parse_chunk_size(&self.buf[at..]) {
                Ok(httparse::Status::Complete((size_len, size))) => {
                    let size = usize::try_from(size)?;
                    // The chunk's data, then CRLF; the last chunk has no data, only the CRLF.
                    let end = at + size_len + size + 2;
                    while self.buf.len() < end {
                        self.fill().await?;
                    }
                    at = end;
                    if size == 0 {
                        return Ok(at);
                    }
                }
                Ok(httparse::Status::Partial) => self.fill().await?,
                Err(_) => bail!("bad chunk size"),
            }
        }
    }
}

/// The header block's length, status, body framing and `Connection: close`,
/// once `buf` holds the whole header block.
fn parse_head(buf: &[u8]) -> anyhow::Result<Option<(usize, u16, Framing, bool)>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let head = match resp.parse(buf).map_err(|e| anyhow!("bad response: {e}"))? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let status = resp.code.context("response without a status")?;
    let mut framing = Framing::UntilClose;
    let mut close = resp.version == Some(0);
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)?.trim().parse()?;
            framing = Framing::Length(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && h.value.eq_ignore_ascii_case(b"chunked")
        {
            framing = Framing::Chunked;
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    // These never carry a body, whatever the headers say.
    if status == 204 || status == 304 || (100..200).contains(&status) {
        framing = Framing::Length(0);
    }
    Ok(Some((head, status, framing, close)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> (usize, u16, usize, bool) {
        let (n, status, framing, close) = parse_head(text.as_bytes()).unwrap().unwrap();
        let len = match framing {
            Framing::Length(l) => l,
            Framing::Chunked => usize::MAX,
            Framing::UntilClose => usize::MAX - 1,
        };
        (n, status, len, close)
    }

    #[test]
    fn reads_status_length_and_connection() {
        let text = "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(head(text), (text.len(), 200, 12, false));
        let text = "HTTP/1.1 302 Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(head(text), (text.len(), 302, 0, true));
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(head(text).2, usize::MAX);
        let text = "HTTP/1.0 200 OK\r\n\r\n";
        assert_eq!(head(text), (text.len(), 200, usize::MAX - 1, true));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nconte").unwrap().is_none());
        assert!(parse_head(b"NOT HTTP\r\n\r\n").is_err());
    }

    /// A real server on a socket: keep-alive, chunked and close-delimited answers.
    #[tokio::test]
    async fn reads_whole_responses_from_a_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let answers: [&[u8]; 3] = [
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
            ];
            let mut buf = [0u8; 1024];
            for a in answers {
                let _ = s.read(&mut buf).await.unwrap();
                // Split writes: the reader must wait for the rest.
                let (x, y) = a.split_at(a.len() / 2);
                s.write_all(x).await.unwrap();
                s.flush().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                s.write_all(y).await.unwrap();
            }
        });
        let mut conn = RawConn::open(addr).await.unwrap();
        let req = get_request(addr, "/p", "sid=1");
        assert!(String::from_utf8_lossy(&req).contains("Cookie: sid=1\r\n"));
        assert_eq!(conn.exchange(&req).await.unwrap(), (200, true));
        assert_eq!(conn.exchange(&req).await.unwrap(), (404, true));
        let reply = conn.exchange(&req);
        let (status, reusable) = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            // The server closes after its last write; wait for the task too.
            let r = reply.await.unwrap();
            server.await.unwrap();
            r
        })
        .await
        .unwrap();
        assert_eq!((status, reusable), (200, false));
    }
}
