//! The run's clock, supplied by the caller. The crate never reads the time itself: a run's time
//! budget is measured on whatever clock the CLI or the bank's job hands in, and tests hand in a
//! fake one to drive the time-limit path deterministically. (The solvers' own time limits are
//! options passed to them, not clock reads here.)

use std::time::Duration;

/// Time elapsed on the caller's clock. Only differences between two readings matter: a run's
/// time budget starts at its first reading.
pub trait Clock {
    fn elapsed(&self) -> Duration;
}

/// Any `Fn() -> Duration` is a clock, e.g. `&move || started.elapsed()` over an `Instant`.
impl<F: Fn() -> Duration> Clock for F {
    fn elapsed(&self) -> Duration {
        self()
    }
}
