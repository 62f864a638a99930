//! The read-only views the exam board's pages draw: an assembly job's overview (TIF and SE curves,
//! expected scores, cells, overlap) and a calibration run's item flags and curves.

use khaothi_irt::ItemModel;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assembly::{BLUEPRINT, poll, pool};
use crate::both_backends;
use crate::common::{Backend, TestApp};

async fn overview_shows_curves_cells_and_overlap_of_every_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (s, _) = app
        .post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool())
        .await;
    assert_eq!(s, StatusCode::OK);
    let board = app.login("board").await;
    let (s, bp) =
        app.post_raw(Some(&board), "/api/v1/blueprints", "application/yaml", BLUEPRINT.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{bp}");
    let (s, job) = app
        .post(
            Some(&board),
            &format!("/api/v1/blueprints/{}/assemble", bp["id"].as_str().unwrap()),
            json!({"seed": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let job_id = job["id"].as_str().unwrap().to_string();
    let job = poll(&app, &board, &job_id).await;
    assert_eq!(job["status"], "done", "{job}");

    let path = format!("/api/v1/assembly-jobs/{job_id}/overview");
    for role in ["writer", "reviewer"] {
        let token = app.login(role).await;
        let (s, body) = app.get(Some(&token), &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{role}: {body}");
    }
    let (s, o) = app.get(Some(&board), &path).await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["status"], "done");
    assert!(o["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    let forms = o["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 2);
    for f in forms {
        let c = &f["curves"];
        let thetas: Vec<f64> = c["thetas"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!((thetas.len(), thetas[0], thetas[32]), (33, -4.0, 4.0));
        let info: Vec<f64> =
            c["information"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let se = c["se"].as_array().unwrap();
        for (i, s) in info.iter().zip(se) {
            assert!(*i > 0.0, "every item of the pool is calibrated");
            assert!((s.as_f64().unwrap() - 1.0 / i.sqrt()).abs() < 1e-9, "SE = 1/√I");
        }
        // 6 × 0.25 + 2 × 1 + 2 × 0.5 points; the expected score rises with θ inside them.
        assert_eq!(c["max_points"], 4.5);
        let e: Vec<f64> =
            c["expected_score"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(e.windows(2).all(|w| w[1] > w[0]) && e[32] < 4.5 && e[0] > 0.0, "{e:?}");
        let pop = c["expected_score_population"].as_f64().unwrap();
        assert!(pop > e[0] && pop < e[32], "{pop}");
        assert_eq!(c["uncalibrated"], 0);
        assert_eq!(f["items"], 10);
        assert_eq!(f["sections"], json!([6, 2, 2]));
        assert_eq!(f["versions"].as_array().unwrap().len(), 3);
        assert!(!f["cells"].as_array().unwrap().is_empty(), "{f}");
        assert_eq!(f["frozen"], false);
    }
    let overlap = o["overlap"].as_array().unwrap();
    assert_eq!(overlap.len(), 1);
    let shared = overlap[0]["shared"].as_u64().unwrap();
    assert!(shared <= 5, "max_overlap 0.5 of 10 items: {overlap:?}");

    // The overview of a form that was frozen says so; an unknown job is a 404.
    let form_id = forms[0]["id"].as_str().unwrap();
    let (s, _) = app.post(Some(&board), &format!("/api/v1/forms/{form_id}/freeze"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, o) = app.get(Some(&board), &path).await;
    assert_eq!(o["forms"][0]["frozen"], true);
    let (s, body) = app.get(Some(&board), "/api/v1/assembly-jobs/nope/overview").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}
both_backends!(overview_shows_curves_cells_and_overlap_of_every_form);

/// 2,000 simulated candidates on the pool's 24 single-choice items with a group column; item
/// P-SC-04 is harder for group F by 1.2 logits (DIF), so the flags must find it.
fn responses_with_dif() -> Vec<u8> {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let mut shifted = models.clone();
    shifted[4] = ItemModel::TwoPl { a: 1.0, b: -1.02 + 1.2 };
    let ids: Vec<String> = (0..24).map(|i| format!("P-SC-{i:02}")).collect();
    let mut csv = format!("{},group\n", ids.join(","));
    for (g, set, seed) in [("M", &models, 21), ("F", &shifted, 22)] {
        let thetas = khaothi_irt::simulate::draw_thetas(1000, 0.0, 1.0, seed);
        let m = khaothi_irt::simulate::simulate_responses_with_ids(set, ids.clone(), &thetas, seed + 10);
        for p in 0..m.n_persons() {
            let row: Vec<String> = m.row(p).iter().map(u8::to_string).collect();
            csv.push_str(&format!("{},{g}\n", row.join(",")));
        }
    }
    csv.into_bytes()
}

async fn flags_find_dif_and_weak_items_with_their_curves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    app.post_raw(Some(&admin), "/api/v1/items/import?keep_status=true", "application/x-ndjson", pool()).await;
    let board = app.login("board").await;
    let csv = responses_with_dif();
    // The run itself ignores the group column only if told; calibrate on the item columns.
    let text = String::from_utf8(csv.clone()).unwrap();
    let items_only: String = text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    let run = crate::calibration_jobs::calibrate_and_wait(
        &app,
        &board,
        "?model=2pl",
        items_only.clone().into_bytes(),
    )
    .await;
    let path = format!("/api/v1/calibrations/{}/flags", run["run_id"].as_str().unwrap());

    let writer = app.login("writer").await;
    let (s, _) = app.post_raw(Some(&writer), &path, "text/csv", csv.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, f) = app.post_raw(Some(&board), &format!("{path}?group=group"), "text/csv", csv.clone()).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    // Two groups of 1,000: the tie goes to the first label in order as the reference.
    assert_eq!(f["dif_groups"], json!({"reference": "F", "focal": "M"}));
    let items = f["items"].as_array().unwrap();
    assert_eq!(items.len(), 24);
    let flagged = |id: &str| -> Vec<String> {
        let it = items.iter().find(|i| i["id"] == id).unwrap();
        it["flags"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let dif4 = flagged("P-SC-04");
    assert!(dif4.iter().any(|f| f == "dif_b" || f == "dif_c"), "{dif4:?}");
    let clean = items.iter().filter(|i| i["flags"].as_array().unwrap().is_empty()).count();
    assert!(clean >= 18, "few false alarms: {clean} clean of 24");
    let first = &items[0];
    assert_eq!(first["curves"].as_array().unwrap().len(), 2);
    assert_eq!(first["curves"][1].as_array().unwrap().len(), f["thetas"].as_array().unwrap().len());
    assert!(first["fit"]["sx2"].as_f64().is_some(), "{first}");
    assert_eq!(f["thresholds"], json!({"misfit_p": 0.01, "low_a": 0.5, "extreme_b": 3.0}));
    let counted: u64 =
        f["score_distribution"].as_array().unwrap().iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 2000);

    // Without a group: no DIF, the other flags still there.
    let (s, f) = app.post_raw(Some(&board), &path, "text/csv", items_only.clone().into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert!(f["dif_groups"].is_null() && f["items"][4]["dif"].is_null());

    // What a board member can get wrong, each answered with a message.
    let cases: Vec<(String, Vec<u8>, StatusCode, &str)> = vec![
        (format!("{path}?group=nhom"), csv.clone(), StatusCode::UNPROCESSABLE_ENTITY, "nhom"),
        (format!("{path}?group=group&reference=M"), csv.clone(), StatusCode::UNPROCESSABLE_ENTITY, "neither"),
        (format!("{path}?reference=M&focal=F"), csv.clone(), StatusCode::BAD_REQUEST, "group"),
        (path.clone(), b"P-SC-00,P-SC-01\n1,0\n".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "missing"),
        (path.clone(), b"P-SC-00,P-SC-01\n1,x\n".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "row"),
        (format!("{path}?response_set=RS-none"), vec![], StatusCode::NOT_FOUND, "RS-none"),
        (format!("{path}?response_set=RS-none"), csv.clone(), StatusCode::BAD_REQUEST, "not both"),
        ("/api/v1/calibrations/CAL-none/flags".into(), csv.clone(), StatusCode::NOT_FOUND, "CAL-none"),
    ];
    for (url, body, status, words) in cases {
        let (s, b): (StatusCode, Value) = app.post_raw(Some(&board), &url, "text/csv", body).await;
        assert_eq!(s, status, "{url}: {b}");
        let msg = b.to_string();
        assert!(msg.contains(words), "{url}: the message says {words:?}: {msg}");
    }
}
both_backends!(flags_find_dif_and_weak_items_with_their_curves);
