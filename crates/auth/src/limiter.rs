use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Slows password guessing: after `max_failures` failed logins for one key (a username, or a client
/// address) within `window`, further attempts are refused until the window has passed.
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when the key is locked out.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let mut map = self.failures.lock().expect("limiter lock");
        match map.get(key) {
            Some((n, since)) if since.elapsed() < self.window && *n >= self.max_failures => {
                Err((self.window - since.elapsed()).as_secs().max(1))
            }
            Some((_, since)) if since.elapsed() >= self.window => {
                map.remove(key);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, key: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= self.window {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    pub fn reset(&self, key: &str) {
        self.failures.lock().expect("limiter lock").remove(key);
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
}
