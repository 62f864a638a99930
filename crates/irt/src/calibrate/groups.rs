//! Multiple-group (concurrent) calibration: the persons come in groups (this year's candidates
//! and last year's anchor sample, regions), the items are shared, and each group has its own
//! normal ability distribution. The reference group's N(0, 1) fixes the scale (unless anchored
//! items fix it, when every group's mean and SD are free); the others' means and SDs are
//! estimated from their own posterior moments each EM cycle (Bock & Zimowski, 1997).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::estep::{Encoded, Grid, Layout, Tables};
use crate::error::IrtError;
use crate::matrix::ResponseMatrix;

/// One group's persons and their pattern encoding.
pub(super) struct Part<'a> {
    pub m: Cow<'a, ResponseMatrix>,
    pub enc: Encoded,
}

/// Which group each person belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonGroups {
    /// Group names in order of first appearance.
    pub names: Vec<String>,
    /// Per person (matrix row): the index of the person's group in `names`.
    pub of_person: Vec<usize>,
    /// The group whose ability distribution is N(0, 1).
    pub reference: usize,
}

impl PersonGroups {
    /// Groups from one label per person, in order of first appearance; the reference is the named
    /// group or the first one.
    pub fn from_labels(labels: &[String], reference: Option<&str>) -> Result<Self, IrtError> {
        let mut names: Vec<String> = Vec::new();
        let mut of_person = Vec::with_capacity(labels.len());
        for (i, l) in labels.iter().enumerate() {
            let l = l.trim();
            if l.is_empty() {
                return Err(IrtError::invalid(format!("person {} has no group", i + 1)));
            }
            let g = match names.iter().position(|n| n == l) {
                Some(g) => g,
                None => {
                    names.push(l.to_string());
                    names.len() - 1
                }
            };
            of_person.push(g);
        }
        let reference = match reference {
            Some(r) => names
                .iter()
                .position(|n| n == r)
                .ok_or_else(|| IrtError::invalid(format!("the reference group '{r}' has no persons")))?,
            None => 0,
        };
        Ok(Self { names, of_person, reference })
    }
}

/// One group's estimated ability distribution (reported on the θ scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupPopulation {
    pub name: String,
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    /// Standard errors (conditional on the item parameters); `None` for a fixed reference group.
    pub se_mean: Option<f64>,
    pub se_sd: Option<f64>,
}

/// The persons split into parts by group (one part, borrowing `m`, without groups) and whether
/// each part's mean and SD are estimated.
pub(super) fn parts<'a>(
    m: &'a ResponseMatrix,
    groups: Option<&PersonGroups>,
    has_anchors: bool,
    n_cat: &[usize],
) -> (Vec<Part<'a>>, Vec<bool>) {
    let Some(groups) = groups else {
        return (vec![Part { m: Cow::Borrowed(m), enc: Encoded::new(m, n_cat) }], vec![has_anchors]);
    };
    let n = m.n_items();
    let mut data: Vec<Vec<u8>> = vec![Vec::new(); groups.names.len()];
    let mut counts = vec![0usize; groups.names.len()];
    for (p, &g) in groups.of_person.iter().enumerate() {
        data[g].extend_from_slice(&m.data()[p * n..(p + 1) * n]);
        counts[g] += 1;
    }
    let parts = data
        .into_iter()
        .zip(counts)
        .map(|(d, c)| {
            let sub = ResponseMatrix::new(m.item_ids().to_vec(), None, c, d).expect("rows of a valid matrix");
            let enc = Encoded::new(&sub, n_cat);
            Part { m: Cow::Owned(sub), enc }
        })
        .collect();
    let free = (0..groups.names.len()).map(|g| has_anchors || g != groups.reference).collect();
    (parts, free)
}

/// Standard errors of a part's mean and SD given the items, from the cross-product information
/// of the persons' scores `∂ ln L_i/∂(μ, σ) = E_post[h] − E_prior[h]` with
/// `h = ((θ − μ)/σ², ((θ − μ)² − σ²)/σ³)` (the prior term is the derivative of the grid weights'
/// normalisation).
pub(super) fn population_se(
    part: &Part,
    layout: &Layout,
    logp: &[f64],
    grid: &Grid,
    pop: (f64, f64),
) -> (f64, f64) {
    let (mu, sigma) = pop;
    let h = |t: f64| [(t - mu) / (sigma * sigma), ((t - mu).powi(2) - sigma * sigma) / sigma.powi(3)];
    let hs: Vec<[f64; 2]> = grid.theta[..grid.q].iter().map(|&t| h(t)).collect();
    let mut prior_mean = [0.0; 2];
    for (w, hq) in grid.prior.iter().zip(&hs) {
        prior_mean[0] += w * hq[0];
        prior_mean[1] += w * hq[1];
    }
    let tables = Tables::<f64>::new(&part.enc, layout, logp, grid);
    let mut l = vec![0.0; grid.qp];
    let mut info = [0.0; 3];
    for u in 0..part.enc.n_unique() {
        let (_, norm) = tables.posterior(&part.enc, u, grid, &mut l);
        let mut s = [-prior_mean[0], -prior_mean[1]];
        for (lq, hq) in l.iter().zip(&hs) {
            s[0] += lq / norm * hq[0];
            s[1] += lq / norm * hq[1];
        }
        let f = part.enc.freq[u];
        info[0] += f * s[0] * s[0];
        info[1] += f * s[0] * s[1];
        info[2] += f * s[1] * s[1];
    }
    let det = info[0] * info[2] - info[1] * info[1];
    if det.is_nan() || det <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    ((info[2] / det).sqrt(), (info[0] / det).sqrt())
}
