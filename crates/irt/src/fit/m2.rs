//! Global model fit: the limited-information M2 statistic (Maydeu-Olivares & Joe, 2006) with
//! RMSEA₂ and SRMSR.
//!
//! The moments are the first and second ones of the item scores: `E[X_i]` for every item and
//! `E[X_i X_j]` for every pair `i < j` (`s = n + n(n − 1)/2` of them). For 0/1 items these are the
//! univariate and bivariate margins of M2; for polytomous items the same moments make the
//! collapsed M2* of Cai & Hansen (2013), as R's mirt computes by default. With `e = p̂ − π(ψ̂)`
//! the observed minus the model moments, `Ξ` their covariance under the model and `Δ = ∂π/∂ψ'`
//! their Jacobian in the `q` free parameters,
//!
//! `M2 = N e' (Ξ⁻¹ − Ξ⁻¹Δ(Δ'Ξ⁻¹Δ)⁻¹Δ'Ξ⁻¹) e`, `df = s − q`,
//!
//! computed through the Cholesky factor `LL' = Ξ` as `N` times the squared residual of `L⁻¹e`
//! regressed on `L⁻¹Δ` (no `s × s` inverse is formed). `RMSEA = √(max(0, M2 − df) / (df (N − 1)))`
//! (mirt's convention); `SRMSR` is the root mean square of the differences between the observed
//! and model-implied correlations of the item scores over the pairs. Moments and their
//! derivatives integrate over θ ~ N(mean, sd²) on equally spaced points with normalised weights;
//! when the calibration estimated the mean or SD of θ (anchored runs, a free Rasch SD) those are
//! free parameters too.
//!
//! A multiple-group calibration gets the M2 of its groups as independent samples ([`m2_samples`]):
//! each group's moments at its own N(mean, sd²), the residuals stacked with the block-diagonal
//! weight `N_g Ξ_g⁻¹`, projected off the joint Jacobian in the shared item parameters and every
//! group's free mean and SD; `df = G·s − q`, RMSEA with the total N, SRMSR over every group's pairs.
//!
//! M2 needs every item answered by every person. With forms (items not presented to everyone)
//! it is computed per complete block: the persons who were shown the same set of items, for
//! blocks large enough to carry it, each with that block's items and parameters.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;
use crate::stats::chi_square_sf;

/// Where θ lives and which of its parameters the calibration estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct M2Options {
    pub quadrature_points: usize,
    pub range: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    /// The calibration estimated the mean of θ (anchored items fixed the scale).
    pub free_mean: bool,
    /// The calibration estimated the SD of θ (anchored items, or a free Rasch calibration).
    pub free_sd: bool,
    /// Most items M2 is computed for: `Ξ` has `s²` entries, `s = n(n + 1)/2`.
    pub max_items: usize,
    /// Smallest complete block (persons) that gets its own M2 when there are forms.
    pub min_block: usize,
}

impl Default for M2Options {
    fn default() -> Self {
        Self {
            quadrature_points: 61,
            range: 6.0,
            theta_mean: 0.0,
            theta_sd: 1.0,
            free_mean: false,
            free_sd: false,
            max_items: 60,
            min_block: 200,
        }
    }
}

/// The M2 family statistic of one complete block of data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct M2Fit {
    /// `"M2"` when every item is 0/1, `"M2*"` (collapsed moments) when some item is polytomous.
    pub statistic: String,
    pub m2: f64,
    pub df: i64,
    pub p: f64,
    pub rmsea: f64,
    pub srmsr: f64,
    pub n_persons: usize,
    pub n_items: usize,
    /// Multiple-group M2: the number of groups (independent samples) it stacks.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub groups: Option<usize>,
}

/// The `fit` object of a calibration: M2 for the whole data when it is complete, per complete
/// block when it is not, or nothing with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFitReport {
    #[serde(flatten)]
    pub overall: Option<M2Fit>,
    /// Per complete block (forms): the block's items by id and its statistic.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub blocks: Vec<BlockFit>,
    /// Why M2 (or some block's) is not given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockFit {
    pub items: Vec<String>,
    #[serde(flatten)]
    pub fit: M2Fit,
}

/// M2 of `items` (column `j` of `m` is `items[j]`; `fixed[j]`: not estimated) on complete data, or
/// per complete block.
pub fn model_fit(items: &[ItemModel], fixed: &[bool], m: &ResponseMatrix, o: &M2Options) -> ModelFitReport {
    let none = |reason: String| ModelFitReport { overall: None, blocks: vec![], reason: Some(reason) };
    if items.len() != m.n_items() || fixed.len() != items.len() {
        return none(format!("{} item models for {} columns", items.len(), m.n_items()));
    }
    let mut patterns: std::collections::BTreeMap<Vec<bool>, Vec<usize>> = Default::default();
    for p in 0..m.n_persons() {
        let shown: Vec<bool> = m.row(p).iter().map(|&x| x != MISSING).collect();
        patterns.entry(shown).or_default().push(p);
    }
    let all_shown = vec![true; items.len()];
    if patterns.len() == 1 && patterns.contains_key(&all_shown) {
        return match m2(items, fixed, m, &(0..m.n_persons()).collect::<Vec<_>>(), o) {
            Ok(f) => ModelFitReport { overall: Some(f), blocks: vec![], reason: None },
            Err(e) => none(e),
        };
    }
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    for (shown, persons) in &patterns {
        let cols: Vec<usize> = (0..items.len()).filter(|&j| shown[j]).collect();
        if persons.len() < o.min_block || cols.len() < 3 {
            skipped.push(persons.len());
            continue;
        }
        let sub_items: Vec<ItemModel> = cols.iter().map(|&j| items[j].clone()).collect();
        let sub_fixed: Vec<bool> = cols.iter().map(|&j| fixed[j]).collect();
        let ids: Vec<String> = cols.iter().map(|&j| m.item_ids()[j].clone()).collect();
        let data: Vec<u8> = persons.iter().flat_map(|&p| cols.iter().map(move |&j| m.get(p, j))).collect();
        let Ok(sub) = ResponseMatrix::new(ids.clone(), None, persons.len(), data) else { continue };
        match m2(&sub_items, &sub_fixed, &sub, &(0..persons.len()).collect::<Vec<_>>(), o) {
            Ok(fit) => blocks.push(BlockFit { items: ids, fit }),
            Err(_) => skipped.push(persons.len()),
        }
    }
    let n_left: usize = skipped.iter().sum();
    let mut reason = format!(
        "M2 needs every item answered by every person; the data has {} presentation patterns (forms), \
         so M2 is given per complete block",
        patterns.len()
    );
    if n_left > 0 {
        reason.push_str(&format!(
            "; {n_left} persons in blocks under {} persons or 3 items (or where M2 has no degrees of freedom) are left out",
            o.min_block
        ));
    }
    ModelFitReport { overall: None, blocks, reason: Some(reason) }
}

/// The moment structure of the model at the quadrature points.
struct Moments {
    /// Normalised N(mean, sd²) weights.
    w: Vec<f64>,
    /// `e1[q][j] = E[X_j | θ_q]`, `e2[q][j] = E[X_j² | θ_q]`.
    e1: Vec<Vec<f64>>,
    e2: Vec<Vec<f64>>,
    /// The moments as (i, j) with `j = None` for `E[X_i]`, items first, then pairs `i < j`.
    index: Vec<(usize, Option<usize>)>,
}

impl Moments {
    fn new(items: &[ItemModel], o: &M2Options) -> (Self, Vec<f64>) {
        let nq = o.quadrature_points.max(5);
        let step = 2.0 * o.range / (nq - 1) as f64;
        let thetas: Vec<f64> = (0..nq).map(|q| -o.range + step * q as f64).collect();
        let g: Vec<f64> =
            thetas.iter().map(|t| (-0.5 * ((t - o.theta_mean) / o.theta_sd).powi(2)).exp()).collect();
        let sum: f64 = g.iter().sum();
        let w = g.iter().map(|x| x / sum).collect();
        let cond = |pow: i32| -> Vec<Vec<f64>> {
            thetas
                .iter()
                .map(|&t| {
                    items
                        .iter()
                        .map(|it| {
                            let p = it.category_probabilities(t);
                            p.iter().enumerate().map(|(k, pk)| (k as f64).powi(pow) * pk).sum()
                        })
                        .collect()
                })
                .collect()
        };
        let n = items.len();
        let mut index: Vec<(usize, Option<usize>)> = (0..n).map(|i| (i, None)).collect();
        for i in 0..n {
            for j in i + 1..n {
                index.push((i, Some(j)));
            }
        }
        (Self { w, e1: cond(1), e2: cond(2), index }, thetas)
    }

    /// `E[Π X_k]` over the item indices listed (repetitions raise the power, at most 2).
    fn joint(&self, idx: &[usize]) -> f64 {
        let mut uniq: [(usize, u8); 4] = [(usize::MAX, 0); 4];
        let mut n = 0;
        for &i in idx {
            match uniq[..n].iter_mut().find(|u| u.0 == i) {
                Some(u) => u.1 += 1,
                None => {
                    uniq[n] = (i, 1);
                    n += 1;
                }
            }
        }
        let mut s = 0.0;
        for (q, w) in self.w.iter().enumerate() {
            let mut v = *w;
            for &(i, pow) in &uniq[..n] {
                v *= if pow == 1 { self.e1[q][i] } else { self.e2[q][i] };
            }
            s += v;
        }
        s
    }

    fn members(&self, a: usize) -> ([usize; 2], usize) {
        match self.index[a] {
            (i, None) => ([i, 0], 1),
            (i, Some(j)) => ([i, j], 2),
        }
    }

    /// The model's moments `π`.
    fn pi(&self) -> Vec<f64> {
        (0..self.index.len())
            .map(|a| {
                let (ix, n) = self.members(a);
                self.joint(&ix[..n])
            })
            .collect()
    }

    /// `Ξ = E[f_a f_b] − π_a π_b`, row-major `s × s`.
    fn xi(&self, pi: &[f64]) -> Vec<f64> {
        let s = self.index.len();
        let rows: Vec<Vec<f64>> = (0..s)
            .into_par_iter()
            .map(|a| {
                let (ia, na) = self.members(a);
                (0..=a)
                    .map(|b| {
                        let (ib, nb) = self.members(b);
                        let mut all = [0usize; 4];
                        all[..na].copy_from_slice(&ia[..na]);
                        all[na..na + nb].copy_from_slice(&ib[..nb]);
                        self.joint(&all[..na + nb]) - pi[a] * pi[b]
                    })
                    .collect()
            })
            .collect();
        let mut xi = vec![0.0; s * s];
        for (a, row) in rows.iter().enumerate() {
            for (b, v) in row.iter().enumerate() {
                xi[a * s + b] = *v;
                xi[b * s + a] = *v;
            }
        }
        xi
    }
}

/// The Jacobian `Δ = ∂π/∂ψ'` (row-major `s × q`) in the free item parameters (each model's
/// [`ItemModel::params`], fixed items left out) and the free population mean and SD.
fn jacobian(
    items: &[ItemModel],
    fixed: &[bool],
    mo: &Moments,
    thetas: &[f64],
    o: &M2Options,
) -> (Vec<f64>, usize) {
    // de1[q][j]: ∂E[X_j | θ_q]/∂ψ_j for the item's own parameters
    let mut cols: Vec<(usize, usize)> = Vec::new(); // (item, parameter)
    for (j, it) in items.iter().enumerate() {
        if !fixed[j] {
            cols.extend((0..it.params().len()).map(|k| (j, k)));
        }
    }
    let de1: Vec<Vec<Vec<f64>>> = thetas
        .iter()
        .map(|&t| {
            items
                .iter()
                .map(|it| {
                    let (nc, np) = (it.n_categories(), it.params().len());
                    let (mut p, mut g) = (vec![0.0; nc], vec![0.0; nc * np]);
                    it.prob_param_grad(t, &mut p, &mut g);
                    (0..np).map(|c| (0..nc).map(|k| k as f64 * g[k * np + c]).sum()).collect()
                })
                .collect()
        })
        .collect();
    // derivatives of the normalised weights with respect to the mean and the SD
    let mut pop: Vec<Vec<f64>> = Vec::new();
    let (mu, sd) = (o.theta_mean, o.theta_sd);
    if o.free_mean {
        pop.push(thetas.iter().map(|t| (t - mu) / (sd * sd)).collect());
    }
    if o.free_sd {
        pop.push(thetas.iter().map(|t| (t - mu).powi(2) / sd.powi(3)).collect());
    }
    let dw: Vec<Vec<f64>> = pop
        .iter()
        .map(|d| {
            let mean: f64 = mo.w.iter().zip(d).map(|(w, d)| w * d).sum();
            mo.w.iter().zip(d).map(|(w, d)| w * (d - mean)).collect()
        })
        .collect();
    let q = cols.len() + dw.len();
    let s = mo.index.len();
    let mut delta = vec![0.0; s * q];
    for a in 0..s {
        let (i, j) = mo.index[a];
        for (c, &(item, k)) in cols.iter().enumerate() {
            let other = match j {
                None if item == i => None,
                Some(j) if item == i => Some(j),
                Some(j) if item == j => Some(i),
                _ => continue,
            };
            delta[a * q + c] = (0..thetas.len())
                .map(|t| mo.w[t] * de1[t][item][k] * other.map_or(1.0, |o| mo.e1[t][o]))
                .sum();
        }
        for (c, d) in dw.iter().enumerate() {
            delta[a * q + cols.len() + c] =
                (0..thetas.len()).map(|t| d[t] * mo.e1[t][i] * j.map_or(1.0, |j| mo.e1[t][j])).sum();
        }
    }
    (delta, q)
}

/// M2 (M2* with polytomous items) of `items` on the persons `rows` of `m`, all of whom answered
/// every item. Errors are the reasons M2 cannot be given.
pub fn m2(
    items: &[ItemModel],
    fixed: &[bool],
    m: &ResponseMatrix,
    rows: &[usize],
    o: &M2Options,
) -> Result<M2Fit, String> {
    m2_samples(items, fixed, m, &[Sample { rows, population: o }])
}

/// One independent sample of a (multiple-group) M2: its persons and its population (`theta_mean`,
/// `theta_sd`, and which of them the calibration estimated).
pub struct Sample<'a> {
    pub rows: &'a [usize],
    pub population: &'a M2Options,
}

/// M2 of independent samples sharing the item parameters (the groups of a multiple-group
/// calibration), each with its own normal population; one sample is the single-group M2. With
/// `u_g = √N_g L_g⁻¹ e_g` and `W_g = √N_g L_g⁻¹ Δ_g` (`L_g L_gᵀ = Ξ_g`; `Δ_g`'s columns are the
/// shared free item parameters, then every sample's free population parameters, zero outside
/// its own), `M2 = Σ_g u_gᵀu_g − bᵀ(Σ_g W_gᵀW_g)⁻¹b` with `b = Σ_g W_gᵀu_g`: the quadratic form
/// of the stacked residuals with the block-diagonal weight `N_g Ξ_g⁻¹` projected off the joint
/// Jacobian, `df = G·s − q`. Quadrature, `max_items` come from the first sample's options.
pub fn m2_samples(
    items: &[ItemModel],
    fixed: &[bool],
    m: &ResponseMatrix,
    samples: &[Sample<'_>],
) -> Result<M2Fit, String> {
    let n = items.len();
    let first = samples.first().ok_or("M2 needs at least one sample")?.population;
    if n > first.max_items {
        return Err(format!(
            "M2 is computed for at most {} items (its moment covariance grows with the fourth power of the \
             number of items); this test has {n}",
            first.max_items
        ));
    }
    let big_n: usize = samples.iter().map(|s| s.rows.len()).sum();
    if samples.iter().any(|s| s.rows.len() < 2) {
        return Err("M2 needs at least two persons in every group".into());
    }
    let n_item_cols: usize =
        items.iter().zip(fixed).filter(|(_, f)| !**f).map(|(it, _)| it.params().len()).sum();
    let pop_cols = |o: &M2Options| usize::from(o.free_mean) + usize::from(o.free_sd);
    let q = n_item_cols + samples.iter().map(|s| pop_cols(s.population)).sum::<usize>();
    // moments per sample: the item means and the pairs' products
    let s = n + n * n.saturating_sub(1) / 2;
    let df = (samples.len() * s) as i64 - q as i64;
    if df <= 0 {
        return Err(format!(
            "M2 has no degrees of freedom: {} moments for {q} free parameters",
            samples.len() * s
        ));
    }
    let (mut wtw, mut wtu, mut uu) = (vec![0.0; q * q], vec![0.0; q], 0.0);
    let (mut sq_sum, mut sq_count) = (0.0, 0usize);
    let mut pop_at = n_item_cols;
    for sample in samples {
        let o = sample.population;
        let w = whitened(items, fixed, m, sample.rows, o)?;
        debug_assert_eq!(w.s, s);
        // each sample's products weigh with its N (one sample: N multiplies the difference below,
        // as in the single-group formula)
        let k = if samples.len() == 1 { 1.0 } else { sample.rows.len() as f64 };
        // this sample's columns in the joint parameter vector
        let at: Vec<usize> = (0..n_item_cols).chain(pop_at..pop_at + pop_cols(o)).collect();
        pop_at += pop_cols(o);
        for (a, ca) in w.cols.iter().enumerate() {
            wtu[at[a]] += k * ca.iter().zip(&w.u).map(|(x, y)| x * y).sum::<f64>();
            for (b, cb) in w.cols.iter().enumerate() {
                wtw[at[a] * q + at[b]] += k * ca.iter().zip(cb).map(|(x, y)| x * y).sum::<f64>();
            }
        }
        uu += k * w.u.iter().map(|x| x * x).sum::<f64>();
        sq_sum += w.srmsr.0;
        sq_count += w.srmsr.1;
    }
    let lw =
        cholesky(&wtw, q).ok_or_else(|| "the parameters are not identified by the moments".to_string())?;
    let z = forward(&lw, q, &wtu);
    let proj: f64 = z.iter().map(|x| x * x).sum();
    let m2 = (if samples.len() == 1 { big_n as f64 } else { 1.0 } * (uu - proj)).abs();
    let rmsea = ((m2 - df as f64).max(0.0) / (df as f64 * (big_n as f64 - 1.0))).sqrt();
    let poly = items.iter().any(|i| i.max_score() > 1);
    Ok(M2Fit {
        statistic: if poly { "M2*" } else { "M2" }.into(),
        m2,
        df,
        p: chi_square_sf(m2, df as f64),
        rmsea,
        srmsr: if sq_count == 0 { 0.0 } else { (sq_sum / sq_count as f64).sqrt() },
        n_persons: big_n,
        n_items: n,
        groups: (samples.len() > 1).then_some(samples.len()),
    })
}

/// One sample's moments whitened by its covariance (the `√N` scaling is applied to the sums).
struct Whitened {
    /// number of moments
    s: usize,
    /// `L⁻¹ e`
    u: Vec<f64>,
    /// the columns of `L⁻¹ Δ`: free item parameters, then the free population parameters
    cols: Vec<Vec<f64>>,
    /// the sum of squared correlation residuals over the pairs, and their number (SRMSR)
    srmsr: (f64, usize),
}

fn whitened(
    items: &[ItemModel],
    fixed: &[bool],
    m: &ResponseMatrix,
    rows: &[usize],
    o: &M2Options,
) -> Result<Whitened, String> {
    let (mo, thetas) = Moments::new(items, o);
    let s = mo.index.len();
    let (delta, q) = jacobian(items, fixed, &mo, &thetas, o);
    let pi = mo.pi();
    let xi = mo.xi(&pi);
    let p_hat = observed_moments(m, rows, &mo.index);
    let e: Vec<f64> = p_hat.iter().zip(&pi).map(|(p, e)| p - e).collect();
    let l = cholesky(&xi, s).ok_or_else(|| {
        "the moments' covariance is singular (an item with one observed score?)".to_string()
    })?;
    let u = forward(&l, s, &e);
    let cols =
        (0..q).map(|c| forward(&l, s, &(0..s).map(|a| delta[a * q + c]).collect::<Vec<_>>())).collect();
    Ok(Whitened { s, u, cols, srmsr: srmsr(&mo, &pi, &p_hat, m, rows) })
}

/// Observed moments: means of `X_i` and of `X_i X_j` over `rows`.
fn observed_moments(m: &ResponseMatrix, rows: &[usize], index: &[(usize, Option<usize>)]) -> Vec<f64> {
    let mut sums = vec![0.0; index.len()];
    for &p in rows {
        let r = m.row(p);
        for (a, &(i, j)) in index.iter().enumerate() {
            sums[a] += r[i] as f64 * j.map_or(1.0, |j| r[j] as f64);
        }
    }
    sums.iter().map(|x| x / rows.len() as f64).collect()
}

/// The squared differences of observed and model correlations of the item scores summed over the
/// pairs, and the number of pairs (SRMSR is the root of their mean).
fn srmsr(mo: &Moments, pi: &[f64], p_hat: &[f64], m: &ResponseMatrix, rows: &[usize]) -> (f64, usize) {
    let n = mo.e1.first().map_or(0, Vec::len);
    let model_sq: Vec<f64> = (0..n).map(|i| mo.joint(&[i, i])).collect();
    let mut obs_sq = vec![0.0; n];
    for &p in rows {
        for (i, x) in m.row(p).iter().enumerate() {
            obs_sq[i] += (*x as f64).powi(2);
        }
    }
    obs_sq.iter_mut().for_each(|v| *v /= rows.len() as f64);
    let (mut sum, mut count) = (0.0, 0usize);
    for (a, &(i, j)) in mo.index.iter().enumerate() {
        let Some(j) = j else { continue };
        let corr = |mean: &[f64], sq: &[f64], cross: f64| {
            (cross - mean[i] * mean[j]) / ((sq[i] - mean[i].powi(2)) * (sq[j] - mean[j].powi(2))).sqrt()
        };
        let r_obs = corr(&p_hat[..n], &obs_sq, p_hat[a]);
        let r_mod = corr(&pi[..n], &model_sq, pi[a]);
        sum += (r_obs - r_mod).powi(2);
        count += 1;
    }
    (sum, count)
}

/// Lower Cholesky factor of a symmetric positive definite row-major `n × n` matrix.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = l[i * n..i * n + j].iter().zip(&l[j * n..j * n + j]).map(|(x, y)| x * y).sum();
            let s = a[i * n + j] - dot;
            if i == j {
                if s <= 1e-14 * a[i * n + i].abs().max(1e-300) || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L y = b` for a lower triangular `L`.
fn forward(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let dot: f64 = l[i * n..i * n + i].iter().zip(&y[..i]).map(|(x, y)| x * y).sum();
        y[i] = (y[i] - dot) / l[i * n + i];
    }
    y
}

mod calibration;
pub use calibration::calibration_fit;

#[cfg(test)]
mod tests;
