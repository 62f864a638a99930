//! Overlapping write transactions on a SQLite file database wait for each other instead of failing
//! with "database is locked" (the bank answered 500 when a submit overlapped a control-room report).

use khaothi_store::audit::{self, Actor};
use khaothi_store::org_settings::{self, OrgSettings};
use khaothi_store::{DEFAULT_ORG, begin_write, connect, migrate_bank, sqlite_url};
use std::sync::Arc;
use std::time::Duration;

/// How many transactions overlap: each reads, pauses so that all hold a read, then writes.
const WRITERS: usize = 8;

async fn read_then_write(db: Arc<khaothi_store::DatabaseConnection>, n: usize) -> Result<(), String> {
    let txn = begin_write(db.as_ref()).await.map_err(|e| format!("begin: {e}"))?;
    let current = org_settings::get(&txn, DEFAULT_ORG).await.map_err(|e| format!("read: {e}"))?;
    // Every other transaction has started and read by now (unless it waits for the write lock).
    tokio::time::sleep(Duration::from_millis(60)).await;
    let settings = OrgSettings { closed_bank: !current.closed_bank };
    let actor = Actor { org_id: DEFAULT_ORG.into(), username: format!("admin{n}"), role: "admin".into() };
    org_settings::set(&txn, DEFAULT_ORG, &settings, &actor.username)
        .await
        .map_err(|e| format!("write: {e}"))?;
    audit::record(&txn, &actor, "org_settings", "org", DEFAULT_ORG, serde_json::json!({"n": n}))
        .await
        .map_err(|e| format!("audit: {e}"))?;
    txn.commit().await.map_err(|e| format!("commit: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_read_then_write_transactions_all_commit_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = connect(&sqlite_url(&dir.path().join("bank.db"))).await.expect("the database opens");
    migrate_bank(&db).await.expect("the schema");
    let db = Arc::new(db);
    let tasks: Vec<_> = (0..WRITERS).map(|n| tokio::spawn(read_then_write(db.clone(), n))).collect();
    let mut failures = Vec::new();
    for (n, t) in tasks.into_iter().enumerate() {
        if let Err(e) = t.await.expect("the task runs") {
            failures.push(format!("writer {n}: {e}"));
        }
    }
    assert!(failures.is_empty(), "overlapping write transactions failed: {failures:#?}");
    // Each transaction saw the one before it: the flag flipped once per writer.
    let settings = org_settings::get(db.as_ref(), DEFAULT_ORG).await.expect("the settings");
    assert_eq!(settings.closed_bank, WRITERS % 2 == 1);
    let filter = audit::AuditFilter { action: Some("org_settings".into()), ..Default::default() };
    let (_, total) = audit::list(db.as_ref(), DEFAULT_ORG, &filter, 0, 100).await.expect("the audit log");
    assert_eq!(total as usize, WRITERS);
}
