//! Logistic-regression DIF (Swaminathan & Rogers, 1990; Zumbo, 1999) for any number of groups
//! and for 0/1 and ordered (0..m) items alike.
//!
//! The item score is regressed on the matching total score `S`, the group (`G − 1` indicator
//! columns, the reference group the baseline) and their interaction, with the cumulative logit
//! `P(X ≥ k) = logistic(α_k + β·z)` (for a 0/1 item this is ordinary logistic regression):
//!
//! - M0: `S`; M1: `S + group` ; M2: `S + group + S × group`.
//!
//! Uniform DIF is the likelihood-ratio test M1 vs M0 (`G − 1` df), non-uniform DIF M2 vs M1
//! (`G − 1` df), and DIF of either kind M2 vs M0 (`2(G − 1)` df). Effect sizes are Nagelkerke's
//! `R²_N = (1 − exp(2(ℓ0 − ℓ)/N)) / (1 − exp(2ℓ0/N))` (`ℓ0`: the thresholds-only model) differences,
//! `ΔR² = R²(M2) − R²(M0)`, classified after Jodoin & Gierl (2001): **A** (negligible) when
//! `ΔR² < 0.035` or the 2(G − 1)-df test is not significant at 5 %, **C** (large) when
//! `ΔR² ≥ 0.070`, **B** (moderate) between. The score `S` is centred and scaled to unit SD before
//! fitting (the fit is the same; Newton's steps are better conditioned).

use serde::{Deserialize, Serialize};

use crate::matrix::{MISSING, ResponseMatrix};
use crate::stats::chi_square_sf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LrClass {
    A,
    B,
    C,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticDif {
    pub id: String,
    pub n: usize,
    /// Uniform DIF: M1 vs M0.
    pub uniform_chi_square: f64,
    pub uniform_p: f64,
    /// Non-uniform DIF: M2 vs M1.
    pub nonuniform_chi_square: f64,
    pub nonuniform_p: f64,
    /// Either kind: M2 vs M0.
    pub chi_square: f64,
    pub df: usize,
    pub p_value: f64,
    /// Nagelkerke R² of M0, M1, M2.
    pub r2: [f64; 3],
    pub delta_r2_uniform: f64,
    pub delta_r2: f64,
    pub class: LrClass,
}

/// Jodoin–Gierl class from ΔR² (M2 − M0) and the 2(G−1)-df p-value.
pub fn jodoin_gierl(delta_r2: f64, p: f64) -> LrClass {
    if p >= 0.05 || delta_r2 < 0.035 {
        LrClass::A
    } else if delta_r2 >= 0.070 {
        LrClass::C
    } else {
        LrClass::B
    }
}

/// Cells of the regression: (score category, covariates, count).
struct Data {
    y: Vec<usize>,
    x: Vec<Vec<f64>>,
    w: Vec<f64>,
    n_cat: usize,
}

fn loglik(d: &Data, p: usize, par: &[f64]) -> f64 {
    let k = d.n_cat - 1;
    let mut ll = 0.0;
    for i in 0..d.y.len() {
        let eta: f64 = (0..p).map(|c| par[k + c] * d.x[i][c]).sum();
        ll += d.w[i] * category_prob(&par[..k], eta, d.y[i]).max(1e-300).ln();
    }
    ll
}

/// `P(X = y)` with `P(X ≥ j) = logistic(α_j + η)`, `j = 1..k`; the α must decrease.
fn category_prob(alpha: &[f64], eta: f64, y: usize) -> f64 {
    let upper = |j: usize| {
        if j == 0 {
            1.0
        } else if j > alpha.len() {
            0.0
        } else {
            crate::logistic(alpha[j - 1] + eta)
        }
    };
    upper(y) - upper(y + 1)
}

/// Newton–Raphson on the log-likelihood with a numerical Hessian of the analytic gradient.
fn maximise(d: &Data, p: usize) -> Option<f64> {
    let k = d.n_cat - 1;
    let np = k + p;
    // start: thresholds from the marginal cumulative proportions, slopes 0
    let total: f64 = d.w.iter().sum();
    let mut par = vec![0.0; np];
    for j in 1..=k {
        let above: f64 = d.y.iter().zip(&d.w).filter(|(y, _)| **y >= j).map(|(_, w)| w).sum();
        let pr = (above / total).clamp(1e-4, 1.0 - 1e-4);
        par[j - 1] = (pr / (1.0 - pr)).ln() - 1e-3 * j as f64;
    }
    let mut ll = loglik(d, p, &par);
    for _ in 0..100 {
        let g = gradient(d, p, &par);
        let h = 1e-6;
        let mut hess = vec![0.0; np * np];
        for c in 0..np {
            let mut up = par.clone();
            up[c] += h;
            let mut dn = par.clone();
            dn[c] -= h;
            let (gu, gd) = (gradient(d, p, &up), gradient(d, p, &dn));
            for r in 0..np {
                hess[r * np + c] = -(gu[r] - gd[r]) / (2.0 * h);
            }
        }
        for r in 0..np {
            for c in 0..r {
                let v = 0.5 * (hess[r * np + c] + hess[c * np + r]);
                hess[r * np + c] = v;
                hess[c * np + r] = v;
            }
        }
        let step = solve(&hess, &g, np)?;
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let cand: Vec<f64> = par.iter().zip(&step).map(|(a, s)| a + t * s).collect();
            let ordered = cand[..k].windows(2).all(|w| w[0] > w[1]);
            if ordered {
                let l = loglik(d, p, &cand);
                if l >= ll - 1e-12 {
                    let change = l - ll;
                    par = cand;
                    ll = l;
                    accepted = true;
                    if change.abs() < 1e-10 {
                        return Some(ll);
                    }
                    break;
                }
            }
            t *= 0.5;
        }
        if !accepted {
            return Some(ll);
        }
    }
    Some(ll)
}

/// Analytic gradient of the log-likelihood.
fn gradient(d: &Data, p: usize, par: &[f64]) -> Vec<f64> {
    let k = d.n_cat - 1;
    let mut g = vec![0.0; k + p];
    for i in 0..d.y.len() {
        let eta: f64 = (0..p).map(|c| par[k + c] * d.x[i][c]).sum();
        let y = d.y[i];
        // P(X = y) = F(α_y + η) − F(α_{y+1} + η) with F(·) = 1 for j = 0 and 0 beyond k
        let dens = |j: usize| {
            if j == 0 || j > k {
                0.0
            } else {
                let f = crate::logistic(par[j - 1] + eta);
                f * (1.0 - f)
            }
        };
        let prob = category_prob(&par[..k], eta, y).max(1e-300);
        let (du, dl) = (dens(y), dens(y + 1));
        let wi = d.w[i] / prob;
        if y >= 1 {
            g[y - 1] += wi * du;
        }
        if y < k {
            g[y] -= wi * dl;
        }
        for c in 0..p {
            g[k + c] += wi * (du - dl) * d.x[i][c];
        }
    }
    g
}

/// Solves `A x = b` (symmetric positive definite `A`) by Gaussian elimination with pivoting.
fn solve(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut m: Vec<Vec<f64>> = (0..n)
        .map(|r| {
            let mut row = a[r * n..(r + 1) * n].to_vec();
            row.push(b[r]);
            row
        })
        .collect();
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))?;
        if m[piv][c].abs() < 1e-12 {
            return None;
        }
        m.swap(c, piv);
        for r in c + 1..n {
            let f = m[r][c] / m[c][c];
            for cc in c..=n {
                m[r][cc] -= f * m[c][cc];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| m[r][c] * x[c]).sum();
        x[r] = (m[r][n] - s) / m[r][r];
    }
    Some(x)
}

/// Logistic-regression DIF of every item. `group[p]`: the person's group index (`0` is the
/// reference), `None` excluded; `n_groups` ≥ 2.
pub fn logistic_dif(
    m: &ResponseMatrix,
    group: &[Option<usize>],
    n_groups: usize,
) -> Vec<Option<LogisticDif>> {
    let total: Vec<f64> = m.total_scores();
    (0..m.n_items()).map(|j| item_dif(m, j, &total, group, n_groups)).collect()
}

fn item_dif(
    m: &ResponseMatrix,
    j: usize,
    total: &[f64],
    group: &[Option<usize>],
    g: usize,
) -> Option<LogisticDif> {
    if g < 2 {
        return None;
    }
    // aggregate into cells (score, total, group)
    let mut cells: std::collections::BTreeMap<(u8, u64, usize), f64> = Default::default();
    for p in 0..m.n_persons() {
        let (Some(gr), x) = (group.get(p).copied().flatten(), m.get(p, j)) else { continue };
        if x == MISSING || gr >= g {
            continue;
        }
        *cells.entry((x, total[p] as u64, gr)).or_default() += 1.0;
    }
    let n: f64 = cells.values().sum();
    let max_y = cells.keys().map(|c| c.0).max()? as usize;
    let min_y = cells.keys().map(|c| c.0).min()? as usize;
    if max_y == min_y || n < 10.0 {
        return None;
    }
    let (mean, sd) = {
        let m1 = cells.iter().map(|(c, w)| c.1 as f64 * w).sum::<f64>() / n;
        let v = cells.iter().map(|(c, w)| (c.1 as f64 - m1).powi(2) * w).sum::<f64>() / n;
        (m1, v.sqrt().max(1e-9))
    };
    let mut y = Vec::new();
    let mut x = Vec::new();
    let mut w = Vec::new();
    for (&(score, t, gr), &count) in &cells {
        let s = (t as f64 - mean) / sd;
        let mut row = vec![s];
        row.extend((1..g).map(|k| if gr == k { 1.0 } else { 0.0 }));
        row.extend((1..g).map(|k| if gr == k { s } else { 0.0 }));
        y.push(score as usize);
        x.push(row);
        w.push(count);
    }
    let d = Data { y, x, w, n_cat: max_y + 1 };
    let l_null = maximise(&d, 0)?;
    let l0 = maximise(&d, 1)?;
    let l1 = maximise(&d, g)?;
    let l2 = maximise(&d, 2 * g - 1)?;
    let r2 = |l: f64| (1.0 - (2.0 * (l_null - l) / n).exp()) / (1.0 - (2.0 * l_null / n).exp());
    let df = g - 1;
    let (cu, cn, c) = ((2.0 * (l1 - l0)).max(0.0), (2.0 * (l2 - l1)).max(0.0), (2.0 * (l2 - l0)).max(0.0));
    let p = chi_square_sf(c, 2.0 * df as f64);
    let r = [r2(l0), r2(l1), r2(l2)];
    Some(LogisticDif {
        id: m.item_ids()[j].clone(),
        n: n as usize,
        uniform_chi_square: cu,
        uniform_p: chi_square_sf(cu, df as f64),
        nonuniform_chi_square: cn,
        nonuniform_p: chi_square_sf(cn, df as f64),
        chi_square: c,
        df: 2 * df,
        p_value: p,
        r2: r,
        delta_r2_uniform: r[1] - r[0],
        delta_r2: r[2] - r[0],
        class: jodoin_gierl(r[2] - r[0], p),
    })
}

#[cfg(test)]
mod tests;
