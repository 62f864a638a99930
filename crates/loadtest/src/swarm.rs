//! `khaothi loadtest`: a swarm of real websocket candidates against a delivery server — its own
//! on a fresh SQLite database, or one at a URL with board credentials. Each candidate logs in,
//! answers at the given interval, drops and resumes its connection at random, and submits; then
//! every acknowledged answer is looked up in the final results.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use khaothi_domain::Item;
use khaothi_package::BuiltPackage;
use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::board::{BoardClient, EventSetup};
use crate::candidate::{CandidateSocket, some_answer};
use khaothi_delivery::{Application, DeliveryConfig};

#[derive(Debug, Clone)]
pub struct LoadtestOptions {
    pub candidates: usize,
    pub duration: Duration,
    /// Mean time between one candidate's answers.
    pub answer_interval: Duration,
    /// Fraction of candidates that drop and resume their connection per minute (0.01 = 1 %).
    pub disconnect_rate: f64,
    /// Target server (`http://host:port`); `None` starts one on a fresh database.
    pub url: Option<String>,
    pub board_user: String,
    pub board_password: String,
    /// Board signing key text (`ed25519-secret:…`) for the package; must match the target
    /// server's pinned key. Generated when the load test starts its own server.
    pub signing_key: Option<String>,
    pub items: Vec<Item>,
    /// Logins in flight at once while the swarm ramps up.
    pub login_concurrency: usize,
    /// With `url`: the server's process id on this machine, to report its resident memory.
    pub server_pid: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub candidates: usize,
    pub answers_sent: u64,
    pub answers_acked: u64,
    pub answers_lost: u64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub ack_max_ms: f64,
    /// The same over the answers sent after the last candidate logged in: the exam in its
    /// steady state, without the logins' burst of item messages.
    pub steady_ack_p50_ms: f64,
    pub steady_ack_p99_ms: f64,
    pub reconnects: u64,
    /// Seconds from the swarm's start until the last candidate's `welcome` (the synchronized
    /// start: with `login_concurrency` ≥ candidates, everyone logs in at once).
    pub login_all_s: f64,
    /// Time from connecting to `welcome` per login.
    pub login_p50_ms: f64,
    pub login_p99_ms: f64,
    /// Peak resident memory of the server while candidates answer: of `server_pid` when given;
    /// for a self-started server the whole process (server and client swarm together), an upper
    /// bound; 0 when unknown (a remote server).
    pub server_rss_mb: f64,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    acked: AtomicU64,
    reconnects: AtomicU64,
}

/// The newest acknowledged answer of each item: (epoch, seq, value).
type Acked = HashMap<String, (i64, i64, Value)>;

/// (candidate number, item id) → (epoch, seq) of the newest saved answer, from the raw export.
fn saved_answers(raw: &str) -> Result<HashMap<(String, String), (i64, i64)>, String> {
    let mut r = csv::Reader::from_reader(raw.as_bytes());
    let header = r.headers().map_err(|e| format!("raw export: {e}"))?.clone();
    let col =
        |name: &str| header.iter().position(|h| h == name).ok_or(format!("raw export: no {name} column"));
    let (person, item, epoch, seq) = (col("person")?, col("item")?, col("epoch")?, col("seq")?);
    let mut out = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("raw export: {e}"))?;
        let field = |c: usize| rec.get(c).unwrap_or_default();
        let (Ok(e), Ok(s)) = (field(epoch).parse::<i64>(), field(seq).parse::<i64>()) else { continue };
        // The item column is `id@version` when the form pinned a version.
        let id = match field(item).rsplit_once('@') {
            Some((id, v)) if v.chars().all(|c| c.is_ascii_digit()) => id,
            _ => field(item),
        };
        out.insert((field(person).to_string(), id.to_string()), (e, s));
    }
    Ok(out)
}

/// Resident memory (MB) of a process on this machine (Linux), `None` = this process.
pub fn rss_mb(pid: Option<u32>) -> f64 {
    let path = pid.map_or_else(|| "/proc/self/status".to_string(), |p| format!("/proc/{p}/status"));
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs the load test: sets up an event of `opts.candidates` candidates, lets them answer for
/// `opts.duration`, and checks every acknowledged answer against the raw export.
pub async fn run(opts: LoadtestOptions) -> Result<Report, String> {
    let signer = match &opts.signing_key {
        Some(k) => khaothi_package::BoardSigningKey::parse(k).map_err(|e| e.to_string())?,
        None => khaothi_package::BoardSigningKey::generate(&mut rand::rng()),
    };
    let dir = tempfile_dir()?;
    let (base, _guard) = target(&opts, &signer, &dir).await?;
    let board = BoardClient::login(&base, &opts.board_user, &opts.board_password).await.map_err(|e| e.0)?;
    let (event, pkg, list) = set_up(&board, &opts, &signer, &base).await?;
    let ws_url = format!("{}/ws/candidate", base.replacen("http", "ws", 1));
    let counters = Arc::new(Counters::default());
    let login_gate = Arc::new(tokio::sync::Semaphore::new(opts.login_concurrency.max(1)));
    let end = Instant::now() + opts.duration;
    eprintln!("loadtest: {} candidates answering for {:?}", list.len(), opts.duration);
    let mut tasks = Vec::with_capacity(list.len());
    let started = Instant::now();
    for (number, _, code) in list.clone() {
        let (ws_url, counters, gate) = (ws_url.clone(), counters.clone(), login_gate.clone());
        let pace =
            Pace { interval: opts.answer_interval.as_secs_f64(), disconnect_rate: opts.disconnect_rate };
        tasks.push(tokio::spawn(
            async move { candidate(ws_url, number, code, pace, counters, gate, end).await },
        ));
    }
    // The server's memory while the exam runs, sampled every second until the end of answering
    // (the final submit storm and the results query come after and are not part of the exam).
    let sample_pid =
        if opts.url.is_some() && opts.server_pid.is_none() { None } else { Some(opts.server_pid) };
    let sampler = tokio::spawn(peak_rss(sample_pid, end));
    let mut runs = Vec::with_capacity(list.len());
    let mut failures = 0usize;
    for (t, (number, _, _)) in tasks.into_iter().zip(&list) {
        match t.await {
            Ok(Ok(done)) => runs.push((number.clone(), done)),
            Ok(Err(e)) => {
                failures += 1;
                if failures <= 5 {
                    eprintln!("loadtest: candidate {number}: {e}");
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let rss = sampler.await.map_err(|e| e.to_string())?;
    let lost = lost_answers(&board, &event, &pkg, &runs).await?;
    if failures > 0 {
        eprintln!("loadtest: {failures} candidates failed (see above)");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report(list.len(), &counters, &runs, started, lost, rss))
}

/// The server to load: the one at `opts.url`, or one started here on a fresh SQLite database in
/// `dir` (it stops when the returned guard is dropped).
async fn target(
    opts: &LoadtestOptions,
    signer: &khaothi_package::BoardSigningKey,
    dir: &std::path::Path,
) -> Result<(String, Option<tokio::sync::oneshot::Sender<()>>), String> {
    if let Some(u) = &opts.url {
        return Ok((u.trim_end_matches('/').to_string(), None));
    }
    let config = DeliveryConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.to_path_buf(),
        demo: true,
        board_public_key: Some(signer.public().to_string()),
        login_max_failures: 1000,
        ..DeliveryConfig::default()
    };
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", app.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Ok((url, Some(tx)))
}

/// The load event (a demo package, rooms of 25, content unlocked): its id, its package and the
/// candidates' `(number, full_name, code)`.
async fn set_up(
    board: &BoardClient,
    opts: &LoadtestOptions,
    signer: &khaothi_package::BoardSigningKey,
    base: &str,
) -> Result<(String, BuiltPackage, Vec<(String, String, String)>), String> {
    let event = format!("LOAD-{}", uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase());
    let minutes = (opts.duration.as_secs() / 60 + 30) as u32;
    let pkg = crate::demo::demo_package(&opts.items, &event, "Load test", minutes, 4, signer, 1)?;
    let key = pkg.content_key.to_hex();
    eprintln!("loadtest: setting up {} candidates on {base} (event {event})", opts.candidates);
    let list = board
        .set_up_event(&EventSetup {
            event_id: &event,
            title: "Load test",
            package: &pkg.bytes,
            content_key: Some(&key),
            candidates: opts.candidates,
            room_size: 25,
            number_prefix: "L",
            score_at_submit: true,
            duration_seconds: None,
        })
        .await
        .map_err(|e| e.0)?;
    Ok((event, pkg, list))
}

/// The peak resident memory of `pid` (`Some(None)`: this process; `None`: unknown) until `end`.
async fn peak_rss(pid: Option<Option<u32>>, end: Instant) -> f64 {
    let mut peak = 0.0f64;
    while Instant::now() < end {
        if let Some(pid) = pid {
            peak = peak.max(rss_mb(pid));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    peak
}

/// Acknowledged answers missing from the raw export (newest epoch and seq of each item). The
/// load event scores at submit, so its keys may be released even if a candidate failed.
async fn lost_answers(
    board: &BoardClient,
    event: &str,
    pkg: &BuiltPackage,
    runs: &[(String, CandidateRun)],
) -> Result<u64, String> {
    board
        .post(&format!("/api/v1/events/{event}/keys"), json!({"release_key": pkg.keys_key.to_hex()}))
        .await
        .map_err(|e| e.0)?;
    let raw = board.get(&format!("/api/v1/events/{event}/exports/raw.csv")).await.map_err(|e| e.0)?;
    let saved = saved_answers(raw.as_str().unwrap_or_default())?;
    let mut lost = 0u64;
    for (number, run) in runs {
        for (item, (epoch, seq, _)) in &run.acked {
            let at = saved.get(&(number.clone(), item.clone()));
            if at.is_none_or(|s| *s < (*epoch, *seq)) {
                lost += 1;
            }
        }
    }
    Ok(lost)
}

/// The report of the candidates' runs: ack latencies over the whole run and after the last
/// login (the steady state), login times, counts.
fn report(
    candidates: usize,
    counters: &Counters,
    runs: &[(String, CandidateRun)],
    started: Instant,
    lost: u64,
    rss: f64,
) -> Report {
    let last_login =
        runs.iter().map(|(_, r)| r.logged_in_at.duration_since(started).as_secs_f64()).fold(0.0f64, f64::max);
    let all_in = started + Duration::from_secs_f64(last_login);
    let timed = runs.iter().flat_map(|(_, r)| r.latencies.iter());
    let mut latencies: Vec<f64> = timed.clone().map(|(_, ms)| *ms).collect();
    let mut steady: Vec<f64> = timed.filter(|(t0, _)| *t0 >= all_in).map(|(_, ms)| *ms).collect();
    let mut logins: Vec<f64> = runs.iter().map(|(_, r)| r.login_ms).collect();
    latencies.sort_by(f64::total_cmp);
    steady.sort_by(f64::total_cmp);
    logins.sort_by(f64::total_cmp);
    let pct_of =
        |v: &[f64], p: f64| if v.is_empty() { 0.0 } else { v[((v.len() - 1) as f64 * p).round() as usize] };
    let pct = |p: f64| pct_of(&latencies, p);
    Report {
        candidates,
        answers_sent: counters.sent.load(Ordering::Relaxed),
        answers_acked: counters.acked.load(Ordering::Relaxed),
        answers_lost: lost,
        ack_p50_ms: round2(pct(0.5)),
        ack_p99_ms: round2(pct(0.99)),
        ack_max_ms: round2(latencies.last().copied().unwrap_or(0.0)),
        steady_ack_p50_ms: round2(pct_of(&steady, 0.5)),
        steady_ack_p99_ms: round2(pct_of(&steady, 0.99)),
        reconnects: counters.reconnects.load(Ordering::Relaxed),
        login_all_s: round2(last_login),
        login_p50_ms: round2(pct_of(&logins, 0.5)),
        login_p99_ms: round2(pct_of(&logins, 0.99)),
        server_rss_mb: round2(rss),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let d = std::env::temp_dir().join(format!("khaothi-loadtest-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    Ok(d)
}

/// What one simulated candidate reports.
struct CandidateRun {
    /// (when sent, ms to its ack) per answer.
    latencies: Vec<(Instant, f64)>,
    acked: Acked,
    login_ms: f64,
    logged_in_at: Instant,
}

#[derive(Clone, Copy)]
struct Pace {
    interval: f64,
    disconnect_rate: f64,
}

async fn candidate(
    ws_url: String,
    number: String,
    code: String,
    pace: Pace,
    counters: Arc<Counters>,
    gate: Arc<tokio::sync::Semaphore>,
    end: Instant,
) -> Result<CandidateRun, String> {
    let wait = Duration::from_secs(30);
    let permit = gate.acquire().await.map_err(|e| e.to_string())?;
    let t_login = Instant::now();
    let mut s = CandidateSocket::connect(&ws_url).await?;
    let w = s.login(&number, &code).await?;
    let logged_in_at = Instant::now();
    let login_ms = logged_in_at.duration_since(t_login).as_secs_f64() * 1000.0;
    drop(permit);
    let items: Vec<Value> = w["items"].as_array().cloned().unwrap_or_default();
    let token = w["resume_token"].as_str().unwrap_or_default().to_string();
    let mut epoch = w["epoch"].as_i64().unwrap_or(0);
    let (mut lat, mut acked) = (Vec::new(), Acked::new());
    let mut seq = 0i64;
    let interval = pace.interval;
    // Probability of a drop before each answer, so that `disconnect_rate` of candidates drop per minute.
    let p_drop = (pace.disconnect_rate * interval / 60.0).clamp(0.0, 1.0);
    // Spread the first answers over one interval.
    let first = rand::rng().random_range(0.0..interval.max(0.001));
    tokio::time::sleep(Duration::from_secs_f64(first)).await;
    s.received.clear();
    while Instant::now() < end {
        if rand::rng().random_bool(p_drop) {
            drop(s);
            counters.reconnects.fetch_add(1, Ordering::Relaxed);
            s = CandidateSocket::connect(&ws_url).await?;
            epoch = s.resume(&number, &token).await?["epoch"].as_i64().unwrap_or(0);
            s.received.clear();
        }
        let n: u64 = rand::rng().random();
        let item = &items[(n % items.len().max(1) as u64) as usize];
        let id = item["id"].as_str().unwrap_or_default().to_string();
        let value = some_answer(item, n >> 8);
        seq += 1;
        counters.sent.fetch_add(1, Ordering::Relaxed);
        let t0 = Instant::now();
        s.send(json!({"type": "answer", "seq": seq, "item": id, "value": value})).await?;
        s.expect("ack", wait).await?;
        lat.push((t0, t0.elapsed().as_secs_f64() * 1000.0));
        counters.acked.fetch_add(1, Ordering::Relaxed);
        acked.insert(id, (epoch, seq, value));
        s.received.clear();
        let jitter = rand::rng().random_range(0.5..1.5);
        let next = Instant::now() + Duration::from_secs_f64(interval * jitter);
        tokio::time::sleep_until(next.min(end).into()).await;
    }
    s.send(json!({"type": "submit"})).await?;
    s.expect("submitted", wait).await?;
    Ok(CandidateRun { latencies: lat, acked, login_ms, logged_in_at })
}
