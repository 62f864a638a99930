//! Standard errors by Oakes' (1999) identity, the observed information of the marginal
//! log-likelihood from the EM's own function `Q(ψ' | ψ)` (the expected complete-data
//! log-likelihood at parameters ψ' with the posterior weights of ψ):
//!
//! `I(ψ̂) = −[∂²Q/∂ψ'∂ψ'ᵀ + ∂²Q/∂ψ'∂ψᵀ]` at `ψ' = ψ = ψ̂`.
//!
//! The first term is the complete-data Hessian (the expected counts of the final E-step held
//! fixed); the second is how the gradient of `Q` at ψ̂ moves when the E-step's parameters move
//! (the missing information, with a minus sign). As in mirt's `SE.type = "Oakes"`, the second is
//! taken by central differences of the analytic gradient over E-steps at ψ̂ ± h; here the first
//! is too (same differences, counts fixed), so every model's exact Hessian is used, not its
//! Fisher expectation. The E-steps run in f64 (an f32 E-step's rounding would swamp the
//! difference quotients). Cost: two E-steps per free parameter — far more than the cross-product
//! (XPD) information, which needs one pass; a choice for small and medium calibrations or for a
//! check of the XPD errors (the two agree as N grows; Oakes' is the observed information, the one
//! a likelihood-ratio interval is built on). Population means and SDs are held at their estimates
//! (as for the XPD errors); priors are added by the caller.

use super::Precision;
use super::em::Em;
use super::item::{Internal, score_info};

/// The observed information (`n_free × n_free`, symmetrised) of the free item parameters.
pub(crate) fn oakes_information(
    em: &Em,
    items: &[Internal],
    pops: &[(f64, f64)],
    index: &[Vec<Option<usize>>],
    n_free: usize,
) -> Vec<f64> {
    let counts_at = |items: &[Internal]| em.estep_at(items, pops, Precision::F64).2.counts;
    let gradient = |at: &[Internal], counts: &[f64]| gradient_of_q(em, at, counts, index, n_free);
    let c0 = counts_at(items);
    let mut info = vec![0.0; n_free * n_free];
    for p in 0..n_free {
        let (up, down, width) = steps(items, index, p);
        // E-step parameters move, Q's parameters stay at ψ̂ (the missing-information term)
        let (e_up, e_down) = (gradient(items, &counts_at(&up)), gradient(items, &counts_at(&down)));
        // Q's parameters move, the E-step's counts stay (the complete-data Hessian)
        let (m_up, m_down) = (gradient(&up, &c0), gradient(&down, &c0));
        for a in 0..n_free {
            info[a * n_free + p] = -((e_up[a] - e_down[a]) + (m_up[a] - m_down[a])) / width;
        }
    }
    for a in 0..n_free {
        for b in 0..a {
            let m = 0.5 * (info[a * n_free + b] + info[b * n_free + a]);
            info[a * n_free + b] = m;
            info[b * n_free + a] = m;
        }
    }
    info
}

/// `∂Q(ψ' | ψ)/∂ψ'` over the free parameters at `at`, from expected counts of the E-step at ψ.
fn gradient_of_q(
    em: &Em,
    at: &[Internal],
    counts: &[f64],
    index: &[Vec<Option<usize>>],
    n_free: usize,
) -> Vec<f64> {
    let grid = em.grid(0.0, 1.0);
    let (theta, qp) = (&grid.theta[..grid.q], grid.qp);
    let mut g = vec![0.0; n_free];
    for (j, it) in at.iter().enumerate() {
        if index[j].iter().all(Option::is_none) {
            continue;
        }
        let r = &counts[em.layout.offset[j]..em.layout.offset[j] + it.n_cat() * qp];
        let (gj, _) = score_info(it, r, theta, qp);
        for (i, gi) in index[j].iter().enumerate() {
            if let Some(gi) = gi {
                g[*gi] += gj[i];
            }
        }
    }
    g
}

/// The items with free parameter `p` moved up and down (every item sharing it: the common Rasch
/// slope), and the distance between the two. A parameter on a bound is differenced one-sided.
fn steps(items: &[Internal], index: &[Vec<Option<usize>>], p: usize) -> (Vec<Internal>, Vec<Internal>, f64) {
    let at = |items: &[Internal], delta: f64| -> Vec<Internal> {
        items
            .iter()
            .zip(index)
            .map(|(it, ix)| {
                let mut it = it.clone();
                let mut v = it.vector();
                for (i, gi) in ix.iter().enumerate() {
                    if *gi == Some(p) {
                        v[i] += delta;
                    }
                }
                it.set_vector(&v);
                it
            })
            .collect()
    };
    let (j, i) = index
        .iter()
        .enumerate()
        .find_map(|(j, ix)| ix.iter().position(|g| *g == Some(p)).map(|i| (j, i)))
        .expect("every free parameter belongs to an item");
    let value = items[j].vector()[i];
    let h = 1e-4 * value.abs().max(1.0);
    let (lo, hi) = items[j].bounds(i).unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let up = if value + h <= hi { h } else { 0.0 };
    let down = if value - h >= lo { -h } else { 0.0 };
    (at(items, up), at(items, down), up - down)
}
