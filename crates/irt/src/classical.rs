//! Classical test theory: item p-values, corrected point-biserials, coefficient α (KR-20 for 0/1
//! items) and α-if-deleted, and distractor analysis.
//!
//! Missing cells: item statistics use the persons who answered the item; the total score is the
//! sum of answered items. α and α-if-deleted use complete cases only (listwise deletion).

use serde::{Deserialize, Serialize};

use crate::matrix::{MISSING, ResponseMatrix};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStats {
    pub id: String,
    /// Persons who answered the item.
    pub n: usize,
    pub mean: f64,
    /// Mean score divided by the maximum observed score (proportion correct for 0/1 items).
    pub p_value: f64,
    pub sd: f64,
    /// Correlation of the item score with the total score.
    pub point_biserial: Option<f64>,
    /// Correlation with the total score excluding the item (rest score).
    pub corrected_point_biserial: Option<f64>,
    /// α of the test without this item (complete cases).
    pub alpha_if_deleted: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassicalReport {
    pub items: Vec<ItemStats>,
    /// Cronbach's α (equals KR-20 when every item is 0/1), complete cases.
    pub alpha: Option<f64>,
    /// Whether every item is dichotomous, so `alpha` is KR-20.
    pub kr20: bool,
    pub n_persons: usize,
    pub n_complete: usize,
    pub mean_total: f64,
    pub sd_total: f64,
}

pub(crate) fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)
}

/// α from complete-case item columns.
fn alpha_of(cols: &[Vec<f64>]) -> Option<f64> {
    let k = cols.len() as f64;
    if cols.len() < 2 || cols[0].len() < 2 {
        return None;
    }
    let n = cols[0].len();
    let total: Vec<f64> = (0..n).map(|i| cols.iter().map(|c| c[i]).sum()).collect();
    let vt = variance(&total);
    if vt <= 0.0 {
        return None;
    }
    let sum_var: f64 = cols.iter().map(|c| variance(c)).sum();
    Some(k / (k - 1.0) * (1.0 - sum_var / vt))
}

/// Classical statistics for every item of `m`.
pub fn classical(m: &ResponseMatrix) -> ClassicalReport {
    let n_items = m.n_items();
    let total = m.total_scores();
    let max_obs = m.max_observed();
    let complete: Vec<usize> = (0..m.n_persons()).filter(|&p| !m.row(p).contains(&MISSING)).collect();
    let cols: Vec<Vec<f64>> =
        (0..n_items).map(|j| complete.iter().map(|&p| m.get(p, j) as f64).collect()).collect();
    let alpha = alpha_of(&cols);
    let items = (0..n_items)
        .map(|j| {
            let (mut x, mut t) = (Vec::new(), Vec::new());
            for p in 0..m.n_persons() {
                let v = m.get(p, j);
                if v != MISSING {
                    x.push(v as f64);
                    t.push(total[p]);
                }
            }
            let n = x.len();
            let mean = if n > 0 { x.iter().sum::<f64>() / n as f64 } else { f64::NAN };
            let rest: Vec<f64> = t.iter().zip(&x).map(|(t, x)| t - x).collect();
            let others: Vec<Vec<f64>> =
                cols.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, c)| c.clone()).collect();
            let max = max_obs[j].unwrap_or(0).max(1) as f64;
            ItemStats {
                id: m.item_ids()[j].clone(),
                n,
                mean,
                p_value: mean / max,
                sd: if n > 1 { variance(&x).sqrt() } else { 0.0 },
                point_biserial: correlation(&x, &t),
                corrected_point_biserial: correlation(&x, &rest),
                alpha_if_deleted: alpha_of(&others),
            }
        })
        .collect();
    let nt = total.len() as f64;
    let mean_total = total.iter().sum::<f64>() / nt;
    ClassicalReport {
        items,
        alpha,
        kr20: max_obs.iter().all(|m| m.unwrap_or(0) <= 1),
        n_persons: m.n_persons(),
        n_complete: complete.len(),
        mean_total,
        sd_total: if total.len() > 1 { variance(&total).sqrt() } else { 0.0 },
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionStats {
    pub option: String,
    pub is_key: bool,
    pub count: usize,
    /// Share of the persons who chose any option of the item.
    pub proportion: f64,
    /// Correlation between choosing this option and the rest score (total without the item).
    pub point_biserial: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistractorReport {
    pub id: String,
    pub n: usize,
    pub options: Vec<OptionStats>,
}

/// Distractor analysis. `choices` holds option indices (`MISSING` = omitted) into `labels[j]`;
/// `keys[j]` is the index of the key; `total` the persons' total scores.
pub fn distractors(
    choices: &ResponseMatrix,
    labels: &[Vec<String>],
    keys: &[Option<u8>],
    total: &[f64],
) -> Vec<DistractorReport> {
    (0..choices.n_items())
        .map(|j| {
            let persons: Vec<usize> =
                (0..choices.n_persons()).filter(|&p| choices.get(p, j) != MISSING).collect();
            let n = persons.len();
            let rest: Vec<f64> = persons
                .iter()
                .map(|&p| total[p] - f64::from(u8::from(keys[j] == Some(choices.get(p, j)))))
                .collect();
            let options = labels[j]
                .iter()
                .enumerate()
                .map(|(k, label)| {
                    let ind: Vec<f64> = persons
                        .iter()
                        .map(|&p| f64::from(u8::from(choices.get(p, j) as usize == k)))
                        .collect();
                    let count = ind.iter().filter(|v| **v > 0.0).count();
                    OptionStats {
                        option: label.clone(),
                        is_key: keys[j] == Some(k as u8),
                        count,
                        proportion: if n > 0 { count as f64 / n as f64 } else { 0.0 },
                        point_biserial: correlation(&ind, &rest),
                    }
                })
                .collect();
            DistractorReport { id: choices.item_ids()[j].clone(), n, options }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ResponseMatrix {
        let rows =
            vec![vec![1, 1, 1], vec![1, 1, 0], vec![1, 0, 0], vec![0, 0, 0], vec![1, 1, 1], vec![0, 1, 0]];
        ResponseMatrix::from_rows(vec!["a".into(), "b".into(), "c".into()], &rows).unwrap()
    }

    #[test]
    fn known_values() {
        let r = classical(&small());
        assert!((r.items[0].p_value - 4.0 / 6.0).abs() < 1e-12);
        assert!(r.kr20);
        // KR-20 by hand: totals 3,2,1,0,3,1 → var 1.4667 (n−1); Σ item variances (n−1):
        // a: p=4/6 → 0.2667, b: 0.2667, c: p=2/6 → 0.2667; α = 3/2 (1 − 0.8/1.4667) = 0.6818
        assert!((r.alpha.unwrap() - 0.681_818).abs() < 1e-4, "{:?}", r.alpha);
        // corrected point-biserial of item a: a = 1,1,1,0,1,0 with rest b+c = 2,1,0,0,2,1
        let rest = [2.0, 1.0, 0.0, 0.0, 2.0, 1.0];
        let a = [1.0, 1.0, 1.0, 0.0, 1.0, 0.0];
        assert!(
            (r.items[0].corrected_point_biserial.unwrap() - correlation(&a, &rest).unwrap()).abs() < 1e-12
        );
        assert!((correlation(&a, &rest).unwrap() - 0.433_013).abs() < 1e-5);
        // α without item c, by hand: items a, b → totals 2,2,1,0,2,1 (var 0.6667); α = 2(1 − 0.5333/0.6667) = 0.4
        assert!((r.items[2].alpha_if_deleted.unwrap() - 0.4).abs() < 1e-9);
    }

    #[test]
    fn distractors_by_hand() {
        // item 0: key B (index 1); choices A,B,B,C,B,A; rest scores 0,1,1,2,3,0
        let choices = ResponseMatrix::from_rows(
            vec!["q".into()],
            &[vec![0], vec![1], vec![1], vec![2], vec![1], vec![0]],
        )
        .unwrap();
        let labels = vec![vec!["A".to_string(), "B".to_string(), "C".to_string()]];
        let total = [0.0, 2.0, 2.0, 2.0, 4.0, 0.0];
        let d = distractors(&choices, &labels, &[Some(1)], &total);
        assert_eq!(d[0].options[1].count, 3);
        assert!(d[0].options[1].is_key);
        assert!((d[0].options[0].proportion - 2.0 / 6.0).abs() < 1e-12);
        // choosing A goes with low rest scores
        assert!(d[0].options[0].point_biserial.unwrap() < -0.5);
        assert!(d[0].options[1].point_biserial.unwrap() > 0.3);
    }
}
