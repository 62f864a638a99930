//! The layers both services wrap their whole router in ([`with_service_layers`]), outermost first:
//!
//! 1. a request id: the client's `x-request-id` or a new UUID, put in the tracing span of the
//!    request (so every log line of a request carries it) and echoed in the response, so an
//!    operator can find a user's failed request in the log;
//! 2. the request trace (tower-http's `TraceLayer`);
//! 3. [`errors_as_json`]: the few errors that do not come from an [`ApiError`] (axum's own answer
//!    to an over-limit raw body, a bad websocket upgrade, a wrong method) leave as the same JSON
//!    error body;
//! 4. the security headers ([`crate::security`]);
//! 5. [`close_after_refused_body`]: an error answer to a request that carried a body says
//!    `Connection: close`.
//!
//! Body limits stay per route group (`DefaultBodyLimit::max`, a JSON API and an upload take
//! different sizes); the extractors answer an over-limit body with a 413 `payload_too_large`.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::security::security_headers;

/// The request id header, read from the client or generated, and echoed.
pub const REQUEST_ID: &str = "x-request-id";

/// Wraps a service's router in the layers every khaothi service shares (see the module comment).
/// Call it last, after every route and route-group layer, before `with_state`.
pub fn with_service_layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(axum::middleware::from_fn(close_after_refused_body))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::map_response(errors_as_json))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span of one request: method, path and request id.
fn request_span(req: &Request<Body>) -> tracing::Span {
    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
}

/// A request refused before its body was read (a 401/403 from the auth extractor, a 413) leaves
/// that body unread on the connection; hyper then closes the connection after the answer, and a
/// client that had already picked the kept-alive connection for its next request sees it closed
/// before any response (`IncompleteMessage`: issue 16, finding 13's flake). Saying
/// `Connection: close` on such answers tells the client not to reuse the connection. Error answers
/// to requests with a body are rare, so closing after every one costs nothing measurable.
pub async fn close_after_refused_body(req: Request<Body>, next: axum::middleware::Next) -> Response {
    let has_body = req.headers().get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let mut res = next.run(req).await;
    if has_body && (res.status().is_client_error() || res.status().is_server_error()) {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// The largest plain-text error body [`errors_as_json`] carries over as the message.
const MAX_PLAIN_ERROR: usize = 16 * 1024;

/// Turns an error response that is not JSON (axum's plain-text rejections, an empty 405) into the
/// JSON error body, with a code by its status. Every other response passes untouched.
pub async fn errors_as_json(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = match axum::body::to_bytes(body, MAX_PLAIN_ERROR).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message =
        if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let body = serde_json::json!({"error": code_of(status), "message": message});
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// The `error` code of a status that reached [`errors_as_json`] without one.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::UPGRADE_REQUIRED => "upgrade_required",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::error::ApiError;

    fn app() -> Router {
        let router = Router::new()
            .route("/raw", post(|body: Bytes| async move { body.len().to_string() }))
            .route("/teapot", get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }))
            .route("/missing", get(|| async { ApiError::NotFound("no such seat".into()) }))
            .layer(DefaultBodyLimit::max(8));
        with_service_layers(router)
    }

    async fn call(req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let res = app().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }

    #[tokio::test]
    async fn request_ids_are_generated_or_echoed() {
        let (_, headers, _) = call(Request::get("/missing").body(Body::empty()).unwrap()).await;
        let made = headers[REQUEST_ID].to_str().unwrap();
        assert_eq!(made.len(), 36, "a UUID: {made}");
        let (_, again, _) = call(Request::get("/missing").body(Body::empty()).unwrap()).await;
        assert_ne!(again[REQUEST_ID], made, "one id per request");
        let req = Request::get("/missing").header(REQUEST_ID, "lab-7-req-42").body(Body::empty()).unwrap();
        let (_, headers, _) = call(req).await;
        assert_eq!(headers[REQUEST_ID], "lab-7-req-42");
    }

    #[tokio::test]
    async fn plain_text_errors_leave_as_json() {
        let req = Request::post("/raw").body(Body::from("more than eight bytes")).unwrap();
        let (status, headers, text) = call(req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(json(&text)["error"], "payload_too_large");
        let (status, _, text) = call(Request::get("/raw").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(json(&text)["error"], "method_not_allowed");
        let (status, _, text) = call(Request::get("/teapot").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
        assert_eq!(json(&text), serde_json::json!({"error": "bad_request", "message": "short and stout"}));
    }

    #[tokio::test]
    async fn api_errors_and_successes_pass_untouched() {
        let (status, headers, text) = call(Request::get("/missing").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(json(&text), serde_json::json!({"error": "not_found", "message": "no such seat"}));
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let (status, _, text) = call(Request::post("/raw").body(Body::from("1234")).unwrap()).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "4"));
    }

    #[tokio::test]
    async fn a_refused_body_closes_the_connection_and_nothing_else_does() {
        let refused = Request::post("/raw")
            .header(header::CONTENT_LENGTH, "21")
            .body(Body::from("more than eight bytes"))
            .unwrap();
        let (status, headers, _) = call(refused).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(headers[header::CONNECTION], "close");
        let taken =
            Request::post("/raw").header(header::CONTENT_LENGTH, "4").body(Body::from("1234")).unwrap();
        let (status, headers, _) = call(taken).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!headers.contains_key(header::CONNECTION), "a served request keeps its connection");
        let (status, headers, _) = call(Request::get("/missing").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!headers.contains_key(header::CONNECTION), "no body, nothing left unread");
    }
}
