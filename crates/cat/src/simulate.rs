//! Simulation: simulees drawn from N(M, SD²) take the adaptive test; the table a board reads
//! before choosing a design (`khaothi cat simulate`).

use std::collections::BTreeMap;

use khaothi_assembly::check_forms;
use khaothi_domain::form::{Form, FormItem};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::eap;
use crate::engine::{Engine, Response, State, Step, Trace, mix};
use crate::error::{CatError, Result};
use crate::shadow;

/// Most simulees of one run (bounds what an outsider can ask of the bank's API).
pub const MAX_PERSONS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationOptions {
    pub persons: usize,
    pub seed: u64,
    #[serde(default)]
    pub theta_mean: f64,
    #[serde(default = "one")]
    pub theta_sd: f64,
}

fn one() -> f64 {
    1.0
}

/// One θ bin of width 0.5 (true θ in `[from, to)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThetaBin {
    pub from: f64,
    pub to: f64,
    pub n: usize,
    pub rmse: f64,
    pub bias: f64,
    pub mean_length: f64,
}

/// The simulation table (the CLI's JSON, issue 20 §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// √mean (θ̂ − θ)².
    pub rmse: f64,
    /// mean (θ̂ − θ).
    pub bias: f64,
    pub mean_length: f64,
    /// The largest share of simulees who saw one item.
    pub max_exposure: f64,
    /// The mean share of items two simulees share: mean over pairs of |A∩B| / mean length
    /// (computed exactly from the exposure counts).
    pub overlap: f64,
    /// Pool items no simulee saw.
    pub unused_items: usize,
    pub by_theta: Vec<ThetaBin>,
    /// Rule violations summed over the simulees' tests: every blueprint rule the assembler's
    /// independent checker finds broken, enemies given together and stimulus groups split (0 when
    /// every simulee's test meets every rule).
    pub constraint_violations: usize,
}

/// One simulee's test: true θ, final estimate, the items given (pool indices, in order) and the
/// items that went to the Sympson–Hetter lottery at least once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedTest {
    pub theta: f64,
    pub estimate: f64,
    pub se: f64,
    pub items: Vec<usize>,
    pub selected: Vec<usize>,
}

impl SimulationOptions {
    fn check(&self) -> Result<()> {
        if !(1..=MAX_PERSONS).contains(&self.persons) {
            return Err(CatError::Simulation(format!(
                "persons must be 1–{MAX_PERSONS}, got {}",
                self.persons
            )));
        }
        if !(self.theta_mean.is_finite() && self.theta_mean.abs() <= 5.0) {
            return Err(CatError::Simulation(format!(
                "theta_mean must be within ±5, got {}",
                self.theta_mean
            )));
        }
        if !(self.theta_sd > 0.0 && self.theta_sd <= 5.0) {
            return Err(CatError::Simulation(format!("theta_sd must be in (0, 5], got {}", self.theta_sd)));
        }
        Ok(())
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A score drawn from the item's category probabilities at θ.
fn draw_score(m: &khaothi_irt::ItemModel, theta: f64, rng: &mut ChaCha8Rng) -> u8 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for s in 0..m.max_score() {
        acc += eap::prob(m, theta, s);
        if u < acc {
            return s;
        }
    }
    m.max_score()
}

/// One simulee: θ from its own stream, answers drawn at θ, picks seeded by its test seed.
fn one_test(engine: &Engine, o: &SimulationOptions, person: usize) -> Result<SimulatedTest> {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(o.seed, person as u64));
    let theta = o.theta_mean + o.theta_sd * normal(&mut rng);
    let seed = mix(o.seed ^ 0x7465_7374, person as u64);
    let mut state = State::default();
    let mut items = Vec::new();
    let mut trace = Trace::default();
    let pool = engine.pool();
    loop {
        let next = engine.step(&state, seed, &mut trace)?;
        match next.step {
            Step::Give { items: ids } => {
                for id in ids {
                    let k = pool.position(&id).expect("the engine gives pool items");
                    let score = draw_score(&pool.items()[k].irt, theta, &mut rng);
                    state.responses.push(Response { item: id, score });
                    items.push(k);
                }
            }
            Step::Stop { .. } => {
                let mut selected: Vec<usize> =
                    trace.selected.iter().flat_map(|&u| engine.units()[u].iter().copied()).collect();
                selected.sort_unstable();
                selected.dedup();
                return Ok(SimulatedTest {
                    theta,
                    estimate: next.estimate.theta,
                    se: next.estimate.se,
                    items,
                    selected,
                });
            }
        }
    }
}

/// Runs the simulees and returns their tests (for reports and exposure calibration). Each
/// simulee has its own random streams, so the result does not depend on the thread count.
pub fn simulate_tests(engine: &Engine, o: &SimulationOptions) -> Result<Vec<SimulatedTest>> {
    o.check()?;
    (0..o.persons).into_par_iter().map(|p| one_test(engine, o, p)).collect()
}

/// Runs every simulee (in parallel with rayon; the result does not depend on the thread count)
/// and tabulates them.
pub fn simulate(engine: &Engine, o: &SimulationOptions) -> Result<SimulationReport> {
    Ok(report(engine, &simulate_tests(engine, o)?))
}

/// The table of a set of simulated tests.
pub fn report(engine: &Engine, tests: &[SimulatedTest]) -> SimulationReport {
    let n = tests.len().max(1) as f64;
    let err = |t: &SimulatedTest| t.estimate - t.theta;
    let rmse = (tests.iter().map(|t| err(t).powi(2)).sum::<f64>() / n).sqrt();
    let bias = tests.iter().map(err).sum::<f64>() / n;
    let mean_length = tests.iter().map(|t| t.items.len() as f64).sum::<f64>() / n;
    let mut counts = vec![0u64; engine.pool().len()];
    for t in tests {
        for &k in &t.items {
            counts[k] += 1;
        }
    }
    let max_exposure = counts.iter().copied().max().unwrap_or(0) as f64 / n;
    // Σ over pairs of |A ∩ B| = Σ_i C(c_i, 2); per pair, as a share of the mean length.
    let overlap = if tests.len() > 1 && mean_length > 0.0 {
        let shared: f64 = counts.iter().map(|&c| (c * c.saturating_sub(1)) as f64).sum();
        shared / (n * (n - 1.0)) / mean_length
    } else {
        0.0
    };
    SimulationReport {
        rmse,
        bias,
        mean_length,
        max_exposure,
        overlap,
        unused_items: counts.iter().filter(|&&c| c == 0).count(),
        by_theta: bins(tests),
        constraint_violations: tests.iter().map(|t| violations(engine, t)).sum(),
    }
}

/// Bins of width 0.5 of the true θ, lowest first, empty bins left out.
fn bins(tests: &[SimulatedTest]) -> Vec<ThetaBin> {
    let mut by: BTreeMap<i64, Vec<&SimulatedTest>> = BTreeMap::new();
    for t in tests {
        by.entry((t.theta / 0.5).floor() as i64).or_default().push(t);
    }
    by.into_iter()
        .map(|(b, ts)| {
            let n = ts.len() as f64;
            ThetaBin {
                from: b as f64 * 0.5,
                to: (b + 1) as f64 * 0.5,
                n: ts.len(),
                rmse: (ts.iter().map(|t| (t.estimate - t.theta).powi(2)).sum::<f64>() / n).sqrt(),
                bias: ts.iter().map(|t| t.estimate - t.theta).sum::<f64>() / n,
                mean_length: ts.iter().map(|t| t.items.len() as f64).sum::<f64>() / n,
            }
        })
        .collect()
}

/// Rules one simulated test breaks: with a blueprint, every violation the assembler's independent
/// checker finds on the test as a form; always, enemy pairs given together and stimulus groups
/// split.
pub fn violations(engine: &Engine, t: &SimulatedTest) -> usize {
    let pool = engine.pool();
    let mut count = 0;
    let on: std::collections::HashSet<usize> = t.items.iter().copied().collect();
    for &k in &t.items {
        count += pool.enemies_of(k).iter().filter(|&&e| e > k && on.contains(&e)).count();
        count +=
            engine.unit_of(k).map_or(0, |u| engine.units()[u].iter().filter(|j| !on.contains(j)).count());
    }
    if let Some(bp) = &engine.design().blueprint {
        let mut one = bp.clone();
        one.forms = 1;
        let items = shadow::bank_items(bp, pool);
        let mut form_items: Vec<FormItem> = t
            .items
            .iter()
            .map(|&k| FormItem {
                item_id: pool.items()[k].id.clone(),
                version: None,
                section: bp.section_of(pool.items()[k].kind).unwrap_or(usize::MAX) as u32,
            })
            .collect();
        form_items.sort_by_key(|f| f.section);
        let form = Form { id: "CAT".into(), number: 1, items: form_items };
        count += check_forms(&one, &items, &[form]).len();
    }
    count
}
