//! The bank's side of the loop, over HTTP as the README's "An exam, end to end" does it: accounts,
//! the sample bank, a blueprint assembled and frozen, packages; then the sites' signed results
//! and the calibration of what came back.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use khaothi_domain::IrtParams;
use khaothi_domain::form::VersionKey;
use khaothi_e2e::Bank;
use khaothi_irt::ItemModel;
use khaothi_loadtest::board::BoardClient;
use serde_json::{Value, json};

/// The password of every account the test creates in the bank (at least 12 characters).
pub const PASSWORD: &str = "hội-đồng-thi-e2e-2026";

/// The bank's sample files (item-bank-samples/).
pub fn samples(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../item-bank-samples").join(file)
}

/// One frozen form as the bank knows it: what the test needs to answer as a candidate of any of
/// its versions and to score the answers itself.
pub struct Exam {
    pub form_id: String,
    /// The bank's IRT parameters of each item of the form (the generating parameters).
    pub models: BTreeMap<String, ItemModel>,
    /// Each version's key of each item, in the version's (shuffled) terms: `(code, item)`.
    pub keys: BTreeMap<(String, String), VersionKey>,
    /// The blueprint section of each item (0: part I, 1: part II, 2: part III).
    pub sections: BTreeMap<String, u32>,
}

/// A built package: its bytes and the two release codes (shown once).
pub struct Package {
    pub bytes: Vec<u8>,
    pub content_code: String,
    pub keys_code: String,
}

/// The admin creates the staff accounts; the sample bank's passages are written, submitted and
/// approved; its items are imported keeping their review status (as `khaothi demo` loads them).
/// Returns the board's client.
pub async fn open(bank: &Bank, admin_password: &str) -> BoardClient {
    let admin = BoardClient::login(&bank.url(), "admin", admin_password).await.expect("admin login");
    for (user, role) in [("board", "exam_board"), ("writer", "item_writer"), ("reviewer", "reviewer")] {
        let body = json!({"username": user, "display_name": user, "role": role, "password": PASSWORD});
        admin.post("/api/v1/users", body).await.expect("a staff account");
    }
    let writer = BoardClient::login(&bank.url(), "writer", PASSWORD).await.unwrap();
    let reviewer = BoardClient::login(&bank.url(), "reviewer", PASSWORD).await.unwrap();
    let stimuli = std::fs::read_to_string(samples("stimuli.jsonl")).unwrap();
    for line in stimuli.lines().filter(|l| !l.trim().is_empty()) {
        let s: Value = serde_json::from_str(line).unwrap();
        let id = s["id"].as_str().unwrap();
        writer.post("/api/v1/stimuli", s.clone()).await.expect("a passage");
        writer.post(&format!("/api/v1/stimuli/{id}/submit"), json!({})).await.expect("submitted");
        reviewer.post(&format!("/api/v1/stimuli/{id}/approve"), json!({})).await.expect("approved");
    }
    let items = std::fs::read(samples("items.jsonl")).unwrap();
    let lines = items.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    let path = "/api/v1/items/import?mode=all_or_nothing&keep_status=true&owner=writer";
    let report = admin.post_raw(path, "application/x-ndjson", items).await.expect("the sample bank imports");
    assert_eq!(report["created"].as_u64(), Some(lines as u64), "every sample item created: {report}");
    BoardClient::login(&bank.url(), "board", PASSWORD).await.expect("board login")
}

/// Blueprint → assembly job → the first form frozen → the form's versions and its items'
/// parameters.
pub async fn assemble(board: &BoardClient) -> Exam {
    let yaml = std::fs::read(samples("blueprints/thpt-toan.yaml")).unwrap();
    let bp = board.post_raw("/api/v1/blueprints", "application/yaml", yaml).await.expect("blueprint");
    let bp = bp["id"].as_str().unwrap();
    // The README's request, with a shorter time limit and a looser gap for a debug build.
    let body = json!({"seed": 1, "time_limit": 40, "gap": 0.05});
    let job = board.post(&format!("/api/v1/blueprints/{bp}/assemble"), body).await.expect("assemble");
    let job = job["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    let done = loop {
        let j = board.get(&format!("/api/v1/assembly-jobs/{job}")).await.unwrap();
        match j["status"].as_str() {
            Some("running") | Some("queued") => {}
            Some("done") => break j,
            _ => panic!("the assembly job ended without forms: {j}"),
        }
        assert!(started.elapsed() < Duration::from_secs(120), "assembly still running after 120 s: {j}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!("assembly: {:.1} s", started.elapsed().as_secs_f64());
    let form_id = done["forms"][0].as_str().expect("a form").to_string();
    let frozen = board.post(&format!("/api/v1/forms/{form_id}/freeze"), json!({})).await.expect("freeze");
    assert!(frozen["frozen_at"].is_string(), "{frozen}");
    let mut exam =
        Exam { form_id, models: BTreeMap::new(), keys: BTreeMap::new(), sections: BTreeMap::new() };
    for it in frozen["form"]["items"].as_array().unwrap() {
        let id = it["item_id"].as_str().unwrap().to_string();
        exam.sections.insert(id.clone(), it["section"].as_u64().unwrap_or(0) as u32);
        let item = board.get(&format!("/api/v1/items/{id}")).await.expect("the item");
        let params: IrtParams =
            serde_json::from_value(item["item"]["irt"].clone()).expect("calibrated sample item");
        exam.models.insert(id, ItemModel::try_from(&params).expect("a model"));
    }
    for v in frozen["versions"].as_array().unwrap() {
        let code = v["code"].as_str().unwrap().to_string();
        for (item, key) in v["keys"].as_object().unwrap() {
            let key: VersionKey = serde_json::from_value(key.clone()).unwrap();
            exam.keys.insert((code.clone(), item.clone()), key);
        }
    }
    assert_eq!(exam.models.len(), 22, "the THPT mathematics paper has 22 items");
    exam
}

/// `POST packages` for one event on the exam's form; the file downloaded as the README does.
pub async fn package(board: &BoardClient, exam: &Exam, event: &str) -> Package {
    let body = json!({"event_id": event, "title": "Thi thử THPT – Toán", "forms": [exam.form_id]});
    let built = board.post("/api/v1/packages", body).await.expect("a package");
    let file = built["file"].as_str().expect("the package's file path");
    let res = board.http.get(format!("{}{file}", board.base)).bearer_auth(&board.token).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    Package {
        bytes: res.bytes().await.unwrap().to_vec(),
        content_code: built["content_key"]["code"].as_str().unwrap().to_string(),
        keys_code: built["keys_key"]["code"].as_str().unwrap().to_string(),
    }
}

/// The key delivery servers pin: `GET board-key`.
pub async fn board_key(board: &BoardClient) -> String {
    board.get("/api/v1/board-key").await.unwrap()["public_key"].as_str().unwrap().to_string()
}

/// The board registers a site's result key (`POST sites`).
pub async fn register_site(board: &BoardClient, name: &str, public_key: &str) {
    board.post("/api/v1/sites", json!({"name": name, "public_key": public_key})).await.expect("site");
}

/// The third channel (DESIGN: site reports): the bank's control room shows the site online, each
/// of its nodes reporting, and the event with every candidate submitted — within 30 s.
pub async fn control_room_saw(board: &BoardClient, site: &str, event: &str, nodes: usize, submitted: usize) {
    let t = Instant::now();
    loop {
        let room = board.get("/api/v1/control-room").await.expect("the control room");
        let row = room["sites"].as_array().and_then(|s| s.iter().find(|r| r["name"] == site)).cloned();
        let seen = row.as_ref().is_some_and(|r| {
            let e = r["events"].as_array().and_then(|e| e.iter().find(|e| e["id"] == event));
            r["state"] == "online"
                && r["nodes"]
                    .as_array()
                    .is_some_and(|n| n.len() == nodes && n.iter().all(|n| n["online"] == true))
                && e.is_some_and(|e| e["total"]["submitted"].as_u64() == Some(submitted as u64))
        });
        if seen {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the control room does not show {site} as sent: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Calibrates a response set (2PL; GPCM for the true/false groups) as the README's last line
/// says; the finished run's report.
pub async fn calibrate(board: &BoardClient, response_set: &str) -> Value {
    let path = format!("/api/v1/calibrations?model=2pl&response_set={response_set}");
    // No body, as the README's `curl -X POST`: the response set is the data.
    let started = board.call(reqwest::Method::POST, &path, None).await.expect("a calibration job");
    let href = started["href"].as_str().unwrap().to_string();
    let t = Instant::now();
    let job = loop {
        let j = board.get(&href).await.unwrap();
        if j["status"] != "queued" && j["status"] != "running" {
            break j;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "calibration still running after 120 s: {j}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(job["status"], "done", "{job}");
    eprintln!("calibration: {:.1} s", t.elapsed().as_secs_f64());
    let id = job["calibration_id"].as_str().unwrap();
    board.get(&format!("/api/v1/calibrations/{id}")).await.unwrap()["report"].clone()
}

/// The calibration recovered the generating difficulties: every candidate and every item is in
/// it, and the correlation of each item's location (`b`; a true/false group's mean threshold)
/// between the bank's parameters and the estimates is above `bound` — answers scrambled anywhere
/// between the candidate's screen and the bank (a shuffle not undone, an item swapped, a column
/// shifted) break it. Returns the correlation.
pub fn recovered(report: &Value, exam: &Exam, persons: usize, bound: f64) -> f64 {
    assert_eq!(report["n_persons"].as_u64(), Some(persons as u64), "every candidate calibrated");
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), exam.models.len(), "every item of the form calibrated");
    let (mut truth, mut est) = (Vec::new(), Vec::new());
    for it in items {
        let id = it["id"].as_str().unwrap();
        let bare = id.split('@').next().unwrap();
        assert_eq!(it["n"].as_u64(), Some(persons as u64), "{id} answered by every candidate");
        let model: ItemModel = serde_json::from_value(it.clone()).unwrap_or_else(|e| panic!("{e}: {it}"));
        truth.push(exam.models[bare].difficulty());
        est.push(model.difficulty());
    }
    let r = correlation(&truth, &est);
    eprintln!("locations: r = {r:.3} over {} items", truth.len());
    assert!(
        r > bound,
        "the calibration did not recover the items' locations: r = {r:.3}\n{truth:?}\n{est:?}"
    );
    r
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}
