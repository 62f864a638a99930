//! Marginal maximum likelihood calibration by EM (Bock–Aitkin).
//!
//! θ ~ N(0, 1) on a grid of equally spaced points (default 41 on [−6, 6]); with anchors the
//! population mean and SD are estimated and anchored items stay fixed, so new items land on the
//! anchors' scale. A free Rasch calibration estimates the SD of θ (the common slope) instead.

mod em;
pub(crate) mod estep;
mod groups;
pub mod item;
mod kkt;
mod oakes;
mod prepare;
mod se;
mod se_kernels;
mod se_linear;
#[cfg(test)]
mod se_reference;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::IrtModelKind;
use crate::error::IrtError;
use crate::matrix::ResponseMatrix;
use crate::model::ItemModel;
use em::{Em, Iterations, State};
pub use groups::{GroupPopulation, PersonGroups};
use item::Internal;
pub use item::Priors;
use prepare::{Setup, delta_se, extreme_warnings, setup, warn};

/// Options of [`calibrate`]. `Default` is the documented default of the `calibrate` command.
#[derive(Debug, Clone)]
pub struct CalibrationOptions {
    /// Model for dichotomous items (and for all items if polytomous).
    pub model: IrtModelKind,
    /// Model for items with scores above 1 when `model` is dichotomous.
    pub polytomous_model: IrtModelKind,
    /// Number of equally spaced quadrature points on `[−range, range]`.
    pub quadrature_points: usize,
    pub quadrature_range: f64,
    /// Convergence: largest absolute change of any parameter (IRT metric) between cycles.
    pub tolerance: f64,
    pub max_iterations: usize,
    /// Fisher-scoring iterations per item in each M-step.
    pub m_step_iterations: usize,
    pub priors: Priors,
    /// Items held fixed at known parameters (fixed-item / anchor calibration), by item id.
    pub anchors: BTreeMap<String, ItemModel>,
    /// Free Rasch calibration: estimate the SD of θ (true) or fix it at 1 (false).
    pub estimate_rasch_sd: bool,
    pub standard_errors: bool,
    /// How the standard errors are computed (cross-product information by default).
    pub se_method: SeMethod,
    /// Worker threads (`None`: rayon's default, one per core).
    pub threads: Option<usize>,
    /// Use the plain per-person log-space E-step (the precision reference) instead of the
    /// pattern-table fast path.
    pub reference_estep: bool,
    /// Float type of the fast E-step's inner loops (accumulation is f64 either way).
    pub precision: Precision,
    /// SQUAREM acceleration of EM (each extrapolation is checked and falls back to plain EM).
    pub accelerate: bool,
    /// Starting values by item position (used when the model family matches the item's).
    pub start: Option<Vec<ItemModel>>,
    /// Multiple-group calibration: the persons' groups (shared items, a mean and SD per group).
    pub groups: Option<PersonGroups>,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            model: IrtModelKind::TwoPl,
            polytomous_model: IrtModelKind::Gpcm,
            quadrature_points: 41,
            quadrature_range: 6.0,
            tolerance: 1e-4,
            max_iterations: 500,
            m_step_iterations: 10,
            priors: Priors::default(),
            anchors: BTreeMap::new(),
            estimate_rasch_sd: true,
            standard_errors: true,
            se_method: SeMethod::CrossProduct,
            threads: None,
            reference_estep: false,
            start: None,
            groups: None,
            precision: Precision::F32,
            accelerate: true,
        }
    }
}

/// How standard errors are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeMethod {
    /// The cross-product (empirical, "XPD") information: one pass over the response patterns.
    #[default]
    CrossProduct,
    /// Oakes' (1999) identity: the observed information, two f64 E-steps per free parameter.
    Oakes,
}

impl std::str::FromStr for SeMethod {
    type Err = IrtError;
    fn from_str(s: &str) -> Result<Self, IrtError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xpd" | "cross_product" | "crossprod" => Ok(Self::CrossProduct),
            "oakes" => Ok(Self::Oakes),
            other => Err(IrtError::invalid(format!(
                "unknown standard-error method '{other}' (expected xpd or oakes)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    F32,
    F64,
}

/// One calibrated (or anchored) item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedItem {
    pub id: String,
    pub model: ItemModel,
    /// Standard errors aligned with [`ItemModel::params`]; `None` for fixed or unavailable ones.
    pub se: Vec<Option<f64>>,
    pub anchored: bool,
    /// Number of persons who answered the item.
    pub n: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    NoVariance,
    UnobservedCategory,
    ModelSubstituted,
    ExtremeEstimate,
    NotConverged,
    StandardErrors,
    /// EM stopped at a point that is not a maximum (the projected gradient does not vanish).
    NotOptimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationWarning {
    pub item: Option<String>,
    pub kind: WarningKind,
    pub message: String,
}

/// Everything a calibration run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationResult {
    pub model: IrtModelKind,
    pub items: Vec<CalibratedItem>,
    /// Marginal log-likelihood at the final estimates.
    pub loglik: f64,
    /// Log-likelihood plus the log prior densities (what EM maximises).
    pub log_posterior: f64,
    pub aic: f64,
    pub bic: f64,
    pub n_parameters: usize,
    pub iterations: usize,
    pub converged: bool,
    /// Largest parameter change in the last cycle.
    pub max_change: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    /// Standard error of `theta_sd` when a free Rasch calibration estimated it.
    pub theta_sd_se: Option<f64>,
    pub n_persons: usize,
    pub n_unique_patterns: usize,
    pub quadrature_points: usize,
    pub warnings: Vec<CalibrationWarning>,
    /// Log-posterior at each E-step (non-decreasing for plain EM: `accelerate: false`).
    pub history: Vec<f64>,
    /// Multiple-group runs: each group's ability distribution, in the order of the groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupPopulation>,
    /// How the standard errors were computed (`None`: not requested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_method: Option<SeMethod>,
}

/// Calibrates every item of `m` (anchored items stay fixed).
pub fn calibrate(m: &ResponseMatrix, opts: &CalibrationOptions) -> Result<CalibrationResult, IrtError> {
    match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| IrtError::Numerical(format!("thread pool: {e}")))?
            .install(|| run(m, opts)),
        None => run(m, opts),
    }
}

fn run(m: &ResponseMatrix, opts: &CalibrationOptions) -> Result<CalibrationResult, IrtError> {
    if m.n_persons() == 0 {
        return Err(IrtError::invalid("no persons in the response matrix"));
    }
    if opts.quadrature_points < 5 || opts.quadrature_range <= 0.0 {
        return Err(IrtError::invalid("quadrature needs at least 5 points and a positive range"));
    }
    if let Some(g) = &opts.groups
        && g.of_person.len() != m.n_persons()
    {
        return Err(IrtError::invalid(format!(
            "{} group labels for {} persons",
            g.of_person.len(),
            m.n_persons()
        )));
    }
    let Setup { items, free, anchored, mut warnings, answered } = setup(m, opts)?;
    let em = Em::new(m, opts, &items, &free, &anchored);
    let pops = vec![(0.0, 1.0); em.parts.len()];
    let Iterations { state, iterations, converged: stopped, max_change, history } =
        em.iterate(State { items, pops });
    let State { items, pops } = state;
    // final E-step at the final estimates
    let (logp, _, fin) = em.estep(&items, &pops);
    let grid = em.grid(0.0, 1.0);
    let loglik = fin.loglik;
    let converged = stopped && optimality_warnings(m, &em, &items, &fin.counts, &grid, &mut warnings);
    let log_posterior = loglik + em.log_prior(&items);
    let (index, n_free) = parameter_index(&items, &free, &anchored, em.common_slope);
    let n_parameters = n_free + 2 * em.n_free_populations();
    let cov = if opts.standard_errors {
        standard_errors(&em, &logp, &pops, &items, &index, n_free, &mut warnings)
    } else {
        None
    };
    let reference = opts.groups.as_ref().map_or(0, |g| g.reference);
    let (mu, mut sigma) = pops[reference];
    let scale = if em.common_slope { items[em.rasch_idx[0]].a } else { 1.0 };
    if em.common_slope {
        sigma = scale;
    }
    let common_sigma = em.common_slope.then_some(sigma);
    let out = calibrated_items(m, &items, cov.as_ref(), &anchored, &answered, common_sigma, &mut warnings);
    let groups = group_populations(&em, &logp, &pops, scale);
    if !stopped {
        warnings.push(warn(
            None,
            WarningKind::NotConverged,
            format!("no convergence after {iterations} cycles (largest change {max_change:.2e}, tolerance {:.1e})", opts.tolerance),
        ));
    }
    let k = n_parameters as f64;
    Ok(CalibrationResult {
        model: opts.model,
        items: out,
        loglik,
        log_posterior,
        aic: -2.0 * loglik + 2.0 * k,
        bic: -2.0 * loglik + k * (m.n_persons() as f64).ln(),
        n_parameters,
        iterations,
        converged,
        max_change,
        theta_mean: mu,
        theta_sd: sigma,
        theta_sd_se: cov.as_ref().and_then(|c| c.common_slope_var).filter(|v| *v > 0.0).map(f64::sqrt),
        n_persons: m.n_persons(),
        n_unique_patterns: em.parts.iter().map(|p| p.enc.n_unique()).sum(),
        quadrature_points: opts.quadrature_points,
        warnings,
        history,
        groups,
        se_method: opts.standard_errors.then_some(opts.se_method),
    })
}

/// Each group's mean and SD on the θ scale (`scale`: the free Rasch SD, which the groups' z-scale
/// values are multiplied by) with their standard errors (`None` for a fixed population).
fn group_populations(em: &Em, logp: &[f64], pops: &[(f64, f64)], scale: f64) -> Vec<GroupPopulation> {
    let Some(groups) = &em.opts.groups else { return Vec::new() };
    em.parts
        .iter()
        .zip(pops)
        .enumerate()
        .map(|(g, (part, &pop))| {
            let (se_mean, se_sd) = if em.free_pop[g] {
                let (a, b) = groups::population_se(part, &em.layout, logp, &em.grid(pop.0, pop.1), pop);
                (Some(a * scale).filter(|x| x.is_finite()), Some(b * scale).filter(|x| x.is_finite()))
            } else {
                (None, None)
            };
            GroupPopulation {
                name: groups.names[g].clone(),
                n: part.m.n_persons(),
                mean: pop.0 * scale,
                sd: pop.1 * scale,
                se_mean,
                se_sd,
            }
        })
        .collect()
}

/// Checks the final point against the optimality conditions ([`kkt`]) and warns for every item
/// that fails them; returns whether all pass.
fn optimality_warnings(
    m: &ResponseMatrix,
    em: &Em,
    items: &[Internal],
    counts: &[f64],
    grid: &estep::Grid,
    warnings: &mut Vec<CalibrationWarning>,
) -> bool {
    let bad = kkt::violations(em, items, counts, grid);
    for v in &bad {
        warnings.push(warn(
            Some(&m.item_ids()[v.item]),
            WarningKind::NotOptimal,
            format!(
                "the parameters stopped moving but are not at a maximum (the gradient implies a step of {:.2e}); not converged",
                v.step
            ),
        ));
    }
    bad.is_empty()
}

/// `index[j][i]`: the position of item `j`'s internal parameter `i` among all free parameters
/// (the shared Rasch slope first, when it is estimated), and their count.
fn parameter_index(
    items: &[Internal],
    free: &[Vec<bool>],
    anchored: &[bool],
    common_slope: bool,
) -> (Vec<Vec<Option<usize>>>, usize) {
    let mut index: Vec<Vec<Option<usize>>> = Vec::with_capacity(items.len());
    let mut n_free = 0;
    let common_at = if common_slope {
        n_free += 1;
        Some(0)
    } else {
        None
    };
    for (j, it) in items.iter().enumerate() {
        let mut ix = vec![None; it.n_par()];
        for i in 0..it.n_par() {
            if free[j][i] {
                ix[i] = Some(n_free);
                n_free += 1;
            } else if i == 0 && it.kind == IrtModelKind::Rasch && !anchored[j] {
                ix[i] = common_at;
            }
        }
        index.push(ix);
    }
    (index, n_free)
}

/// The covariance of the free parameters at the final estimates (XPD or Oakes, as the options
/// ask), with a warning when the information matrix cannot be inverted.
fn standard_errors(
    em: &Em,
    logp: &[f64],
    pops: &[(f64, f64)],
    items: &[Internal],
    index: &[Vec<Option<usize>>],
    n_free: usize,
    warnings: &mut Vec<CalibrationWarning>,
) -> Option<se::Covariances> {
    let c = match em.opts.se_method {
        _ if n_free == 0 => None,
        SeMethod::CrossProduct => {
            let info = se::xpd_information(&se_parts(em, pops), &em.layout, logp, items, index, n_free);
            se::covariance(info, items, index, n_free, &em.opts.priors)
        }
        SeMethod::Oakes => {
            let info = oakes::oakes_information(em, items, pops, index, n_free);
            se::covariance(info, items, index, n_free, &em.opts.priors)
        }
    };
    if c.is_none() && n_free > 0 {
        warnings.push(warn(
            None,
            WarningKind::StandardErrors,
            "the information matrix is singular; no standard errors".into(),
        ));
    }
    c
}

/// Each group's persons, encoding and grid at its population, as the information functions take them.
fn se_parts<'e>(em: &'e Em, pops: &[(f64, f64)]) -> Vec<se::PartRef<'e>> {
    em.parts.iter().zip(pops).map(|(p, &(mu, sd))| (p.m.as_ref(), &p.enc, em.grid(mu, sd))).collect()
}

/// The reported items: IRT-form parameters and their SEs (delta method), put on the θ scale when
/// a free Rasch calibration estimated its SD (`common_sigma`), with warnings for extreme estimates.
fn calibrated_items(
    m: &ResponseMatrix,
    items: &[Internal],
    cov: Option<&se::Covariances>,
    anchored: &[bool],
    answered: &[usize],
    common_sigma: Option<f64>,
    warnings: &mut Vec<CalibrationWarning>,
) -> Vec<CalibratedItem> {
    let mut out = Vec::with_capacity(items.len());
    for (j, it) in items.iter().enumerate() {
        let id = m.item_ids()[j].clone();
        let mut model = it.to_model();
        let mut se = vec![None; model.params().len()];
        if let Some(blk) = cov.and_then(|c| c.blocks[j].as_ref()) {
            se = delta_se(it, blk);
        }
        if let Some(sigma) = common_sigma
            && it.kind != IrtModelKind::Rasch
        {
            // non-Rasch items estimated on the z scale: put them on θ = σ z
            model = model.rescaled(sigma, 0.0);
            se = se
                .iter()
                .enumerate()
                .map(|(i, s)| s.map(|s| if i == 0 { s / sigma } else { s * sigma }))
                .collect();
            if it.kind == IrtModelKind::ThreePl {
                se[2] = se[2].map(|s| s / sigma);
            }
        }
        if !anchored[j] {
            extreme_warnings(&id, &model, warnings);
        }
        out.push(CalibratedItem { id, model, se, anchored: anchored[j], n: answered[j] });
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_lsat7;
#[cfg(test)]
mod tests_oakes;
#[cfg(test)]
mod tests_se;

#[cfg(test)]
pub(crate) mod tests_support {
    /// A small converged 2PL calibration (LSAT-6) for other modules' tests.
    pub fn lsat_result() -> super::CalibrationResult {
        super::calibrate(&super::tests::lsat6(), &Default::default()).expect("calibrates")
    }
}
