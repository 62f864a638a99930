//! Issue 21 in the bank: transcripts imported with a per-row report, đối sánh over an event's
//! imported result files (JSON and SVG), certificates issued from them, verified with the public
//! key list, revoked, and the verification page served to anyone.

use std::collections::BTreeMap;

use khaothi_certificate::{RevocationList, TrustedKeys, Verdict, verify};
use khaothi_package::result_file::{ChainHead, ChainHeads, UnsignedResults};
use khaothi_package::sign_result_file;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::{Backend, TestApp, assert_error};
use crate::results::site_key;

const EVENT: &str = "THPT-2026-TOAN";

/// 40 candidates in 4 schools; school D's transcripts run 3 points high.
fn data() -> (String, String, Value) {
    let mut csv = String::from("number,full_name,date_of_birth,score10\n");
    let mut transcripts = String::from("candidate,school,district,province,subject,grade\n");
    let mut candidates = Vec::new();
    for k in 0..40 {
        let school = ["A", "B", "C", "D"][k % 4];
        let exam = 3.0 + (k * 7 % 50) as f64 / 10.0;
        let lift = if school == "D" { 3.0 } else { 1.0 + (k % 3) as f64 * 0.3 };
        let number = format!("0100{k:04}");
        csv.push_str(&format!("{number},Thí sinh {k},2008-01-01,{exam:.2}\n"));
        transcripts.push_str(&format!(
            "{number},THPT {school},Q{},Hà Nội,Toán,{:.2}\n",
            k % 2,
            (exam + lift).min(10.0)
        ));
        candidates.push(json!({"number": number, "full_name": format!("Thí sinh {k}"), "date_of_birth": "2008-01-01", "score10": exam}));
    }
    (
        csv,
        transcripts,
        json!({"event": EVENT, "title": "Toán", "subject": "Toán", "sections": [], "candidates": candidates}),
    )
}

async fn import_results(app: &TestApp, board: &str, csv: &str, json: &Value) {
    import_event(app, board, EVENT, 11, csv, json).await;
}

/// Registers a site (its key from `seed`) and imports its signed result file of `event`.
async fn import_event(app: &TestApp, board: &str, event: &str, seed: u64, csv: &str, json: &Value) {
    let key = site_key(seed);
    let site = format!("Điểm thi {seed}");
    let (s, body) = app
        .post(Some(board), "/api/v1/sites", json!({"name": site, "public_key": key.public().to_string()}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let parts = BTreeMap::from([
        ("results.csv".to_string(), csv.to_string()),
        ("results.json".to_string(), json.to_string()),
    ]);
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    let file = sign_result_file(
        UnsignedResults {
            event_id: event.into(),
            site_name: site,
            created_at: "2026-06-27T11:00:00Z".into(),
            parts,
            chains: ChainHeads { responses: head(400, "a"), audit: head(10, "b") },
        },
        &key,
    );
    let (s, body) = app.post_raw(Some(board), "/api/v1/results", "application/json", file.to_json()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

async fn transcripts_are_compared_with_imported_results(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let (csv, transcripts, results_json) = data();
    import_results(&app, &board, &csv, &results_json).await;

    // A file with bad rows: refused whole, each bad line reported.
    let bad = format!("{transcripts}01009999,THPT A,Q1,Hà Nội,Toán,11\n01009998,,Q1,Hà Nội,Toán,5\n");
    let (s, body) = app.post_raw(Some(&board), "/api/v1/transcripts", "text/csv", bad.into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "rejected");
    let lines: Vec<i64> =
        body["report"]["rows"].as_array().unwrap().iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![42, 43], "{body}");
    let (s, _) = app
        .post_raw(Some(&writer), "/api/v1/transcripts", "text/csv", transcripts.clone().into_bytes())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, set) = app
        .post_raw(
            Some(&board),
            "/api/v1/transcripts?name=H%E1%BB%8Dc%20b%E1%BA%A1",
            "text/csv",
            transcripts.into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{set}");
    assert_eq!(set["rows"], 40);
    let id = set["id"].as_str().unwrap();

    let q = format!("transcripts={id}&event={EVENT}&subject=To%C3%A1n&by=school&min_r=0.2");
    let (s, c) = app.get(Some(&board), &format!("/api/v1/comparisons?{q}")).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["national"]["n"], 40);
    assert!(c["national"]["tau2"].is_number());
    let units = c["units"].as_array().unwrap();
    assert_eq!(units.len(), 4);
    let d = units.iter().find(|u| u["unit"].as_str().unwrap().starts_with("THPT D")).unwrap();
    assert!(d["gap"].as_f64().unwrap() > 2.5 && d["z"].as_f64().unwrap() > 1.0, "{d}");
    let svg = app
        .client
        .get(format!("{}/api/v1/comparisons/funnel.svg?{q}", app.url))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(svg.status(), StatusCode::OK);
    assert!(svg.headers()["content-type"].to_str().unwrap().starts_with("image/svg+xml"));
    assert!(svg.text().await.unwrap().contains("Giới hạn kiểm soát 3 SE"));

    let (s, _) = app.get(Some(&writer), &format!("/api/v1/comparisons?{q}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = app
        .get(Some(&board), &format!("/api/v1/comparisons?transcripts={id}&event=NONE&subject=x&by=school"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, body) = app
        .get(Some(&board), &format!("/api/v1/comparisons?transcripts={id}&event={EVENT}&subject=x&by=ward"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, body) = app
        .get(
            Some(&board),
            &format!("/api/v1/comparisons?transcripts={id}&event={EVENT}&subject=Ho%C3%A1&by=school"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("Hoá"), "{body}");
    let (s, audit) = app.get(Some(&app.login("admin").await), "/api/v1/audit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(audit.to_string().contains("transcripts_imported"));
}
both_backends!(transcripts_are_compared_with_imported_results);

async fn certificates_verify_and_revocation_is_published(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let writer = app.login("writer").await;
    let (csv, _, results_json) = data();
    import_results(&app, &board, &csv, &results_json).await;

    let (s, list) = app.get(Some(&board), &format!("/api/v1/certificates?events={EVENT}")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 40);
    let (s, _) = app.get(Some(&writer), &format!("/api/v1/certificates?events={EVENT}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The public key list needs no sign-in.
    let (s, keys_text) = app.get(None, "/api/v1/certificates/keys").await;
    assert_eq!(s, StatusCode::OK);
    let keys = TrustedKeys::parse(keys_text.as_str().unwrap()).unwrap();
    let first = list[0]["text"].as_str().unwrap();
    let Verdict::Valid(v) = verify(first, &keys, None) else { panic!("{first}") };
    assert_eq!(v.id, list[0]["id"].as_str().unwrap());
    assert_eq!(v.claims.results[0].subject, "Toán");
    // Issuing again gives the same certificate (issued at the import's time, deterministic signature).
    let (_, again) =
        app.get(Some(&board), &format!("/api/v1/certificates/{}?events={EVENT}", v.claims.candidate)).await;
    assert_eq!(again["text"], list[0]["text"]);
    let html = app
        .client
        .get(format!("{}/api/v1/certificates/{}?events={EVENT}&format=html", app.url, v.claims.candidate))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), StatusCode::OK);
    assert!(html.text().await.unwrap().contains("GIẤY CHỨNG NHẬN KẾT QUẢ THI"));
    let (s, _) = app.get(Some(&board), &format!("/api/v1/certificates/99999999?events={EVENT}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The whole event as files, in pages: <số báo danh>.txt and .html, each string verifying.
    let zip_page = |q: &str| {
        app.client
            .get(format!("{}/api/v1/certificates?events={EVENT}&format=zip{q}", app.url))
            .bearer_auth(&board)
            .send()
    };
    let res = zip_page("&offset=10&limit=5").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert_eq!(res.headers()["x-total-count"], "40");
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let want: Vec<String> =
        (10..15).flat_map(|k| [format!("0100{k:04}.html"), format!("0100{k:04}.txt")]).collect();
    assert_eq!(names, want);
    for k in 10..15 {
        let number = format!("0100{k:04}");
        let text = std::io::read_to_string(archive.by_name(&format!("{number}.txt")).unwrap()).unwrap();
        let Verdict::Valid(v) = verify(text.trim_end(), &keys, None) else { panic!("{text}") };
        assert_eq!(v.claims.candidate, number);
        assert_eq!(text.trim_end(), list.iter().find(|c| c["candidate"] == number.as_str()).unwrap()["text"]);
        let html = std::io::read_to_string(archive.by_name(&format!("{number}.html")).unwrap()).unwrap();
        assert!(html.contains("GIẤY CHỨNG NHẬN KẾT QUẢ THI") && html.contains(text.trim_end()), "{number}");
    }
    // The default page runs to the end: the last 5 candidates from offset 35.
    let rest = zip_page("&offset=35").await.unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(rest.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(archive.len(), 10, "the last five candidates");
    for q in ["&limit=5001", "&limit=0", "&offset=40", "&format=pdf"] {
        let res = app
            .client
            .get(format!(
                "{}/api/v1/certificates?events={EVENT}{}",
                app.url,
                if q == "&format=pdf" { q.to_string() } else { format!("&format=zip{q}") }
            ))
            .bearer_auth(&board)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    let res = app
        .client
        .get(format!("{}/api/v1/certificates?events={EVENT}&format=zip", app.url))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Revocation: the board only; by string or id; once.
    let (s, _) =
        app.post(Some(&writer), "/api/v1/certificates/revocations", json!({"certificate": first})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, r) = app
        .post(
            Some(&board),
            "/api/v1/certificates/revocations",
            json!({"certificate": first, "reason": "phúc khảo"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, r) =
        app.post(Some(&board), "/api/v1/certificates/revocations", json!({"certificate": v.id})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["newly_revoked"], false);
    let (s, r) =
        app.post(Some(&board), "/api/v1/certificates/revocations", json!({"certificate": "KT1:ABC"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    let (s, signed) = app.get(None, "/api/v1/certificates/revocations").await;
    assert_eq!(s, StatusCode::OK);
    let revoked = RevocationList::verify(&signed.to_string(), &keys).unwrap();
    assert!(matches!(verify(first, &keys, Some(&revoked)), Verdict::Revoked(_)));
    assert!(matches!(verify(list[1]["text"].as_str().unwrap(), &keys, Some(&revoked)), Verdict::Valid(_)));

    // The verification page: public, its own policy, the keys and the list inside it.
    let page = app.client.get(format!("{}/verify", app.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("form-action 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let body = page.text().await.unwrap();
    assert!(body.contains(&hex::encode(keys.keys()[0].kid())) && body.contains("khaothi-revocations/1"));
}
both_backends!(certificates_verify_and_revocation_is_published);

/// Key rotation (docs/operations.md "Certificate key"): the certificate key moved away, the bank
/// makes a new one; both public keys are published, new certificates carry the new kid, and a
/// certificate signed before the rotation still verifies against the published list.
async fn a_rotated_certificate_key_keeps_old_certificates_verifiable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let (csv, _, results_json) = data();
    import_results(&app, &board, &csv, &results_json).await;
    let (s, old) = app.get(Some(&board), &format!("/api/v1/certificates/01000000?events={EVENT}")).await;
    assert_eq!(s, StatusCode::OK, "{old}");
    let key_file = app.data_dir().join("certificate.key");
    std::fs::rename(&key_file, app.data_dir().join("certificate.key.2026")).unwrap();

    let (s, new) = app.get(Some(&board), &format!("/api/v1/certificates/01000000?events={EVENT}")).await;
    assert_eq!(s, StatusCode::OK, "{new}");
    assert!(key_file.exists(), "a new key was made");
    assert_ne!(new["text"], old["text"]);
    let (_, keys_text) = app.get(None, "/api/v1/certificates/keys").await;
    let keys = TrustedKeys::parse(keys_text.as_str().unwrap()).unwrap();
    assert_eq!(keys.keys().len(), 2, "{keys_text}");
    let kid = |text: &Value| match verify(text.as_str().unwrap(), &keys, None) {
        Verdict::Valid(v) => v.kid,
        other => panic!("{other:?}"),
    };
    assert_ne!(kid(&old["text"]), kid(&new["text"]), "the new certificate names the new key");
    // The revocation list is signed with the new key and still names old certificates.
    let (s, _) =
        app.post(Some(&board), "/api/v1/certificates/revocations", json!({"certificate": old["text"]})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, signed) = app.get(None, "/api/v1/certificates/revocations").await;
    let revoked = RevocationList::verify(&signed.to_string(), &keys).unwrap();
    assert!(matches!(verify(old["text"].as_str().unwrap(), &keys, Some(&revoked)), Verdict::Revoked(_)));
    assert!(matches!(verify(new["text"].as_str().unwrap(), &keys, Some(&revoked)), Verdict::Valid(_)));
    // The page carries both keys.
    let body = app.client.get(format!("{}/verify", app.url)).send().await.unwrap().text().await.unwrap();
    for k in keys.keys() {
        assert!(body.contains(&hex::encode(k.kid())), "{body}");
    }
}
both_backends!(a_rotated_certificate_key_keeps_old_certificates_verifiable);

/// Year-on-year through the bank: two years' events, transcripts with a `year` column, compared
/// with `event=2025:A,2026:B`; each unit carries its gap in both years, the latest year is the
/// report's; a year the transcripts lack is refused with a clear 400.
async fn two_years_give_each_unit_a_trend(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let board = app.login("board").await;
    let mut transcripts = String::from("candidate,school,district,province,subject,grade,year\n");
    for (seed, year, event, lift) in [(21u64, 2025, "THPT-2025-TOAN", 1.0), (22, 2026, "THPT-2026-TOAN", 2.0)]
    {
        let mut csv = String::from("number,full_name,date_of_birth,score10\n");
        let mut candidates = Vec::new();
        for k in 0..12 {
            let exam = 4.0 + (k % 5) as f64 * 0.5;
            let number = format!("{year}{k:04}");
            csv.push_str(&format!("{number},Thí sinh {k},,{exam:.2}\n"));
            candidates.push(json!({"number": number, "full_name": format!("Thí sinh {k}"), "score10": exam}));
            // School X's transcripts drift up by `lift`; school Y's run 0.5 above the exam.
            let (school, up) = if k % 2 == 0 { ("X", lift) } else { ("Y", 0.5) };
            transcripts.push_str(&format!("{number},THPT {school},Q1,Hà Nội,Toán,{:.2},{year}\n", exam + up));
        }
        let results = json!({"event": event, "title": "Toán", "subject": "Toán", "sections": [], "candidates": candidates});
        import_event(&app, &board, event, seed, &csv, &results).await;
    }
    let (s, set) =
        app.post_raw(Some(&board), "/api/v1/transcripts", "text/csv", transcripts.into_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{set}");
    let id = set["id"].as_str().unwrap();
    let q =
        format!("transcripts={id}&event=2025:THPT-2025-TOAN,2026:THPT-2026-TOAN&subject=To%C3%A1n&by=school");
    let (s, c) = app.get(Some(&board), &format!("/api/v1/comparisons?{q}")).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["year"], 2026, "{c}");
    assert_eq!(c["years"].as_array().unwrap().len(), 2, "{c}");
    let x = c["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"].as_str().unwrap().contains("THPT X"))
        .unwrap();
    let gaps: Vec<f64> = x["trend"].as_array().unwrap().iter().map(|p| p["gap"].as_f64().unwrap()).collect();
    assert_eq!(gaps.len(), 2, "{x}");
    assert!((gaps[0] - 1.0).abs() < 1e-9 && (gaps[1] - 2.0).abs() < 1e-9, "{x}");
    // A year the transcripts do not have.
    let q = format!("transcripts={id}&event=2024:THPT-2025-TOAN&subject=To%C3%A1n&by=school");
    let (s, body) = app.get(Some(&board), &format!("/api/v1/comparisons?{q}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
}
both_backends!(two_years_give_each_unit_a_trend);
