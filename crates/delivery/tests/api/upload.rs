//! Carrying results to the bank over the network: the delivery server signs its result file and
//! posts it to a real bank (started here on port 0), which verifies it against the site key an
//! administrator registered.

use khaothi_bank::{Application as Bank, BankConfig};
use serde_json::{Value, json};

use crate::both_backends;
use crate::chains::answered_event;
use crate::common::*;

struct BankApp {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _data: TestData,
}

async fn bank(b: Backend) -> BankApp {
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

async fn results_travel_to_the_bank(b: Backend) {
    let app = TestApp::spawn(b).await;
    answered_event(&app).await;
    let bank = bank(b).await;
    let upload = |password: &str| json!({"bank_url": format!("{}/", bank.url), "username": "board", "password": password});

    // The site is not registered yet: the bank's refusal, with the fingerprint, comes back.
    let site = khaothi_delivery::site::load_or_create_site_key(&app.config).unwrap().public();
    let err = app.board.post("/api/v1/events/E1/results/upload", upload("khaothi-demo")).await.unwrap_err();
    assert!(err.0.contains("upload_failed") && err.0.contains("unknown_site"), "{err}");
    assert!(err.0.contains(&site.fingerprint()), "{err}");
    // A wrong bank password: the login refusal is named.
    let err = app.board.post("/api/v1/events/E1/results/upload", upload("wrong-password")).await.unwrap_err();
    assert!(err.0.contains("upload_failed") && err.0.contains("login"), "{err}");
    // A bank that is not there.
    let err = app
        .board
        .post(
            "/api/v1/events/E1/results/upload",
            json!({"bank_url": "http://127.0.0.1:9", "username": "board", "password": "x"}),
        )
        .await
        .unwrap_err();
    assert!(err.0.contains("cannot be reached"), "{err}");

    // The bank's admin registers the site's key (as `khaothi delivery site-key` prints it).
    let bank_admin =
        khaothi_loadtest::board::BoardClient::login(&bank.url, "admin", "khaothi-demo").await.unwrap();
    bank_admin
        .post("/api/v1/sites", json!({"name": "Điểm thi số 1", "public_key": site.to_string()}))
        .await
        .unwrap();
    let done = app.board.post("/api/v1/events/E1/results/upload", upload("khaothi-demo")).await.unwrap();
    assert_eq!(done["status"], 201, "{done}");
    assert_eq!(done["bank"]["event_id"], "E1");
    assert_eq!(done["bank"]["site_name"], "Điểm thi số 1");
    assert_eq!(done["bank"]["responses_length"], 8, "{done}");

    // The bank kept the file as signed: it verifies against the site key.
    let imports: Value = bank_admin.get("/api/v1/results").await.unwrap();
    assert_eq!(imports[0]["digest"], done["digest"], "{imports}");
    // The delivery side audited the upload (and its chain still verifies).
    let v = app.board.get("/api/v1/chains/verify").await.unwrap();
    assert_eq!(v["ok"], true, "{v}");
}
both_backends!(results_travel_to_the_bank);
