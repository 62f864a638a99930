//! Computerised adaptive testing (CAT) for khaothi (issue 20): ability by EAP with a normal prior,
//! item selection by maximum Fisher information or Kullback–Leibler information, randomesque-k and
//! Sympson–Hetter exposure control, content balancing by van der Linden's shadow tests (the
//! assembly crate's blueprint MILP with the given items fixed), stimulus groups given together,
//! and the simulation a board reads before choosing a design. Pure logic: no I/O, no async.
//! docs/cat.md explains the choices and their references.
//!
//! # How the delivery server calls it
//!
//! ```text
//! // once per adaptive event, from the package:
//! let pool: Pool = serde_json::from_value(package_pool)?;   // validated on load
//! let design: Design = serde_json::from_value(package_design)?;
//! let engine = Arc::new(Engine::new(pool, design)?);       // Send + Sync; builds the shadow model
//!
//! // after each scored answer, BEFORE the write (off the writer; it may solve a MILP):
//! let state = State { responses: answers_in_order };       // item id + score (0/1, or 0–4)
//! let seed = test_seed(&event_id, &candidate_id);         // the engine mixes in the step
//! let Next { step, estimate } = engine.next(&state, seed)?;
//! // write the answer, estimate.theta/se and `step` in the same batch; then
//! match step {
//!     Step::Give { items } => { /* show items[0], then the rest of a stimulus group */ }
//!     Step::Stop { reason } => { /* final θ = estimate.theta, score = pool.score10(θ) */ }
//! }
//! ```
//!
//! `next` is a pure function of (pool, design, state, seed): a resume, a crash recovery or another
//! computer recomputes the same step. A partly answered stimulus group is completed first, so
//! calling `next` after every single answer is correct.

pub mod design;
pub mod eap;
pub mod engine;
pub mod error;
pub mod exposure;
pub mod pool;
pub mod run;
mod shadow;
pub mod simulate;

pub use design::{Design, Selection, Stopping};
pub use engine::{Engine, Estimate, Next, Response, State, Step, StopReason, estimate, next, test_seed};
pub use error::CatError;
pub use exposure::{ExposureCalibration, ExposureOptions, calibrate_exposure};
pub use khaothi_assembly::ShadowOptions;
pub use pool::{Pool, PoolItem, PoolWarning};
pub use run::{ExposureSummary, SimulationRun, run_simulation};
pub use simulate::{SimulationOptions, SimulationReport, ThetaBin, simulate};
