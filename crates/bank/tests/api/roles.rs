//! Every role against every route: allowed roles get past the role check, the others get 403, and
//! no token gets 401.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error, sample_item};

const ROLES: &[&str] = &["admin", "writer", "reviewer", "board", "proctor"];

struct Route {
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    allowed: &'static [&'static str],
}

fn routes() -> Vec<Route> {
    let r = |method, path, body, allowed| Route { method, path, body, allowed };
    let readers: &'static [&'static str] = &["admin", "writer", "reviewer", "board"];
    let authors: &'static [&'static str] = &["admin", "writer"];
    let reviewers: &'static [&'static str] = &["admin", "reviewer"];
    let admin: &'static [&'static str] = &["admin"];
    let stimulus =
        json!({"id": "S-ROLES", "subject": "toan", "title": "Đề bài chung", "text": "Cho hàm số $f(x)$."});
    vec![
        r("GET", "/api/v1/auth/me", None, &["admin", "writer", "reviewer", "board", "proctor"]),
        r("GET", "/api/v1/items", None, readers),
        r("POST", "/api/v1/items", Some(sample_item("ROLE-NEW")), authors),
        r("GET", "/api/v1/items/ROLE-1", None, readers),
        r("PUT", "/api/v1/items/ROLE-1", Some(sample_item("ROLE-1")), authors),
        r("GET", "/api/v1/items/ROLE-1/versions", None, readers),
        r("GET", "/api/v1/items/ROLE-1/versions/1", None, readers),
        r("GET", "/api/v1/items/ROLE-1/preview", None, readers),
        r("POST", "/api/v1/items/ROLE-2/submit", Some(json!({})), authors),
        r("POST", "/api/v1/items/ROLE-3/approve", Some(json!({})), reviewers),
        r("POST", "/api/v1/items/ROLE-3/reject", Some(json!({"comment": "sửa lại"})), reviewers),
        r("POST", "/api/v1/items/ROLE-1/retire", Some(json!({})), reviewers),
        r("GET", "/api/v1/items/export", None, readers),
        r("POST", "/api/v1/items/import?mode=skip_bad", None, authors),
        r("GET", "/api/v1/stimuli", None, readers),
        r("POST", "/api/v1/stimuli", Some(stimulus), authors),
        r("GET", "/api/v1/stimuli/S-ROLES", None, readers),
        r("GET", "/api/v1/media/none", None, readers),
        r("POST", "/api/v1/media", None, authors),
        r("GET", "/api/v1/users", None, admin),
        r(
            "POST",
            "/api/v1/users",
            Some(json!({"username": "x", "display_name": "x", "role": "proctor", "password": "short"})),
            admin,
        ),
        r("GET", "/api/v1/audit", None, admin),
    ]
}

async fn call(app: &TestApp, token: Option<&str>, route: &Route) -> (StatusCode, Value) {
    match (route.method, &route.body) {
        ("GET", _) => app.get(token, route.path).await,
        ("PUT", Some(b)) => app.put(token, route.path, b.clone()).await,
        ("POST", Some(b)) => app.post(token, route.path, b.clone()).await,
        ("POST", None) if route.path.contains("media") => {
            app.post_raw(token, route.path, "image/png", vec![1, 2, 3]).await
        }
        ("POST", None) => app.post_raw(token, route.path, "application/x-ndjson", b"\n".to_vec()).await,
        _ => unreachable!(),
    }
}

async fn every_role_against_every_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let reviewer = app.login("reviewer").await;
    // ROLE-1 approved (visible to every reader), ROLE-2 draft, ROLE-3 in review.
    for id in ["ROLE-1", "ROLE-2", "ROLE-3"] {
        let (s, b) = app.post(Some(&writer), "/api/v1/items", sample_item(id)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    for id in ["ROLE-1", "ROLE-3"] {
        app.post(Some(&writer), &format!("/api/v1/items/{id}/submit"), json!({})).await;
    }
    let (s, _) = app.post(Some(&reviewer), "/api/v1/items/ROLE-1/approve", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    // S-ROLES is the writer's: only its writer (or an admin) edits a stimulus.
    let stimulus = routes().into_iter().find(|r| r.path == "/api/v1/stimuli" && r.method == "POST").unwrap();
    let (s, b) = call(&app, Some(&writer), &stimulus).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((*role, app.login(role).await));
    }
    for route in routes() {
        let (s, body) = call(&app, None, &route).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{} {} without a token: {body}", route.method, route.path);
        assert_error(&body, "unauthorized");
        for (role, token) in &tokens {
            let (s, body) = call(&app, Some(token), &route).await;
            if route.allowed.contains(role) {
                assert!(
                    s != StatusCode::FORBIDDEN && s != StatusCode::UNAUTHORIZED,
                    "{role} should pass the role check of {} {}: {s} {body}",
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(
                    s,
                    StatusCode::FORBIDDEN,
                    "{role} must be refused {} {}: {body}",
                    route.method,
                    route.path
                );
                assert_error(&body, "forbidden");
            }
        }
    }
}
both_backends!(every_role_against_every_route);

async fn visibility_follows_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = app.login("writer").await;
    let other = app.user("writer2", "item_writer").await;
    let reviewer = app.login("reviewer").await;
    let board = app.login("board").await;
    app.post(Some(&writer), "/api/v1/items", sample_item("VIS-DRAFT")).await;
    app.post(Some(&writer), "/api/v1/items", sample_item("VIS-REVIEW")).await;
    app.post(Some(&writer), "/api/v1/items/VIS-REVIEW/submit", json!({})).await;
    let ids = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(app.get(Some(&writer), "/api/v1/items").await.1), vec!["VIS-DRAFT", "VIS-REVIEW"]);
    assert!(
        ids(app.get(Some(&other), "/api/v1/items").await.1).is_empty(),
        "another writer's drafts are private"
    );
    assert_eq!(ids(app.get(Some(&reviewer), "/api/v1/items").await.1), vec!["VIS-REVIEW"]);
    assert!(ids(app.get(Some(&board), "/api/v1/items").await.1).is_empty());
    // Another writer may not edit or submit someone else's item.
    let (s, body) = app.put(Some(&other), "/api/v1/items/VIS-DRAFT", sample_item("VIS-DRAFT")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = app.post(Some(&other), "/api/v1/items/VIS-DRAFT/submit", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A reviewer who wrote an item cannot approve it (four eyes).
    let rw = app.user("reviewer2", "reviewer").await;
    let admin = app.login("admin").await;
    let (s, _) = app.post(Some(&admin), "/api/v1/items", sample_item("VIS-ADMIN")).await;
    assert_eq!(s, StatusCode::CREATED);
    app.post(Some(&admin), "/api/v1/items/VIS-ADMIN/submit", json!({})).await;
    let (s, body) = app.post(Some(&admin), "/api/v1/items/VIS-ADMIN/approve", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = app.post(Some(&rw), "/api/v1/items/VIS-ADMIN/approve", json!({})).await;
    assert_eq!(s, StatusCode::OK);
}
both_backends!(visibility_follows_roles);
