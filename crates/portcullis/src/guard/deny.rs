//! Denial responses, chosen in one place: redirect, 403 page, or JSON.

use actix_web::{
    http::{header, Method, StatusCode},
    HttpRequest, HttpResponse,
};

use super::context::GuardContext;
use crate::{render::error_page, security::redirect::encode_next, settings::AnonymousDenial};

/// Why a guard refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Nobody (active) is signed in.
    Anonymous,
    /// Signed in, but lacking `missing`.
    Forbidden {
        /// The missing permission, group or flag.
        missing: String,
    },
}

/// Replaces a denial response; return `None` to keep the default.
///
/// ```
/// use actix_web::{HttpRequest, HttpResponse};
/// use portcullis::guard::Denial;
/// fn teapot(_req: &HttpRequest, denial: &Denial) -> Option<HttpResponse> {
///     matches!(denial, Denial::Forbidden { .. }).then(|| HttpResponse::ImATeapot().finish())
/// }
/// let hook: portcullis::guard::DenyHook = teapot;
/// ```
pub type DenyHook = fn(&HttpRequest, &Denial) -> Option<HttpResponse>;

/// True for API clients: an `Accept` that ranks JSON above HTML (by its
/// quality values; HTML unlisted counts as 0), an `Authorization` header,
/// or an XHR marker.
pub fn is_api_request(req: &HttpRequest) -> bool {
    let h = req.headers();
    if h.contains_key(header::AUTHORIZATION) {
        return true;
    }
    if h.get("x-requested-with").and_then(|v| v.to_str().ok()) == Some("XMLHttpRequest") {
        return true;
    }
    let Ok(accept) = <header::Accept as header::Header>::parse(req) else {
        return false;
    };
    // The highest quality given to a type (0 when unlisted); wildcards do not count.
    let quality = |essence: &str| {
        accept
            .iter()
            .filter(|item| item.item.essence_str() == essence)
            .map(|item| item.quality)
            .max()
            .unwrap_or(header::Quality::ZERO)
    };
    quality("application/json") > quality("text/html")
}

/// Builds the response for `denial` on `req`.
pub(crate) fn deny_response(
    ctx: &GuardContext,
    req: &HttpRequest,
    denial: &Denial,
    hook: Option<DenyHook>,
    raise_exception: bool,
) -> HttpResponse {
    for h in [hook, ctx.on_denied].into_iter().flatten() {
        if let Some(res) = h(req, denial) {
            return res;
        }
    }
    let settings = &*ctx.settings;
    if is_api_request(req) {
        let (status, body) = match denial {
            Denial::Anonymous => (
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"error": "unauthenticated", "login_url": settings.auth.login_url}),
            ),
            Denial::Forbidden { missing } => (
                StatusCode::FORBIDDEN,
                serde_json::json!({"error": "forbidden", "missing": missing}),
            ),
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"portcullis\""));
        }
        return res.json(body);
    }
    match denial {
        Denial::Anonymous
            if !raise_exception && settings.auth.anonymous_denial == AnonymousDenial::Redirect =>
        {
            // Only a GET can be replayed after login; other methods go to the bare login page.
            let location = if req.method() == Method::GET || req.method() == Method::HEAD {
                let target = match req.uri().path_and_query() {
                    Some(pq) => pq.as_str().to_owned(),
                    None => req.path().to_owned(),
                };
                format!("{}?next={}", settings.auth.login_url, encode_next(&target))
            } else {
                settings.auth.login_url.clone()
            };
            HttpResponse::Found()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        _ => error_page(
            ctx.renderer.as_ref(),
            settings,
            StatusCode::FORBIDDEN,
            &settings.auth.messages.forbidden_message,
        ),
    }
}
