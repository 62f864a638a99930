//! The Grafana dashboard in deploy/grafana/ against what the services really export (issue 18 §4):
//! a real `khaothi bank serve` and a real `khaothi delivery serve`, each scraped once before any
//! traffic (every family is registered at zero at start). Every family either service exports is
//! on a panel or listed in deploy/grafana/not-shown.txt with a reason; every family a panel asks
//! for is exported by one of them; nothing is both shown and listed as not shown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use khaothi_e2e::{Node, Shared, free_port, khaothi_binary};

const GRAFANA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/grafana");

/// A family's name from a sample or series name: the suffixes Prometheus adds taken off.
fn family(name: &str) -> String {
    for suffix in ["_bucket", "_sum", "_count", "_total", "_created"] {
        if let Some(base) = name.strip_suffix(suffix) {
            return base.to_string();
        }
    }
    name.to_string()
}

/// Every `khaothi_…` name the dashboard's queries use, as families.
fn dashboard_families() -> BTreeSet<String> {
    let text = std::fs::read_to_string(format!("{GRAFANA}/khaothi.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let mut ids = BTreeSet::new();
    let mut out = BTreeSet::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        assert!(ids.insert(panel["id"].as_u64().expect("a panel id")), "panel ids are unique: {panel}");
        assert!(panel["title"].as_str().is_some_and(|t| !t.is_empty()), "a panel without a title");
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("a PromQL expression");
            for (i, _) in expr.match_indices("khaothi_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                out.insert(family(&name));
            }
        }
    }
    out
}

/// deploy/grafana/not-shown.txt: family → reason.
fn not_shown() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(format!("{GRAFANA}/not-shown.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "not-shown.txt: {name} needs a reason");
            (family(name), reason.trim().to_string())
        })
        .collect()
}

/// The families of a scrape (`# TYPE <name> <type>` lines).
fn scraped(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(family)
        .collect()
}

async fn scrape(base: &str) -> String {
    let res = reqwest::get(format!("{base}/metrics")).await.expect("/metrics answers");
    assert!(res.status().is_success(), "{base}/metrics: {}", res.status());
    res.text().await.unwrap()
}

/// `khaothi bank serve` on SQLite in `dir`, killed when dropped.
struct Bank(Child, String);

impl Bank {
    async fn start(dir: &Path) -> Self {
        let port = free_port();
        let child = Command::new(khaothi_binary())
            .args(["bank", "serve"])
            .env("KHAOTHI__BANK__LISTEN", format!("127.0.0.1:{port}"))
            .env("KHAOTHI__BANK__DATA_DIR", dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("khaothi bank serve starts");
        let bank = Self(child, format!("http://127.0.0.1:{port}"));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = reqwest::get(format!("{}/readyz", bank.1)).await
                && r.status().is_success()
            {
                return bank;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the bank was not ready in 60 s");
    }
}

impl Drop for Bank {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_every_exported_family_and_asks_for_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let bank = Bank::start(&dir.path().join("bank")).await;
    let node = Node::start(None, None, &dir.path().join("delivery"), &Shared::generate()).await;
    let bank_families = scraped(&scrape(&bank.1).await);
    let delivery_families = scraped(&scrape(&node.url()).await);
    for (service, families) in [("bank", &bank_families), ("delivery", &delivery_families)] {
        assert!(families.len() >= 7, "{service} exports {families:?}");
        assert!(families.iter().all(|f| f.starts_with("khaothi_")), "{service}: {families:?}");
    }
    let exported: BTreeSet<String> = bank_families.union(&delivery_families).cloned().collect();
    let shown = dashboard_families();
    let hidden = not_shown();

    let missing: Vec<_> =
        exported.iter().filter(|f| !shown.contains(*f) && !hidden.contains_key(*f)).collect();
    assert!(
        missing.is_empty(),
        "exported but on no panel of deploy/grafana/khaothi.json and not in not-shown.txt: {missing:?}"
    );
    let stale: Vec<_> = shown.difference(&exported).collect();
    assert!(stale.is_empty(), "the dashboard asks for families no service exports: {stale:?}");
    for name in hidden.keys() {
        assert!(!shown.contains(name), "{name} is on a panel and listed as not shown");
        assert!(exported.contains(name), "not-shown.txt lists {name}, which no service exports");
    }
    // The newer families this check was written for are on panels.
    for f in [
        "khaothi_db_pool_connections",
        "khaothi_events",
        "khaothi_site_reports",
        "khaothi_calibration_job_seconds",
        "khaothi_assembly_job_seconds",
    ] {
        assert!(shown.contains(f), "{f} on a panel");
    }
}
