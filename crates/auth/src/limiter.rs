//! Slows password guessing without becoming a target itself (issue 16, finding 1): keys are
//! hashed to 16 bytes (a 64 KiB username costs what a short one does), the table has a fixed
//! capacity, and a full table evicts its oldest entry in O(1) instead of scanning.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Entries the table holds by default: 16 bytes of key, a count and an instant each, so about
/// 1 MiB at most with the eviction queue.
pub const DEFAULT_CAPACITY: usize = 16_384;

type Key = [u8; 16];

/// After `max_failures` failed logins for one key (a username) within `window`, further attempts
/// are refused until the window has passed.
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    capacity: usize,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    failures: HashMap<Key, (u32, Instant)>,
    /// Keys in the order their window started; stale records (reset or restarted keys) are
    /// skipped when they reach the front.
    order: VecDeque<(Key, Instant)>,
}

fn key_of(key: &str) -> Key {
    let digest = Sha256::digest(key.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self::with_capacity(max_failures, window, DEFAULT_CAPACITY)
    }

    pub fn with_capacity(max_failures: u32, window: Duration, capacity: usize) -> Self {
        Self { max_failures, window, capacity: capacity.max(1), table: Mutex::new(Table::default()) }
    }

    /// `Err(seconds to wait)` when the key is locked out.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let k = key_of(key);
        let table = self.table.lock().expect("limiter lock");
        match table.failures.get(&k) {
            Some((n, since)) if since.elapsed() < self.window && *n >= self.max_failures => {
                Err((self.window - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, key: &str) {
        let k = key_of(key);
        let mut table = self.table.lock().expect("limiter lock");
        let now = Instant::now();
        let restart = match table.failures.get_mut(&k) {
            Some(e) if e.1.elapsed() < self.window => {
                e.0 += 1;
                return;
            }
            Some(_) => true,
            None => false,
        };
        if !restart {
            while table.failures.len() >= self.capacity {
                table.evict_oldest();
            }
        }
        table.failures.insert(k, (1, now));
        table.order.push_back((k, now));
        if table.order.len() > 2 * self.capacity {
            let Table { failures, order } = &mut *table;
            order.retain(|(k, since)| failures.get(k).is_some_and(|e| e.1 == *since));
        }
    }

    pub fn reset(&self, key: &str) {
        self.table.lock().expect("limiter lock").failures.remove(&key_of(key));
    }

    /// Keys currently held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.table.lock().expect("limiter lock").failures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Table {
    /// Removes the live entry whose window started first.
    fn evict_oldest(&mut self) {
        while let Some((k, since)) = self.order.pop_front() {
            if self.failures.get(&k).is_some_and(|e| e.1 == since) {
                self.failures.remove(&k);
                return;
            }
        }
        // The order queue lost track (cannot happen); stay bounded anyway.
        self.failures.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_too_many_failures() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("u").is_ok());
            l.record_failure("u");
        }
        assert!(l.check("u").is_err());
        assert!(l.check("v").is_ok());
        l.reset("u");
        assert!(l.check("u").is_ok());
    }

    #[test]
    fn the_table_stays_within_its_capacity_and_evicts_the_oldest() {
        let l = LoginLimiter::with_capacity(2, Duration::from_secs(60), 100);
        l.record_failure("victim");
        l.record_failure("victim");
        assert!(l.check("victim").is_err());
        let long = "x".repeat(64 * 1024);
        for i in 0..10_000 {
            l.record_failure(&format!("{long}{i}"));
            l.reset("nobody");
        }
        assert_eq!(l.len(), 100);
        assert!(l.table.lock().unwrap().order.len() <= 200);
        // The oldest entry made room; the newest are still counted.
        assert!(l.check("victim").is_ok());
        l.record_failure(&format!("{long}9999"));
        assert!(l.check(&format!("{long}9999")).is_err());
    }
}
