//! The probability that a candidate of ability θ gives a particular answer to an item:
//! `P(v | θ) = P(score(v) | θ) × share(v | score(v), group(θ))`.
//!
//! The first factor is the item's IRT model (for a 0/1 item, `P(right | θ)` or `P(wrong | θ)`;
//! for a true/false group, the probability of its 0–4 score). The second splits that score among
//! the answers that earn it — the distractors of a single-choice item, the wrong strings of a
//! short answer, the statement patterns of a true/false group — by their shares among the
//! event's candidates in the same ability group (θ̂ deciles), smoothed towards the whole event's
//! shares with a weight of one candidate so that an answer nobody in the group gave keeps a
//! positive probability. This is the "P(wrong | θ) × distractor shares by score group" route; it
//! needs no nominal-model calibration and follows the event's own distractor pattern.

use std::collections::HashMap;

use crate::model::ItemModel;

/// Answer shares of one item.
#[derive(Debug, Clone)]
pub struct ItemOptions {
    pub model: ItemModel,
    /// The score each answer earns (as the exports scored it).
    score_of: HashMap<String, u8>,
    /// `counts[g][answer]` and `totals[g][score]` per ability group; `overall` likewise.
    counts: Vec<HashMap<String, f64>>,
    totals: Vec<Vec<f64>>,
    overall: HashMap<String, f64>,
    overall_totals: Vec<f64>,
}

/// Ability groups: the θ̂ cut points between them.
#[derive(Debug, Clone)]
pub struct Groups {
    cuts: Vec<f64>,
}

impl Groups {
    /// Up to ten groups of equal size (at least 50 candidates each) from the abilities.
    pub fn from_thetas(thetas: &[f64]) -> Self {
        let mut t: Vec<f64> = thetas.iter().copied().filter(|x| x.is_finite()).collect();
        t.sort_by(f64::total_cmp);
        let g = (t.len() / 50).clamp(1, 10);
        let cuts = (1..g).map(|k| t[k * t.len() / g]).collect();
        Self { cuts }
    }

    pub fn count(&self) -> usize {
        self.cuts.len() + 1
    }

    pub fn of(&self, theta: f64) -> usize {
        self.cuts.iter().take_while(|c| theta >= **c).count()
    }
}

impl ItemOptions {
    pub fn new(model: ItemModel, n_groups: usize) -> Self {
        let k = model.n_categories();
        Self {
            model,
            score_of: HashMap::new(),
            counts: vec![HashMap::new(); n_groups],
            totals: vec![vec![0.0; k]; n_groups],
            overall: HashMap::new(),
            overall_totals: vec![0.0; k],
        }
    }

    /// Counts one candidate's answer (`group`: their ability group).
    pub fn add(&mut self, answer: &str, score: u8, group: usize) {
        let s = score.min(self.model.max_score());
        self.score_of.entry(answer.to_string()).or_insert(s);
        *self.counts[group].entry(answer.to_string()).or_default() += 1.0;
        self.totals[group][s as usize] += 1.0;
        *self.overall.entry(answer.to_string()).or_default() += 1.0;
        self.overall_totals[s as usize] += 1.0;
    }

    /// `P(answer | θ)` for a candidate of ability group `group`; `None` for an answer nobody gave.
    pub fn prob(&self, answer: &str, theta: f64, group: usize) -> Option<f64> {
        let s = *self.score_of.get(answer)? as usize;
        let overall_share = self.overall.get(answer)? / self.overall_totals[s];
        let in_group = self.counts[group].get(answer).copied().unwrap_or(0.0);
        let share = (in_group + overall_share) / (self.totals[group][s] + 1.0);
        Some(self.model.prob(theta, s as u8) * share)
    }

    /// The score an answer earns.
    pub fn score(&self, answer: &str) -> Option<u8> {
        self.score_of.get(answer).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_split_the_model_by_shares_and_sum_to_one() {
        let mut o = ItemOptions::new(ItemModel::TwoPl { a: 1.0, b: 0.0 }, 2);
        // group 0: A right ×2, B ×3, C ×1; group 1: A ×5, B ×1
        for (ans, s, g, n) in [("A", 1, 0, 2), ("B", 0, 0, 3), ("C", 0, 0, 1), ("A", 1, 1, 5), ("B", 0, 1, 1)]
        {
            for _ in 0..n {
                o.add(ans, s, g);
            }
        }
        let th = 0.3;
        let p_wrong = 1.0 / (1.0 + (0.3f64).exp());
        // group 1, B: (1 + 4/5) / (1 + 1) of the wrong mass; C: (0 + 1/5) / 2
        let b = o.prob("B", th, 1).unwrap();
        let c = o.prob("C", th, 1).unwrap();
        assert!((b - p_wrong * 0.9).abs() < 1e-12 && (c - p_wrong * 0.1).abs() < 1e-12);
        assert!((o.prob("A", th, 1).unwrap() + b + c - 1.0).abs() < 1e-12);
        assert!(
            (o.prob("A", th, 0).unwrap() + o.prob("B", th, 0).unwrap() + o.prob("C", th, 0).unwrap() - 1.0)
                .abs()
                < 1e-12
        );
        assert_eq!(o.prob("D", th, 0), None);
    }

    #[test]
    fn groups_are_quantiles() {
        let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let g = Groups::from_thetas(&t);
        assert_eq!(g.count(), 4);
        assert_eq!((g.of(-1.0), g.of(49.0), g.of(50.0), g.of(1e9)), (0, 0, 1, 3));
        assert_eq!(Groups::from_thetas(&t[..20]).count(), 1);
    }
}
