//! Adaptive-test simulations in the bank (issue 20 §2): `POST /api/v1/cat/simulate` checks the
//! request at once, runs as a job, and the job holds the same table as `khaothi cat simulate`;
//! with a stored blueprint every simulee's test meets it (shadow tests).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp};

/// Polls a CAT job until it ends (at most two minutes).
async fn wait(app: &TestApp, token: &str, href: &str) -> Value {
    for _ in 0..1200 {
        let (s, job) = app.get(Some(token), href).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("CAT job {href} did not end in two minutes");
}

async fn a_board_simulates_designs_on_the_bank_pool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;

    let body = json!({"subject": "toan", "persons": 200, "seed": 3, "length": 8, "randomesque": 2});
    let (s, _) = app.post(Some(&writer), "/api/v1/cat/simulate", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, started) = app.post(Some(&board), "/api/v1/cat/simulate", body.clone()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{started}");
    let href = started["href"].as_str().unwrap();
    let (s, _) = app.get(Some(&writer), href).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let job = wait(&app, &board, href).await;
    assert_eq!(job["status"], "done", "{job}");
    let report = &job["result"]["report"];
    for key in [
        "rmse",
        "bias",
        "mean_length",
        "max_exposure",
        "overlap",
        "unused_items",
        "by_theta",
        "constraint_violations",
    ] {
        assert!(!report[key].is_null(), "{key} in {report}");
    }
    assert_eq!(report["mean_length"], 8.0);
    assert!(report["rmse"].as_f64().unwrap() < 0.7, "{report}");
    assert_eq!(job["result"]["pool_items"], 40);
    assert_eq!(job["request"]["persons"], 200);

    // Bad requests are refused at once, naming what is wrong.
    for (bad, field) in [
        (json!({"subject": "toan", "persons": 0, "length": 8}), "persons"),
        (json!({"subject": "toan", "persons": 10}), "length"),
        (json!({"subject": "toan", "persons": 10, "length": 500}), "design"),
        (json!({"subject": "toan", "persons": 10, "length": 5, "selection": "best"}), "selection"),
        (json!({"subject": "toan", "persons": 10, "stop_se": 0.3}), "stop_se"),
        (json!({"subject": "su", "persons": 10, "length": 5}), "subject"),
        (json!({"subject": "toan", "persons": 10, "length": 5, "sympson_hetter": 1.5}), "sympson_hetter"),
    ] {
        let (s, e) = app.post(Some(&board), "/api/v1/cat/simulate", bad.clone()).await;
        assert!(s.is_client_error(), "{bad}: {s} {e}");
        assert!(e.to_string().contains(field), "{bad}: {e}");
    }
    let (s, e) =
        app.post(Some(&board), "/api/v1/cat/simulate", json!({"persons": 1, "length": 1, "typo": 1})).await;
    assert!(s.is_client_error() && e.to_string().contains("typo"), "{e}");

    // With a stored blueprint: shadow tests, and every simulee's test meets it.
    let (s, bp) = app
        .post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", crate::assembly::BLUEPRINT.into())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let body = json!({"blueprint_id": bp["id"], "persons": 10, "seed": 1});
    let (s, started) = app.post(Some(&board), "/api/v1/cat/simulate", body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{started}");
    let job = wait(&app, &board, started["href"].as_str().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["result"]["report"]["constraint_violations"], 0, "{job}");
    assert_eq!(job["result"]["report"]["mean_length"], 10.0);
    let (s, _) = app.get(Some(&board), "/api/v1/cat/simulations/CATSIM-none").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both_backends!(a_board_simulates_designs_on_the_bank_pool);
