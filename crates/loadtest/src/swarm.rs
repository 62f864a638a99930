//! `khaothi loadtest`: a swarm of real websocket candidates against a delivery server — its own
//! on a fresh SQLite database, or one at a URL with board credentials, or the bare
//! ack-after-fsync server (`bare`: the limit the product is compared with). Each candidate logs
//! in, answers at the given interval, drops and resumes its connection at random, and submits;
//! then every acknowledged answer is looked up in the server's stored answers.
//!
//! The candidates run in this process ([`crate::worker`]) or, with `processes` > 1, in that many
//! processes ([`crate::processes`]) whose histograms are merged into one report.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use khaothi_domain::Item;
use khaothi_package::BuiltPackage;
use serde::Serialize;
use serde_json::json;

use crate::board::{BoardClient, EventSetup};
use crate::histogram::Histogram;
use crate::processes::{WorkerLauncher, run_processes};
use crate::worker::{WorkerResult, WorkerSpec, run_worker};
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
    /// Logins in flight at once while the swarm ramps up (shared out among the processes).
    pub login_concurrency: usize,
    /// With `url`: the server's process id on this machine, to report its resident memory.
    pub server_pid: Option<u32>,
    /// Processes the candidates are shared out among (1: this one). Needs `launcher`.
    pub processes: usize,
    /// How to start a worker process (`khaothi loadtest --worker`).
    pub launcher: Option<WorkerLauncher>,
    /// Ask for the content compressed (the candidate page does when its browser can inflate).
    pub deflate: bool,
    /// Inflate, hash and parse every login's content (else content byte-identical to content
    /// verified before is taken as it is: candidate::ContentCache).
    pub verify_content: bool,
    /// The server at `url` is the bare ack-after-fsync server: no board, no package; any
    /// candidate number logs in, and the stored answers are at `/raw.csv`.
    pub bare: bool,
    /// A reconnect storm this long after the start: every candidate drops its socket at once and
    /// resumes (naming the content's hash).
    pub storm_at: Option<Duration>,
}

impl Default for LoadtestOptions {
    fn default() -> Self {
        Self {
            candidates: 1000,
            duration: Duration::from_secs(60),
            answer_interval: Duration::from_secs(2),
            disconnect_rate: 0.01,
            url: None,
            board_user: "board".into(),
            board_password: "khaothi-demo".into(),
            signing_key: None,
            items: Vec::new(),
            login_concurrency: 200,
            server_pid: None,
            processes: 1,
            launcher: None,
            deflate: true,
            verify_content: false,
            bare: false,
            storm_at: None,
        }
    }
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
    /// The same over the answers sent from the first whole second after the last candidate
    /// logged in: the exam in its steady state, without the logins' burst.
    pub steady_ack_p50_ms: f64,
    pub steady_ack_p99_ms: f64,
    pub reconnects: u64,
    /// Seconds from the swarm's start until the last candidate's `welcome` and content (the
    /// synchronized start: with `login_concurrency` ≥ candidates, everyone logs in at once).
    pub login_all_s: f64,
    /// The same in milliseconds.
    pub all_in_ms: f64,
    /// Time from connecting to the last content frame per first login.
    pub login_p50_ms: f64,
    pub login_p99_ms: f64,
    /// Bytes a candidate received per first login (`welcome` and content) and per resume.
    pub login_bytes_mean: f64,
    pub resume_bytes_mean: f64,
    /// Peak resident memory of the server while candidates answer: of `server_pid` when given;
    /// for a self-started server the whole process (server and client swarm together), an upper
    /// bound; 0 when unknown (a remote server).
    pub server_rss_mb: f64,
    /// The server's resident memory before the first login, and (peak − that) per candidate.
    pub server_rss_before_mb: f64,
    pub rss_per_candidate_kb: f64,
    /// Acknowledged answers per second of answering.
    pub answers_per_s: f64,
    pub processes: usize,
    pub candidates_failed: u64,
    /// The failed candidates by reason, `"<phase>: <what>"` (docs/operations.md, "load test"):
    /// e.g. `"ack: timeout"`, `"login: closed by server 1013 …"`, `"resume: connect refused"`.
    pub failures_by_reason: std::collections::BTreeMap<String, u64>,
    /// With a storm: ms from the storm until the last candidate was back in (`welcome` and any
    /// content), and the bytes a storm resume received on average.
    pub storm_back_ms: f64,
    pub storm_bytes_mean: f64,
    /// CPU seconds (user + system) from just before the first login until every candidate had
    /// finished: the server's (`--server-pid`; the whole process when the server is its own, 0
    /// when unknown) and the load generator's own (this process and its worker processes). On a
    /// machine the swarm shares with the server, the second is CPU the server did not get.
    pub server_cpu_s: f64,
    pub client_cpu_s: f64,
}

/// (candidate number, item id) → (epoch, seq) of the newest saved answer, from the raw export.
fn saved_answers(raw: &str) -> Result<HashMap<(String, String), (i64, i64)>, String> {
    let mut r = csv::Reader::from_reader(raw.as_bytes());
    let header = r.headers().map_err(|e| format!("raw export: {e}"))?.clone();
    let col =
        |name: &str| header.iter().position(|h| h == name).ok_or(format!("raw export: no {name} column"));
    let (person, item, epoch, seq) = (col("person")?, col("item")?, col("epoch")?, col("seq")?);
    let mut out: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("raw export: {e}"))?;
        let field = |c: usize| rec.get(c).unwrap_or_default();
        let (Ok(e), Ok(s)) = (field(epoch).parse::<i64>(), field(seq).parse::<i64>()) else { continue };
        // The item column is `id@version` when the form pinned a version.
        let id = match field(item).rsplit_once('@') {
            Some((id, v)) if v.chars().all(|c| c.is_ascii_digit()) => id,
            _ => field(item),
        };
        let at = out.entry((field(person).to_string(), id.to_string())).or_insert((e, s));
        *at = (*at).max((e, s));
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

/// CPU seconds (user + system) a process has used (Linux's /proc; 0 when unknown), `None` = this
/// process together with its waited-for children (the worker processes of `--processes`).
pub fn cpu_s(pid: Option<u32>) -> f64 {
    let path = pid.map_or_else(|| "/proc/self/stat".to_string(), |p| format!("/proc/{p}/stat"));
    std::fs::read_to_string(path).map_or(0.0, |stat| stat_ticks(&stat, pid.is_none()) as f64 / 100.0)
}

/// utime + stime (+ cutime + cstime with `children`) of a /proc/<pid>/stat line, in clock ticks
/// of 1/100 s (USER_HZ, fixed by Linux's ABI). They are the 12th to 15th fields after the command
/// name, which is in parentheses and may itself hold spaces and parentheses.
fn stat_ticks(stat: &str, children: bool) -> u64 {
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    ticks(11) + ticks(12) + if children { ticks(13) + ticks(14) } else { 0 }
}

/// Where the answers end up and how to read them back.
enum Target {
    Product { board: BoardClient, event: String, pkg: Box<BuiltPackage> },
    Bare { base: String },
}

/// Runs the load test: sets up an event of `opts.candidates` candidates, lets them answer for
/// `opts.duration`, and checks every acknowledged answer against the stored answers.
pub async fn run(opts: LoadtestOptions) -> Result<Report, String> {
    let signer = match &opts.signing_key {
        Some(k) => khaothi_package::BoardSigningKey::parse(k).map_err(|e| e.to_string())?,
        None => khaothi_package::BoardSigningKey::generate(&mut rand::rng()),
    };
    let dir = tempfile_dir()?;
    let (base, _guard) = server(&opts, &signer, &dir).await?;
    let (target, list) = if opts.bare {
        let list = (1..=opts.candidates).map(|n| (format!("B{n:06}"), "-".to_string())).collect();
        (Target::Bare { base: base.clone() }, list)
    } else {
        let board =
            BoardClient::login(&base, &opts.board_user, &opts.board_password).await.map_err(|e| e.0)?;
        let (event, pkg, list) = set_up(&board, &opts, &signer, &base).await?;
        let list = list.into_iter().map(|(number, _, code)| (number, code)).collect();
        (Target::Product { board, event, pkg: Box::new(pkg) }, list)
    };
    let ws_url = format!("{}/ws/candidate", base.replacen("http", "ws", 1));
    eprintln!("loadtest: {} candidates answering for {:?}", opts.candidates, opts.duration);
    let sample_pid =
        if opts.url.is_some() && opts.server_pid.is_none() { None } else { Some(opts.server_pid) };
    let rss_before = sample_pid.map_or(0.0, rss_mb);
    let cpu_before = (sample_pid.map_or(0.0, cpu_s), cpu_s(None));
    let start_unix_ms =
        SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis() as u64;
    let specs = share_out(&opts, &ws_url, list, start_unix_ms);
    // The server's memory while the exam runs, sampled every second until the end of answering
    // (the final submit storm and the check come after and are not part of the exam).
    let sampler = tokio::spawn(peak_rss(sample_pid, Instant::now() + opts.duration));
    let merged = if specs.len() == 1 {
        run_worker(specs.into_iter().next().expect("one")).await
    } else {
        let launcher = opts.launcher.as_ref().ok_or("--processes needs a worker launcher")?;
        run_processes(launcher, specs, &dir).await?
    };
    let cpu = (sample_pid.map_or(0.0, cpu_s) - cpu_before.0, cpu_s(None) - cpu_before.1);
    let rss = sampler.await.map_err(|e| e.to_string())?;
    let lost = lost_answers(&target, &merged).await?;
    if merged.failures > 0 {
        for e in &merged.errors {
            eprintln!("loadtest: candidate failed: {e}");
        }
        eprintln!("loadtest: {} candidates failed", merged.failures);
        for (reason, n) in &merged.failures_by_reason {
            eprintln!("loadtest:   {n} × {reason}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report(&opts, &merged, lost, (rss_before, rss), cpu))
}

/// The candidates shared out among `opts.processes` workers (each with its share of the login
/// concurrency), all with the same start and end.
fn share_out(
    opts: &LoadtestOptions,
    ws_url: &str,
    list: Vec<(String, String)>,
    start_unix_ms: u64,
) -> Vec<WorkerSpec> {
    let n = opts.processes.clamp(1, list.len().max(1));
    let per = list.len().div_ceil(n).max(1);
    list.chunks(per)
        .map(|chunk| WorkerSpec {
            ws_url: ws_url.to_string(),
            candidates: chunk.to_vec(),
            answer_interval: opts.answer_interval.as_secs_f64(),
            disconnect_rate: opts.disconnect_rate,
            login_concurrency: opts.login_concurrency.div_ceil(n).max(1),
            start_unix_ms,
            end_unix_ms: start_unix_ms + opts.duration.as_millis() as u64,
            deflate: opts.deflate,
            verify_content: opts.verify_content,
            storm_unix_ms: opts.storm_at.map(|d| start_unix_ms + d.as_millis() as u64),
        })
        .collect()
}

/// The server to load: the one at `opts.url`, or one started here on a fresh SQLite database in
/// `dir` (it stops when the returned guard is dropped).
async fn server(
    opts: &LoadtestOptions,
    signer: &khaothi_package::BoardSigningKey,
    dir: &std::path::Path,
) -> Result<(String, Option<tokio::sync::oneshot::Sender<()>>), String> {
    if let Some(u) = &opts.url {
        return Ok((u.trim_end_matches('/').to_string(), None));
    }
    if opts.bare {
        return Err("the bare server is started on its own (see docs/benchmarks.md); give its --url".into());
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

/// Acknowledged answers missing from the stored answers (newest epoch and seq of each item). The
/// load event scores at submit, so its keys may be released even if a candidate failed.
async fn lost_answers(target: &Target, merged: &WorkerResult) -> Result<u64, String> {
    let raw = match target {
        Target::Product { board, event, pkg } => {
            board
                .post(&format!("/api/v1/events/{event}/keys"), json!({"release_key": pkg.keys_key.to_hex()}))
                .await
                .map_err(|e| e.0)?;
            let raw = board.get(&format!("/api/v1/events/{event}/exports/raw.csv")).await.map_err(|e| e.0)?;
            raw.as_str().unwrap_or_default().to_string()
        }
        Target::Bare { base } => reqwest::get(format!("{base}/raw.csv"))
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?,
    };
    let saved = saved_answers(&raw)?;
    let lost = merged
        .acked_answers
        .iter()
        .filter(|(number, item, epoch, seq)| {
            saved.get(&(number.clone(), item.clone())).is_none_or(|s| *s < (*epoch, *seq))
        })
        .count();
    Ok(lost as u64)
}

/// The report of the merged runs: ack latencies over the whole run and after the last login
/// (the steady state), login times and bytes, counts, the server's memory and both sides' CPU.
fn report(
    opts: &LoadtestOptions,
    m: &WorkerResult,
    lost: u64,
    (rss_before, rss): (f64, f64),
    (server_cpu, client_cpu): (f64, f64),
) -> Report {
    let mut all = Histogram::default();
    let mut steady = Histogram::default();
    let first_steady = (m.last_login_ms / 1000.0).ceil() as usize;
    for (second, h) in m.latency_by_second.iter().enumerate() {
        all.merge(h);
        if second >= first_steady {
            steady.merge(h);
        }
    }
    let per = |sum: u64, n: u64| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    let candidates = opts.candidates;
    Report {
        candidates,
        answers_sent: m.sent,
        answers_acked: m.acked,
        answers_lost: lost,
        ack_p50_ms: round2(all.percentile(0.5)),
        ack_p99_ms: round2(all.percentile(0.99)),
        ack_max_ms: round2(all.max()),
        steady_ack_p50_ms: round2(steady.percentile(0.5)),
        steady_ack_p99_ms: round2(steady.percentile(0.99)),
        reconnects: m.reconnects,
        login_all_s: round2(m.last_login_ms / 1000.0),
        all_in_ms: round2(m.last_login_ms),
        login_p50_ms: round2(m.logins.percentile(0.5)),
        login_p99_ms: round2(m.logins.percentile(0.99)),
        login_bytes_mean: round2(per(m.login_bytes, m.logins_done)),
        resume_bytes_mean: round2(per(m.resume_bytes, m.resumes_done)),
        server_rss_mb: round2(rss),
        server_rss_before_mb: round2(rss_before),
        rss_per_candidate_kb: round2(if candidates == 0 {
            0.0
        } else {
            (rss - rss_before).max(0.0) * 1024.0 / candidates as f64
        }),
        answers_per_s: round2(m.acked as f64 / opts.duration.as_secs_f64().max(0.001)),
        processes: opts.processes.max(1),
        candidates_failed: m.failures,
        failures_by_reason: m.failures_by_reason.clone(),
        storm_back_ms: round2(m.storm_back_ms),
        storm_bytes_mean: round2(per(m.storm_bytes, m.storm_resumes)),
        server_cpu_s: round2(server_cpu),
        client_cpu_s: round2(client_cpu),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_a_command_name_with_spaces_and_parentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
        // stime cutime cstime …
        let stat = "4242 (kh (a) b) S 1 2 3 0 -1 4194304 10 20 0 0 150 25 7 3 20 0 9 0";
        assert_eq!(stat_ticks(stat, false), 175);
        assert_eq!(stat_ticks(stat, true), 185);
        assert_eq!(stat_ticks("garbage", true), 0);
    }

    #[test]
    fn this_process_cpu_grows_while_it_works() {
        let before = cpu_s(None);
        let started = Instant::now();
        let mut x = 0u64;
        // Work until a tick is counted (10 ms of CPU; longer in wall time on a loaded machine).
        while cpu_s(None) <= before && started.elapsed() < Duration::from_secs(20) {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        assert!(cpu_s(None) > before, "20 s of work and no CPU counted");
        assert!(cpu_s(Some(std::process::id())) > 0.0);
        assert_eq!(cpu_s(Some(u32::MAX)), 0.0, "no such process");
    }
}
