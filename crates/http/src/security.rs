//! Security headers for every response, with a Content-Security-Policy chosen by what the response
//! is. A handler that sets a header itself (the delivery's pages, the biên bản) keeps it; the layer
//! fills in what is missing, and gives the delivery's pages the websockets of the host the request
//! named (issue 16, finding 10: `connect-src` allows this server only, never any host).

use axum::body::Body;
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue, Request};
use axum::response::Response;

/// What a response is, for its Content-Security-Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The delivery's own pages and their static files (candidate, proctor, lab check): scripts,
    /// styles, fonts and images from this server only (images may also be `data:` URIs inside
    /// items), connections to this server only — its own websockets included: the layer adds
    /// `ws://HOST wss://HOST` for the `Host` the request named (see [`policy_for_host`]) — no
    /// inline script or style, no plugins, no framing. Item HTML that slipped past both
    /// sanitizers still could not run script.
    App,
    /// The bank's application (`/` and its static files): like [`PageKind::App`], but no
    /// websockets and images also from `blob:` URLs, which the editor makes for a pasted or
    /// dropped image while it uploads.
    Bank,
    /// The delivery's staff console (`/console` and `/static/console/…`): the bank's page framework
    /// on the delivery server, so [`PageKind::Bank`]'s rules without `blob:` images (it makes none).
    Console,
    /// A printed document made on the server (the bank's paper, the biên bản, and any HTML that
    /// declares no policy of its own): its own `<style>` and images from this server or `data:`;
    /// no script at all, nothing else loads, never framed.
    Print,
    /// Swagger UI at `/docs`: its vendored scripts and styles from this server, inline styles
    /// (its widgets set them) and calls to this server's API; no inline script, never framed.
    Docs,
    /// The bank's public certificate verification page (`/verify`, issue 21): its own script and
    /// style from this server, one connection back (the fresh revocation list), the camera's
    /// stream shown in a `<video>`; nothing inline, no forms posted, never framed.
    Verify,
    /// Everything else (JSON, CSV, media, text): nothing in it may load or run anything.
    Api,
}

/// The Content-Security-Policy of a kind of response. For [`PageKind::App`] this is the policy
/// without websockets; the service layer answers with [`policy_for_host`].
pub fn content_security_policy(kind: PageKind) -> &'static str {
    match kind {
        PageKind::App => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Bank => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        // The console opens no websocket (its live view polls) and starts no worker.
        PageKind::Console => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'none'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Print => {
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        }
        PageKind::Docs => {
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Verify => {
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        }
        PageKind::Api => "default-src 'none'; frame-ancestors 'none'",
    }
}

/// The policy of `kind` as served to a request for `host` (its `Host` header): for
/// [`PageKind::App`], `connect-src` also names `ws://host` and `wss://host` (older WebKit, as in
/// Safe Exam Browser on macOS, does not count a websocket to the same host as `'self'`). A host
/// with characters a host name or address never has adds nothing, so a forged header cannot
/// widen the policy.
pub fn policy_for_host(kind: PageKind, host: Option<&str>) -> String {
    let policy = content_security_policy(kind);
    match (kind, host.filter(|h| is_host(h))) {
        (PageKind::App, Some(h)) => {
            policy.replacen("connect-src 'self'", &format!("connect-src 'self' ws://{h} wss://{h}"), 1)
        }
        _ => policy.to_string(),
    }
}

/// The `Content-Security-Policy` value of a page of `kind` answering a request with `request`'s
/// headers: [`policy_for_host`] for its `Host`, so the candidate and proctor pages may open
/// websockets to this host and to no other.
pub fn page_policy(kind: PageKind, request: &HeaderMap) -> HeaderValue {
    let host = request.get(header::HOST).and_then(|v| v.to_str().ok());
    HeaderValue::from_str(&policy_for_host(kind, host))
        .unwrap_or_else(|_| HeaderValue::from_static(content_security_policy(kind)))
}

/// A host name or address with an optional port (`lab-7.local:8090`, `10.0.0.5`, `[::1]:8090`).
fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Fills in the headers every response carries: no MIME sniffing, no framing, no referrer, and a
/// Content-Security-Policy by [`PageKind`]: a response's own policy is kept (a page sets it with
/// [`page_policy`], which knows the request's host); HTML without one is
/// [`PageKind::Docs`] under `/docs` and [`PageKind::Print`] elsewhere; the rest is
/// [`PageKind::Api`].
pub async fn security_headers(req: Request<Body>, next: axum::middleware::Next) -> Response {
    let docs = req.uri().path() == "/docs" || req.uri().path().starts_with("/docs/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let kind = match (is_html(h), docs) {
        (true, true) => PageKind::Docs,
        (true, false) => PageKind::Print,
        (false, _) => PageKind::Api,
    };
    let defaults: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, content_security_policy(kind)),
    ];
    for (name, value) in defaults {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
}

fn is_html(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::response::{Html, IntoResponse};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        Router::new()
            .route("/json", get(|| async { axum::Json(serde_json::json!({"ok": true})) }))
            .route("/paper", get(|| async { Html("<p>paper</p>") }))
            .route("/docs/", get(|| async { Html("<div id=swagger-ui></div>") }))
            .route(
                "/page",
                get(|headers: HeaderMap| async move {
                    let csp = page_policy(PageKind::App, &headers);
                    ([(header::CONTENT_SECURITY_POLICY, csp)], Html("<p>app</p>")).into_response()
                }),
            )
            .layer(axum::middleware::from_fn(security_headers))
    }

    async fn headers_for(uri: &str, host: &str) -> HeaderMap {
        let req = Request::get(uri).header(header::HOST, host).body(Body::empty()).unwrap();
        let res = app().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.headers().clone()
    }

    async fn headers(uri: &str) -> HeaderMap {
        headers_for(uri, "lab.local:8090").await
    }

    #[tokio::test]
    async fn every_response_gets_the_policy_of_its_kind() {
        let api = headers("/json").await;
        assert_eq!(api[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
        assert_eq!(api[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(api[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(api[header::REFERRER_POLICY], "no-referrer");
        let paper = headers("/paper").await;
        assert_eq!(paper[header::CONTENT_SECURITY_POLICY], content_security_policy(PageKind::Print));
        let csp = paper[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src"), "no script: {csp}");
        assert_eq!(paper[header::X_FRAME_OPTIONS], "DENY");
        let docs = headers("/docs/").await;
        let csp = docs[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert_eq!(csp, content_security_policy(PageKind::Docs));
        assert!(
            csp.contains("script-src 'self';") && csp.contains("style-src 'self' 'unsafe-inline'"),
            "{csp}"
        );
    }

    #[tokio::test]
    async fn a_page_keeps_its_own_policy_with_this_hosts_websockets_only() {
        let page = headers("/page").await;
        assert_eq!(page.get_all(header::CONTENT_SECURITY_POLICY).iter().count(), 1);
        let csp = page[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("connect-src 'self' ws://lab.local:8090 wss://lab.local:8090;"), "{csp}");
        assert!(!csp.contains("ws: ") && !csp.contains("wss: "), "no scheme-wide websockets: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(page[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        // A Host header no host has adds nothing.
        let forged = headers_for("/page", "x; script-src *").await;
        assert_eq!(forged[header::CONTENT_SECURITY_POLICY], content_security_policy(PageKind::App));
        assert_eq!(policy_for_host(PageKind::App, Some("[::1]:8090")).matches("[::1]:8090").count(), 2);
        assert_eq!(policy_for_host(PageKind::Bank, Some("bank")), content_security_policy(PageKind::Bank));
    }
}
