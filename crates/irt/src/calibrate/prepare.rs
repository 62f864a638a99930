//! Run preparation (item models, starting values, data warnings) and result post-processing.

use super::item::Internal;
use super::{CalibrationOptions, CalibrationWarning, WarningKind};
use crate::IrtModelKind;
use crate::error::IrtError;
use crate::matrix::ResponseMatrix;
use crate::model::ItemModel;

pub(super) struct Setup {
    pub items: Vec<Internal>,
    pub free: Vec<Vec<bool>>,
    pub anchored: Vec<bool>,
    pub warnings: Vec<CalibrationWarning>,
    pub answered: Vec<usize>,
}

pub(super) fn warn(item: Option<&str>, kind: WarningKind, message: String) -> CalibrationWarning {
    CalibrationWarning { item: item.map(str::to_string), kind, message }
}

/// The items to calibrate, in column order: anchors as given, the others with the model the
/// options ask for (or the polytomous one for items scored above 1) and starting values from
/// the data, with warnings about the data.
pub(super) fn setup(m: &ResponseMatrix, opts: &CalibrationOptions) -> Result<Setup, IrtError> {
    let cat_counts = category_counts(m);
    let answered: Vec<usize> = cat_counts.iter().map(|c| c.iter().sum()).collect();
    let (mut items, mut free, mut anchored, mut warnings) = (vec![], vec![], vec![], vec![]);
    for (j, counts) in cat_counts.iter().enumerate() {
        let id = &m.item_ids()[j];
        if answered[j] == 0 {
            return Err(IrtError::NoResponses(id.clone()));
        }
        let max = (counts.len() - 1) as u8;
        if let Some(model) = opts.anchors.get(id) {
            let it = anchor(id, model, max)?;
            free.push(vec![false; it.n_par()]);
            items.push(it);
            anchored.push(true);
            continue;
        }
        let kind = item_kind(opts, id, max, &mut warnings);
        let n_cat = if kind.is_polytomous() { max.max(1) as usize + 1 } else { 2 };
        data_warnings(id, counts, n_cat, answered[j], &mut warnings);
        let it = match opts.start.as_ref().and_then(|s| s.get(j)) {
            Some(s) if s.kind() == kind && s.n_categories() == n_cat && s.validate().is_ok() => {
                Internal::from_model(s)
            }
            _ => starting_values(kind, counts, answered[j] as f64, n_cat),
        };
        let mut f = vec![true; it.n_par()];
        if kind == IrtModelKind::Rasch {
            f[0] = false; // the slope is shared (updated separately) or fixed at 1
        }
        free.push(f);
        items.push(it);
        anchored.push(false);
    }
    Ok(Setup { items, free, anchored, warnings, answered })
}

/// How many persons got each score on each item (one pass over the data), up to the highest
/// score observed on the item.
fn category_counts(m: &ResponseMatrix) -> Vec<Vec<usize>> {
    use rayon::prelude::*;
    let n = m.n_items();
    // in parallel over blocks of persons (one increment per cell is latency-bound serially)
    let counts256 = m
        .data()
        .par_chunks(n * 8192)
        .fold(
            || vec![0u32; n * 256],
            |mut c, block| {
                for row in block.chunks_exact(n) {
                    for (j, &x) in row.iter().enumerate() {
                        c[j * 256 + x as usize] += 1;
                    }
                }
                c
            },
        )
        .map(|c| c.into_iter().map(|x| x as usize).collect::<Vec<usize>>())
        .reduce(
            || vec![0usize; n * 256],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    (0..n)
        .map(|j| {
            let c = &counts256[j * 256..j * 256 + 255];
            let max = c.iter().rposition(|&v| v > 0).unwrap_or(0);
            c[..=max].to_vec()
        })
        .collect()
}

/// An anchored item, held at `model`, which must be valid and allow the highest score observed.
fn anchor(id: &str, model: &ItemModel, max: u8) -> Result<Internal, IrtError> {
    model.validate().map_err(|message| IrtError::Parameters { item: id.to_string(), message })?;
    if max > model.max_score() {
        return Err(IrtError::Parameters {
            item: id.to_string(),
            message: format!(
                "the data has score {max} but the anchor's model allows at most {}",
                model.max_score()
            ),
        });
    }
    Ok(Internal::from_model(model))
}

/// The model of a free item: the options' model, or their polytomous model (with a warning) for
/// an item scored above 1 under a dichotomous model.
fn item_kind(
    opts: &CalibrationOptions,
    id: &str,
    max: u8,
    warnings: &mut Vec<CalibrationWarning>,
) -> IrtModelKind {
    if opts.model.is_polytomous() || max <= 1 {
        return opts.model;
    }
    warnings.push(warn(
        Some(id),
        WarningKind::ModelSubstituted,
        format!("scores 0–{max}: calibrated with {} instead of {}", opts.polytomous_model, opts.model),
    ));
    opts.polytomous_model
}

/// Warnings about an item's data: every response the same score, or a middle score nobody got.
fn data_warnings(
    id: &str,
    counts: &[usize],
    n_cat: usize,
    answered: usize,
    warnings: &mut Vec<CalibrationWarning>,
) {
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        warnings.push(warn(
            Some(id),
            WarningKind::NoVariance,
            format!(
                "every one of the {answered} responses has the same score; estimates are at their bounds"
            ),
        ));
    }
    for (k, &c) in counts.iter().enumerate().take(n_cat) {
        if c == 0 && k > 0 && k < n_cat - 1 {
            warnings.push(warn(Some(id), WarningKind::UnobservedCategory, format!("nobody scored {k}")));
        }
    }
}

/// Starting values from the score proportions (θ ~ N(0,1) attenuates logits by about 1/1.3 at
/// a = 1).
fn starting_values(kind: IrtModelKind, counts: &[usize], total: f64, n_cat: usize) -> Internal {
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let prop = |k: usize| (counts.get(k).copied().unwrap_or(0) as f64 + 0.5) / (total + 1.0);
    match kind {
        IrtModelKind::Rasch | IrtModelKind::TwoPl => {
            Internal { kind, a: 1.0, d: vec![1.3 * logit(prop(1)).clamp(-4.0, 4.0)], c: 0.0 }
        }
        IrtModelKind::ThreePl => {
            let p = ((prop(1) - 0.2) / 0.8).clamp(0.02, 0.98);
            Internal { kind, a: 1.0, d: vec![1.3 * logit(p)], c: 0.2 }
        }
        IrtModelKind::Gpcm => {
            let d = (1..n_cat).map(|k| (1.3 * (prop(k) / prop(k - 1)).ln()).clamp(-4.0, 4.0)).collect();
            Internal { kind, a: 1.0, d, c: 0.0 }
        }
        IrtModelKind::Grm => {
            let mut tail = 1.0;
            let mut d: Vec<f64> = Vec::new();
            for k in 1..n_cat {
                tail -= prop(k - 1);
                let v = 1.3 * logit(tail.clamp(0.01, 0.99));
                let v = d.last().map_or(v, |&prev: &f64| v.min(prev - 0.1));
                d.push(v);
            }
            Internal { kind, a: 1.0, d, c: 0.0 }
        }
    }
}

/// Standard errors of the IRT-form parameters from the internal covariance (delta method).
pub(super) fn delta_se(it: &Internal, cov: &[f64]) -> Vec<Option<f64>> {
    let np = it.n_par();
    let var = |i: usize| cov[i * np + i];
    let sd = |v: f64| (v > 0.0 && v.is_finite()).then(|| v.sqrt());
    let a = it.a;
    // b = −d/a: ∇ = (d/a², −1/a) over (a, d)
    let b_se = |v: usize| {
        let d = it.d[v - 1];
        let (ga, gd) = (d / (a * a), -1.0 / a);
        sd(ga * ga * var(0) + 2.0 * ga * gd * cov[v] + gd * gd * var(v))
    };
    match it.kind {
        IrtModelKind::Rasch => vec![sd(var(1))],
        IrtModelKind::TwoPl => vec![sd(var(0)), b_se(1)],
        IrtModelKind::ThreePl => vec![sd(var(0)), b_se(1), sd(var(2))],
        IrtModelKind::Gpcm | IrtModelKind::Grm => {
            let mut v = vec![sd(var(0))];
            v.extend((1..=it.d.len()).map(b_se));
            v
        }
    }
}

pub(super) fn extreme_warnings(id: &str, model: &ItemModel, warnings: &mut Vec<CalibrationWarning>) {
    let a = model.a();
    let mut why = Vec::new();
    if !matches!(model, ItemModel::Rasch { .. }) && !(0.2..=4.0).contains(&a) {
        why.push(format!("a = {a:.3}"));
    }
    match model {
        ItemModel::Rasch { b } | ItemModel::TwoPl { b, .. } | ItemModel::ThreePl { b, .. }
            if b.abs() > 4.0 =>
        {
            why.push(format!("b = {b:.3}"));
        }
        ItemModel::Gpcm { thresholds, .. } | ItemModel::Grm { thresholds, .. } => {
            if let Some(t) = thresholds.iter().find(|t| t.abs() > 5.0) {
                why.push(format!("threshold {t:.3}"));
            }
        }
        _ => {}
    }
    if let ItemModel::ThreePl { c, .. } = model
        && *c > 0.4
    {
        why.push(format!("c = {c:.3}"));
    }
    if !why.is_empty() {
        warnings.push(warn(
            Some(id),
            WarningKind::ExtremeEstimate,
            format!("extreme estimate: {}", why.join(", ")),
        ));
    }
}
