//! Linking two separate calibrations through their common items (Kolen & Brennan, 2014, ch. 6).
//!
//! With `θ_base = A·θ_new + B`, items from the new calibration move to the base scale by
//! [`ItemModel::rescaled`] (`a/A`, `A·b + B`, `c` unchanged). Four methods:
//!
//! * **mean-mean**: `A = mean(a_new) / mean(a_base)`, `B = mean(b_base) − A·mean(b_new)`;
//! * **mean-sigma**: `A = sd(b_base) / sd(b_new)`, `B` as above (b: difficulties, and every
//!   threshold of a polytomous item);
//! * **Haebara**: minimises `Σ_q w_q Σ_j Σ_k [P_jk^base(θ_q) − P_jk^new*(θ_q)]²` (the item
//!   characteristic curves; for a dichotomous item only the correct category);
//! * **Stocking–Lord**: minimises `Σ_q w_q [Σ_j E_j^base(θ_q) − Σ_j E_j^new*(θ_q)]²` (the test
//!   characteristic curve).
//!
//! The characteristic-curve criteria run in the new→base direction only, over 41 points on
//! [−4, 4] of the base scale with N(0, 1) weights normalised to sum to 1, started from
//! mean-sigma and minimised by Gauss–Newton with Levenberg damping.

use serde::{Deserialize, Serialize};

use crate::error::IrtError;
use crate::model::ItemModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkMethod {
    MeanMean,
    MeanSigma,
    Haebara,
    StockingLord,
}

impl std::str::FromStr for LinkMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "mean-mean" => Ok(Self::MeanMean),
            "mean-sigma" => Ok(Self::MeanSigma),
            "haebara" => Ok(Self::Haebara),
            "stocking-lord" | "sl" => Ok(Self::StockingLord),
            o => {
                Err(format!("unknown linking method '{o}' (mean-mean, mean-sigma, haebara or stocking-lord)"))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkingConstants {
    /// Slope: `θ_base = A θ_new + B`.
    pub a: f64,
    pub b: f64,
    /// The characteristic-curve criterion at the solution (`None` for the moment methods).
    pub criterion: Option<f64>,
    pub iterations: usize,
}

/// Stocking–Lord constants from common items given as (base, new) parameter pairs.
pub fn stocking_lord(common: &[(ItemModel, ItemModel)]) -> Result<LinkingConstants, IrtError> {
    link(common, LinkMethod::StockingLord)
}

/// Linking constants by `method` from common items given as (base, new) parameter pairs.
pub fn link(common: &[(ItemModel, ItemModel)], method: LinkMethod) -> Result<LinkingConstants, IrtError> {
    if common.is_empty() {
        return Err(IrtError::invalid("linking needs at least one common item"));
    }
    for (b, n) in common {
        if b.max_score() != n.max_score() {
            return Err(IrtError::invalid(
                "a common item has different score ranges in the two calibrations",
            ));
        }
    }
    let moments = |a: f64, b: f64| LinkingConstants { a, b, criterion: None, iterations: 0 };
    match method {
        LinkMethod::MeanMean => {
            let a = mean(&common.iter().map(|(_, n)| n.a()).collect::<Vec<_>>())
                / mean(&common.iter().map(|(b, _)| b.a()).collect::<Vec<_>>());
            let (bb, bn) = locations(common);
            Ok(moments(a, mean(&bb) - a * mean(&bn)))
        }
        LinkMethod::MeanSigma => {
            let (a, b) = mean_sigma(common)?;
            Ok(moments(a, b))
        }
        LinkMethod::Haebara | LinkMethod::StockingLord => {
            // a degenerate spread (one location) starts from the identity instead
            let (a, b) = mean_sigma(common).unwrap_or((1.0, 0.0));
            let curves = Curves::new(common, method);
            Ok(curves.minimise(a, b))
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// The location parameters of every common item (b, or every threshold), base and new.
fn locations(common: &[(ItemModel, ItemModel)]) -> (Vec<f64>, Vec<f64>) {
    let locs = |m: &ItemModel| -> Vec<f64> {
        match m {
            ItemModel::Rasch { b } | ItemModel::TwoPl { b, .. } | ItemModel::ThreePl { b, .. } => vec![*b],
            ItemModel::Gpcm { thresholds, .. } | ItemModel::Grm { thresholds, .. } => thresholds.clone(),
        }
    };
    (common.iter().flat_map(|(b, _)| locs(b)).collect(), common.iter().flat_map(|(_, n)| locs(n)).collect())
}

fn mean_sigma(common: &[(ItemModel, ItemModel)]) -> Result<(f64, f64), IrtError> {
    let (bb, bn) = locations(common);
    if sd(&bn) < 1e-9 || sd(&bb) < 1e-9 {
        return Err(IrtError::invalid("mean-sigma needs common items of different difficulties"));
    }
    let a = sd(&bb) / sd(&bn);
    Ok((a, mean(&bb) - a * mean(&bn)))
}

/// A characteristic-curve criterion as a sum of squared residuals.
struct Curves<'a> {
    common: &'a [(ItemModel, ItemModel)],
    method: LinkMethod,
    grid: Vec<f64>,
    /// square roots of the normalised weights
    root_w: Vec<f64>,
    /// the base items' curves at the grid, in residual order
    base: Vec<f64>,
}

impl<'a> Curves<'a> {
    fn new(common: &'a [(ItemModel, ItemModel)], method: LinkMethod) -> Self {
        let grid: Vec<f64> = (0..41).map(|q| -4.0 + 0.2 * q as f64).collect();
        let w: Vec<f64> = grid.iter().map(|t| (-0.5 * t * t).exp()).collect();
        let total: f64 = w.iter().sum();
        let root_w = w.iter().map(|x| (x / total).sqrt()).collect();
        let mut c = Self { common, method, grid, root_w, base: Vec::new() };
        c.base = c.curves(common.iter().map(|(b, _)| b.clone()).collect());
        c
    }

    /// The curves the criterion compares, for one side's items (unweighted).
    fn curves(&self, items: Vec<ItemModel>) -> Vec<f64> {
        let mut out = Vec::new();
        for &t in &self.grid {
            match self.method {
                LinkMethod::StockingLord => out.push(items.iter().map(|m| m.expected_score(t)).sum()),
                _ => {
                    for m in &items {
                        let p = m.category_probabilities(t);
                        let from = if p.len() == 2 { 1 } else { 0 };
                        out.extend_from_slice(&p[from..]);
                    }
                }
            }
        }
        out
    }

    fn residuals(&self, a: f64, b: f64) -> Vec<f64> {
        let moved = self.curves(self.common.iter().map(|(_, n)| n.rescaled(a, b)).collect());
        let per = moved.len() / self.grid.len();
        moved.iter().zip(&self.base).enumerate().map(|(i, (m, x))| self.root_w[i / per] * (x - m)).collect()
    }

    /// Gauss–Newton with Levenberg damping from `(a, b)`.
    fn minimise(&self, mut a: f64, mut b: f64) -> LinkingConstants {
        let crit = |r: &[f64]| r.iter().map(|x| x * x).sum::<f64>();
        let mut r = self.residuals(a, b);
        let mut f = crit(&r);
        let mut lambda = 1e-3;
        let mut iterations = 0;
        for _ in 0..200 {
            iterations += 1;
            let h = 1e-6;
            let ja: Vec<f64> = self.residuals(a + h, b).iter().zip(&r).map(|(x, y)| (x - y) / h).collect();
            let jb: Vec<f64> = self.residuals(a, b + h).iter().zip(&r).map(|(x, y)| (x - y) / h).collect();
            let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
            let (aa, ab, bb) = (dot(&ja, &ja), dot(&ja, &jb), dot(&jb, &jb));
            let (ga, gb) = (dot(&ja, &r), dot(&jb, &r));
            let mut improved = false;
            for _ in 0..30 {
                let (m11, m22) = (aa * (1.0 + lambda), bb * (1.0 + lambda));
                let det = m11 * m22 - ab * ab;
                if det.abs() < 1e-300 {
                    break;
                }
                let da = -(m22 * ga - ab * gb) / det;
                let db = -(m11 * gb - ab * ga) / det;
                if a + da > 0.0 {
                    let nr = self.residuals(a + da, b + db);
                    let nf = crit(&nr);
                    if nf < f {
                        (a, b, r, f) = (a + da, b + db, nr, nf);
                        lambda = (lambda * 0.3).max(1e-12);
                        improved = da.abs() >= 1e-10 || db.abs() >= 1e-10;
                        break;
                    }
                }
                lambda *= 10.0;
            }
            if !improved {
                break;
            }
        }
        LinkingConstants { a, b, criterion: Some(f), iterations }
    }
}

/// Drift screening of the common items by the robust z statistic (Huynh, 2000): each item's
/// displacement `d_j = b_base − (A·b_new + B)` (the mean threshold of a polytomous item) is
/// standardised by the median and the interquartile range, `z_j = (d_j − median) / (0.74·IQR)`,
/// and `|z_j| > 1.645` flags the item. The constants recomputed without the flagged items are
/// reported beside (never instead of) the constants from all common items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub statistic: String,
    pub cut: f64,
    pub items: Vec<DriftItem>,
    pub flagged: Vec<String>,
    /// The constants without the flagged items (`None` when nothing is flagged or fewer than two
    /// items would remain).
    pub without_flagged: Option<LinkingConstants>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftItem {
    pub id: String,
    pub displacement: f64,
    pub z: f64,
    pub flagged: bool,
}

/// The robust-z cut (a two-sided 10% normal tail).
const DRIFT_CUT: f64 = 1.645;

/// Screens the common items (`ids` aligned with `common`) for drift after linking with `k`.
pub fn drift(
    ids: &[String],
    common: &[(ItemModel, ItemModel)],
    k: &LinkingConstants,
    method: LinkMethod,
) -> Result<DriftReport, IrtError> {
    if common.len() < 4 {
        return Err(IrtError::invalid("drift screening needs at least 4 common items"));
    }
    let d: Vec<f64> =
        common.iter().map(|(b, n)| b.difficulty() - n.rescaled(k.a, k.b).difficulty()).collect();
    let mut sorted = d.clone();
    sorted.sort_by(f64::total_cmp);
    let med = quantile(&sorted, 0.5);
    let iqr = quantile(&sorted, 0.75) - quantile(&sorted, 0.25);
    let scale = 0.74 * iqr;
    let items: Vec<DriftItem> = ids
        .iter()
        .zip(&d)
        .map(|(id, &x)| {
            let z = if scale > 1e-12 { (x - med) / scale } else { 0.0 };
            DriftItem { id: id.clone(), displacement: x, z, flagged: z.abs() > DRIFT_CUT }
        })
        .collect();
    let flagged: Vec<String> = items.iter().filter(|i| i.flagged).map(|i| i.id.clone()).collect();
    let kept: Vec<(ItemModel, ItemModel)> =
        common.iter().zip(&items).filter(|(_, i)| !i.flagged).map(|(c, _)| c.clone()).collect();
    let without_flagged = if flagged.is_empty() || kept.len() < 2 { None } else { link(&kept, method).ok() };
    Ok(DriftReport { statistic: "robust_z".into(), cut: DRIFT_CUT, items, flagged, without_flagged })
}

/// The `p` quantile of sorted values by linear interpolation (R's type 7).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests;
