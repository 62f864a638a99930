//! The adaptive step: from the answers so far to θ, SE and the next item(s), deterministically.

use serde::{Deserialize, Serialize};

use khaothi_assembly::{ShadowModel, ShadowOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::design::{Design, Selection, Stopping};
use crate::eap;
use crate::error::{CatError, Result};
use crate::pool::{Pool, PoolWarning};
use crate::shadow;

/// One scored answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Pool item id.
    pub item: String,
    /// Score: 0/1 for a dichotomous item, 0–4 for a true/false group (statements right).
    pub score: u8,
}

/// A candidate's test so far: the items given with their scores, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct State {
    pub responses: Vec<Response>,
}

impl State {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an answer (the next in order).
    pub fn record(&mut self, item: impl Into<String>, score: u8) {
        self.responses.push(Response { item: item.into(), score });
    }

    /// The state of `(item, score)` pairs in order.
    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (S, u8)>) -> Self {
        Self {
            responses: pairs.into_iter().map(|(item, score)| Response { item: item.into(), score }).collect(),
        }
    }
}

/// Why a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The fixed length (or the blueprint's form length) is reached.
    Length,
    /// SE target met after the minimum length.
    Precision,
    /// The maximum length of a precision rule is reached.
    MaxLength,
    /// No item that may still be given fits (pool exhausted, enemies, remaining length).
    PoolExhausted,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Give these items, in this order: one item, or a stimulus group (together). If the state
    /// holds part of a group, the rest of it comes first.
    Give {
        items: Vec<String>,
    },
    Stop {
        reason: StopReason,
    },
}

/// Ability after the given answers: EAP with the design's normal prior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub theta: f64,
    /// Posterior SD.
    pub se: f64,
    /// Items answered.
    pub items: u32,
}

/// The outcome of one step: the next step and the estimate it was picked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Next {
    pub step: Step,
    pub estimate: Estimate,
}

/// A pool and a design, checked and prepared once (the shadow tests' model is built here), then
/// shared: `Send + Sync`, `next` takes `&self`. Keep one per adaptive event.
#[derive(Debug)]
pub struct Engine {
    pool: Pool,
    design: Design,
    /// Selection units (item indices, pool order): stimulus groups, or the blueprint's units.
    units: Vec<Vec<usize>>,
    /// Unit of each item; `usize::MAX` for an item the engine never gives.
    unit_of: Vec<usize>,
    shadow: Option<ShadowModel>,
    shadow_options: ShadowOptions,
    warnings: Vec<PoolWarning>,
}

/// What one step looked at (for exposure calibration and simulation): the units that went to
/// the Sympson–Hetter lottery.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub selected: Vec<usize>,
}

impl Engine {
    /// Validates the design against the pool and prepares selection. With a blueprint, items it
    /// cannot use are left out (see [`Engine::warnings`]) and a first shadow test is solved, so a
    /// blueprint the pool cannot meet is refused here, not in the middle of a test.
    pub fn new(pool: Pool, design: Design) -> Result<Engine> {
        design.validate(&pool)?;
        let mut warnings = Vec::new();
        let (units, shadow) = match &design.blueprint {
            None => (pool.units().to_vec(), None),
            Some(bp) => {
                let model = shadow::model(bp, &pool);
                for e in model.exclusions().items {
                    warnings.push(PoolWarning {
                        item: e.id,
                        message: format!("left out of the adaptive test by the blueprint: {}", e.reason),
                    });
                }
                (model.units(), Some(model))
            }
        };
        let mut unit_of = vec![usize::MAX; pool.len()];
        for (u, unit) in units.iter().enumerate() {
            for &k in unit {
                unit_of[k] = u;
            }
        }
        let engine = Engine {
            pool,
            design,
            units,
            unit_of,
            shadow,
            shadow_options: ShadowOptions::default(),
            warnings,
        };
        if let Some(m) = &engine.shadow {
            m.solve(engine.design.prior_mean, &[], &engine.shadow_options)
                .map_err(|e| CatError::Design(format!("the pool cannot meet the blueprint: {e}")))?;
        }
        Ok(engine)
    }

    /// Sets the shadow tests' solver, time limit and gap (defaults: the best compiled solver,
    /// 2 s, 1e-4).
    pub fn with_shadow_options(mut self, o: ShadowOptions) -> Self {
        self.shadow_options = o;
        self
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn design(&self) -> &Design {
        &self.design
    }

    /// Pool items this design never gives, each named with the reason.
    pub fn warnings(&self) -> &[PoolWarning] {
        &self.warnings
    }

    /// The test length limit: the fixed length, or the precision rule's maximum.
    pub fn max_length(&self) -> u32 {
        self.design.stop.max_length()
    }

    /// Checks `state` and returns the given items' indices and scores, in order.
    fn given(&self, state: &State) -> Result<Vec<(usize, u8)>> {
        if state.responses.len() > self.pool.len() {
            return Err(CatError::State("more responses than pool items".into()));
        }
        let mut seen = vec![false; self.pool.len()];
        let mut out = Vec::with_capacity(state.responses.len());
        for r in &state.responses {
            let k = self
                .pool
                .position(&r.item)
                .ok_or_else(|| CatError::State(format!("item {} is not in the pool", r.item)))?;
            if std::mem::replace(&mut seen[k], true) {
                return Err(CatError::State(format!("item {} answered twice", r.item)));
            }
            if self.unit_of[k] == usize::MAX {
                return Err(CatError::State(format!("item {} is not given by this design", r.item)));
            }
            let max = self.pool.items()[k].irt.max_score();
            if r.score > max {
                return Err(CatError::State(format!(
                    "item {}: score {} above its maximum {max}",
                    r.item, r.score
                )));
            }
            out.push((k, r.score));
        }
        Ok(out)
    }

    fn eap(&self, given: &[(usize, u8)]) -> Estimate {
        let items = self.pool.items();
        let (theta, se) = eap::eap(
            given.iter().map(|&(k, s)| (&items[k].irt, s)),
            self.design.prior_mean,
            self.design.prior_sd,
        );
        Estimate { theta, se, items: given.len() as u32 }
    }

    /// EAP θ and posterior SD after the answers of `state` (checked: known items, scores within
    /// range, no item twice).
    pub fn estimate(&self, state: &State) -> Result<Estimate> {
        Ok(self.eap(&self.given(state)?))
    }

    /// The next step after `state`. `seed` is the candidate's test seed ([`test_seed`]); the
    /// engine mixes in the step (items answered) itself. Deterministic: the same pool, design,
    /// state and seed give the same step on every machine. Without shadow tests it takes well
    /// under a millisecond on a 1,000-item pool.
    pub fn next(&self, state: &State, seed: u64) -> Result<Next> {
        self.step(state, seed, &mut Trace::default())
    }

    pub(crate) fn step(&self, state: &State, seed: u64, trace: &mut Trace) -> Result<Next> {
        let given = self.given(state)?;
        let estimate = self.eap(&given);
        let done = |reason| Ok(Next { step: Step::Stop { reason }, estimate });
        let mut is_given = vec![false; self.pool.len()];
        for &(k, _) in &given {
            is_given[k] = true;
        }
        // a stimulus group in progress is completed first
        for &(k, _) in &given {
            let rest: Vec<String> = self.units[self.unit_of[k]]
                .iter()
                .filter(|&&j| !is_given[j])
                .map(|&j| self.pool.items()[j].id.clone())
                .collect();
            if !rest.is_empty() {
                return Ok(Next { step: Step::Give { items: rest }, estimate });
            }
        }
        let n = given.len() as u32;
        match self.design.stop {
            Stopping::FixedLength { length } if n >= length => return done(StopReason::Length),
            Stopping::Precision { max_length, .. } if n >= max_length => return done(StopReason::MaxLength),
            Stopping::Precision { se, min_length, .. } if n >= min_length && estimate.se <= se => {
                return done(StopReason::Precision);
            }
            _ => {}
        }
        let free = self.free_units(&given, &is_given, estimate.theta)?;
        if free.is_empty() {
            return done(StopReason::PoolExhausted);
        }
        let ranked = self.rank(free, estimate.theta, given.len());
        let unit = self.choose(&ranked, seed, n, trace);
        let items = self.units[unit].iter().map(|&j| self.pool.items()[j].id.clone()).collect();
        Ok(Next { step: Step::Give { items }, estimate })
    }

    /// Units that may come next: the free units of the shadow test, or every unit not given, with
    /// no enemy among the items given, that fits in the remaining length.
    fn free_units(&self, given: &[(usize, u8)], is_given: &[bool], theta: f64) -> Result<Vec<usize>> {
        if let Some(model) = &self.shadow {
            let idx: Vec<usize> = given.iter().map(|&(k, _)| k).collect();
            let test = model
                .solve(theta, &idx, &self.shadow_options)
                .map_err(|e| CatError::Shadow(e.to_string()))?;
            return Ok(test
                .units
                .iter()
                .filter(|u| u.iter().all(|&k| !is_given[k]))
                .map(|u| self.unit_of[u[0]])
                .collect());
        }
        let left = (self.design.stop.max_length() as usize).saturating_sub(given.len());
        let mut blocked = vec![false; self.pool.len()];
        for &(k, _) in given {
            for &e in self.pool.enemies_of(k) {
                blocked[e] = true;
            }
        }
        Ok((0..self.units.len())
            .filter(|&u| {
                let unit = &self.units[u];
                unit.len() <= left && unit.iter().all(|&k| !is_given[k] && !blocked[k])
                    // enemies within the unit itself make it unusable
                    && unit.iter().all(|&k| self.pool.enemies_of(k).iter().all(|e| !unit.contains(e)))
            })
            .collect())
    }

    /// `units` best first by the design's criterion (per item of the unit); ties by unit order.
    fn rank(&self, units: Vec<usize>, theta: f64, answered: usize) -> Vec<usize> {
        let items = self.pool.items();
        let value = |u: usize| -> f64 {
            let unit = &self.units[u];
            let total: f64 = unit
                .iter()
                .map(|&k| match self.design.selection {
                    Selection::Mfi => eap::fisher(&items[k].irt, theta),
                    Selection::Kl => eap::kl_index(&items[k].irt, theta, answered),
                })
                .sum();
            total / unit.len() as f64
        };
        let mut scored: Vec<(f64, usize)> = units.into_iter().map(|u| (value(u), u)).collect();
        let keep = self.keep_ranked().min(scored.len());
        let by = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if keep < scored.len() {
            scored.select_nth_unstable_by(keep, by);
            scored.truncate(keep);
        }
        scored.sort_unstable_by(by);
        scored.into_iter().map(|(_, u)| u).collect()
    }

    /// How many ranked units a step can need: all of them under Sympson–Hetter (every one may be
    /// refused), else the randomesque window.
    fn keep_ranked(&self) -> usize {
        if self.design.sympson_hetter { usize::MAX } else { self.design.randomesque.max(1) as usize }
    }

    /// Randomesque among the best `k` units still in play; under Sympson–Hetter each chosen unit
    /// is given with probability its exposure parameter (the smallest of its items'), the draw
    /// fixed for the whole test, so a refused unit stays refused for this candidate (Sympson &
    /// Hetter, 1985). If every unit is refused the best is given.
    fn choose(&self, ranked: &[usize], seed: u64, step: u32, trace: &mut Trace) -> usize {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(step)));
        let k = self.design.randomesque.max(1) as usize;
        let mut in_play: Vec<usize> = ranked.to_vec();
        while !in_play.is_empty() {
            let window = k.min(in_play.len());
            let pick = if window > 1 { rng.random_range(0..window) } else { 0 };
            let u = in_play[pick];
            if !self.design.sympson_hetter {
                return u;
            }
            trace.selected.push(u);
            let unit = &self.units[u];
            let k_u = unit.iter().map(|&j| self.pool.items()[j].exposure_k).fold(1.0, f64::min);
            if lottery(seed, unit[0]) < k_u {
                return u;
            }
            in_play.remove(pick);
        }
        ranked[0]
    }

    /// Selection units, as item indices.
    pub(crate) fn units(&self) -> &[Vec<usize>] {
        &self.units
    }

    /// The unit of item `k`, if the engine gives it.
    pub(crate) fn unit_of(&self, k: usize) -> Option<usize> {
        Some(self.unit_of[k]).filter(|&u| u != usize::MAX)
    }
}

/// SplitMix64 finaliser of two words: a well-mixed, platform-independent combination.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(0x632b_e59b_d9b4_e019);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The candidate's Sympson–Hetter draw for item `k`, uniform on [0, 1), fixed for the test.
fn lottery(seed: u64, k: usize) -> f64 {
    (mix(mix(seed, 0x5348_5f6c_6f74), k as u64) >> 11) as f64 / (1u64 << 53) as f64
}

/// The same as `Engine::new(pool.clone(), design.clone())?.next(state, seed)`: convenient for
/// one step; a server keeps an [`Engine`] instead (with a blueprint, building it costs more than a
/// step).
pub fn next(pool: &Pool, design: &Design, state: &State, seed: u64) -> Result<Next> {
    Engine::new(pool.clone(), design.clone())?.next(state, seed)
}

/// EAP θ and posterior SD after the answers of `state`, without keeping an engine (no shadow
/// model is built).
pub fn estimate(pool: &Pool, design: &Design, state: &State) -> Result<Estimate> {
    let items = pool.items();
    let mut seen = vec![false; pool.len()];
    let mut answers = Vec::with_capacity(state.responses.len());
    for r in &state.responses {
        let k = pool
            .position(&r.item)
            .ok_or_else(|| CatError::State(format!("item {} is not in the pool", r.item)))?;
        if std::mem::replace(&mut seen[k], true) || r.score > items[k].irt.max_score() {
            return Err(CatError::State(format!(
                "item {}: answered twice or score {} out of range",
                r.item, r.score
            )));
        }
        answers.push((&items[k].irt, r.score));
    }
    let (theta, se) = eap::eap(answers.iter().copied(), design.prior_mean, design.prior_sd);
    Ok(Estimate { theta, se, items: answers.len() as u32 })
}

/// A candidate's test seed, from the event and the candidate: a fixed 64-bit FNV-1a hash of the
/// two, the same on every platform and build, so a rerun, a resume or another computer picks the
/// same items. The engine mixes in the step itself.
pub fn test_seed(event: &str, candidate: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event.as_bytes().iter().chain(&[0xff]).chain(candidate.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The candidate's seed for a step: the same as [`test_seed`] — the step is accepted and ignored,
/// because the engine mixes in the step (the number of answers) itself and Sympson–Hetter needs
/// one seed for the whole test (a refused item stays refused for that candidate).
pub fn step_seed(event: &str, candidate: &str, _step: u32) -> u64 {
    test_seed(event, candidate)
}

#[cfg(test)]
mod tests;
