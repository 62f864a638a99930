//! The two cookies of a browser session (docs/operations.md, security).
//!
//! - `khaothi_refresh` holds the refresh token where page scripts cannot read it (HttpOnly,
//!   SameSite=Strict, Path=/api/v1/auth): `POST auth/refresh` with an empty body uses it.
//! - `khaothi_fetch` holds a copy of the access token for the GET requests a page cannot add a
//!   header to (an `<img>`, a print view, a download link). Only the [`crate::CurrentUserOrCookie`]
//!   extractor reads it, only on GET/HEAD, and only the routes that name that extractor accept it:
//!   every other API call keeps the bearer header, so the cookie cannot carry a cross-site write.
//!
//! `Secure` is added when the request came over HTTPS (a TLS proxy's `X-Forwarded-Proto: https`
//! or `Forwarded: proto=https`); on plain HTTP in a lab the cookie would otherwise never be sent.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::AppendHeaders;

pub const REFRESH_COOKIE: &str = "khaothi_refresh";
pub const FETCH_COOKIE: &str = "khaothi_fetch";
/// Where the refresh cookie is sent: the auth routes only.
pub const REFRESH_PATH: &str = "/api/v1/auth";

/// The refresh token a client presents: the body's, else the `khaothi_refresh` cookie's.
pub fn presented_refresh_token(headers: &HeaderMap, body: Option<crate::RefreshRequest>) -> Option<String> {
    body.map(|b| b.refresh_token).or_else(|| cookie(headers, REFRESH_COOKIE).map(str::to_string))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// Whether the client reached us over HTTPS (through a proxy that says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    let says = |name: &str, pred: &dyn Fn(&str) -> bool| {
        headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(pred)
    };
    says("x-forwarded-proto", &|v| v.trim().eq_ignore_ascii_case("https"))
        || says("forwarded", &|v| v.to_ascii_lowercase().contains("proto=https"))
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::from_str(&text).expect("cookie values are base64url or JWT characters")
}

/// `Set-Cookie` for the refresh token, living as long as the token.
pub fn refresh_cookie(token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    set_cookie(REFRESH_COOKIE, token, REFRESH_PATH, max_age_seconds.max(0), secure)
}

/// `Set-Cookie` for the fetch copy of the access token, living as long as the token.
pub fn fetch_cookie(access_token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    set_cookie(FETCH_COOKIE, access_token, "/", max_age_seconds.max(0), secure)
}

/// The two `Set-Cookie` values that delete both cookies (logout).
pub fn clear_cookies(secure: bool) -> [HeaderValue; 2] {
    [set_cookie(REFRESH_COOKIE, "", REFRESH_PATH, 0, secure), set_cookie(FETCH_COOKIE, "", "/", 0, secure)]
}

/// The `Set-Cookie` headers of a login or refresh: the refresh token (for its lifetime) and the
/// fetch copy of the access token (for its lifetime).
pub fn session_cookies(
    request: &HeaderMap,
    access_token: &str,
    access_seconds: i64,
    refresh_token: &str,
    refresh_seconds: i64,
) -> AppendHeaders<[(HeaderName, HeaderValue); 2]> {
    let secure = is_https(request);
    AppendHeaders([
        (header::SET_COOKIE, refresh_cookie(refresh_token, refresh_seconds, secure)),
        (header::SET_COOKIE, fetch_cookie(access_token, access_seconds, secure)),
    ])
}

/// The `Set-Cookie` headers of a logout.
pub fn logout_cookies(request: &HeaderMap) -> AppendHeaders<[(HeaderName, HeaderValue); 2]> {
    AppendHeaders(clear_cookies(is_https(request)).map(|v| (header::SET_COOKIE, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_set_strictly() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; khaothi_fetch=abc.def"));
        h.append(header::COOKIE, HeaderValue::from_static("khaothi_refresh=r1"));
        assert_eq!(cookie(&h, FETCH_COOKIE), Some("abc.def"));
        assert_eq!(cookie(&h, REFRESH_COOKIE), Some("r1"));
        assert_eq!(cookie(&h, "khaothi"), None);
        assert!(!is_https(&h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_https(&h));
        let c = refresh_cookie("tok", 60, true);
        assert_eq!(
            c.to_str().unwrap(),
            "khaothi_refresh=tok; Path=/api/v1/auth; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        let [r, f] = clear_cookies(false);
        assert!(r.to_str().unwrap().starts_with("khaothi_refresh=; Path=/api/v1/auth; Max-Age=0"));
        assert!(f.to_str().unwrap().starts_with("khaothi_fetch=; Path=/; Max-Age=0"));
    }
}
