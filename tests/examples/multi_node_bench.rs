//! What 1, 2 or 3 delivery nodes on one PostgreSQL database hold behind nginx (issue 18 §1,
//! docs/benchmarks.md): starts the nodes (the `khaothi` binary of this build profile) on a fresh
//! database of the server in KHAOTHI_TEST_POSTGRES, nginx with deploy/multi-node's configuration,
//! then `khaothi loadtest --url <nginx>`; prints the load test's report with each node's peak
//! resident memory and the load average.
//!
//!   cargo build --release -p khaothi && cargo run --release -p khaothi-e2e --example multi_node_bench -- NODES CANDIDATES SECONDS [INTERVAL]

use std::path::PathBuf;
use std::process::Command;

use khaothi_e2e::{Nginx, Node, Shared, khaothi_binary, peak_rss_mb};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let nodes: usize = arg(0, "3").parse().expect("NODES");
    let candidates = arg(1, "3000");
    let seconds = arg(2, "60");
    let interval = arg(3, "2");
    assert!((1..=3).contains(&nodes), "1 to 3 nodes (the nginx file names three)");
    let db = khaothi_testkit::PostgresDatabase::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let shared = Shared::generate();
    let mut started = Vec::new();
    for n in 1..=nodes {
        let name = format!("node-{n}");
        started.push(Node::start(Some(&name), Some(db.url()), &tmp.path().join(&name), &shared).await);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let ports: Vec<u16> = started.iter().map(|n| n.port).collect();
    let conf = root.join("deploy/multi-node/nginx-multi-node.conf");
    let nginx = Nginx::start(&conf, &ports, &tmp.path().join("nginx")).await;
    let key = tmp.path().join("board.key");
    std::fs::write(&key, shared.board_key.to_text()).unwrap();
    let out = Command::new(khaothi_binary())
        .current_dir(&root)
        .args(["loadtest", "--url", &nginx.url(), "--candidates", &candidates, "--duration", &seconds])
        .args(["--answer-interval", &interval, "--processes", "2"])
        .arg("--signing-key")
        .arg(&key)
        .env("KHAOTHI_PASSWORD", &shared.board_password)
        .output()
        .expect("khaothi loadtest runs");
    let rss: Vec<String> =
        started.iter().map(|n| format!("{:.0}", n.pid().map_or(0.0, peak_rss_mb))).collect();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!(
        "{}",
        String::from_utf8_lossy(&out.stderr).lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    println!("nodes {nodes}; peak RSS per node (MB) {}; load average {}", rss.join(", "), load.trim());
    drop(nginx);
}
