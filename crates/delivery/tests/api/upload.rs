//! Carrying results to the bank over the network: the delivery server signs its result file and
//! posts it to a real bank (started here on port 0), which verifies it against the site key an
//! administrator registered. The upload goes only to the configured bank, and a peer that answers
//! with 50 MB is cut off after 64 KiB (issue 16, finding 8).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::routing::post;
use khaothi_bank::{Application as Bank, BankConfig};
use serde_json::{Value, json};

use crate::both_backends;
use crate::chains::answered_event;
use crate::common::*;

pub struct BankApp {
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _data: TestData,
}

/// A real bank on port 0 (demo accounts), stopped when dropped.
pub async fn bank(b: Backend) -> BankApp {
    let data = TestData::new(b).await;
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.dir().to_path_buf(),
        demo: true,
        database_url: data.database_url(),
        ..BankConfig::default()
    };
    let app = Bank::build(config).await.expect("the bank starts");
    let url = format!("http://{}", app.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    BankApp { url, _stop: tx, _data: data }
}

/// A peer that is not a bank: it counts the requests it gets, takes any login, and answers the
/// result file with 50 MB streamed in 64 KiB chunks (no length announced).
async fn hostile_peer() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let (h1, h2) = (hits.clone(), hits.clone());
    let app = axum::Router::new()
        .route(
            "/api/v1/auth/login",
            post(move || async move {
                h1.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"access_token": "anything"}))
            }),
        )
        .route(
            "/api/v1/results",
            post(move || async move {
                h2.fetch_add(1, Ordering::SeqCst);
                let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
                let stream =
                    futures_util::stream::iter((0..800).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
                Body::from_stream(stream)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

fn upload(bank_url: Option<&str>, password: &str) -> Value {
    match bank_url {
        Some(url) => json!({"bank_url": url, "username": "board", "password": password}),
        None => json!({"username": "board", "password": password}),
    }
}

const UPLOAD: &str = "/api/v1/events/E1/results/upload";

async fn results_travel_to_the_bank(b: Backend) {
    let bank = bank(b).await;
    let app = TestApp::spawn_with(b, |c| c.bank_url = Some(format!("{}/", bank.url))).await;
    answered_event(&app).await;

    // The site is not registered yet: the bank's refusal, with the fingerprint, comes back.
    let site = khaothi_delivery::site::load_or_create_site_key(&app.config).unwrap().public();
    let err = app.board.post(UPLOAD, upload(None, "khaothi-demo")).await.unwrap_err();
    assert!(err.0.contains("upload_failed") && err.0.contains("unknown_site"), "{err}");
    assert!(err.0.contains(&site.fingerprint()), "{err}");
    // A wrong bank password: the login refusal is named.
    let err = app.board.post(UPLOAD, upload(Some(&bank.url), "wrong-password")).await.unwrap_err();
    assert!(err.0.contains("upload_failed") && err.0.contains("login"), "{err}");
    // Another host is refused before anything is sent there.
    let (other, hits) = hostile_peer().await;
    let err = app.board.post(UPLOAD, upload(Some(&other), "khaothi-demo")).await.unwrap_err();
    assert!(err.0.starts_with("400") && err.0.contains("bank_not_allowed"), "{err}");
    assert!(err.0.contains(&bank.url), "the reason names the configured bank: {err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the other host");

    // The bank's admin registers the site's key (as `khaothi delivery site-key` prints it).
    let bank_admin =
        khaothi_loadtest::board::BoardClient::login(&bank.url, "admin", "khaothi-demo").await.unwrap();
    bank_admin
        .post("/api/v1/sites", json!({"name": "Điểm thi số 1", "public_key": site.to_string()}))
        .await
        .unwrap();
    // No bank_url: the configured one.
    let done = app.board.post(UPLOAD, upload(None, "khaothi-demo")).await.unwrap();
    assert_eq!(done["status"], 201, "{done}");
    assert_eq!(done["bank_url"], bank.url.as_str());
    assert_eq!(done["bank"]["event_id"], "E1");
    assert_eq!(done["bank"]["site_name"], "Điểm thi số 1");
    assert_eq!(done["bank"]["responses_length"], 8, "{done}");
    assert!(done["bank"].get("imported_by").is_none(), "only the receipt's fields: {done}");

    // The bank kept the file as signed: it verifies against the site key.
    let imports: Value = bank_admin.get("/api/v1/results").await.unwrap();
    assert_eq!(imports[0]["digest"], done["digest"], "{imports}");
    // The delivery side audited the upload (and its chain still verifies).
    let v = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(v["ok"], true, "{v}");
}
both_backends!(results_travel_to_the_bank);

/// A configured peer that answers 50 MB is cut off with a clear reason; a bank that is not there
/// and a site with no bank configured are refused with theirs. (No bank database involved: SQLite.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_or_missing_bank_is_refused() {
    let (peer, hits) = hostile_peer().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.bank_url = Some(peer.clone())).await;
    answered_event(&app).await;
    let err = app.board.post(UPLOAD, upload(None, "x")).await.unwrap_err();
    assert!(err.0.starts_with("502") && err.0.contains("longer than 64 KiB"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "login and result file reached the configured peer");

    let none = TestApp::spawn(Backend::Sqlite).await;
    answered_event(&none).await;
    let err = none.board.post(UPLOAD, upload(Some(&peer), "x")).await.unwrap_err();
    assert!(err.0.starts_with("400") && err.0.contains("no_bank_configured"), "{err}");
    assert!(err.0.contains("KHAOTHI__DELIVERY__BANK_URL"), "{err}");

    let gone = TestApp::spawn_with(Backend::Sqlite, |c| c.bank_url = Some("http://127.0.0.1:9".into())).await;
    answered_event(&gone).await;
    let err = gone.board.post(UPLOAD, upload(None, "x")).await.unwrap_err();
    assert!(err.0.contains("cannot be reached"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "nothing more reached the peer");
}
