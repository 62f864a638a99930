//! The answer-copying screen on an imported result file (issue 19): the board screens an event's
//! neighbouring seats with the bank's item parameters; pairs are flagged for review; audited.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use khaothi_irt::ItemModel;
use khaothi_package::result_file::{ChainHead, ChainHeads, UnsignedResults};
use khaothi_package::sign_result_file;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error};
use crate::results::site_key;

/// `raw.csv` and `results.csv` of two rooms of 12 on the pool's 24 single-choice items (key A,
/// parameters as the pool carries them): in room P02, seat 6 took every answer of seat 5 a few
/// seconds after them.
fn parts() -> BTreeMap<String, String> {
    let models: Vec<ItemModel> =
        (0..24).map(|i| ItemModel::TwoPl { a: 0.8 + i as f64 * 0.05, b: -1.5 + i as f64 * 0.12 }).collect();
    let m = khaothi_irt::simulate::simulate_responses(
        &models,
        &khaothi_irt::simulate::draw_thetas(24, 0.0, 1.0, 5),
        6,
    );
    let mut raw = String::from("person,item,kind,version,position,value,correct,epoch,seq,answered_at\n");
    let mut results = String::from("number,full_name,date_of_birth,room,seat,version,status\n");
    let wrong = ["B", "C", "D"];
    let sheet = |c: usize| -> Vec<(&str, u8)> {
        (0..24).map(|j| if m.get(c, j) == 1 { ("A", 1) } else { (wrong[(c * 7 + j * 3) % 3], 0) }).collect()
    };
    for c in 0..24 {
        let (room, seat) = (c / 12 + 1, c % 12 + 1);
        let (answers, base) = if c == 17 { (sheet(16), 16 * 300 + 4) } else { (sheet(c), c * 300) };
        writeln!(results, "{:05},Thí sinh {c},2007-01-01,P{room:02},{seat},0101,submitted", c + 1).unwrap();
        for (j, (v, s)) in answers.iter().enumerate() {
            let sec = base + 11 * j;
            let at = format!("2025-06-27T0{}:{:02}:{:02}.000Z", 8 + sec / 3600, sec / 60 % 60, sec % 60);
            writeln!(raw, "{:05},P-SC-{j:02}@1,single_choice,0101,{},{v},{s},1,1,{at}", c + 1, j + 1)
                .unwrap();
        }
    }
    BTreeMap::from([("raw.csv".to_string(), raw), ("results.csv".to_string(), results)])
}

async fn board_screens_an_imported_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::assembly::import_pool(&app).await;
    let admin = app.login("admin").await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let key = site_key(19);
    let site = json!({"name": "Điểm thi 19", "public_key": key.public().to_string()});
    assert_eq!(app.post(Some(&board), "/api/v1/sites", site).await.0, StatusCode::CREATED);
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    let sign = |parts: BTreeMap<String, String>, event: &str| {
        sign_result_file(
            UnsignedResults {
                event_id: event.into(),
                site_name: "Điểm thi 19".into(),
                created_at: "2025-06-27T11:00:00Z".into(),
                parts,
                chains: ChainHeads { responses: head(576, "a"), audit: head(30, "b") },
            },
            &key,
        )
        .to_json()
    };
    let (s, import) =
        app.post_raw(Some(&board), "/api/v1/results", "application/json", sign(parts(), "E19")).await;
    assert_eq!(s, StatusCode::CREATED, "{import}");
    let path = format!("/api/v1/results/{}/integrity", import["id"].as_str().unwrap());

    let (s, _) = app.post(Some(&writer), &path, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, r) = app.post(Some(&board), &path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["m"].as_u64(), r["alpha"].as_f64(), r["items_used"].as_u64()),
        (Some(22), Some(0.001), Some(24))
    );
    let top = &r["pairs"][0];
    assert_eq!(
        (top["a"].as_str(), top["b"].as_str(), top["room"].as_str()),
        (Some("00017"), Some("00018"), Some("P02"))
    );
    assert_eq!(
        (top["flagged"].as_bool(), top["evidence"]["matches"].as_u64()),
        (Some(true), Some(24)),
        "{top}"
    );
    assert_eq!(top["evidence"]["together"], 24);
    let flagged: Vec<_> = r["pairs"].as_array().unwrap().iter().filter(|p| p["flagged"] == true).collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(r["rooms"][1]["flagged_candidates"], json!(["00017", "00018"]));
    assert!(r["note"].as_str().unwrap().contains("flagged for review"));

    // A layout of 2 × 6 in P01: 5·2 + 6 + 2·5 neighbour pairs there, 11 in P02.
    let (s, r) = app
        .post(
            Some(&board),
            &path,
            json!({"alpha": 0.01, "layouts": [{"room": "P01", "rows": 2, "columns": 6}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!((r["m"].as_u64(), r["alpha"].as_f64()), (Some(26 + 11), Some(0.01)));

    // Refusals name the problem.
    let (s, body) = app.post(Some(&board), &path, json!({"alpha": 1.5})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_alpha");
    let (s, _) = app.post(Some(&board), "/api/v1/results/nothing/integrity", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let calibration_only =
        BTreeMap::from([("calibration.csv".to_string(), "person,P-SC-00@1\n1,1\n".to_string())]);
    let (s, other) = app
        .post_raw(Some(&board), "/api/v1/results", "application/json", sign(calibration_only, "E20"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let (s, body) = app
        .post(
            Some(&board),
            &format!("/api/v1/results/{}/integrity", other["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("no raw.csv part"), "{body}");

    // Every screen is audited.
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?action=integrity_screen").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "{log}");
}
both_backends!(board_screens_an_imported_event);
