//! The files both services compile into their binaries and serve under `/static/` (the pages,
//! their scripts, styles and fonts): one content type per file ending, one strong ETag per file,
//! one set of caching and permission headers, and `304 Not Modified` when the browser's copy is
//! current. The caller picks the page's Content-Security-Policy ([`crate::PageKind`]).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

/// What the pages may never ask for: camera, microphone, location, payments, USB.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// The strong ETag of an embedded file: the quoted first 12 bytes of its SHA-256, in hex.
pub fn asset_etag(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

/// The `Content-Type` of an embedded file, by its name's ending.
pub fn asset_content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        // A vendored library's licence (the bank's static/verify/vendor/…/LICENSE).
        _ if name.ends_with("/LICENSE") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether `If-None-Match` in `request` names `etag` (or is `*`): the browser's copy is current.
pub fn etag_matches(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// One embedded file `name` with its type, caching (fonts a year and immutable, everything else
/// revalidated by its ETag), `policy` as its Content-Security-Policy and [`PERMISSIONS_POLICY`];
/// `304` with the same headers and no body when the browser's copy is current.
pub fn serve_asset(
    name: &str,
    bytes: &'static [u8],
    etag: &str,
    policy: HeaderValue,
    request: &HeaderMap,
) -> Response {
    let cache = if name.ends_with(".woff2") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset_content_type(name)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ETAG, HeaderValue::from_str(etag).expect("an ETag is visible ASCII"));
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS_POLICY));
    if etag_matches(request, etag) {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    (StatusCode::OK, h, bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn the_etag_is_a_quoted_hash_that_changes_with_the_bytes() {
        let a = asset_etag(b"body { color: black }");
        assert_eq!(a.len(), 26, "{a}");
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert!(a[1..25].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, asset_etag(b"body { color: black }"));
        assert_ne!(a, asset_etag(b"body { color: white }"));
    }

    #[test]
    fn content_types_by_ending() {
        assert_eq!(asset_content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(asset_content_type("console/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(asset_content_type("fonts/NotoSans.woff2"), "font/woff2");
        assert_eq!(asset_content_type("page-modules.json"), "application/json");
        assert_eq!(asset_content_type("verify/vendor/jsqr/LICENSE"), "text/plain; charset=utf-8");
        assert_eq!(asset_content_type("LICENSE"), "application/octet-stream");
        assert_eq!(asset_content_type("archive.bin"), "application/octet-stream");
    }

    #[test]
    fn if_none_match_takes_a_list_or_a_star() {
        let etag = asset_etag(b"x");
        assert!(etag_matches(&asking(&etag), &etag));
        assert!(etag_matches(&asking(&format!("\"other\", {etag}")), &etag));
        assert!(etag_matches(&asking("*"), &etag));
        assert!(!etag_matches(&asking("\"other\""), &etag));
        assert!(!etag_matches(&HeaderMap::new(), &etag));
    }

    #[test]
    fn a_current_copy_gets_304_with_the_headers_and_a_stale_one_the_file() {
        let etag = asset_etag(b"p {}");
        let policy = HeaderValue::from_static("default-src 'self'");
        let fresh = serve_asset("app.css", b"p {}", &etag, policy.clone(), &asking(&etag));
        assert_eq!(fresh.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(fresh.headers()[header::ETAG], etag.as_str());
        assert_eq!(fresh.headers()[header::CACHE_CONTROL], "no-cache");
        let stale = serve_asset("fonts/a.woff2", b"p {}", &etag, policy, &asking("\"old\""));
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(stale.headers()[header::CONTENT_TYPE], "font/woff2");
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(stale.headers()[header::CONTENT_SECURITY_POLICY], "default-src 'self'");
        assert_eq!(stale.headers()["permissions-policy"], PERMISSIONS_POLICY);
    }
}
