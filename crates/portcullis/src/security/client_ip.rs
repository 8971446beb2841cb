//! The client's address, as rate limits count it: the socket peer, or an
//! `X-Forwarded-For` entry vouched for by trusted proxies (as allauth's
//! httpkit reads it).

use std::net::{IpAddr, SocketAddr};

use actix_web::{http::header, HttpRequest};

/// The client address of `req`.
///
/// With `trusted_proxy_count` = 0 this is the socket peer and
/// `X-Forwarded-For` is ignored: anyone can write that header. With n > 0
/// it is the n-th address from the right of `X-Forwarded-For` (several
/// headers read as one list): each trusted proxy appends the address it
/// saw, so entries further left are whatever the client claimed. A missing,
/// too short or malformed header falls back to the peer. `None` only when
/// neither gives an address (a Unix socket without a proxy header).
pub fn client_ip(req: &HttpRequest, trusted_proxy_count: usize) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical());
    if trusted_proxy_count == 0 {
        return peer;
    }
    forwarded_for(req, trusted_proxy_count).or(peer)
}

/// The `n`-th (from 1) address from the right of every `X-Forwarded-For`
/// header, in order; `None` when there are fewer entries or that one does
/// not parse.
fn forwarded_for(req: &HttpRequest, n: usize) -> Option<IpAddr> {
    let mut entries = Vec::new();
    for value in req.headers().get_all(header::X_FORWARDED_FOR) {
        entries.extend(value.to_str().ok()?.split(',').map(str::trim));
    }
    let entry = entries.len().checked_sub(n).map(|i| entries[i])?;
    parse_entry(entry).map(|ip| ip.to_canonical())
}

/// An address as proxies write it: bare, or with a port (`[v6]:port` for IPv6).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn req(xff: &[&str]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr("192.0.2.1:1234".parse().unwrap());
        for v in xff {
            r = r.append_header((header::X_FORWARDED_FOR, *v));
        }
        r.to_http_request()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_header_counts_only_through_trusted_proxies() {
        let r = req(&["198.51.100.9, 203.0.113.5, 10.0.0.1"]);
        assert_eq!(client_ip(&r, 0), ip("192.0.2.1"));
        assert_eq!(client_ip(&r, 1), ip("10.0.0.1"));
        assert_eq!(client_ip(&r, 2), ip("203.0.113.5"));
        assert_eq!(client_ip(&r, 3), ip("198.51.100.9"));
    }

    #[test]
    fn several_headers_are_one_list() {
        let r = req(&["198.51.100.9", "203.0.113.5"]);
        assert_eq!(client_ip(&r, 1), ip("203.0.113.5"));
        assert_eq!(client_ip(&r, 2), ip("198.51.100.9"));
    }

    #[test]
    fn missing_short_or_garbled_headers_fall_back_to_the_peer() {
        assert_eq!(client_ip(&req(&[]), 1), ip("192.0.2.1"));
        assert_eq!(client_ip(&req(&["203.0.113.5"]), 2), ip("192.0.2.1"));
        assert_eq!(client_ip(&req(&["not an address"]), 1), ip("192.0.2.1"));
        assert_eq!(client_ip(&req(&["203.0.113.5,"]), 1), ip("192.0.2.1"));
    }

    #[test]
    fn ports_and_mapped_addresses_are_read() {
        assert_eq!(client_ip(&req(&["203.0.113.5:8080"]), 1), ip("203.0.113.5"));
        assert_eq!(
            client_ip(&req(&["[2001:db8::1]:443"]), 1),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(&req(&["::ffff:203.0.113.5"]), 1),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn no_peer_and_no_header_is_none() {
        assert_eq!(
            client_ip(&TestRequest::default().to_http_request(), 0),
            None
        );
    }
}

#[cfg(test)]
mod examples {
    use actix_web::test::TestRequest;

    use super::client_ip;

    #[test]
    fn the_peer_or_the_nth_forwarded_address_from_the_right() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, 0), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(client_ip(&req, 1), Some("203.0.113.7".parse().unwrap()));
    }
}
