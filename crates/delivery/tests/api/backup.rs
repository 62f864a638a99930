//! `khaothi delivery backup` during an exam: the copy taken while candidates answer holds every
//! answer acknowledged before the backup began, and its hash chains verify.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use khaothi_delivery::chain::Chain;
use khaothi_delivery::store::chains::verify_chain;
use khaothi_loadtest::candidate::some_answer;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::common::*;

/// Sequence numbers acknowledged so far, over every candidate (each candidate has its own range).
type Acked = Arc<Mutex<BTreeSet<i64>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_keeps_every_acknowledged_answer_and_verifies() {
    // Candidates answer as fast as acknowledgements come back: no frame-rate limit.
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.frames_per_second = 100_000;
        c.frame_burst = 100_000;
    })
    .await;
    let (list, _pkg) = app.event("E1", 4, 4, None).await;
    let acked: Acked = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (k, (num, _, code)) in list.iter().enumerate() {
        let mut s = app.socket().await;
        let w = s.login(num, code).await.unwrap();
        let items = w["items"].as_array().unwrap().clone();
        let (acked, stop) = (acked.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let seq = (k as i64 + 1) * 1_000_000 + n as i64;
                let item = &items[(n as usize) % items.len()];
                s.answer(seq, item["id"].as_str().unwrap(), some_answer(item, n)).await.unwrap();
                acked.lock().unwrap().insert(seq);
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before: BTreeSet<i64> = acked.lock().unwrap().clone();
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("delivery.db");
    let report = khaothi_store::backup::backup_sqlite(&app.config.database_url(), &copy).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(report.bytes > 0);
    assert!(before.len() >= 8, "the candidates answered before the backup: {}", before.len());
    let after = acked.lock().unwrap().len();
    assert!(after > before.len(), "answering went on during the backup ({after} > {})", before.len());

    // The copy, opened as a restored server would open it.
    let restored =
        khaothi_delivery::store::connect_and_migrate(&khaothi_store::sqlite_url(&copy)).await.unwrap();
    let rows = restored
        .read
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, "SELECT seq FROM dl_responses"))
        .await
        .unwrap();
    let stored: BTreeSet<i64> = rows.iter().map(|r| r.try_get_by_index::<i64>(0).unwrap()).collect();
    let missing: Vec<&i64> = before.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but not in it: {missing:?}");
    for chain in Chain::ALL {
        let r = verify_chain(&restored.read, chain, None).await.unwrap();
        assert!(r.ok, "{chain:?} chain of the copy: {r:?}");
    }
}
