//! One process's share of the swarm: its candidates log in (at most `login_concurrency` at once),
//! answer until the end, drop and resume at random, and submit. What they measured is folded into
//! a [`WorkerResult`] that another process can merge ([`WorkerResult::merge`]): histograms, not
//! percentiles, and every acknowledged answer for the lost-answer check.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::candidate::{CandidateSocket, ContentCache, some_answer};
use crate::failure::{self, Failure};
use crate::histogram::Histogram;

/// What a worker runs: the same for a task of this process and a process of its own
/// (`khaothi loadtest --worker <spec.json>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerSpec {
    pub ws_url: String,
    /// (number, login code) of this worker's candidates.
    pub candidates: Vec<(String, String)>,
    /// Mean seconds between one candidate's answers.
    pub answer_interval: f64,
    /// Fraction of candidates that drop and resume per minute.
    pub disconnect_rate: f64,
    pub login_concurrency: usize,
    /// The swarm's start and the end of answering, milliseconds since the Unix epoch (shared by
    /// every process of the swarm).
    pub start_unix_ms: u64,
    pub end_unix_ms: u64,
    /// Ask for the content compressed (`content_encoding: "deflate-raw"`).
    pub deflate: bool,
    /// Inflate, hash and parse every login's content (no candidate::ContentCache).
    #[serde(default)]
    pub verify_content: bool,
    /// A reconnect storm: every candidate drops its socket at this time (Unix ms) and resumes.
    #[serde(default)]
    pub storm_unix_ms: Option<u64>,
}

/// What a worker measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerResult {
    pub sent: u64,
    pub acked: u64,
    pub reconnects: u64,
    pub failures: u64,
    /// Failed candidates by reason (`"<phase>: <what>"`, crate::failure), summing to `failures`.
    #[serde(default)]
    pub failures_by_reason: std::collections::BTreeMap<String, u64>,
    /// The first few candidates' errors, for the message.
    pub errors: Vec<String>,
    /// Ack latencies by the second (since the start) their answer was sent.
    pub latency_by_second: Vec<Histogram>,
    /// Time from connecting to the last content frame, per first login.
    pub logins: Histogram,
    /// Milliseconds from the swarm's start until this worker's last candidate was in.
    pub last_login_ms: f64,
    /// Bytes received per first login (welcome and content) and per resume, summed.
    pub login_bytes: u64,
    pub logins_done: u64,
    pub resume_bytes: u64,
    pub resumes_done: u64,
    /// (number, item, epoch, seq) of every item's newest acknowledged answer.
    pub acked_answers: Vec<(String, String, i64, i64)>,
    /// The reconnect storm: milliseconds from the storm until the last candidate was back in,
    /// and the bytes its resumes received (summed).
    pub storm_back_ms: f64,
    pub storm_bytes: u64,
    pub storm_resumes: u64,
}

impl WorkerResult {
    pub fn merge(&mut self, o: WorkerResult) {
        self.sent += o.sent;
        self.acked += o.acked;
        self.reconnects += o.reconnects;
        self.failures += o.failures;
        for (reason, n) in &o.failures_by_reason {
            failure::count(&mut self.failures_by_reason, reason, *n);
        }
        self.errors.extend(o.errors);
        self.errors.truncate(5);
        if self.latency_by_second.len() < o.latency_by_second.len() {
            self.latency_by_second.resize(o.latency_by_second.len(), Histogram::default());
        }
        for (mine, theirs) in self.latency_by_second.iter_mut().zip(&o.latency_by_second) {
            mine.merge(theirs);
        }
        self.logins.merge(&o.logins);
        self.last_login_ms = self.last_login_ms.max(o.last_login_ms);
        self.login_bytes += o.login_bytes;
        self.logins_done += o.logins_done;
        self.resume_bytes += o.resume_bytes;
        self.resumes_done += o.resumes_done;
        self.acked_answers.extend(o.acked_answers);
        self.storm_back_ms = self.storm_back_ms.max(o.storm_back_ms);
        self.storm_bytes += o.storm_bytes;
        self.storm_resumes += o.storm_resumes;
    }

    fn fail(&mut self, f: Failure) {
        self.failures += 1;
        failure::count(&mut self.failures_by_reason, &f.reason, 1);
        if self.errors.len() < 5 {
            self.errors.push(format!("{}: {}", f.reason, f.detail));
        }
    }

    fn add(&mut self, run: CandidateRun) {
        self.sent += run.sent;
        // Every acknowledgement (one latency each), not the items whose newest answer is kept.
        self.acked += run.latencies.len() as u64;
        self.reconnects += run.resumes;
        for (second, ms) in run.latencies {
            if self.latency_by_second.len() <= second {
                self.latency_by_second.resize(second + 1, Histogram::default());
            }
            self.latency_by_second[second].record(ms);
        }
        self.logins.record(run.login_ms);
        self.last_login_ms = self.last_login_ms.max(run.logged_in_ms);
        self.login_bytes += run.login_bytes;
        self.logins_done += 1;
        self.resume_bytes += run.resume_bytes;
        self.resumes_done += run.resumes;
        if let Some((ms, bytes)) = run.storm {
            self.storm_back_ms = self.storm_back_ms.max(ms);
            self.storm_bytes += bytes;
            self.storm_resumes += 1;
        }
        let newest = run.acked.into_iter().map(|(item, (e, s))| (run.number.clone(), item, e, s));
        self.acked_answers.extend(newest);
    }
}

fn unix_ms_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The `Instant` of a Unix time in milliseconds (the processes of a swarm share the wall clock).
fn instant_of(unix_ms: u64) -> Instant {
    let now = Instant::now();
    let now_ms = unix_ms_now();
    if unix_ms >= now_ms {
        now + Duration::from_millis(unix_ms - now_ms)
    } else {
        now.checked_sub(Duration::from_millis(now_ms - unix_ms)).unwrap_or(now)
    }
}

/// Runs the spec's candidates to the end and folds what they measured.
pub async fn run_worker(spec: WorkerSpec) -> WorkerResult {
    let spec = Arc::new(spec);
    let gate = Arc::new(tokio::sync::Semaphore::new(spec.login_concurrency.max(1)));
    let cache = (!spec.verify_content).then(ContentCache::default);
    let tasks: Vec<_> = spec
        .candidates
        .iter()
        .cloned()
        .map(|(number, code)| {
            let (spec, gate, cache) = (spec.clone(), gate.clone(), cache.clone());
            tokio::spawn(async move { candidate(&spec, number, code, gate, cache).await })
        })
        .collect();
    let mut out = WorkerResult::default();
    for t in tasks {
        match t.await {
            Ok(Ok(run)) => out.add(run),
            Ok(Err(f)) => out.fail(f),
            Err(e) => out.fail(Failure::new("load generator", "task failed", e.to_string())),
        }
    }
    out
}

/// What one simulated candidate measured.
struct CandidateRun {
    number: String,
    sent: u64,
    /// (second of the run it was sent in, ms to its ack) per answer.
    latencies: Vec<(usize, f64)>,
    /// item → (epoch, seq) of its newest acknowledged answer.
    acked: std::collections::HashMap<String, (i64, i64)>,
    login_ms: f64,
    logged_in_ms: f64,
    login_bytes: u64,
    resumes: u64,
    resume_bytes: u64,
    /// The storm's resume: (ms from the storm until back in, bytes received).
    storm: Option<(f64, u64)>,
}

/// The fields of `login`/`resume` that ask for the content: compressed, and none when `held` is
/// the hash of what this candidate has.
fn content_wish(deflate: bool, held: Option<&str>) -> Value {
    let mut w = json!({});
    if deflate {
        w["content_encoding"] = json!("deflate-raw");
    }
    if let Some(h) = held {
        w["content_hash"] = json!(h);
    }
    w
}

async fn candidate(
    spec: &WorkerSpec,
    number: String,
    code: String,
    gate: Arc<tokio::sync::Semaphore>,
    cache: Option<ContentCache>,
) -> Result<CandidateRun, Failure> {
    let wait = Duration::from_secs(30);
    let (start, end) = (instant_of(spec.start_unix_ms), instant_of(spec.end_unix_ms));
    let permit = gate.acquire().await.map_err(|e| Failure::new("login", "gate closed", e.to_string()))?;
    let t_login = Instant::now();
    let mut s = CandidateSocket::open(&spec.ws_url, "login").await?;
    s.cache = cache.clone();
    let w = s
        .login_with(&number, &code, content_wish(spec.deflate, None))
        .await
        .map_err(|e| s.failure("login", e))?;
    let logged_in_at = Instant::now();
    drop(permit);
    let mut run = CandidateRun {
        number: number.clone(),
        sent: 0,
        latencies: Vec::new(),
        acked: Default::default(),
        login_ms: logged_in_at.duration_since(t_login).as_secs_f64() * 1000.0,
        logged_in_ms: logged_in_at.saturating_duration_since(start).as_secs_f64() * 1000.0,
        login_bytes: s.bytes,
        resumes: 0,
        resume_bytes: 0,
        storm: None,
    };
    let mut storm = spec.storm_unix_ms.map(instant_of);
    // The content's items, shared with the cache (or this candidate's own when verifying all).
    let content =
        s.content.clone().ok_or_else(|| s.failure("login", "the first login was sent no content".into()))?;
    let items = &content.items;
    let hash = w["content_hash"].as_str().map(str::to_string);
    let token = w["resume_token"].as_str().unwrap_or_default().to_string();
    let mut epoch = w["epoch"].as_i64().unwrap_or(0);
    let mut seq = 0i64;
    let interval = spec.answer_interval;
    // Probability of a drop before each answer, so that `disconnect_rate` of candidates drop per minute.
    let p_drop = (spec.disconnect_rate * interval / 60.0).clamp(0.0, 1.0);
    // Spread the first answers over one interval.
    let first = rand::rng().random_range(0.0..interval.max(0.001));
    tokio::time::sleep(Duration::from_secs_f64(first)).await;
    s.received.clear();
    while Instant::now() < end {
        if let Some(at) = storm.filter(|at| Instant::now() >= *at) {
            storm = None;
            drop(s);
            (s, epoch) = resume_anew(spec, "storm resume", &number, &token, hash.as_deref(), &cache).await?;
            run.storm = Some((at.elapsed().as_secs_f64() * 1000.0, s.bytes));
        }
        if rand::rng().random_bool(p_drop) {
            drop(s);
            (s, epoch) = resume_anew(spec, "resume", &number, &token, hash.as_deref(), &cache).await?;
            run.resumes += 1;
            run.resume_bytes += s.bytes;
        }
        let n: u64 = rand::rng().random();
        let item = &items[(n % items.len().max(1) as u64) as usize];
        let id = item["id"].as_str().unwrap_or_default().to_string();
        let value = some_answer(item, n >> 8);
        seq += 1;
        run.sent += 1;
        let t0 = Instant::now();
        let answer = json!({"type": "answer", "seq": seq, "item": id, "value": value});
        s.send(answer).await.map_err(|e| s.failure("answer sent", e))?;
        s.expect("ack", wait).await.map_err(|e| s.failure("ack", e))?;
        let second = t0.saturating_duration_since(start).as_secs() as usize;
        run.latencies.push((second, t0.elapsed().as_secs_f64() * 1000.0));
        run.acked.insert(id, (epoch, seq));
        s.received.clear();
        let jitter = rand::rng().random_range(0.5..1.5);
        let next = Instant::now() + Duration::from_secs_f64(interval * jitter);
        let wake = storm.map_or(next, |at| next.min(at));
        tokio::time::sleep_until(wake.min(end).into()).await;
    }
    s.send(json!({"type": "submit"})).await.map_err(|e| s.failure("submit sent", e))?;
    s.expect("submitted", wait).await.map_err(|e| s.failure("submit", e))?;
    Ok(run)
}

/// A new socket resumed with the session's token, naming the content held: it and the new epoch.
async fn resume_anew(
    spec: &WorkerSpec,
    phase: &str,
    number: &str,
    token: &str,
    held: Option<&str>,
    cache: &Option<ContentCache>,
) -> Result<(CandidateSocket, i64), Failure> {
    let mut s = CandidateSocket::open(&spec.ws_url, phase).await?;
    s.cache = cache.clone();
    let w = s
        .resume_with(number, token, content_wish(spec.deflate, held))
        .await
        .map_err(|e| s.failure(phase, e))?;
    let epoch = w["epoch"].as_i64().unwrap_or(0);
    s.received.clear();
    Ok((s, epoch))
}
