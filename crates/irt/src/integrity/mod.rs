//! Answer-copying screen for neighbouring candidates (Wollack's ω with the room's seat map and
//! the answers' timing). Pure: the caller reads the files ([`input`]) and writes the report.
//!
//! For every pair of neighbours (by seat layout or seat number, [`seats`]) and each direction —
//! `a`'s answers as if copied from `b` and the reverse — Wollack's (1997) ω compares the number of
//! `b`'s answers that `a` gave too, `h`, with its expectation under independence given `a`'s
//! ability: `ω = (h − Σ_j P_a(v_bj)) / √(Σ_j P_a(v_bj)(1 − P_a(v_bj)))` over the items both were
//! shown and `b` answered, with `P_a(v)` the probability that a candidate of `a`'s ability gives
//! answer `v` ([`options`]) and `a`'s ability the EAP estimate from their scores. The one-sided
//! `p = 1 − Φ(ω)`; a pair's `p` is twice the smaller of its two directions' (at most 1). Answers
//! are compared in the bank's terms (shuffles undone), so neighbours who sat different versions
//! are compared item by item. The Bonferroni family is every neighbour pair of the event: `m`
//! pairs, `p_adjusted = min(1, m·p)`, `flagged = p_adjusted ≤ α`.
//!
//! Beside the index, each pair carries evidence that only the delivery server has: identical
//! answers given within [`Options::window_seconds`] of each other and who gave them first, a
//! timing test combined with ω (`p_with_timing`, `flagged_with_timing`: [`timing`]), and —
//! when the raw export carries the shown answers — matches by shown position and letter (what
//! copying a neighbour's screen of another version produces). A flag means **flagged for
//! review**: a statistical screen for a person to look into, never a finding of misconduct.

pub mod input;
pub mod options;
pub mod seats;
pub mod simulate;
pub mod timing;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::ability::{AbilityOptions, score_matrix};
use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};
use crate::model::ItemModel;
use crate::stats::normal_cdf;
pub use input::{Candidate, Event, Response};
use options::{Groups, ItemOptions};

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Family-wise level of the Bonferroni-adjusted p-values.
    pub alpha: f64,
    /// Identical answers closer than this (seconds) count as given together.
    pub window_seconds: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self { alpha: 0.001, window_seconds: 10.0 }
    }
}

/// What a pair's numbers rest on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Items both were shown.
    pub items: usize,
    /// Identical answers (bank's terms, answered items).
    pub matches: usize,
    /// Identical answers that are wrong (below the item's full score).
    pub identical_wrong: usize,
    /// Expected matches under independence in the reported direction.
    pub expected: f64,
    pub omega_a_from_b: f64,
    pub omega_b_from_a: f64,
    /// Same shown position and same shown answer (`null` when the export has no shown answers).
    pub matches_shown: Option<usize>,
    /// Identical answers received within the window of each other.
    pub together: usize,
    /// Of the identical answers with times: how many `a` gave first, how many `b`.
    pub a_first: usize,
    pub b_first: usize,
    /// Identical answers with both times (the `h` of the timing test).
    pub timed_matches: usize,
    /// The event's rate of neighbours' answers arriving within the window ([`timing`]).
    pub together_rate: f64,
    /// `P(Bin(timed_matches, together_rate) ≥ together)`.
    pub p_timing: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    pub a: String,
    pub b: String,
    pub room: String,
    pub seats: [u32; 2],
    /// The larger of the two directions' ω.
    pub index: f64,
    pub p: f64,
    pub p_adjusted: f64,
    pub flagged: bool,
    /// ω's p combined with the timing test's by Fisher's method ([`timing`]), its Bonferroni
    /// adjustment over the same `m` pairs, and the flag at α.
    pub p_with_timing: f64,
    pub p_with_timing_adjusted: f64,
    pub flagged_with_timing: bool,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub room: String,
    pub candidates: usize,
    pub pairs: usize,
    pub flagged: usize,
    pub flagged_with_timing: usize,
    /// Candidate numbers in flagged pairs.
    pub flagged_candidates: Vec<String>,
    pub smallest_p_adjusted: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrityReport {
    pub m: usize,
    pub alpha: f64,
    pub method: String,
    pub window_seconds: f64,
    pub items_used: usize,
    /// Items of the export without parameters: left out of the index.
    pub items_without_params: Vec<String>,
    /// Pairs, smallest p first.
    pub pairs: Vec<PairResult>,
    pub rooms: Vec<RoomSummary>,
    pub note: String,
}

/// Parameters for an export column: by `id@version` first, then by the bare id.
fn params_for<'a>(column: &str, by_id: &HashMap<&str, &'a ItemModel>) -> Option<&'a ItemModel> {
    by_id.get(column).copied().or_else(|| by_id.get(column.split('@').next()?).copied())
}

/// The screen of an event.
pub fn screen(
    event: &Event,
    params: &[(String, ItemModel)],
    o: &Options,
) -> Result<IntegrityReport, IrtError> {
    if !(o.alpha > 0.0 && o.alpha < 1.0) {
        return Err(IrtError::invalid("alpha must be between 0 and 1"));
    }
    let by_id: HashMap<&str, &ItemModel> = params.iter().map(|(i, m)| (i.as_str(), m)).collect();
    let mut columns: Vec<String> =
        event.candidates.iter().flat_map(|c| c.responses.keys().cloned()).collect();
    columns.sort();
    columns.dedup();
    let (used, without): (Vec<String>, Vec<String>) =
        columns.into_iter().partition(|c| params_for(c, &by_id).is_some());
    if used.is_empty() {
        return Err(IrtError::invalid("no item of the raw export has parameters"));
    }
    let models: Vec<ItemModel> =
        used.iter().map(|c| params_for(c, &by_id).cloned().expect("partitioned")).collect();
    let thetas = abilities(event, &used, &models)?;
    let groups = Groups::from_thetas(&thetas);
    let item_options = answer_shares(event, &used, &models, &thetas, &groups);
    let seats: Vec<(String, Option<u32>)> =
        event.candidates.iter().map(|c| (c.room.clone(), c.seat)).collect();
    let pairs = seats::neighbour_pairs(&seats, &event.layouts);
    let m = pairs.len();
    let rates = timing::rates(event, &pairs, &used, o.window_seconds);
    let ctx = Context {
        event,
        used: &used,
        options: &item_options,
        thetas: &thetas,
        groups: &groups,
        rates: &rates,
        o,
    };
    let mut results: Vec<PairResult> = pairs.iter().map(|&(i, j)| ctx.pair(i, j, m)).collect();
    results.sort_by(|x, y| x.p.total_cmp(&y.p).then_with(|| x.a.cmp(&y.a)));
    let rooms = room_summaries(event, &results);
    Ok(IntegrityReport {
        m,
        alpha: o.alpha,
        method: "Wollack's omega in both directions (pair p = 2 × the smaller), answer probabilities from the \
                 items' IRT models × answer shares by ability group, EAP abilities, Bonferroni over all neighbour pairs"
            .into(),
        window_seconds: o.window_seconds,
        items_used: used.len(),
        items_without_params: without,
        pairs: results,
        rooms,
        note: "A flagged pair is flagged for review: a statistical screen for a person to look into with the \
               room's records, not a finding that anyone copied."
            .into(),
    })
}

/// EAP abilities from each candidate's scores on the items with parameters.
fn abilities(event: &Event, used: &[String], models: &[ItemModel]) -> Result<Vec<f64>, IrtError> {
    let n = event.candidates.len();
    let mut data = vec![MISSING; n * used.len()];
    for (p, c) in event.candidates.iter().enumerate() {
        for (j, col) in used.iter().enumerate() {
            if let Some(r) = c.responses.get(col) {
                data[p * used.len() + j] = r.score.min(models[j].max_score());
            }
        }
    }
    if n == 0 {
        return Ok(vec![]);
    }
    let m = ResponseMatrix::new(used.to_vec(), None, n, data)?;
    let est = score_matrix(models, &m, &AbilityOptions::default())?;
    Ok(est.iter().map(|e| e.theta.unwrap_or(0.0)).collect())
}

fn answer_shares(
    event: &Event,
    used: &[String],
    models: &[ItemModel],
    thetas: &[f64],
    groups: &Groups,
) -> Vec<ItemOptions> {
    let mut out: Vec<ItemOptions> =
        models.iter().map(|m| ItemOptions::new(m.clone(), groups.count())).collect();
    for (c, th) in event.candidates.iter().zip(thetas) {
        let g = groups.of(*th);
        for (j, col) in used.iter().enumerate() {
            if let Some(r) = c.responses.get(col) {
                out[j].add(&r.value, r.score, g);
            }
        }
    }
    out
}

struct Context<'a> {
    event: &'a Event,
    used: &'a [String],
    options: &'a [ItemOptions],
    thetas: &'a [f64],
    groups: &'a Groups,
    rates: &'a HashMap<(String, String), f64>,
    o: &'a Options,
}

impl Context<'_> {
    /// ω of `copier`'s answers against `source`'s: (ω, h, expected).
    fn omega(&self, copier: usize, source: usize) -> (f64, usize, f64) {
        let (c, s) = (&self.event.candidates[copier], &self.event.candidates[source]);
        let (th, g) = (self.thetas[copier], self.groups.of(self.thetas[copier]));
        let (mut h, mut e, mut v) = (0usize, 0.0, 0.0);
        for (j, col) in self.used.iter().enumerate() {
            let (Some(rc), Some(rs)) = (c.responses.get(col), s.responses.get(col)) else { continue };
            if rs.value.trim().is_empty() {
                continue;
            }
            let p = self.options[j].prob(&rs.value, th, g).unwrap_or(0.0).clamp(1e-9, 1.0 - 1e-9);
            e += p;
            v += p * (1.0 - p);
            if rc.value == rs.value {
                h += 1;
            }
        }
        let omega = if v > 0.0 { (h as f64 - e) / v.sqrt() } else { 0.0 };
        (omega, h, e)
    }

    fn pair(&self, i: usize, j: usize, m: usize) -> PairResult {
        let (ab, h, e_ab) = self.omega(i, j);
        let (ba, _, e_ba) = self.omega(j, i);
        let p_dir = |w: f64| normal_cdf(-w);
        let p = (2.0 * p_dir(ab).min(p_dir(ba))).min(1.0);
        let p_adjusted = (p * m as f64).min(1.0);
        let (a, b) = (&self.event.candidates[i], &self.event.candidates[j]);
        let mut ev = self.timing(a, b);
        ev.matches = h;
        ev.expected = if ab >= ba { e_ab } else { e_ba };
        ev.omega_a_from_b = ab;
        ev.omega_b_from_a = ba;
        ev.together_rate = self.rates.get(&timing::key(&a.version, &b.version)).copied().unwrap_or(0.5);
        ev.p_timing = timing::binomial_upper(ev.timed_matches, ev.together, ev.together_rate);
        let p_with_timing = timing::fisher(p, ev.p_timing);
        let p_with_timing_adjusted = (p_with_timing * m as f64).min(1.0);
        PairResult {
            a: a.number.clone(),
            b: b.number.clone(),
            room: a.room.clone(),
            seats: [a.seat.unwrap_or(0), b.seat.unwrap_or(0)],
            index: ab.max(ba),
            p,
            p_adjusted,
            flagged: p_adjusted <= self.o.alpha,
            p_with_timing,
            p_with_timing_adjusted,
            flagged_with_timing: p_with_timing_adjusted <= self.o.alpha,
            evidence: ev,
        }
    }

    /// Counts over the items both were shown: wrong identical answers, shown matches and timing.
    fn timing(&self, a: &Candidate, b: &Candidate) -> Evidence {
        let mut ev = Evidence {
            items: 0,
            matches: 0,
            identical_wrong: 0,
            expected: 0.0,
            omega_a_from_b: 0.0,
            omega_b_from_a: 0.0,
            matches_shown: None,
            together: 0,
            a_first: 0,
            b_first: 0,
            timed_matches: 0,
            together_rate: 0.0,
            p_timing: 1.0,
        };
        for (j, col) in self.used.iter().enumerate() {
            let (Some(ra), Some(rb)) = (a.responses.get(col), b.responses.get(col)) else { continue };
            ev.items += 1;
            if ra.value.trim().is_empty() || ra.value != rb.value {
                continue;
            }
            if self.options[j].score(&ra.value).is_some_and(|s| s < self.options[j].model.max_score()) {
                ev.identical_wrong += 1;
            }
            if let (Some(ta), Some(tb)) = (ra.at, rb.at) {
                ev.timed_matches += 1;
                if (ta - tb).abs() <= self.o.window_seconds {
                    ev.together += 1;
                }
                if ta < tb {
                    ev.a_first += 1;
                } else if tb < ta {
                    ev.b_first += 1;
                }
            }
        }
        ev.matches_shown = shown_matches(a, b);
        ev
    }
}

/// Positions where both were shown the same answer text (letters as seen), over every item of
/// the two sheets; `None` when the export has no shown answers.
fn shown_matches(a: &Candidate, b: &Candidate) -> Option<usize> {
    let by_position = |c: &Candidate| -> Option<BTreeMap<u32, String>> {
        c.responses.values().map(|r| r.shown.clone().map(|s| (r.position, s))).collect()
    };
    let (pa, pb) = (by_position(a)?, by_position(b)?);
    Some(pa.iter().filter(|(pos, v)| !v.trim().is_empty() && pb.get(pos) == Some(v)).count())
}

fn room_summaries(event: &Event, pairs: &[PairResult]) -> Vec<RoomSummary> {
    let mut rooms: BTreeMap<&str, RoomSummary> = BTreeMap::new();
    for c in &event.candidates {
        rooms
            .entry(c.room.as_str())
            .or_insert_with(|| RoomSummary {
                room: c.room.clone(),
                candidates: 0,
                pairs: 0,
                flagged: 0,
                flagged_with_timing: 0,
                flagged_candidates: vec![],
                smallest_p_adjusted: None,
            })
            .candidates += 1;
    }
    for p in pairs {
        let Some(r) = rooms.get_mut(p.room.as_str()) else { continue };
        r.pairs += 1;
        r.smallest_p_adjusted = Some(r.smallest_p_adjusted.map_or(p.p_adjusted, |s| s.min(p.p_adjusted)));
        r.flagged_with_timing += p.flagged_with_timing as usize;
        if p.flagged {
            r.flagged += 1;
            for n in [&p.a, &p.b] {
                if !r.flagged_candidates.contains(n) {
                    r.flagged_candidates.push(n.clone());
                }
            }
        }
    }
    rooms.into_values().collect()
}

#[cfg(test)]
mod tests;
