//! The adaptive step: from the answers so far to θ, SE and the next item(s), deterministically.

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::error::Result;
use crate::pool::Pool;

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
    Give { items: Vec<String> },
    Stop { reason: StopReason },
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
pub struct Engine {
    pool: Pool,
    design: Design,
}

impl Engine {
    /// Validates the design against the pool and prepares selection.
    pub fn new(pool: Pool, design: Design) -> Result<Engine> {
        let _ = (pool, design);
        unimplemented!()
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn design(&self) -> &Design {
        &self.design
    }

    /// EAP θ and posterior SD after the answers of `state` (checked: known items, scores within
    /// range, no item twice).
    pub fn estimate(&self, state: &State) -> Result<Estimate> {
        let _ = state;
        unimplemented!()
    }

    /// The next step after `state`. Deterministic: the same pool, design, state and `seed` give
    /// the same step on every machine (use [`step_seed`]). Without shadow tests it takes well under
    /// a millisecond on a 1,000-item pool.
    pub fn next(&self, state: &State, seed: u64) -> Result<Next> {
        let _ = (state, seed);
        unimplemented!()
    }
}

/// The same as `Engine::new(pool.clone(), design.clone())?.next(state, seed)`: convenient for
/// one step; a server keeps an [`Engine`] instead (with a blueprint, building it costs more than a
/// step).
pub fn next(pool: &Pool, design: &Design, state: &State, seed: u64) -> Result<Next> {
    Engine::new(pool.clone(), design.clone())?.next(state, seed)
}

/// The seed of one step, from the event, the candidate and the step number (items answered):
/// a fixed 64-bit FNV-1a hash of the three, the same on every platform and build, so a rerun or
/// another computer picks the same item.
pub fn step_seed(event: &str, candidate: &str, step: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(event.as_bytes());
    eat(&[0xff]);
    eat(candidate.as_bytes());
    eat(&[0xff]);
    eat(&step.to_le_bytes());
    h
}
