//! Simulated đối sánh data with planted drift, shared by the CI test (tests/simulation.rs) and the
//! benchmark (examples/drift.rs). Schools come in two sizes; every school has a natural effect
//! (real over-dispersion, SD `natural_sd`) and a planted share runs `drift` points higher on the
//! transcript. Detection: planted schools flagged outside the 3-SE limits; false flags: other
//! schools flagged.

use khaothi_compare::{ExamScore, Level, Options, ResultsFile, TranscriptGrade, compare};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

pub struct Setup {
    pub schools: usize,
    pub small: (usize, usize),
    pub large: (usize, usize),
    pub planted_share: f64,
    pub drift: f64,
    pub natural_sd: f64,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            schools: 200,
            small: (8, 30),
            large: (150, 400),
            planted_share: 0.1,
            drift: 1.0,
            natural_sd: 0.2,
        }
    }
}

#[derive(Default, Debug, Clone, Copy)]
pub struct Tally {
    pub planted_small: usize,
    pub found_small: usize,
    pub planted_large: usize,
    pub found_large: usize,
    pub clean: usize,
    pub false_flags: usize,
}

impl Tally {
    pub fn add(&mut self, o: Tally) {
        self.planted_small += o.planted_small;
        self.found_small += o.found_small;
        self.planted_large += o.planted_large;
        self.found_large += o.found_large;
        self.clean += o.clean;
        self.false_flags += o.false_flags;
    }
    pub fn rate(a: usize, b: usize) -> f64 {
        if b == 0 { 0.0 } else { a as f64 / b as f64 }
    }
}

/// One simulated country: returns the tally of flags against the planted truth.
pub fn run(setup: &Setup, seed: u64) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let exam = Normal::<f64>::new(5.5, 1.5).unwrap();
    let noise = Normal::<f64>::new(0.0, 0.9).unwrap();
    let natural = Normal::<f64>::new(0.0, setup.natural_sd).unwrap();
    let mut scores = Vec::new();
    let mut grades = Vec::new();
    let mut planted = Vec::new();
    let mut k = 0usize;
    for s in 0..setup.schools {
        let large = s % 2 == 1;
        let (lo, hi) = if large { setup.large } else { setup.small };
        let n = rng.random_range(lo..=hi);
        let is_planted = rng.random::<f64>() < setup.planted_share;
        planted.push((large, is_planted));
        let effect: f64 = natural.sample(&mut rng) + if is_planted { setup.drift } else { 0.0 };
        for _ in 0..n {
            k += 1;
            let e: f64 = exam.sample(&mut rng).clamp(0.0, 10.0);
            let t: f64 = (6.6 + 0.6 * (e - 5.5) + effect + noise.sample(&mut rng)).clamp(0.0, 10.0);
            let candidate = format!("{k:07}");
            scores.push(ExamScore { candidate: candidate.clone(), score10: (e * 100.0).round() / 100.0 });
            grades.push(TranscriptGrade {
                line: k + 1,
                candidate,
                school: format!("S{s:04}"),
                district: "D".into(),
                province: "P".into(),
                subject: "Toán".into(),
                grade: (t * 100.0).round() / 100.0,
                year: None,
            });
        }
    }
    let opts = Options { subject: "Toán".into(), by: Level::School, min_r: None };
    let c = compare(&[ResultsFile { year: None, scores }], &grades, &opts).unwrap();
    let mut tally = Tally::default();
    for u in &c.units {
        let s: usize = u.unit[1..5].parse().unwrap();
        let (large, is_planted) = planted[s];
        let flagged = u.reasons.contains(&"outside_3se_limits");
        match (is_planted, large) {
            (true, false) => {
                tally.planted_small += 1;
                tally.found_small += usize::from(flagged);
            }
            (true, true) => {
                tally.planted_large += 1;
                tally.found_large += usize::from(flagged);
            }
            (false, _) => {
                tally.clean += 1;
                tally.false_flags += usize::from(flagged);
            }
        }
    }
    tally
}
