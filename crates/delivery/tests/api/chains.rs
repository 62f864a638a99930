//! Tamper evidence: the response and audit logs are hash chains; a changed, deleted or smuggled
//! row is found and located, and the signed result file carries the verified heads.

use khaothi_delivery::chain::Chain;
use khaothi_delivery::store::chains::verify_chain;
use khaothi_delivery::store::entity::response;
use khaothi_loadtest::candidate::some_answer;
use khaothi_package::ResultFile;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};

use crate::both_backends;
use crate::common::*;

/// Two candidates answer four items each (one answer is sent twice) and submit; the keys are
/// released, so the event's results exist.
pub async fn answered_event(app: &TestApp) -> usize {
    let (list, pkg) = app.event("E1", 2, 2, None).await;
    for (num, _, code) in &list {
        let mut s = app.socket().await;
        let w = s.login(num, code).await.unwrap();
        let items = w["items"].as_array().unwrap().clone();
        for (k, it) in items.iter().take(4).enumerate() {
            s.answer(k as i64 + 1, it["id"].as_str().unwrap(), some_answer(it, k as u64)).await.unwrap();
        }
        // The same (epoch, seq) again: acknowledged, stored once, the chain stays whole.
        s.answer(2, items[1]["id"].as_str().unwrap(), some_answer(&items[1], 1)).await.unwrap();
        s.send(json!({"type": "submit"})).await.unwrap();
        s.expect("submitted", std::time::Duration::from_secs(10)).await.unwrap();
    }
    app.board
        .post("/api/v1/events/E1/keys", json!({"release_key": pkg.keys_key.to_hex()}))
        .await
        .expect("keys released once everyone has submitted");
    8
}

async fn db(app: &TestApp) -> sea_orm::DatabaseConnection {
    sea_orm::Database::connect(app.config.database_url()).await.unwrap()
}

async fn verify(app: &TestApp) -> Value {
    app.board.get("/api/v1/chains/verify").await.unwrap()
}

fn chain<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["chains"].as_array().unwrap().iter().find(|c| c["chain"] == name).unwrap()
}

async fn changed_and_deleted_rows_are_located(b: Backend) {
    let app = TestApp::spawn(b).await;
    let answers = answered_event(&app).await;
    let v = verify(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(chain(&v, "responses")["length"], answers as u64, "{v}");
    let audit_len = chain(&v, "audit")["length"].as_u64().unwrap();
    assert!(audit_len >= 4, "event, package, candidates, unlock are audited: {v}");

    // The signed file carries the verified heads and verifies against the site key.
    let file = app.board.get("/api/v1/events/E1/results/file").await.unwrap();
    let f = ResultFile::parse(&serde_json::to_vec(&file).unwrap()).unwrap();
    let site = khaothi_delivery::site::load_or_create_site_key(&app.config).unwrap();
    f.verify(&site.public()).unwrap();
    assert_eq!(f.chains.responses.length, answers as u64);
    assert_eq!(f.chains.responses.head, chain(&v, "responses")["head"].as_str().unwrap());
    assert!(f.parts["results.json"].contains("\"candidates\""), "{:?}", f.parts.keys());

    // One stored answer changed by SQL: found at its position, the row named.
    let db = db(&app).await;
    let third =
        response::Entity::find().filter(response::Column::ChainSeq.eq(3)).one(&db).await.unwrap().unwrap();
    db.execute_unprepared("UPDATE dl_responses SET value = '\"D\"' || value WHERE chain_seq = 3")
        .await
        .unwrap();
    let v = verify(&app).await;
    assert_eq!(v["ok"], false, "{v}");
    let broken = &chain(&v, "responses")["broken"];
    assert_eq!(broken["chain_seq"], 3, "{v}");
    assert!(broken["problem"].as_str().unwrap().contains("changed"), "{v}");
    assert!(broken["row"].as_str().unwrap().contains(&third.candidate_id), "{v}");
    assert_eq!(chain(&v, "responses")["length"], 2, "verified up to the row before: {v}");
    assert_eq!(chain(&v, "audit")["ok"], true);
    // Nothing is signed over a broken chain.
    let err = app.board.get("/api/v1/events/E1/results/file").await.unwrap_err();
    assert!(err.0.contains("chain_broken") && err.0.contains("position 3"), "{err}");
    // Restored, the chain verifies again.
    third.clone().into_active_model().reset_all().update(&db).await.unwrap();
    assert_eq!(verify(&app).await["ok"], true);

    // A row deleted in the middle: the gap is named.
    let fifth =
        response::Entity::find().filter(response::Column::ChainSeq.eq(5)).one(&db).await.unwrap().unwrap();
    db.execute_unprepared("DELETE FROM dl_responses WHERE chain_seq = 5").await.unwrap();
    let v = verify(&app).await;
    let broken = &chain(&v, "responses")["broken"];
    assert_eq!(broken["chain_seq"], 5, "{v}");
    assert!(broken["problem"].as_str().unwrap().contains("missing"), "{v}");
    fifth.clone().into_active_model().reset_all().insert(&db).await.unwrap();
    assert_eq!(verify(&app).await["ok"], true);

    // The last row deleted: only the head the server holds can tell, and it does.
    db.execute_unprepared(&format!("DELETE FROM dl_responses WHERE chain_seq = {answers}")).await.unwrap();
    let v = verify(&app).await;
    let broken = &chain(&v, "responses")["broken"];
    assert!(broken["problem"].as_str().unwrap().contains("deleted"), "{v}");
    assert_eq!(broken["chain_seq"], answers as u64, "{v}");

    // The audit log: an actor rewritten is found too.
    db.execute_unprepared("UPDATE dl_audit_log SET actor = 'someone' WHERE chain_seq = 2").await.unwrap();
    let v = verify(&app).await;
    assert_eq!(chain(&v, "audit")["broken"]["chain_seq"], 2, "{v}");
    assert!(chain(&v, "audit")["broken"]["row"].as_str().unwrap().starts_with("audit row"), "{v}");
}
both_backends!(changed_and_deleted_rows_are_located);

async fn a_restart_continues_the_chains(b: Backend) {
    let app = TestApp::spawn(b).await;
    let answers = answered_event(&app).await;
    let (config, signer, dir) = app.stop().await;
    // Rows from before the chains existed (as after the upgrade migration) are linked at start.
    let conn = sea_orm::Database::connect(config.database_url()).await.unwrap();
    conn.execute_unprepared("UPDATE dl_responses SET chain_seq = 0, prev_hash = '', hash = ''")
        .await
        .unwrap();
    conn.execute_unprepared("UPDATE dl_audit_log SET chain_seq = 0, prev_hash = '', hash = ''")
        .await
        .unwrap();
    let app = TestApp::start(config, signer, dir).await;
    let v = verify(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(chain(&v, "responses")["length"], answers as u64);
    // New rows after the restart link on from the stored head.
    app.board.post("/api/v1/events", json!({"id": "E2", "title": "t"})).await.unwrap();
    let v2 = verify(&app).await;
    assert_eq!(v2["ok"], true, "{v2}");
    assert_eq!(
        chain(&v2, "audit")["length"].as_u64().unwrap(),
        chain(&v, "audit")["length"].as_u64().unwrap() + 1
    );
    // The offline verifier (the CLI's) agrees, and a row smuggled in without a link is found.
    let conn = sea_orm::Database::connect(app.config.database_url()).await.unwrap();
    let offline = verify_chain(&conn, Chain::Responses, None).await.unwrap();
    assert!(offline.ok);
    assert_eq!(offline.head, chain(&v2, "responses")["head"].as_str().unwrap());
    conn.execute_unprepared(
        "INSERT INTO dl_responses (candidate_id, epoch, seq, item_id, value, received_at) \
         SELECT candidate_id, epoch + 100, seq, item_id, value, received_at FROM dl_responses WHERE chain_seq = 1",
    )
    .await
    .unwrap();
    let offline = verify_chain(&conn, Chain::Responses, None).await.unwrap();
    assert!(!offline.ok);
    assert!(offline.broken.unwrap().problem.contains("not linked"));
}
both_backends!(a_restart_continues_the_chains);
