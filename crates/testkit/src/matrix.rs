//! The authorization matrix both services' tests check (issue 16, finding 12): every route of a
//! router (its OpenAPI paths plus the test's list of non-JSON routes) × every role, with the
//! expected answer per cell in a table the test file holds as text, so a reader sees who may do
//! what at a glance and a route without a row fails the test.
//!
//! A cell is the class of the status: `ok` (2xx/3xx), `401`, `403`, `404`, `4xx` (any other
//! refusal of the request itself: a bad body, a conflict, a wrong method — authorization passed),
//! `5xx`, or `-` (not asked). Every answer must also carry a Content-Security-Policy, and an HTML
//! one a policy that forbids framing and inline script (finding 10).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::Value;

/// `(METHOD, path template)`, e.g. `("GET", "/api/v1/items/{id}")`.
pub type Route = (String, String);

/// The class of a status, as the table writes it.
pub fn class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=399 => "ok",
        401 => "401",
        403 => "403",
        404 => "404",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Every `(METHOD, path)` of an OpenAPI document (as served at `/openapi.json`).
pub fn documented_routes(spec: &Value) -> Vec<Route> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths in the document") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The table's rows: `METHOD path cell cell …` per line; blank lines and `#` comments skipped.
pub fn parse_table(text: &str) -> BTreeMap<Route, Vec<String>> {
    let mut rows = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut parts = line.split_whitespace();
        let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
            panic!("a row needs a method and a path: {line}")
        };
        let cells: Vec<String> = parts.map(str::to_string).collect();
        let previous = rows.insert((method.to_string(), path.to_string()), cells);
        assert!(previous.is_none(), "two rows for {method} {path}");
    }
    rows
}

/// Checks that the table and the routes match one to one and every cell is as expected; on a
/// difference, panics with every difference and the observed table to paste back after review.
pub fn check(expected: &BTreeMap<Route, Vec<String>>, observed: &BTreeMap<Route, Vec<String>>, header: &str) {
    let mut problems = Vec::new();
    for (route, cells) in observed {
        match expected.get(route) {
            None => problems
                .push(format!("{} {}: no row in the table (a new route needs its rule)", route.0, route.1)),
            Some(want) if want != cells => {
                problems.push(format!("{} {}: expected {want:?}, observed {cells:?}", route.0, route.1))
            }
            Some(_) => {}
        }
    }
    for route in expected.keys().filter(|r| !observed.contains_key(*r)) {
        problems.push(format!("{} {}: in the table but not a route any more", route.0, route.1));
    }
    if !problems.is_empty() {
        let mut table = format!("{header}\n");
        for ((method, path), cells) in observed {
            table.push_str(&format!(
                "{method:<6} {path:<64} {}\n",
                cells.iter().map(|c| format!("{c:<9}")).collect::<String>().trim_end()
            ));
        }
        panic!("{} cells differ:\n{}\n\nobserved table:\n{table}", problems.len(), problems.join("\n"));
    }
}

/// Every answer carries a Content-Security-Policy; an HTML one forbids framing and inline script.
pub fn check_policy(route: &Route, headers: &reqwest::header::HeaderMap) {
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{} {}: no Content-Security-Policy", route.0, route.1));
    let html =
        headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html {
        assert!(csp.contains("frame-ancestors 'none'"), "{} {}: {csp}", route.0, route.1);
        let script = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("");
        assert!(!script.contains("unsafe-inline") && !script.contains('*'), "{} {}: {csp}", route.0, route.1);
        assert!(
            script.is_empty() && csp.contains("default-src 'none'") || !script.is_empty(),
            "{} {}: HTML without script-src must have default-src 'none': {csp}",
            route.0,
            route.1
        );
    }
}
