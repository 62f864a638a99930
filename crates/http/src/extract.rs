//! Extractors whose rejections are [`ApiError`]s, so a bad body, path or query leaves as the same
//! JSON error body as every other failure (axum's own answer in plain text).
//!
//! - [`ApiJson`]: a JSON body; the content type is checked (415 naming the expected type), an
//!   oversized body is a 413, and bad JSON a 400 `invalid_json` naming the JSON path of the bad
//!   field (`deny_unknown_fields` on the request types refuses unknown fields).
//! - [`MaybeJson`]: the same for a body that may be left out entirely.
//! - [`Path`] and [`Query`]: drop-in replacements for axum's, 400 `invalid_path` / `invalid_query`
//!   with axum's explanation, which names the parameter.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body (`Content-Type: application/json` or a `+json` type).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(ApiError::UnsupportedMedia(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out entirely (an empty or blank body means `None`). The content
/// type is not required: scripts post these bodiless.
pub struct MaybeJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for MaybeJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeJson(None));
        }
        parse_json(&bytes).map(|v| MaybeJson(Some(v)))
    }
}

/// The whole body within the route's limit ([`axum::extract::DefaultBodyLimit`]); over it, a 413
/// `payload_too_large`. For handlers that read a raw body (CSV, packages, uploads).
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => {
            ApiError::TooLarge(format!("the request body is larger than this endpoint accepts ({e})"))
        }
        other => ApiError::bad_request("bad_body", other.body_text()),
    })
}

/// Parses JSON, naming the JSON path of the first bad field (400 `invalid_json`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = if inner.is_syntax() || inner.is_eof() { "malformed JSON" } else { "wrong JSON" };
        let at = if path.is_empty() || path == "." { String::new() } else { format!(" at `{path}`") };
        ApiError::bad_request("invalid_json", format!("{what}{at}: {inner}"))
    })
}

/// Path parameters (as axum's `Path`) whose errors are JSON: 400 `invalid_path`.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))
    }
}

/// Query parameters (as axum's `Query`) whose errors are JSON: 400 `invalid_query`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::{StatusCode, header};
    use axum::routing::{get, post};
    use serde::Deserialize;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Seat {
        seat: u32,
        #[serde(default)]
        note: Option<String>,
    }

    #[derive(Deserialize)]
    struct Page {
        limit: u32,
    }

    fn app() -> Router {
        Router::new()
            .route("/json", post(|ApiJson(s): ApiJson<Seat>| async move { s.seat.to_string() }))
            .route(
                "/maybe",
                post(|MaybeJson(s): MaybeJson<Seat>| async move {
                    s.map_or("none".to_string(), |s| format!("{}{}", s.seat, s.note.unwrap_or_default()))
                }),
            )
            .route("/seats/{n}", get(|Path(n): Path<u32>| async move { n.to_string() }))
            .route("/list", get(|Query(p): Query<Page>| async move { p.limit.to_string() }))
            .layer(DefaultBodyLimit::max(64))
    }

    async fn send(req: axum::http::Request<Body>) -> (StatusCode, String) {
        let res = app().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn post_body(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> axum::http::Request<Body> {
        let mut b = axum::http::Request::post(uri);
        if let Some(t) = content_type {
            b = b.header(header::CONTENT_TYPE, t);
        }
        b.body(body.into()).unwrap()
    }

    fn get_uri(uri: &str) -> axum::http::Request<Body> {
        axum::http::Request::get(uri).body(Body::empty()).unwrap()
    }

    /// The status and the parsed JSON error body, asserting it is one.
    async fn error(req: axum::http::Request<Body>) -> (StatusCode, Value) {
        let (status, text) = send(req).await;
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, body)
    }

    #[tokio::test]
    async fn json_bodies_are_read_and_bad_ones_name_the_field() {
        let ok = send(post_body("/json", Some("application/json"), r#"{"seat": 7}"#)).await;
        assert_eq!(ok, (StatusCode::OK, "7".into()));
        let ok = send(post_body("/json", Some("application/merge-patch+json"), r#"{"seat": 8}"#)).await;
        assert_eq!(ok.1, "8");
        let (status, body) = error(post_body("/json", Some("application/json"), r#"{"seat": "x"}"#)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_json");
        assert!(body["message"].as_str().unwrap().starts_with("wrong JSON at `seat`"), "{body}");
        let (_, body) = error(post_body("/json", Some("application/json"), r#"{"seat": 1, "sea": 2}"#)).await;
        assert!(body["message"].as_str().unwrap().contains("unknown field `sea`"), "{body}");
        let (_, body) = error(post_body("/json", Some("application/json"), r#"{"seat": "#)).await;
        assert!(body["message"].as_str().unwrap().starts_with("malformed JSON"), "{body}");
    }

    #[tokio::test]
    async fn a_json_route_refuses_other_media_types_naming_json() {
        for content_type in [Some("text/plain"), None] {
            let (status, body) = error(post_body("/json", content_type, r#"{"seat": 7}"#)).await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(body["error"], "unsupported_media_type");
            assert!(body["message"].as_str().unwrap().contains("application/json"), "{body}");
        }
    }

    #[tokio::test]
    async fn an_oversized_body_is_a_413_in_json() {
        let big = format!(r#"{{"seat": 1, "note": "{}"}}"#, "x".repeat(100));
        let (status, body) = error(post_body("/json", Some("application/json"), big.clone())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"], "payload_too_large");
        let (status, body) = error(post_body("/maybe", None, big)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
        );
    }

    #[tokio::test]
    async fn an_optional_body_may_be_left_out_but_not_be_wrong() {
        assert_eq!(send(post_body("/maybe", None, "")).await, (StatusCode::OK, "none".into()));
        assert_eq!(send(post_body("/maybe", None, " \n")).await.1, "none");
        assert_eq!(
            send(post_body("/maybe", Some("application/json"), r#"{"seat": 2, "note": "b"}"#)).await.1,
            "2b"
        );
        let (status, body) = error(post_body("/maybe", None, r#"{"seat": -1}"#)).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_json")));
    }

    #[tokio::test]
    async fn bad_paths_and_queries_are_json_naming_the_parameter() {
        assert_eq!(send(get_uri("/seats/12")).await, (StatusCode::OK, "12".into()));
        let (status, body) = error(get_uri("/seats/twelve")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_path");
        assert!(body["message"].as_str().unwrap().contains("twelve"), "{body}");
        assert_eq!(send(get_uri("/list?limit=5")).await, (StatusCode::OK, "5".into()));
        let (status, body) = error(get_uri("/list?limit=many")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_query");
        assert!(body["message"].as_str().unwrap().contains("limit"), "{body}");
        let (_, body) = error(get_uri("/list")).await;
        assert!(body["message"].as_str().unwrap().contains("missing field `limit`"), "{body}");
    }

    #[test]
    fn parse_json_reports_the_nested_path() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            seats: Vec<Page>,
        }
        let e = parse_json::<Outer>(json!({"seats": [{"limit": 1}, {"limit": "x"}]}).to_string().as_bytes())
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("wrong JSON at `seats[1].limit`"), "{e}");
    }
}
