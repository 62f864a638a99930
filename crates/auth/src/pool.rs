//! Password checks on a fixed pool (issue 16, findings 2 and 7): argon2id needs 19 MiB and tens
//! of milliseconds per check, so unbounded checks are a way to take a server down.
//!
//! - `workers` threads (default: the number of cores), each with its 19 MiB of argon2 memory
//!   allocated once, at its first check, and reused (`hash_password_into_with_memory`), so
//!   the pool's memory is `workers × 19 MiB` whatever the load.
//! - A bounded queue (default 64 waiting checks), served round-robin between sources (client
//!   addresses), at most `per_source` (default 16) waiting from one: one flooding address
//!   cannot push a lab's logins out.
//! - Beyond either bound the check is refused at once with the seconds to wait (the caller
//!   answers 503 with `Retry-After`), never queued without end.
//! - Unknown accounts are checked against a dummy hash of the same cost, so the time of an
//!   answer does not say whether the account exists.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

/// Waiting checks the queue holds by default.
pub const DEFAULT_QUEUE: usize = 64;
/// Waiting checks one source may hold by default.
pub const DEFAULT_PER_SOURCE: usize = 16;

/// A password check waiting for a worker.
struct Job {
    password: String,
    hash: String,
    done: oneshot::Sender<bool>,
}

#[derive(Default)]
struct Queue {
    /// Sources with waiting checks, in turn order.
    turns: VecDeque<u64>,
    waiting: HashMap<u64, VecDeque<Job>>,
    len: usize,
    stopped: bool,
}

impl Queue {
    /// The next check, taking sources in turn.
    fn pop(&mut self) -> Option<Job> {
        let source = self.turns.pop_front()?;
        let jobs = self.waiting.get_mut(&source)?;
        let job = jobs.pop_front();
        if jobs.is_empty() {
            self.waiting.remove(&source);
        } else {
            self.turns.push_back(source);
        }
        self.len -= usize::from(job.is_some());
        job
    }
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// Mean time of one check in microseconds (for `Retry-After`).
    mean_micros: Mutex<f64>,
}

/// The pool; cheap to share behind an `Arc`. Dropping it stops the workers.
pub struct PasswordPool {
    shared: Arc<Shared>,
    workers: usize,
    capacity: usize,
    per_source: usize,
    dummy_hash: String,
}

/// Why a check was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Seconds after which a retry is likely to find room.
    pub retry_after: u64,
}

impl PasswordPool {
    /// A pool with one worker per core and the default bounds.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, DEFAULT_QUEUE, DEFAULT_PER_SOURCE)
    }

    pub fn new(workers: usize, capacity: usize, per_source: usize) -> Self {
        let workers = workers.max(1);
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            mean_micros: Mutex::new(50_000.0),
        });
        for i in 0..workers {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&shared))
                .expect("a password worker thread");
        }
        let dummy_hash = crate::hash_password(&crate::generate_password());
        Self { shared, workers, capacity: capacity.max(1), per_source: per_source.max(1), dummy_hash }
    }

    /// Checks `password` against `hash` (`None`: an unknown account, checked against the dummy
    /// hash and always false). `source` names who asks (a client address) for fairness.
    pub async fn verify(&self, source: u64, password: &str, hash: Option<&str>) -> Result<bool, Busy> {
        let (done, answer) = oneshot::channel();
        let known = hash.is_some();
        let job =
            Job { password: password.to_string(), hash: hash.unwrap_or(&self.dummy_hash).to_string(), done };
        {
            let mut q = self.shared.queue.lock().expect("pool lock");
            let mine = q.waiting.get(&source).map_or(0, VecDeque::len);
            if q.len >= self.capacity || mine >= self.per_source {
                return Err(Busy { retry_after: self.retry_after(q.len) });
            }
            if mine == 0 {
                q.turns.push_back(source);
            }
            q.waiting.entry(source).or_default().push_back(job);
            q.len += 1;
        }
        self.shared.ready.notify_one();
        // A worker always answers; a dropped sender means the pool stopped.
        let ok = answer.await.unwrap_or(false);
        Ok(ok && known)
    }

    fn retry_after(&self, waiting: usize) -> u64 {
        let mean = *self.shared.mean_micros.lock().expect("pool lock");
        let seconds = (waiting as f64 + 1.0) * mean / self.workers as f64 / 1e6;
        (seconds.ceil() as u64).max(1)
    }

    /// Checks waiting now (for tests and metrics).
    pub fn waiting(&self) -> usize {
        self.shared.queue.lock().expect("pool lock").len
    }
}

impl Drop for PasswordPool {
    fn drop(&mut self) {
        self.shared.queue.lock().expect("pool lock").stopped = true;
        self.shared.ready.notify_all();
    }
}

/// A worker: its argon2 memory allocated once, then checks until the pool stops.
fn work(shared: &Shared) {
    // Allocated at the first check (a server that never sees a login never pays for it), then
    // kept for every later check.
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = {
            let mut q = shared.queue.lock().expect("pool lock");
            loop {
                if q.stopped {
                    return;
                }
                if let Some(job) = q.pop() {
                    break job;
                }
                q = shared.ready.wait(q).expect("pool lock");
            }
        };
        let started = Instant::now();
        let ok = check(&job.password, &job.hash, &mut memory);
        let took = started.elapsed().min(Duration::from_secs(10)).as_micros() as f64;
        let mut mean = shared.mean_micros.lock().expect("pool lock");
        *mean = 0.8 * *mean + 0.2 * took;
        drop(mean);
        let _ = job.done.send(ok);
    }
}

/// Constant-time argon2 verification in `memory` (grown once if a stored hash needs more).
fn check(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let version = parsed.version.map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else { return false };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_err()
    {
        return false;
    }
    Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pool_checks_passwords_and_refuses_beyond_its_queue() {
        let pool = PasswordPool::new(1, 3, 2);
        let hash = crate::hash_password("correct horse");
        assert_eq!(pool.verify(1, "correct horse", Some(&hash)).await, Ok(true));
        assert_eq!(pool.verify(1, "wrong horse", Some(&hash)).await, Ok(false));
        assert_eq!(pool.verify(1, "correct horse", None).await, Ok(false));
        assert_eq!(pool.verify(1, "x", Some("not a hash")).await, Ok(false));
        // Flood from source 7: at most 2 wait for it, 3 in all; the rest are refused at once.
        let pool = Arc::new(pool);
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (pool, hash) = (pool.clone(), hash.clone());
                tokio::spawn(
                    async move { pool.verify(if i < 10 { 7 } else { 8 }, "guess", Some(&hash)).await },
                )
            })
            .collect();
        let mut refused = 0;
        for t in tasks {
            if let Err(busy) = t.await.unwrap() {
                assert!(busy.retry_after >= 1);
                refused += 1;
            }
        }
        assert!(refused >= 15, "refused {refused} of 20");
        assert_eq!(pool.waiting(), 0);
    }
}
