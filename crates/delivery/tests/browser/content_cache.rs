//! The page keeps the test's content (issue 17, docs/protocol.md §3 "Content"): stored in
//! IndexedDB after the first login, used after a reload without the server sending it again,
//! asked for again when the stored copy is gone, and erased at submission.

use serde_json::json;

use crate::harness::*;

/// How many contents the page has stored (0 when its database is gone).
const STORED: &str =
    "return indexedDB.databases().then((dbs) => dbs.some((d) => d.name === 'khaothi-content')
  ? new Promise((resolve) => { const q = indexedDB.open('khaothi-content'); q.onsuccess = () => {
      const db = q.result; const n = db.transaction('content').objectStore('content').count();
      n.onsuccess = () => { db.close(); resolve(n.result); }; }; })
  : 0)";

const QUESTION: &str = "!document.getElementById('view-test').hidden && document.getElementById('q-title').dataset.item && document.getElementById('q-stem').textContent.length > 0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_keeps_the_content_until_the_test_is_submitted() {
    let _serial = SERIAL.lock().await;
    let Some((chromium, chromedriver)) = programs() else { return };
    let server = Server::start();
    let exam = set_up_exam(&server, "BRC", 1).await;
    let mut driver = Browser::with_programs(chromium, chromedriver).await;
    let c = driver.session().await;
    let (number, _, code) = exam.candidates[0].clone();

    candidate_login(&c, &server.base, &number, &code).await;
    assert_eq!(js(&c, "return document.documentElement.dataset.content").await, json!("server"));
    wait_for(
        &c,
        "JSON.parse(localStorage.getItem('khaothi:candidate')).content.hash.length === 64",
        "the content stored",
    )
    .await;
    assert_eq!(js(&c, STORED).await, json!(1));

    // A reload resumes naming the hash: the server sends no content, the page shows the stored one.
    let stem = js(&c, "return document.getElementById('q-stem').textContent").await;
    c.refresh().await.unwrap();
    wait_for(&c, QUESTION, "the question after the reload").await;
    assert_eq!(js(&c, "return document.documentElement.dataset.content").await, json!("cache"));
    assert_eq!(js(&c, "return document.getElementById('q-stem').textContent").await, stem);
    let total = js(&c, "return document.querySelectorAll('.nav-q').length").await;
    assert_eq!(total, json!(7), "every item is back");

    // The stored copy erased behind the page's back: the page names a hash it cannot read, then
    // asks again naming nothing and is sent the content.
    js(&c, "return new Promise((r) => { const q = indexedDB.deleteDatabase('khaothi-content'); q.onsuccess = q.onerror = q.onblocked = () => r(true); })").await;
    c.refresh().await.unwrap();
    wait_for(&c, QUESTION, "the question after the stored copy was lost").await;
    wait_for(&c, "document.documentElement.dataset.content === 'server'", "the content sent again").await;
    assert_eq!(js(&c, "return document.getElementById('q-stem').textContent").await, stem);
    wait_for(
        &c,
        "JSON.parse(localStorage.getItem('khaothi:candidate')).content.hash.length === 64",
        "the content stored again",
    )
    .await;
    screenshot(&c, "candidate-content-cached").await;

    // Submission erases it.
    click_css(&c, "#btn-submit").await;
    wait_for(&c, "document.getElementById('dlg-submit').open", "the confirmation").await;
    click_css(&c, "#submit-confirm").await;
    wait_for(&c, "!document.getElementById('view-final').hidden", "the final page").await;
    let start = std::time::Instant::now();
    while js(&c, STORED).await != json!(0) {
        assert!(start.elapsed() < WAIT, "the content is still stored after the submission");
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}
