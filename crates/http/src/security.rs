//! Security headers for every response, with a Content-Security-Policy chosen by what the response
//! is. A handler that sets a header itself (the delivery's pages set their own policy) keeps it;
//! the layer only fills in what is missing.

use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

/// What a response is, for its Content-Security-Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The delivery's own pages and their static files (candidate, proctor, lab check): scripts,
    /// styles, fonts and images from this server only (images may also be `data:` URIs inside
    /// items), websockets to any host (a lab may reach the server by a name or an address the page
    /// cannot know), no inline script or style, no plugins, no framing. Item HTML that slipped past
    /// both sanitizers still could not run script.
    App,
    /// The bank's application (`/` and its static files): like [`PageKind::App`], but API calls to
    /// this server only (no websockets) and images also from `blob:` URLs, which the editor makes
    /// for a pasted or dropped image while it uploads.
    Bank,
    /// The delivery's staff console (`/console` and `/static/console/…`): the bank's page framework
    /// on the delivery server, so [`PageKind::Bank`]'s rules without `blob:` images (it makes none).
    Console,
    /// HTML that declares no policy of its own (Swagger UI's vendored page, the bank's printable
    /// paper): it may load what it needs from wherever it was written to, but is never framed.
    Document,
    /// Everything else (JSON, CSV, media, text): nothing in it may load or run anything.
    Api,
}

/// The Content-Security-Policy of a kind of response.
pub fn content_security_policy(kind: PageKind) -> &'static str {
    match kind {
        PageKind::App => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Bank => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Console => {
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        PageKind::Document => "frame-ancestors 'none'",
        PageKind::Api => "default-src 'none'; frame-ancestors 'none'",
    }
}

/// Fills in the headers every response carries: no MIME sniffing, no framing, no referrer, and a
/// Content-Security-Policy by [`PageKind`] (HTML without its own is a `Document`, the rest `Api`).
pub async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let kind = if is_html(h) { PageKind::Document } else { PageKind::Api };
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
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::response::{Html, IntoResponse};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        Router::new()
            .route("/json", get(|| async { axum::Json(serde_json::json!({"ok": true})) }))
            .route("/paper", get(|| async { Html("<p>paper</p>") }))
            .route(
                "/page",
                get(|| async {
                    let csp = content_security_policy(PageKind::App);
                    ([(header::CONTENT_SECURITY_POLICY, csp)], Html("<p>app</p>")).into_response()
                }),
            )
            .layer(axum::middleware::map_response(security_headers))
    }

    async fn headers(uri: &str) -> HeaderMap {
        let res = app().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.headers().clone()
    }

    #[tokio::test]
    async fn every_response_gets_the_policy_of_its_kind() {
        let api = headers("/json").await;
        assert_eq!(api[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
        assert_eq!(api[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(api[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(api[header::REFERRER_POLICY], "no-referrer");
        let paper = headers("/paper").await;
        assert_eq!(paper[header::CONTENT_SECURITY_POLICY], "frame-ancestors 'none'");
        assert_eq!(paper[header::X_FRAME_OPTIONS], "DENY");
    }

    #[tokio::test]
    async fn a_page_keeps_its_own_policy() {
        let page = headers("/page").await;
        assert_eq!(page.get_all(header::CONTENT_SECURITY_POLICY).iter().count(), 1);
        let csp = page[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert_eq!(csp, content_security_policy(PageKind::App));
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(page[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
