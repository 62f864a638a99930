//! The login gate, paced by the answers' acknowledgements.
//!
//! A login (reads, a welcome, tens of KB of content) costs a node about as much CPU as a hundred
//! answers. While a lab logs in, the answers of the candidates already in share the two cores
//! with those welcomes, and a fixed number of login places is either too many (the answers wait:
//! issue 17's target 1 ran at ack p99 38–41 ms over the run with 48 places, 21 ms with 8) or too
//! few (a synchronized start takes longer: all in 3.6 s with 48, 4.4 s with 8; docs/benchmarks.md,
//! stop 21). So the gate's places follow the acknowledgements: every [`PACE_PERIOD`], if more
//! than one answer in a hundred waited longer than the configured `admission_ack_target_ms` for
//! its ack, the places halve (down to [`FEWEST_PLACES`]); otherwise they grow back by a quarter
//! towards `admission_slots`. With nobody answering yet (a synchronized start's first second),
//! the gate stays wide open.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How often the places are set again.
pub const PACE_PERIOD: Duration = Duration::from_millis(100);

/// The fewest places pacing leaves (or `admission_slots`, if that is fewer): logins go on,
/// more slowly, whatever the answers' delay — a wave of slow acks from the disk must not lock
/// the candidates still outside out of their exam.
pub const FEWEST_PLACES: usize = 4;

/// The login gate: first come, first served; a place is held until the login's content is out.
#[derive(Clone)]
pub struct Admission(Arc<Inner>);

struct Inner {
    gate: Arc<Semaphore>,
    most: usize,
    /// Acks slower than this count against the logins; `None`: fixed places.
    slow_after: Option<Duration>,
    acks: AtomicU64,
    slow: AtomicU64,
    pace: Mutex<Pace>,
}

/// The places pacing wants, and how many of the gate's permits it has taken away for that.
struct Pace {
    places: usize,
    withheld: usize,
}

impl Admission {
    /// A gate of `most` places (at least one). `ack_target`: the ack delay above which answers
    /// count as held up by logins (`None` or zero: the places stay at `most`).
    pub fn new(most: usize, ack_target: Option<Duration>) -> Self {
        let most = most.max(1);
        Self(Arc::new(Inner {
            gate: Arc::new(Semaphore::new(most)),
            most,
            slow_after: ack_target.filter(|t| !t.is_zero()),
            acks: AtomicU64::new(0),
            slow: AtomicU64::new(0),
            pace: Mutex::new(Pace { places: most, withheld: 0 }),
        }))
    }

    /// Waits for a place (first come, first served); the place is held until the permit drops.
    pub async fn enter(&self) -> OwnedSemaphorePermit {
        self.0.gate.clone().acquire_owned().await.expect("the gate's semaphore is never closed")
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.0.gate.available_permits()
    }

    /// The places pacing allows now.
    pub fn places(&self) -> usize {
        self.0.pace.lock().expect("pace lock").places
    }

    /// Counts one acknowledged answer and how long it waited.
    pub fn acknowledged(&self, waited: Duration) {
        let Some(limit) = self.0.slow_after else { return };
        self.0.acks.fetch_add(1, Ordering::Relaxed);
        if waited > limit {
            self.0.slow.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sets the places from the acks counted since the last call (every [`PACE_PERIOD`]), and
    /// returns them.
    pub fn pace(&self) -> usize {
        let inner = &self.0;
        if inner.slow_after.is_none() {
            return inner.most;
        }
        let acks = inner.acks.swap(0, Ordering::Relaxed);
        let slow = inner.slow.swap(0, Ordering::Relaxed);
        let mut pace = inner.pace.lock().expect("pace lock");
        pace.places = next_places(pace.places, inner.most, acks, slow);
        // Permits held by logins in progress cannot be taken back: what is left to withhold is
        // taken at the next period, as they come back.
        let want = inner.most - pace.places;
        if want > pace.withheld {
            pace.withheld += inner.gate.forget_permits(want - pace.withheld);
        } else if want < pace.withheld {
            inner.gate.add_permits(pace.withheld - want);
            pace.withheld = want;
        }
        pace.places
    }
}

/// The default configuration's places, unpaced (a hub built without a configuration: tests).
impl Default for Admission {
    fn default() -> Self {
        Self::new(crate::config::DEFAULT_ADMISSION_SLOTS, None)
    }
}

/// The places for the next period: halved when more than 1 % of the period's acks were slow,
/// else a quarter more (at least one), within [`FEWEST_PLACES`] (or `most`) and `most`.
pub fn next_places(places: usize, most: usize, acks: u64, slow: u64) -> usize {
    let fewest = FEWEST_PLACES.min(most);
    let next = if slow * 100 > acks { places / 2 } else { places + (places / 4).max(1) };
    next.clamp(fewest, most)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TARGET: Option<Duration> = Some(Duration::from_millis(10));

    fn slow_period(a: &Admission) {
        for _ in 0..50 {
            a.acknowledged(Duration::from_millis(30));
        }
        a.pace();
    }

    #[tokio::test]
    async fn slow_acks_narrow_the_gate_and_fast_ones_open_it_again() {
        let a = Admission::new(48, TARGET);
        assert_eq!((a.places(), a.available()), (48, 48));
        slow_period(&a);
        assert_eq!((a.places(), a.available()), (24, 24));
        slow_period(&a);
        slow_period(&a);
        slow_period(&a);
        assert_eq!((a.places(), a.available()), (FEWEST_PLACES, FEWEST_PLACES), "never below the fewest");
        // fast acks, or none at all, open it again, a quarter at a time
        for _ in 0..99 {
            a.acknowledged(Duration::from_millis(1));
        }
        a.pace();
        assert_eq!(a.places(), 5);
        for _ in 0..30 {
            a.pace();
        }
        assert_eq!((a.places(), a.available()), (48, 48));
    }

    #[tokio::test]
    async fn places_held_by_logins_in_progress_are_withheld_as_they_come_back() {
        let a = Admission::new(8, TARGET);
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(a.enter().await);
        }
        slow_period(&a); // wants 4 places: none free to take yet
        assert_eq!((a.places(), a.available()), (4, 0));
        held.truncate(2); // six logins done
        for _ in 0..50 {
            a.acknowledged(Duration::from_millis(30));
        }
        // still slow: 4 places wanted, 2 in use, so 2 free once the 4 extra are withheld
        slow_period(&a);
        assert_eq!(a.places(), 4);
        assert_eq!(a.available(), 2);
        // a login past the places waits
        let mut more = vec![a.enter().await, a.enter().await];
        let b = a.clone();
        let waiting = tokio::spawn(async move { b.enter().await });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished());
        more.pop();
        let p = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("admitted").unwrap();
        drop((p, more, held));
        for _ in 0..10 {
            a.pace();
        }
        assert_eq!(a.available(), 8);
    }

    #[tokio::test]
    async fn without_a_target_the_places_stay_fixed() {
        for target in [None, Some(Duration::ZERO)] {
            let a = Admission::new(16, target);
            slow_period(&a);
            assert_eq!((a.places(), a.available()), (16, 16));
        }
        assert_eq!(Admission::new(0, TARGET).available(), 1, "at least one place");
    }

    proptest! {
        #[test]
        fn the_places_stay_within_their_bounds(most in 1usize..5000, places in 1usize..5000,
                                               acks in 0u64..10_000, slow in 0u64..10_000) {
            let places = places.min(most);
            let n = next_places(places, most, acks, slow.min(acks));
            prop_assert!(n >= FEWEST_PLACES.min(most) && n <= most);
            if slow.min(acks) * 100 > acks { prop_assert!(n <= places.max(FEWEST_PLACES.min(most))); }
            else { prop_assert!(n >= places); }
        }
    }
}
