//! The bare ack-after-fsync server (examples/bare_ack_server.rs), the limit of issue 17's
//! side-by-side benchmark, driven by the load test: every acknowledged answer is stored.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use khaothi_loadtest::swarm::{LoadtestOptions, run};

/// The example's binary, built beside this test's (`cargo test` builds the package's examples).
fn bare_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join("examples").join(format!("bare_ack_server{}", std::env::consts::EXE_SUFFIX))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_server_acknowledges_only_stored_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(bare_binary())
        .args(["127.0.0.1:0", dir.path().join("bare.sqlite").to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the bare server starts (built with the package's examples)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr =
        line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("it said {line:?}")).to_string();
    let report = run(LoadtestOptions {
        candidates: 30,
        duration: Duration::from_secs(3),
        answer_interval: Duration::from_millis(100),
        disconnect_rate: 10.0,
        url: Some(format!("http://{addr}")),
        bare: true,
        ..Default::default()
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let report = report.unwrap();
    assert_eq!(report.candidates_failed, 0, "{report:?}");
    assert!(report.answers_acked > 300, "{report:?}");
    assert!(report.reconnects > 0, "{report:?}");
    assert_eq!(report.answers_lost, 0, "{report:?}");
}
