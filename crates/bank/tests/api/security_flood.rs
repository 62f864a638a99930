//! Issue 16, findings 1 and 2: what a login flood costs the bank is bounded. Each test fails on
//! the code before the fix (a limiter entry and an audit row per 64 KiB name; an argon2 run with
//! 19 MiB per login on an unbounded blocking pool).
//!
//! The flood count is `KHAOTHI_FLOOD_LOGINS` (default 5,000 so CI stays fast; the figure
//! is 50,000: `KHAOTHI_FLOOD_LOGINS=50000 cargo test -p khaothi-bank --test api security_flood`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

/// One flood at a time (each is measured alone).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The bank under test in a process of its own, so its memory is measured without the client's:
/// this test binary again, running only [`flood_server_child`].
struct ServerProcess {
    child: std::process::Child,
    api: JsonClient,
}

impl ServerProcess {
    fn start() -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "security_flood::flood_server_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KHAOTHI_FLOOD_CHILD", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let url = (&mut out)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.split_once("FLOOD_SERVER_URL=").map(|(_, url)| url.trim().to_string()))
            .expect("the child server prints its address");
        // The rest of the child's output is read and dropped, so it never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        ServerProcess { child, api: JsonClient::new(url) }
    }

    fn rss(&self) -> u64 {
        rss(self.child.id())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing its stdin stops the child; wait so no process is left behind.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child side of [`ServerProcess`]: a bank (SQLite, demo accounts) until stdin closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the flood tests in a process of its own"]
async fn flood_server_child() {
    if std::env::var("KHAOTHI_FLOOD_CHILD").is_err() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    println!("FLOOD_SERVER_URL={}", app.url);
    let mut sink = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
}

/// Resident memory of a process, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Polls `/healthz` until stopped; returns the slowest answer and whether every answer was 200.
fn watch_health(api: JsonClient, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(Duration, bool)> {
    tokio::spawn(async move {
        let (mut slowest, mut all_ok) = (Duration::ZERO, true);
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            let (s, _) = api.get(None, "/healthz").await;
            slowest = slowest.max(t.elapsed());
            all_ok &= s == StatusCode::OK;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (slowest, all_ok)
    })
}

/// Runs `n` requests made by `make`, `width` at a time; returns the statuses seen.
async fn flood(
    n: u64,
    width: u64,
    make: impl Fn(u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> Vec<(StatusCode, Option<String>)> {
    let next = Arc::new(AtomicU64::new(0));
    let make = Arc::new(make);
    let workers: Vec<_> = (0..width)
        .map(|_| {
            let (next, make) = (next.clone(), make.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return seen;
                    }
                    let res = make(i).send().await.unwrap();
                    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                    seen.push((res.status(), retry));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_long_usernames_leaves_memory_and_the_audit_log_small() {
    let n: u64 = std::env::var("KHAOTHI_FLOOD_LOGINS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let _one = ONE_AT_A_TIME.lock().await;
    let server = ServerProcess::start();
    let app = &server.api;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let before = server.rss();
    let stop = Arc::new(AtomicBool::new(false));
    let health = watch_health(app.clone(), stop.clone());
    let (client, url) = (app.client.clone(), app.url.clone());
    let started = Instant::now();
    let seen = flood(n, 32, move |i| {
        let name = format!("{i:08}{}", "x".repeat(64 * 1024));
        client.post(format!("{url}/api/v1/auth/login")).json(&json!({"username": name, "password": "guess"}))
    })
    .await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let grown = server.rss().saturating_sub(before);
    stop.store(true, Ordering::Relaxed);
    let (slowest, healthy) = health.await.unwrap();
    let (_, log) = app.get(Some(&admin), "/api/v1/audit?per_page=1").await;
    println!(
        "{n} logins with 64 KiB names in {took:?}; RSS +{} MiB; slowest /healthz {slowest:?}; audit rows {}",
        grown >> 20,
        log["total"]
    );
    assert!(seen.iter().all(|(s, _)| *s == StatusCode::UNAUTHORIZED), "every login fails plainly");
    assert!(grown < 32 << 20, "RSS grew by {} MiB", grown >> 20);
    assert!(healthy && slowest < Duration::from_secs(2), "/healthz: ok {healthy}, slowest {slowest:?}");
    // One aggregate row per minute of flood (UNKNOWN_AUDIT_PERIOD) whatever the number of names,
    // plus the admin's login: 50,000 logins over ~10 minutes leave about a dozen rows.
    let bound = 3 + took.as_secs() / 60;
    assert!(
        log["total"].as_u64().unwrap() <= bound,
        "the audit log holds {} rows (bound {bound})",
        log["total"]
    );
    let (_, rows) = app.get(Some(&admin), "/api/v1/audit?action=login_failed_unknown").await;
    let entry = &rows["entries"][0];
    assert!(entry.to_string().len() < 1024, "an aggregate row, no raw names: {entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_logins_are_bounded_and_other_routes_answer() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = ServerProcess::start();
    let app = &server.api;
    app.login("writer", DEMO_PASSWORD).await;
    let before = server.rss();
    let stop = Arc::new(AtomicBool::new(false));
    let health = watch_health(app.clone(), stop.clone());
    let (client, url) = (app.client.clone(), app.url.clone());
    let seen = flood(2_000, 2_000, move |i| {
        client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"username": format!("random-{i}"), "password": "guess"}))
    })
    .await;
    let grown = server.rss().saturating_sub(before);
    stop.store(true, Ordering::Relaxed);
    let (slowest, healthy) = health.await.unwrap();
    let busy = seen.iter().filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE).count();
    println!(
        "2000 concurrent logins: {busy} answered 503; RSS +{} MiB; slowest /healthz {slowest:?}",
        grown >> 20
    );
    assert!(
        seen.iter().all(|(s, _)| matches!(*s, StatusCode::UNAUTHORIZED | StatusCode::SERVICE_UNAVAILABLE)),
        "only 401 and 503"
    );
    assert!(busy > 0, "beyond the queue logins are refused at once");
    assert!(
        seen.iter().filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE).all(|(_, r)| r.is_some()),
        "Retry-After"
    );
    // Two argon2 workers (2 × 19 MiB, allocated at their first check) and 2,000 connections'
    // buffers; before the fix every login held 19 MiB on an unbounded blocking pool.
    assert!(grown < 96 << 20, "RSS grew by {} MiB", grown >> 20);
    // 2,000 connections open at once on a shared 2-core machine: /healthz waits for the accept
    // queue, never for a password check.
    assert!(healthy && slowest < Duration::from_secs(5), "/healthz: ok {healthy}, slowest {slowest:?}");
    // The writer still logs in once the flood is over.
    app.login("writer", DEMO_PASSWORD).await;
}
