//! Issue 16, finding 14: a package with no test version — signed by the pinned board key, so only
//! a faulty board tool makes one — is refused at import with a reason, and an event that holds one
//! anyway (stored by an older server) refuses candidate assignment cleanly: no panic, the server
//! answers on.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// The demo package of `event` with its manifest's versions removed, signed again with the board
/// key (the signed bytes of docs/formats.md: each part length-prefixed).
fn package_without_versions(app: &TestApp, event: &str) -> (Vec<u8>, String) {
    let built = package(&app.signer, event);
    let mut file: Value = serde_json::from_slice(&built.bytes).unwrap();
    let mut manifest: Value = serde_json::from_str(file["manifest"].as_str().unwrap()).unwrap();
    manifest["versions"] = json!([]);
    let manifest = manifest.to_string();
    let mut signed = Vec::new();
    let mut put = |b: &[u8]| {
        signed.extend_from_slice(&(b.len() as u64).to_be_bytes());
        signed.extend_from_slice(b);
    };
    put(khaothi_package::FORMAT.as_bytes());
    put(manifest.as_bytes());
    for s in file["sections"].as_array().unwrap() {
        put(s["name"].as_str().unwrap().as_bytes());
        put(&B64.decode(s["nonce"].as_str().unwrap()).unwrap());
        put(&B64.decode(s["ciphertext"].as_str().unwrap()).unwrap());
    }
    let seed = hex::decode(app.signer.to_text().trim_start_matches("ed25519-secret:")).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap());
    file["manifest"] = json!(manifest);
    file["signature"] = json!(B64.encode(key.sign(&signed).to_bytes()));
    (serde_json::to_vec(&file).unwrap(), manifest)
}

const CANDIDATES: &str = "so_bao_danh,ho_ten,ngay_sinh,phong\n01000001,Nguyễn Văn An,2008-03-14,P01\n";

async fn a_package_without_versions_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.board.post("/api/v1/events", json!({"id": "E0", "title": "Kiểm tra"})).await.unwrap();
    let (bytes, manifest) = package_without_versions(&app, "E0");
    let err =
        app.board.post_raw("/api/v1/events/E0/package", "application/octet-stream", bytes).await.unwrap_err();
    assert!(err.0.starts_with("422") && err.0.contains("package_refused"), "{err}");
    assert!(err.0.contains("no test versions"), "{err}");

    // An event that holds such a package anyway (imported by a server before this check).
    let good = package(&app.signer, "E0");
    app.board.post_raw("/api/v1/events/E0/package", "application/octet-stream", good.bytes).await.unwrap();
    let db = sea_orm::Database::connect(app.config.database_url()).await.unwrap();
    let sql = format!("UPDATE dl_events SET manifest = '{}' WHERE id = 'E0'", manifest.replace('\'', "''"));
    db.execute_unprepared(&sql).await.unwrap();
    let err =
        app.board.post_raw("/api/v1/events/E0/candidates", "text/csv", CANDIDATES.into()).await.unwrap_err();
    assert!(err.0.starts_with("409") && err.0.contains("no test versions"), "{err}");
    // The server answers on.
    let health: Value = app.board.get("/healthz").await.unwrap();
    assert_eq!(health["status"], "ok");
}
both_backends!(a_package_without_versions_is_refused);
