//! Psychometrics for khaothi (DESIGN §4): item response models, marginal maximum likelihood
//! calibration by EM, linking, ability estimation, classical item analysis, item and model fit
//! (S-X², M2, infit/outfit, lz, Q3), DIF (Mantel–Haenszel, Mantel, logistic regression) and the
//! answer-copying screen. See `docs/psychometrics.md`.
//!
//! The crate is pure: no async and no I/O beyond the `Read`/`Write` handed to [`csv`] and
//! [`params`].

pub mod ability;
pub mod calibrate;
pub mod classical;
pub mod csv;
pub mod dif;
pub mod error;
pub mod fit;
pub mod information;
pub mod integrity;
pub mod linking;
pub mod matrix;
pub mod model;
pub mod params;
pub mod plausible;
pub mod simulate;
pub mod stats;
pub mod sum_score;

pub use ability::{AbilityEstimate, AbilityMethod, AbilityOptions, score_matrix};
pub use calibrate::{CalibratedItem, CalibrationOptions, CalibrationResult, calibrate};
pub use error::IrtError;
pub use khaothi_domain::{IrtModelKind, IrtParams};
pub use matrix::{MISSING, ResponseMatrix};
pub use model::{ItemModel, logistic};

/// Runs `f` on a pool of `n` worker threads (the global pool if one cannot be built).
pub fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}
