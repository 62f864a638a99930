//! Adaptive events from outside the server (issue 20): a simulated calibrated pool, its adaptive
//! package, the event's set-up (unlocked with both keys), a candidate that takes the test one
//! question at a time, and `khaothi loadtest --adaptive` — many such candidates answering at an
//! interval, timing each answer from its send to the arrival of both its `ack` and the `next`
//! question (what a candidate waits for).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use khaothi_cat::{Design, Pool};
use khaothi_domain::{Item, ItemRecord};
use khaothi_package::{AdaptiveInput, BoardSigningKey, BuiltPackage, build_adaptive_package};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Value, json};

use crate::board::{BoardClient, EventSetup};
use crate::candidate::CandidateSocket;
use crate::histogram::Histogram;

/// Topics and levels the simulated pool cycles through (the shadow-test blueprint of the load
/// test counts them).
pub const POOL_TOPICS: [&str; 4] = ["10.1.1", "10.1.2", "10.2.1", "10.2.2"];
pub const POOL_LEVELS: [&str; 3] = ["biet", "hieu", "van_dung"];

/// `n` calibrated single-choice items (`CAT-0001`, …) of subject `toan`, 2PL with
/// a ~ U(0.85, 2.04) and b ~ U(−3, 3) (the issue's published pool in the logistic metric), keys
/// and topics varied; deterministic in `seed`.
pub fn simulated_pool(n: usize, seed: u64) -> Vec<Item> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (1..=n)
        .map(|k| {
            let a: f64 = rng.random_range(0.85..2.04);
            let b: f64 = rng.random_range(-3.0..3.0);
            let key = ["A", "B", "C", "D"][rng.random_range(0..4)];
            let line = json!({
                "id": format!("CAT-{k:04}"), "subject": "toan", "grade": 10,
                "topic": POOL_TOPICS[k % POOL_TOPICS.len()], "level": POOL_LEVELS[k % POOL_LEVELS.len()],
                "kind": "single_choice", "status": "approved",
                "stem": format!("Câu hỏi mô phỏng số {k}: tính ${k} + 1$."),
                "options": [format!("${}$", k), format!("${}$", k + 1), format!("${}$", k + 2), format!("${}$", k + 3)],
                "key": key,
                "irt": {"model": "2pl", "a": (a * 1000.0).round() / 1000.0, "b": (b * 1000.0).round() / 1000.0},
            });
            let record = ItemRecord::from_json_line(&line.to_string()).expect("a simulated item parses");
            record.into_item().expect("a simulated item is valid").0
        })
        .collect()
}

/// The adaptive package of `items` (their pool) under `design`.
pub fn adaptive_package(
    items: &[Item],
    event_id: &str,
    title: &str,
    duration_minutes: u32,
    design: &Design,
    signer: &BoardSigningKey,
    seed: u64,
) -> Result<BuiltPackage, String> {
    let (pool, _left_out) = Pool::from_bank_items(items).map_err(|e| e.to_string())?;
    let input = AdaptiveInput {
        package_id: format!("{event_id}-CAT"),
        event_id: event_id.into(),
        title: title.into(),
        subject: items.first().map(|i| i.subject.clone()).unwrap_or_default(),
        duration_minutes,
        created_at: chrono::Utc::now().to_rfc3339(),
        items,
        stimuli: &BTreeMap::new(),
        media: &BTreeMap::new(),
        pool: &pool,
        design,
    };
    build_adaptive_package(&input, signer, &mut rand::rngs::StdRng::seed_from_u64(seed))
        .map_err(|e| e.to_string())
}

/// An adaptive event set up over the API and unlocked with both keys (its answers are scored as
/// they come): the room sheets' `(number, full_name, code)`.
pub async fn set_up_adaptive_event(
    board: &BoardClient,
    event_id: &str,
    pkg: &BuiltPackage,
    candidates: usize,
    room_size: usize,
) -> Result<Vec<(String, String, String)>, String> {
    let list = board
        .set_up_event(&EventSetup {
            event_id,
            title: "Kiểm tra thích ứng",
            package: &pkg.bytes,
            content_key: None,
            candidates,
            room_size,
            number_prefix: "",
            score_at_submit: false,
            duration_seconds: None,
        })
        .await
        .map_err(|e| e.0)?;
    let body = json!({"release_key": pkg.content_key.to_hex(), "keys_release_key": pkg.keys_key.to_hex()});
    board.post(&format!("/api/v1/events/{event_id}/unlock"), body).await.map_err(|e| e.0)?;
    Ok(list)
}

/// An answer to a single-choice item: its key when `right`, another letter otherwise.
pub fn answer_to(item: &Item, right: bool) -> Value {
    let key = match &item.body {
        khaothi_domain::ItemBody::SingleChoice { key, .. } => key.letter(),
        _ => 'A',
    };
    let letter =
        if right { key } else { ['A', 'B', 'C', 'D'].into_iter().find(|c| *c != key).unwrap_or('A') };
    json!(letter.to_string())
}

/// Sends an answer and waits for its `ack` and the `next` message that follows it.
pub async fn answer_and_next(
    s: &mut CandidateSocket,
    seq: i64,
    item: &str,
    value: Value,
    wait: Duration,
) -> Result<Value, String> {
    s.send(json!({"type": "answer", "seq": seq, "item": item, "value": value})).await?;
    s.expect("ack", wait).await?;
    s.expect("next", wait).await
}

/// `khaothi loadtest --adaptive` options.
#[derive(Debug, Clone)]
pub struct AdaptiveLoadOptions {
    pub candidates: usize,
    pub duration: Duration,
    pub answer_interval: Duration,
    pub pool_items: usize,
    pub design: Design,
    pub login_concurrency: usize,
    /// A delivery server already running (`http://host:port`, its own process: the fairer
    /// measure, the swarm then does not share the server's runtime); `None` starts one here on a
    /// fresh SQLite database.
    pub url: Option<String>,
    /// With `url`: the board's staff account and the secret key matching the server's pinned
    /// board public key (the package is signed with it).
    pub board_user: String,
    pub board_password: String,
    pub signing_key: Option<String>,
}

/// What `khaothi loadtest --adaptive` prints.
#[derive(Debug, Serialize)]
pub struct AdaptiveReport {
    pub candidates: usize,
    pub logged_in: usize,
    pub pool_items: usize,
    pub shadow_tests: bool,
    pub randomesque: u32,
    pub duration_s: f64,
    /// Answers acknowledged with the next question (each one a pick).
    pub picks: u64,
    pub picks_per_second: f64,
    /// From an answer's send to the arrival of its `ack` and the `next` question.
    pub ack_next_ms_p50: f64,
    pub ack_next_ms_p90: f64,
    pub ack_next_ms_p99: f64,
    pub ack_next_ms_max: f64,
    /// The same for answers sent after the last candidate logged in (the steady state, without
    /// the logins' burst), as the fixed-form report's `steady_ack_*`.
    pub steady_picks: u64,
    pub steady_ack_next_ms_p50: f64,
    pub steady_ack_next_ms_p90: f64,
    pub steady_ack_next_ms_p99: f64,
    pub steady_ack_next_ms_max: f64,
    /// From the start until the last candidate had its first question.
    pub all_in_ms: f64,
    /// Tests that reached their stopping rule during the run.
    pub finished: usize,
    pub errors: Vec<String>,
    /// `/proc/loadavg`'s 1-minute figure at the end (the machine is shared).
    pub load_average: Option<f64>,
}

struct OneResult {
    /// (sent, latency) of each answer, in ms: sent since the run's start.
    samples: Vec<(f64, f64)>,
    /// When the first question arrived (ms since the run's start).
    in_at_ms: f64,
    finished: bool,
    error: Option<String>,
    logged_in: bool,
}

/// One candidate: log in, then answer the question shown every `interval` (with a random phase)
/// until the test ends or `end` passes.
async fn one_candidate(
    ws: String,
    (number, code): (String, String),
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    interval: Duration,
    (started, end): (Instant, Instant),
    seed: u64,
) -> OneResult {
    let mut out =
        OneResult { samples: Vec::new(), in_at_ms: 0.0, finished: false, error: None, logged_in: false };
    let ms = |t: Instant| t.duration_since(started).as_secs_f64() * 1000.0;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let wait = Duration::from_secs(30);
    let run = async {
        // Logins in flight are bounded (the ramp-up), answers are not.
        let permit = gate.acquire_owned().await.ok();
        let mut s = CandidateSocket::connect(&ws).await?;
        s.login(&number, &code).await?;
        out.logged_in = true;
        let mut next = s.expect("next", wait).await?;
        out.in_at_ms = ms(Instant::now());
        drop(permit);
        tokio::time::sleep(interval.mul_f64(rng.random_range(0.0..1.0))).await;
        let mut seq = 0;
        while Instant::now() < end {
            if next["finished"] == json!(true) {
                out.finished = true;
                break;
            }
            let item = next["items"][0]["id"].as_str().ok_or("a `next` without an item")?.to_string();
            seq += 1;
            let value = json!(["A", "B", "C", "D"][rng.random_range(0..4)]);
            let sent = Instant::now();
            next = answer_and_next(&mut s, seq, &item, value, wait).await?;
            out.samples.push((ms(sent), sent.elapsed().as_secs_f64() * 1000.0));
            let jitter = rng.random_range(0.8..1.2);
            tokio::time::sleep(interval.mul_f64(jitter).saturating_sub(sent.elapsed())).await;
        }
        Ok::<(), String>(())
    };
    if let Err(e) = run.await {
        out.error = Some(format!("{number}: {e}"));
    }
    out
}

/// A delivery server started in this process on a fresh SQLite database, pinning `signer`'s
/// public key: its base URL, the stop signal and its data directory.
async fn own_server(
    signer: &BoardSigningKey,
) -> Result<(String, tokio::sync::oneshot::Sender<()>, std::path::PathBuf), String> {
    let dir = std::env::temp_dir().join(format!("khaothi-loadtest-cat-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let config = khaothi_delivery::DeliveryConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.clone(),
        demo: true,
        board_public_key: Some(signer.public().to_string()),
        login_max_failures: 1000,
        ..khaothi_delivery::DeliveryConfig::default()
    };
    let app = khaothi_delivery::Application::build(config).await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", app.addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    Ok((url, stop, dir))
}

/// The latency figures of `samples` (ms): (count, p50, p90, p99, max).
fn figures(samples: impl Iterator<Item = f64>) -> (u64, f64, f64, f64, f64) {
    let mut h = Histogram::default();
    samples.for_each(|ms| h.record(ms));
    (h.count(), h.percentile(0.50), h.percentile(0.90), h.percentile(0.99), h.max())
}

/// Runs the adaptive load test against `o.url`, or a server started here on a fresh SQLite
/// database.
pub async fn run_adaptive(o: AdaptiveLoadOptions) -> Result<AdaptiveReport, String> {
    let signer = match &o.signing_key {
        Some(k) => BoardSigningKey::parse(k).map_err(|e| e.to_string())?,
        None => BoardSigningKey::generate(&mut rand::rng()),
    };
    let (url, own) = match &o.url {
        Some(u) => (u.trim_end_matches('/').to_string(), None),
        None => {
            let (url, stop, dir) = own_server(&signer).await?;
            (url, Some((stop, dir)))
        }
    };
    let ws = format!("{}/ws/candidate", url.replacen("http", "ws", 1));
    let board = BoardClient::login(&url, &o.board_user, &o.board_password).await.map_err(|e| e.0)?;
    let items = simulated_pool(o.pool_items, 7);
    let minutes = (o.duration.as_secs() / 60 + 30) as u32;
    let pkg = adaptive_package(&items, "LOAD-CAT", "Load test (adaptive)", minutes, &o.design, &signer, 1)?;
    eprintln!("loadtest --adaptive: setting up {} candidates on {url}", o.candidates);
    let list = set_up_adaptive_event(&board, "LOAD-CAT", &pkg, o.candidates, 25).await?;
    let started = Instant::now();
    let end = started + o.duration;
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(o.login_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(list.len());
    for (n, (number, _, code)) in list.into_iter().enumerate() {
        let (ws, gate, interval) = (ws.clone(), gate.clone(), o.answer_interval);
        tasks.push(tokio::spawn(one_candidate(ws, (number, code), gate, interval, (started, end), n as u64)));
    }
    let mut samples = Vec::new();
    let (mut finished, mut logged_in, mut all_in_ms, mut errors) = (0, 0, 0.0f64, Vec::new());
    for t in tasks {
        let r = t.await.map_err(|e| e.to_string())?;
        samples.extend(r.samples);
        finished += usize::from(r.finished);
        logged_in += usize::from(r.logged_in);
        all_in_ms = all_in_ms.max(r.in_at_ms);
        errors.extend(r.error);
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some((stop, dir)) = own {
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(&dir);
    }
    errors.truncate(20);
    let (picks, p50, p90, p99, max) = figures(samples.iter().map(|s| s.1));
    let (steady_picks, s50, s90, s99, smax) =
        figures(samples.iter().filter(|s| s.0 >= all_in_ms).map(|s| s.1));
    Ok(AdaptiveReport {
        candidates: o.candidates,
        logged_in,
        pool_items: o.pool_items,
        shadow_tests: o.design.blueprint.is_some(),
        randomesque: o.design.randomesque,
        duration_s: secs,
        picks,
        picks_per_second: picks as f64 / secs,
        ack_next_ms_p50: p50,
        ack_next_ms_p90: p90,
        ack_next_ms_p99: p99,
        ack_next_ms_max: max,
        steady_picks,
        steady_ack_next_ms_p50: s50,
        steady_ack_next_ms_p90: s90,
        steady_ack_next_ms_p99: s99,
        steady_ack_next_ms_max: smax,
        all_in_ms: (all_in_ms * 100.0).round() / 100.0,
        finished,
        errors,
        load_average: std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse().ok()),
    })
}

/// A blueprint over [`simulated_pool`]'s topics and levels for shadow tests: `length` single-choice
/// items, both chapters (10.1, 10.2) between 40 % and 60 % of the test, every level at least a
/// fifth of it.
pub fn simulated_blueprint(length: u32) -> Result<khaothi_assembly::Blueprint, String> {
    let (lo, hi, level) = (length * 2 / 5, length.div_ceil(5) * 3, length / 5);
    let yaml = format!(
        r#"name: "Kiểm tra định kỳ thích ứng (mô phỏng)"
subject: toan
grade: 10
duration_minutes: 45
forms: 1
versions: 1
sections:
  - {{ kind: single_choice, count: {length}, points: 0.25, name: "Phần I" }}
matrix:
  - {{ topic: "10.1", total: {{ min: {lo}, max: {hi} }} }}
  - {{ topic: "10.2", total: {{ min: {lo}, max: {hi} }} }}
  - {{ topic: "10", kind: single_choice, biet: {{ min: {level} }}, hieu: {{ min: {level} }}, van_dung: {{ min: {level} }} }}
"#
    );
    khaothi_assembly::Blueprint::from_yaml(&yaml).map_err(|e| e.to_string())
}
