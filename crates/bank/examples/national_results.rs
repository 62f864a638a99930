//! National scale after the exam (issue 18 §7; docs/scale.md): the bank importing the signed
//! result files of every site, and the calibration of the merged calibration CSV.
//!
//! ```text
//! cargo run --release -p khaothi-bank --example national_results -- generate DIR [--sites 2000] [--candidates 580] [--items 50]
//! cargo run --release -p khaothi-bank --example national_results -- import DIR [--database-url URL] [--parallel 4]
//! cargo run --release -p khaothi-bank --example national_results -- calibrate DIR
//! ```
//!
//! `generate` writes one signed result file per site (`DIR/site-NNNN.json`, each with its own site
//! key), as a delivery server writes it: `results.json`, `results.csv`, `calibration.csv` and
//! `raw.csv` (one row per candidate and item) for `--candidates` candidates answering `--items`
//! single-choice items simulated from 2PL parameters. `import` starts a real bank (SQLite in
//! `DIR/bank-data`, or `--database-url`), registers each site's key and posts every file to
//! `POST /api/v1/results` over HTTP, `--parallel` at a time. `calibrate` merges the files'
//! `calibration.csv` parts into `DIR/merged.csv`, reads it back and calibrates 2PL (the code of
//! `khaothi calibrate`). Each prints one JSON line: counts, seconds, and the process's peak RSS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use khaothi_irt::ItemModel;
use khaothi_package::result_file::{ChainHead, ChainHeads, ResultFile, UnsignedResults};
use khaothi_package::{SiteSigningKey, sign_result_file};
use rand::SeedableRng;
use serde_json::{Value, json};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn num(args: &[String], name: &str, default: usize) -> usize {
    arg(args, name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The process's peak resident set (VmHWM), MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn models(items: usize) -> Vec<ItemModel> {
    (0..items)
        .map(|j| ItemModel::TwoPl { a: 0.7 + (j % 7) as f64 * 0.15, b: -2.0 + 4.0 * j as f64 / items as f64 })
        .collect()
}

fn item_id(j: usize) -> String {
    format!("TOAN12-{:04}", j + 1)
}

/// One site's signed result file.
fn site_file(site: usize, candidates: usize, models: &[ItemModel]) -> ResultFile {
    let ids: Vec<String> = (0..models.len()).map(|j| format!("{}@1", item_id(j))).collect();
    let thetas = khaothi_irt::simulate::draw_thetas(candidates, 0.0, 1.0, 1000 + site as u64);
    let m =
        khaothi_irt::simulate::simulate_responses_with_ids(models, ids.clone(), &thetas, 5000 + site as u64);
    let number = |i: usize| format!("{:02}{:06}", site % 64 + 1, site * 1000 + i);
    let mut calibration = format!("person,{}\n", ids.join(","));
    let mut raw = String::from("number,item,version,answer,score\n");
    let mut results_csv = String::from("number,score10\n");
    let mut people = Vec::with_capacity(candidates);
    for i in 0..candidates {
        let row: Vec<u8> = (0..models.len()).map(|j| m.get(i, j)).collect();
        calibration.push_str(&number(i));
        for (j, s) in row.iter().enumerate() {
            calibration.push_str(if *s == 1 { ",1" } else { ",0" });
            let answer = if *s == 1 { 'A' } else { ['B', 'C', 'D'][(i + j) % 3] };
            raw.push_str(&format!("{},{},1,{answer},{s}\n", number(i), item_id(j)));
        }
        calibration.push('\n');
        let right = row.iter().filter(|s| **s == 1).count();
        let score = format!("{:.2}", 10.0 * right as f64 / models.len() as f64).replace('.', ",");
        results_csv.push_str(&format!("{},\"{score}\"\n", number(i)));
        people.push(json!({"number": number(i), "score10": score}));
    }
    let parts = BTreeMap::from([
        ("results.json".to_string(), json!({"event": "THPT-2026-TOAN", "candidates": people}).to_string()),
        ("results.csv".to_string(), results_csv),
        ("calibration.csv".to_string(), calibration),
        ("raw.csv".to_string(), raw),
    ]);
    let key = SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(site as u64 + 1));
    let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
    sign_result_file(
        UnsignedResults {
            event_id: "THPT-2026-TOAN".into(),
            site_name: format!("Điểm thi {:04}", site + 1),
            created_at: "2026-06-27T11:00:00Z".into(),
            parts,
            chains: ChainHeads {
                responses: head((candidates * models.len()) as u64, "a"),
                audit: head(candidates as u64 + 20, "b"),
            },
        },
        &key,
    )
}

fn files(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("site-") && n.ends_with(".json"))
        })
        .collect();
    v.sort();
    Ok(v)
}

fn generate(dir: &Path, args: &[String]) -> Res<Value> {
    let (sites, candidates, items) =
        (num(args, "--sites", 2000), num(args, "--candidates", 580), num(args, "--items", 50));
    std::fs::create_dir_all(dir)?;
    let models = models(items);
    let started = Instant::now();
    let mut bytes = 0u64;
    for s in 0..sites {
        let file = site_file(s, candidates, &models).to_json();
        bytes += file.len() as u64;
        std::fs::write(dir.join(format!("site-{s:04}.json")), file)?;
    }
    Ok(json!({"phase": "generate", "sites": sites, "candidates": sites * candidates, "items": items,
        "bytes": bytes, "seconds": started.elapsed().as_secs_f64(), "peak_rss_mb": peak_rss_mb()}))
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> Res<String> {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "khaothi-demo"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["access_token"].as_str().ok_or("no token")?.to_string())
}

async fn import(dir: &Path, args: &[String]) -> Res<Value> {
    let data = dir.join("bank-data");
    std::fs::create_dir_all(&data)?;
    let config = khaothi_bank::BankConfig {
        listen: "127.0.0.1:0".parse()?,
        data_dir: data.clone(),
        database_url: arg(args, "--database-url"),
        demo: true,
        max_import_bytes: 64 * 1024 * 1024,
        ..khaothi_bank::BankConfig::default()
    };
    let app = khaothi_bank::Application::build(config).await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", app.addr);
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(600)).build()?;
    let admin = login(&http, &base, "admin").await?;
    let board = login(&http, &base, "board").await?;
    let paths = files(dir)?;
    let started = Instant::now();
    for p in &paths {
        let file = ResultFile::parse(&std::fs::read(p)?)?;
        let res = http
            .post(format!("{base}/api/v1/sites"))
            .bearer_auth(&admin)
            .json(&json!({"name": file.site.name, "public_key": file.site.public_key}))
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("registering {}: {}", p.display(), res.text().await?).into());
        }
    }
    let registered = started.elapsed().as_secs_f64();
    let parallel = num(args, "--parallel", 4).max(1);
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let (mut bytes, mut candidates, mut done) = (0u64, 0u64, 0usize);
    for p in paths.clone() {
        if set.len() >= parallel {
            candidates += set.join_next().await.ok_or("no task")???;
            done += 1;
        }
        let body = std::fs::read(&p)?;
        bytes += body.len() as u64;
        let (http, base, board) = (http.clone(), base.clone(), board.clone());
        set.spawn(async move {
            let res = http
                .post(format!("{base}/api/v1/results"))
                .bearer_auth(&board)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = res.status();
            let v: Value = res.json().await?;
            if status.as_u16() != 201 {
                return Err(format!("{}: {status} {v}", p.display()).into());
            }
            Ok::<u64, Box<dyn std::error::Error + Send + Sync>>(v["responses_length"].as_u64().unwrap_or(0))
        });
    }
    while let Some(r) = set.join_next().await {
        candidates += r??;
        done += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let db_bytes: u64 =
        std::fs::read_dir(&data)?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
    Ok(json!({"phase": "import", "files": done, "bytes": bytes, "response_rows": candidates,
        "register_seconds": registered, "seconds": seconds, "files_per_s": done as f64 / seconds,
        "mb_per_s": bytes as f64 / 1e6 / seconds, "parallel": parallel,
        "sqlite_bytes": if arg(args, "--database-url").is_some() { Value::Null } else { json!(db_bytes) },
        "peak_rss_mb": peak_rss_mb()}))
}

fn calibrate(dir: &Path) -> Res<Value> {
    let started = Instant::now();
    let merged_path = dir.join("merged.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&merged_path)?);
    let mut header: Option<String> = None;
    for p in files(dir)? {
        let file = ResultFile::parse(&std::fs::read(&p)?)?;
        let csv = file.parts.get("calibration.csv").ok_or("no calibration.csv")?;
        let (head, rows) = csv.split_once('\n').ok_or("empty part")?;
        match &header {
            None => {
                std::io::Write::write_all(&mut out, format!("{head}\n").as_bytes())?;
                header = Some(head.to_string());
            }
            Some(h) if h == head => {}
            Some(_) => return Err(format!("{}: other items", p.display()).into()),
        }
        std::io::Write::write_all(&mut out, rows.as_bytes())?;
    }
    drop(out);
    let merge = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let m = khaothi_irt::csv::read_responses(std::io::BufReader::new(std::fs::File::open(&merged_path)?))?;
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let options = khaothi_irt::calibrate::CalibrationOptions::default();
    let r = khaothi_irt::calibrate::calibrate(&m, &options)?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({"phase": "calibrate", "persons": m.n_persons(), "items": m.n_items(),
        "merged_bytes": std::fs::metadata(&merged_path)?.len(), "merge_seconds": merge, "read_seconds": read,
        "calibrate_seconds": seconds, "converged": r.converged, "iterations": r.iterations,
        "peak_rss_mb": peak_rss_mb()}))
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(phase), Some(dir)) = (args.first(), args.get(1)) else {
        return Err(
            "usage: national_results generate|import|calibrate DIR [options] (see the file's comment)".into(),
        );
    };
    let dir = PathBuf::from(dir);
    let out = match phase.as_str() {
        "generate" => generate(&dir, &args)?,
        "import" => import(&dir, &args).await?,
        "calibrate" => calibrate(&dir)?,
        other => return Err(format!("unknown phase {other}").into()),
    };
    println!("{out}");
    Ok(())
}
