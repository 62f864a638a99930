//! Issue 22 §3 for school tests: a test sat on paper read into the bank with no delivery server.
//! The bank's own class PDF is rendered (pdftoppm), its pages filled with the generator's pencil
//! marks (some doubled or erased), uploaded as scans and read by the server against the layout it
//! printed; flagged marks are decided by a person; finalizing scores every sheet by the THPT rules
//! into a response set and a signed result file. Bad uploads (not an image, too many files, a
//! sheet of another form) are refused by name with nothing written.

use std::collections::BTreeMap;

use khaothi_domain::form::{Version, VersionKey};
use khaothi_omr::Layout;
use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::fill;
use rand::SeedableRng;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::answer_sheets::a_job;
use crate::both_backends;
use crate::common::{Backend, TestApp};

const DPI: f64 = 150.0;
const TEST: &str = "KT giữa kỳ 12A1";

/// The class's sheets of `form`'s version `code` as the bank prints them, rendered to grey images
/// (one per candidate, in the CSV's order), with the version's layout.
async fn printed(
    app: &TestApp,
    board: &str,
    form: &str,
    code: &str,
    numbers: &[&str],
) -> (Vec<image::GrayImage>, Layout) {
    let url = |q: &str| {
        format!(
            "{}/api/v1/forms/{form}/answer-sheets?version={code}&event=KT%20gi%E1%BB%AFa%20k%E1%BB%B3%2012A1{q}",
            app.url
        )
    };
    let csv =
        numbers.iter().fold(String::from("so_bao_danh,ho_ten\n"), |t, n| t + &format!("{n},Học sinh {n}\n"));
    let res = app
        .client
        .post(url(""))
        .bearer_auth(board)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("class.pdf"), res.bytes().await.unwrap()).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray", "-png"])
        .arg(dir.path().join("class.pdf"))
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    let images = pages.iter().map(|p| image::open(p).unwrap().to_luma8()).collect();
    let res = app.client.get(url("&format=layout")).bearer_auth(board).send().await.unwrap();
    (images, res.json().await.unwrap())
}

fn png(img: &image::GrayImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn upload(app: &TestApp, board: &str, sitting: &str, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let form = files.iter().fold(reqwest::multipart::Form::new(), |f, (name, bytes)| {
        f.part("scans", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()))
    });
    let res = app
        .client
        .post(format!("{}/api/v1/paper-sittings/{sitting}/scans", app.url))
        .bearer_auth(board)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

/// The THPT points of one answer, in hundredths (written out here, independently of the server).
fn thpt_points(key: &VersionKey, answer: Option<&Value>) -> (u32, u32) {
    match key {
        VersionKey::SingleChoice(k) => {
            let right = answer.and_then(Value::as_str) == Some(k.letter().to_string().as_str());
            (if right { 25 } else { 0 }, 25)
        }
        VersionKey::TrueFalseGroup(k) => {
            let given = answer.and_then(Value::as_array);
            let right = k
                .iter()
                .enumerate()
                .filter(|(i, v)| given.and_then(|g| g.get(*i)).and_then(Value::as_bool) == Some(**v))
                .count();
            ([0, 10, 25, 50, 100][right], 100)
        }
        VersionKey::ShortAnswer(k) => {
            let right = answer.and_then(Value::as_str).is_some_and(|s| k.accepts(s));
            (if right { 50 } else { 0 }, 50)
        }
    }
}

/// A sheet's total and maximum on `version`, from its answers keyed as printed (`I.1`, …).
fn expected_total(version: &Version, answers: &BTreeMap<String, Value>) -> (u32, u32) {
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    let (mut total, mut max) = (0, 0);
    for id in &version.items {
        let key = &version.keys[id];
        let part = match key {
            VersionKey::SingleChoice(_) => "I",
            VersionKey::TrueFalseGroup(_) => "II",
            VersionKey::ShortAnswer(_) => "III",
        };
        let n = counts.entry(part).or_default();
        *n += 1;
        let (p, m) = thpt_points(key, answers.get(&format!("{part}.{n}")));
        total += p;
        max += m;
    }
    (total, max)
}

/// A filled page whose reading has a double mark on a question and whose number, version and QR
/// read cleanly; with its local reading.
fn filled(
    page: &image::GrayImage,
    layout: &Layout,
    number: &str,
    code: &str,
    want_double: bool,
) -> (Vec<u8>, khaothi_omr::SheetReading) {
    for seed in 1..200u64 {
        let mut img = page.clone();
        fill(&mut img, layout, DPI / 25.4, number, code, &mut rand::rngs::StdRng::seed_from_u64(seed));
        let bytes = png(&img);
        let decoded = image::load_from_memory(&bytes).unwrap().to_luma8();
        let r = read_sheet(&decoded, layout, &ReadOptions { dpi: None, crops: true });
        let fields_clean =
            r.flags.iter().all(|f| f.key.contains('.')) && r.candidate.as_deref() == Some(number);
        let doubled = r.flags.iter().any(|f| f.reason == khaothi_omr::FlagReason::DoubleMark);
        if fields_clean && doubled == want_double {
            return (bytes, r);
        }
    }
    panic!("no seed gives the sheet wanted");
}

async fn a_class_test_on_paper_goes_into_the_bank(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let forms = a_job(&app, &board).await;
    for f in &forms {
        let (s, b) = app.post(Some(&board), &format!("/api/v1/forms/{f}/freeze"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (_, view) = app.get(Some(&board), &format!("/api/v1/forms/{}", forms[0])).await;
    let version: Version = serde_json::from_value(view["versions"][0].clone()).unwrap();
    let code = version.code.clone();

    // The sitting; a name or form that does not fit is refused.
    let (s, b) =
        app.post(Some(&board), "/api/v1/paper-sittings", json!({"form_id": forms[0], "name": " "})).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_name")), "{b}");
    let (s, sitting) =
        app.post(Some(&board), "/api/v1/paper-sittings", json!({"form_id": forms[0], "name": TEST})).await;
    assert_eq!(s, StatusCode::CREATED, "{sitting}");
    let id = sitting["id"].as_str().unwrap().to_string();
    assert_eq!(sitting["versions"].as_array().unwrap().len(), 3, "{sitting}");

    // The class's sheets, printed by the bank and filled in pencil.
    let numbers = ["120001", "120002", "120003"];
    let (pages, layout) = printed(&app, &board, &forms[0], &code, &numbers).await;
    assert_eq!(pages.len(), 3);
    let sheets: Vec<(Vec<u8>, khaothi_omr::SheetReading)> = numbers
        .iter()
        .zip(&pages)
        .enumerate()
        .map(|(i, (n, page))| filled(page, &layout, n, &code, i == 0))
        .collect();

    // Bad uploads refuse the whole request by name; nothing is written.
    let good = sheets[1].0.as_slice();
    let (other_pages, other_layout) = printed(&app, &board, &forms[1], "0201", &["120009"]).await;
    let other = filled(&other_pages[0], &other_layout, "120009", "0201", false).0;
    for (files, status, code, name) in [
        (
            vec![("b.png", good), ("ghi-chu.png", b"not an image".as_slice())],
            400,
            "not_an_image",
            "ghi-chu.png",
        ),
        (vec![("b.png", good), ("lop-khac.png", other.as_slice())], 400, "wrong_form", "lop-khac.png"),
    ] {
        let (s, out) = upload(&app, &board, &id, &files).await;
        assert_eq!((s.as_u16(), out["error"].as_str()), (status, Some(code)), "{out}");
        assert!(out["message"].as_str().unwrap().starts_with(name), "{out}");
    }
    let many: Vec<(String, Vec<u8>)> = (0..51).map(|i| (format!("{i}.png"), vec![0u8; 8])).collect();
    let files: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (s, out) = upload(&app, &board, &id, &files).await;
    assert_eq!((s, out["error"].as_str()), (StatusCode::BAD_REQUEST, Some("too_many_scans")), "{out}");
    let (_, now) = app.get(Some(&board), &format!("/api/v1/paper-sittings/{id}")).await;
    assert_eq!((now["sheets"].as_u64(), now["flags_pending"].as_u64()), (Some(0), Some(0)), "{now}");

    // The class's scans: read as the reader reads them locally.
    let names = ["12A1/001.png", "12A1/002.png", "12A1/003.png"];
    let files: Vec<(&str, &[u8])> = names.iter().zip(&sheets).map(|(n, (b, _))| (*n, b.as_slice())).collect();
    let (s, out) = upload(&app, &board, &id, &files).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    for (o, (n, (_, r))) in out["sheets"].as_array().unwrap().iter().zip(numbers.iter().zip(&sheets)) {
        assert_eq!((o["status"].as_str(), o["number"].as_str()), (Some("read"), Some(*n)), "{out}");
        assert_eq!(o["answers"], r.answers.len(), "{out}");
        assert_eq!(o["flags"], r.flags.len(), "{out}");
    }
    let (s, again) = upload(&app, &board, &id, &[("lai.png", sheets[0].0.as_slice())]).await;
    assert_eq!((s, again["sheets"][0]["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{again}");

    // The queue: every flag with its crop; the double mark is decided by a person.
    let (_, queue) = app.get(Some(&board), &format!("/api/v1/paper-sittings/{id}/flags")).await;
    let flags = queue["flags"].as_array().unwrap().clone();
    assert_eq!(flags.len(), sheets.iter().map(|(_, r)| r.flags.len()).sum::<usize>(), "{queue}");
    assert!(flags.iter().all(|f| f["crop"].as_str().unwrap().starts_with("data:image/png;base64,")));
    let double = flags.iter().find(|f| f["reason"] == "double_mark").expect("the double mark in the queue");
    assert_eq!(double["number"], numbers[0]);
    let (s, b) = app.post(Some(&board), &format!("/api/v1/paper-sittings/{id}/finalize"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "finalizing waits for the flags: {b}");
    let decide = |f: &Value| format!("/api/v1/paper-sittings/{id}/flags/{}", f["id"].as_str().unwrap());
    let (s, b) = app.post(Some(&board), &decide(double), json!({"answer": "Z"})).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_decision")), "{b}");
    let mut decided: Vec<BTreeMap<String, Value>> = sheets
        .iter()
        .map(|(_, r)| r.answers.iter().map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap())).collect())
        .collect();
    for f in &flags {
        let key = f["key"].as_str().unwrap();
        // A person's reading: the first statement or letter of the proposal, else nothing marked.
        let answer = match (key.split('.').next(), &f["proposed"]) {
            (Some("I"), _) => json!("B"),
            (Some("II"), _) => json!([true, null, null, null]),
            (Some("III"), Value::String(p)) if !p.is_empty() => json!(p),
            _ => Value::Null,
        };
        let (s, b) =
            app.post(Some(&board), &decide(f), json!({"answer": answer, "note": "đã xem bản quét"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["decided_by"], "board");
        let sheet = numbers.iter().position(|n| f["number"] == *n).unwrap();
        if !answer.is_null() {
            decided[sheet].insert(key.to_string(), answer);
        }
    }
    let (s, _) = app.post(Some(&board), &decide(double), json!({"answer": "A"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "a flag is decided once");

    // Finalize: scores by the THPT rules, a response set and a result file.
    let (s, done) = app.post(Some(&board), &format!("/api/v1/paper-sittings/{id}/finalize"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    for (c, answers) in done["candidates"].as_array().unwrap().iter().zip(&decided) {
        let (total, max) = expected_total(&version, answers);
        assert_eq!((c["total"].as_u64(), c["max"].as_u64()), (Some(total.into()), Some(max.into())), "{c}");
        assert_eq!(c["image_sha256"].as_str().unwrap().len(), 64);
    }
    let (s, _) = app.post(Some(&board), &format!("/api/v1/paper-sittings/{id}/finalize"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "finalized once");
    let res = app
        .client
        .get(format!("{}/api/v1/paper-sittings/{id}/results.csv", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("number,full_name,"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");

    // The result file is among the bank's imports, under the bank's own site, with its response set.
    let (_, imports) = app.get(Some(&board), "/api/v1/results").await;
    let import =
        imports.as_array().unwrap().iter().find(|i| i["event_id"] == id.as_str()).expect("the import");
    assert_eq!(import["response_set_id"], done["response_set_id"]);
    assert_eq!(import["site_name"], "Bài kiểm tra trên giấy (ngân hàng)");
    let db = khaothi_store::connect(&app.database_url).await.unwrap();
    let set = khaothi_store::calibration::response_set(
        &db,
        khaothi_store::DEFAULT_ORG,
        done["response_set_id"].as_str().unwrap(),
    )
    .await
    .unwrap();
    let m = khaothi_irt::csv::read_responses(set.csv.as_bytes()).unwrap();
    assert_eq!(m.n_persons(), 3, "{}", set.csv);
    assert!(set.csv.lines().skip(1).zip(numbers).all(|(l, n)| l.starts_with(n)), "{}", set.csv);
    // Đối sánh takes the paper test like a site's results: its event is the sitting's id.
    let transcripts =
        numbers.iter().fold(String::from("candidate,school,district,province,subject,grade\n"), |t, n| {
            t + &format!("{n},THPT Chu Văn An,Ba Đình,Hà Nội,Toán,\"7,5\"\n")
        });
    let (s, set) =
        app.post_raw(Some(&board), "/api/v1/transcripts?name=HB", "text/csv", transcripts.into_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{set}");
    let path = format!(
        "/api/v1/comparisons?transcripts={}&event={id}&subject=Toán&by=school",
        set["id"].as_str().unwrap()
    );
    let (s, cmp) = app.get(Some(&board), &path).await;
    assert_eq!(s, StatusCode::OK, "{cmp}");
    assert_eq!(cmp["national"]["n"], 3, "{cmp}");
    let mean: f64 = done["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["score10"].as_str().unwrap().replace(',', ".").parse::<f64>().unwrap())
        .sum::<f64>()
        / 3.0;
    assert!((cmp["national"]["exam_mean"].as_f64().unwrap() - mean).abs() < 1e-9, "{cmp}");
    // The audit log holds the decisions with what the reader proposed.
    let (_, log) = app.get(Some(&app.login("admin").await), "/api/v1/audit?action=paper_flag_decided").await;
    let text = log.to_string();
    assert!(text.contains("paper_flag_decided") && text.contains("double_mark"), "{text}");
}
both_backends!(a_class_test_on_paper_goes_into_the_bank);
