//! Issue 16, finding 14: an item whose versions are gone (a database repaired by hand, a partial
//! restore) answers 404 with a reason on every read of it: no index out of range, no panic, and
//! the server answers on.

use khaothi_bank::{Application, BankConfig};
use khaothi_store::ConnectionTrait;
use reqwest::StatusCode;

use crate::both_backends;
use crate::common::*;

async fn an_item_without_versions_is_not_found_cleanly(b: Backend) {
    let data = TestData::new(b).await;
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.dir().to_path_buf(),
        demo: true,
        database_url: data.database_url(),
        ..BankConfig::default()
    };
    let app = Application::build(config.clone()).await.expect("the bank starts");
    let api = JsonClient::new(format!("http://{}", app.addr));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let writer = api.login("writer", DEMO_PASSWORD).await;
    let (s, body) = api.post(Some(&writer), "/api/v1/items", sample_item("HS-EMPTY")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    let db = khaothi_store::connect(&config.database_url()).await.unwrap();
    db.execute_unprepared("DELETE FROM item_versions WHERE item_id = 'HS-EMPTY'").await.unwrap();
    for path in ["/api/v1/items/HS-EMPTY/versions", "/api/v1/items/HS-EMPTY"] {
        let (s, body) = api.get(Some(&writer), path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
    let (s, _) = api.get(None, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
    let _ = tx.send(());
}
both_backends!(an_item_without_versions_is_not_found_cleanly);
