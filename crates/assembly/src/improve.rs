//! Local improvement after the MILP passes: single-unit swaps between a form and the pool, and
//! exchanges of units between two forms, each checked against every blueprint rule the model
//! holds (sections, matrix cells, enemies, `mean_b`, exposure, overlap with every other form, the
//! ceiling) by updating the forms' sums, so a move keeps the forms valid by construction.
//!
//! Two phases, repeated while either moves and time remains:
//! 1. *floor*: the weakest form takes the move (a swap with the pool, or an exchange with another
//!    form) that raises the smaller of the two forms' floors the most; this climbs the maximin
//!    objective across forms, which one-form-at-a-time re-solving cannot (it never trades a unit
//!    between two forms);
//! 2. *spread*: the form highest above the others at the θ of the largest spread, or the lowest
//!    below, takes the move that most reduces the spread without lowering the smallest
//!    information;
//! 3. *even* (levelling, after fine lifting): any form takes the move that most lowers the
//!    forms' scatter around their mean without widening the spread or lowering the smallest
//!    information, so that phase 2 finds moves again.
//!
//! Sequential assembly's forms are locally optimal one form at a time; these moves are what is
//! left between them (docs/assembly.md, "Local improvement").

use std::collections::HashMap;

use crate::model::Rules;
use crate::pool::Pool;

/// Forms as units, with every sum a move changes.
pub(crate) struct Improver<'a, 'p> {
    pool: &'a Pool<'p>,
    rules: &'a Rules,
    pub forms: Vec<Vec<usize>>,
    /// `on[f][u]`: unit `u` is on form `f`.
    on: Vec<Vec<bool>>,
    /// information of each form at each θ
    info: Vec<Vec<f64>>,
    /// each form's sum in each matrix cell
    cells: Vec<Vec<f64>>,
    b_sum: Vec<f64>,
    /// forms each unit is on
    uses: Vec<u32>,
    /// items shared by each pair of forms
    shared: Vec<Vec<u32>>,
    enemies: Vec<Vec<usize>>,
    /// candidate units by their section counts (a move never changes a section's count)
    alike: HashMap<Vec<u32>, Vec<usize>>,
    overlap: u32,
    mean_b: Option<(f64, f64)>,
    ceiling: Option<f64>,
    /// The least smallest information the spread phases (`narrow`, `even`) may leave; `None`:
    /// the smallest information now (they never lower it). Levelling (module `level`) sets it
    /// a little below, so a peaked form may trade a little floor for a narrower spread.
    pub floor_min: Option<f64>,
}

/// One move: unit `out` leaves form `f` for `inn`; with `g`, `inn` comes from form `g`, which
/// takes `out` in exchange.
#[derive(Debug, Clone, Copy)]
struct Move {
    f: usize,
    out: usize,
    inn: usize,
    g: Option<usize>,
}

impl<'a, 'p> Improver<'a, 'p> {
    pub fn new(
        pool: &'a Pool<'p>,
        bp: &crate::blueprint::Blueprint,
        rules: &'a Rules,
        cand: &[usize],
        forms: Vec<Vec<usize>>,
    ) -> Self {
        let nu = pool.units.len();
        let nt = pool.thetas.len();
        let mut on = vec![vec![false; nu]; forms.len()];
        let mut uses = vec![0u32; nu];
        let (mut info, mut cells, mut b_sum) = (Vec::new(), Vec::new(), Vec::new());
        for (f, units) in forms.iter().enumerate() {
            let (mut i, mut c, mut b) = (vec![0.0; nt], vec![0.0; pool.cells.len()], 0.0);
            for &u in units {
                on[f][u] = true;
                uses[u] += 1;
                let unit = &pool.units[u];
                i.iter_mut().zip(&unit.info).for_each(|(s, x)| *s += x);
                unit.cells.iter().for_each(|&(k, v)| c[k] += v);
                b += unit.b_sum;
            }
            info.push(i);
            cells.push(c);
            b_sum.push(b);
        }
        let n = forms.len();
        let mut shared = vec![vec![0u32; n]; n];
        for f in 0..n {
            for g in 0..n {
                if f != g {
                    shared[f][g] = forms[f].iter().filter(|&&u| on[g][u]).map(|&u| pool.units[u].len()).sum();
                }
            }
        }
        let mut enemies = vec![Vec::new(); nu];
        for &(a, b) in &pool.enemy_pairs {
            enemies[a].push(b);
            enemies[b].push(a);
        }
        let mut alike: HashMap<Vec<u32>, Vec<usize>> = HashMap::new();
        for &u in cand {
            alike.entry(pool.units[u].section_counts.clone()).or_default().push(u);
        }
        let length = f64::from(bp.form_length());
        let mean_b = bp
            .difficulty
            .as_ref()
            .and_then(|d| d.mean_b)
            .filter(|_| rules.mean_b)
            .map(|m| (m.min * length, m.max.map_or(f64::INFINITY, |x| x * length)));
        Self {
            pool,
            rules,
            forms,
            on,
            info,
            cells,
            b_sum,
            uses,
            shared,
            enemies,
            alike,
            overlap: bp.overlap_items(),
            mean_b,
            ceiling: bp.information.as_ref().and_then(|i| i.ceiling),
            floor_min: None,
        }
    }

    fn floor(&self, f: usize) -> f64 {
        self.info[f].iter().cloned().fold(f64::INFINITY, f64::min)
    }

    /// Smallest information over forms and θ points.
    pub fn smallest(&self) -> f64 {
        (0..self.forms.len()).map(|f| self.floor(f)).fold(f64::INFINITY, f64::min)
    }

    /// The least information the spread phases may leave on a form: the smallest information
    /// now, or `floor_min` when that is lower.
    fn spread_floor(&self) -> f64 {
        let now = self.smallest();
        self.floor_min.map_or(now, |m| m.min(now))
    }

    /// Largest difference between two forms' information at one θ point, and where.
    fn spread_at(info: &[Vec<f64>]) -> (f64, usize) {
        let nt = info.first().map_or(0, Vec::len);
        (0..nt)
            .map(|t| {
                let (lo, hi) = info
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| (lo.min(i[t]), hi.max(i[t])));
                (hi - lo, t)
            })
            .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
    }

    #[cfg(test)]
    pub fn spread(&self) -> f64 {
        Self::spread_at(&self.info).0
    }

    /// Form `f`'s information after `out` leaves and `inn` joins.
    fn info_after(&self, f: usize, out: usize, inn: usize) -> Vec<f64> {
        let (o, i) = (&self.pool.units[out].info, &self.pool.units[inn].info);
        self.info[f].iter().zip(o).zip(i).map(|((s, o), i)| s - o + i).collect()
    }

    /// Whether form `f` keeps every per-form rule when `out` leaves and `inn` joins (overlap and
    /// exposure are checked by the caller, which knows whether the move is an exchange).
    fn form_ok(&self, f: usize, out: usize, inn: usize, info: &[f64]) -> bool {
        let (uo, ui) = (&self.pool.units[out], &self.pool.units[inn]);
        if self.on[f][inn] {
            return false;
        }
        if self.rules.enemies && self.enemies[inn].iter().any(|&e| e != out && self.on[f][e]) {
            return false;
        }
        let mut touched: Vec<(usize, f64)> = Vec::with_capacity(uo.cells.len() + ui.cells.len());
        for &(c, v) in &uo.cells {
            touched.push((c, -v));
        }
        for &(c, v) in &ui.cells {
            match touched.iter_mut().find(|(k, _)| *k == c) {
                Some(t) => t.1 += v,
                None => touched.push((c, v)),
            }
        }
        for (c, d) in touched {
            if d.abs() < 1e-12 || !self.rules.cells.get(c).copied().unwrap_or(true) {
                continue;
            }
            let (s, b) = (self.cells[f][c] + d, &self.pool.cells[c].bounds);
            if s < b.min - 1e-9 || b.max.is_some_and(|m| s > m + 1e-9) {
                return false;
            }
        }
        if let Some((lo, hi)) = self.mean_b {
            let b = self.b_sum[f] - uo.b_sum + ui.b_sum;
            if b < lo - 1e-9 || b > hi + 1e-9 {
                return false;
            }
        }
        if let Some(delta) = self.ceiling {
            let ratio = |i: &[f64]| {
                let (lo, hi) =
                    i.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
                hi / lo
            };
            if ratio(info) > (1.0 + delta).max(ratio(&self.info[f])) + 1e-12 {
                return false;
            }
        }
        true
    }

    /// Overlap of form `f` with every form but `skip` after `out` leaves and `inn` joins.
    fn overlap_ok(&self, f: usize, out: usize, inn: usize, skip: Option<usize>) -> bool {
        if !self.rules.overlap {
            return true;
        }
        let (lo, li) = (self.pool.units[out].len(), self.pool.units[inn].len());
        (0..self.forms.len()).filter(|&h| h != f && Some(h) != skip).all(|h| {
            let (minus, plus) = (if self.on[h][out] { lo } else { 0 }, if self.on[h][inn] { li } else { 0 });
            let s = self.shared[f][h] - minus + plus;
            s <= self.overlap
        })
    }

    /// Whether `m` keeps every rule, and the information of the forms it changes.
    fn feasible(&self, m: Move) -> Option<(Vec<f64>, Option<Vec<f64>>)> {
        let info_f = self.info_after(m.f, m.out, m.inn);
        if !self.form_ok(m.f, m.out, m.inn, &info_f) || !self.overlap_ok(m.f, m.out, m.inn, m.g) {
            return None;
        }
        match m.g {
            None => {
                let left = self.pool.units[m.inn].uses_left;
                if self.rules.exposure && left.is_some_and(|l| self.uses[m.inn] >= l) {
                    return None;
                }
                Some((info_f, None))
            }
            Some(g) => {
                let info_g = self.info_after(g, m.inn, m.out);
                (self.form_ok(g, m.inn, m.out, &info_g) && self.overlap_ok(g, m.inn, m.out, Some(m.f)))
                    .then_some((info_f, Some(info_g)))
            }
        }
    }

    fn apply(&mut self, m: Move) {
        let pool = self.pool;
        let swap = |s: &mut Self, f: usize, out: usize, inn: usize| {
            let (uo, ui) = (&pool.units[out], &pool.units[inn]);
            let p = s.forms[f].iter().position(|&u| u == out).expect("on the form");
            s.forms[f][p] = inn;
            s.on[f][out] = false;
            s.on[f][inn] = true;
            s.info[f] = s.info[f].iter().zip(&uo.info).zip(&ui.info).map(|((x, o), i)| x - o + i).collect();
            uo.cells.iter().for_each(|&(c, v)| s.cells[f][c] -= v);
            ui.cells.iter().for_each(|&(c, v)| s.cells[f][c] += v);
            s.b_sum[f] += ui.b_sum - uo.b_sum;
        };
        swap(self, m.f, m.out, m.inn);
        match m.g {
            Some(g) => swap(self, g, m.inn, m.out),
            None => {
                self.uses[m.out] -= 1;
                self.uses[m.inn] += 1;
            }
        }
        let n = self.forms.len();
        for f in 0..n {
            for g in 0..n {
                if f != g {
                    self.shared[f][g] =
                        self.forms[f].iter().filter(|&&u| self.on[g][u]).map(|&u| pool.units[u].len()).sum();
                }
            }
        }
    }

    /// Every move that takes a unit off form `f`: swaps with the pool and exchanges with the
    /// other forms, among units with the same section counts.
    fn for_moves_of(&self, f: usize, mut visit: impl FnMut(Move)) {
        for &u in &self.forms[f] {
            let Some(alike) = self.alike.get(&self.pool.units[u].section_counts) else { continue };
            for &v in alike {
                if v == u || self.on[f][v] {
                    continue;
                }
                visit(Move { f, out: u, inn: v, g: None });
                for g in 0..self.forms.len() {
                    if g != f && self.on[g][v] && !self.on[g][u] {
                        visit(Move { f, out: u, inn: v, g: Some(g) });
                    }
                }
            }
        }
    }

    /// The smallest information of form `f` after `out` leaves and `inn` joins (no allocation:
    /// the quick test before the rules are checked).
    fn floor_after(&self, f: usize, out: usize, inn: usize) -> f64 {
        let (o, i) = (&self.pool.units[out].info, &self.pool.units[inn].info);
        self.info[f].iter().zip(o).zip(i).map(|((s, o), i)| s - o + i).fold(f64::INFINITY, f64::min)
    }

    /// Phase 1: the best move of the weakest form, if it raises the smaller floor of the forms it
    /// touches. Returns whether a move was made.
    pub fn raise_floor(&mut self) -> bool {
        self.raise_floor_within(false)
    }

    /// Phase 1, with `keep_spread` only by moves that do not widen the spread (levelling: the
    /// floor given up for a narrower spread is won back where it can be).
    pub fn raise_floor_within(&mut self, keep_spread: bool) -> bool {
        let n = self.forms.len();
        let Some(f) = (0..n).min_by(|a, b| self.floor(*a).total_cmp(&self.floor(*b))) else { return false };
        let old = self.floor(f);
        let spread = Self::spread_at(&self.info).0;
        let mut best: Option<(f64, Move)> = None;
        self.for_moves_of(f, |m| {
            let mut worst = self.floor_after(f, m.out, m.inn);
            if let Some(g) = m.g {
                worst = worst.min(self.floor_after(g, m.inn, m.out));
            }
            if worst <= old + 1e-9 || best.is_some_and(|(b, _)| worst <= b) {
                return;
            }
            let Some((i_f, i_g)) = self.feasible(m) else { return };
            if !keep_spread || self.spread_with(f, &i_f, m.g.zip(i_g.as_deref())) <= spread + 1e-9 {
                best = Some((worst, m));
            }
        });
        match best {
            Some((_, m)) => {
                self.apply(m);
                true
            }
            None => false,
        }
    }

    /// Largest spread over θ with form `f` (and `g`) replaced by the given information.
    fn spread_with(&self, f: usize, i_f: &[f64], g: Option<(usize, &[f64])>) -> f64 {
        let nt = self.pool.thetas.len();
        let mut worst: f64 = 0.0;
        for t in 0..nt {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (h, i) in self.info.iter().enumerate() {
                let x = if h == f {
                    i_f[t]
                } else {
                    match g {
                        Some((gg, ig)) if gg == h => ig[t],
                        _ => i[t],
                    }
                };
                lo = lo.min(x);
                hi = hi.max(x);
            }
            worst = worst.max(hi - lo);
        }
        worst
    }

    /// Phase 2: the move of the form highest or lowest at the θ of the largest spread that
    /// reduces the spread most without lowering the smallest information (below `floor_min`
    /// when that is set: levelling).
    pub fn narrow(&mut self) -> bool {
        let n = self.forms.len();
        let (spread, t) = Self::spread_at(&self.info);
        if n < 2 || spread <= 1e-9 {
            return false;
        }
        let floor = self.spread_floor();
        let hi = (0..n).max_by(|a, b| self.info[*a][t].total_cmp(&self.info[*b][t])).unwrap_or(0);
        let lo = (0..n).min_by(|a, b| self.info[*a][t].total_cmp(&self.info[*b][t])).unwrap_or(0);
        let mut best: Option<(f64, Move)> = None;
        for f in [hi, lo] {
            self.for_moves_of(f, |m| {
                // quick tests: the form moves towards the others at θ t and keeps the floor
                let (o, i) = (self.pool.units[m.out].info[t], self.pool.units[m.inn].info[t]);
                let toward = if f == hi { i < o } else { i > o };
                if !toward || self.floor_after(f, m.out, m.inn) < floor - 1e-9 {
                    return;
                }
                if m.g.is_some_and(|g| self.floor_after(g, m.inn, m.out) < floor - 1e-9) {
                    return;
                }
                let Some((i_f, i_g)) = self.feasible(m) else { return };
                let s = self.spread_with(f, &i_f, m.g.zip(i_g.as_deref()));
                if s < spread - 1e-9 && best.is_none_or(|(b, _)| s < b) {
                    best = Some((s, m));
                }
            });
        }
        match best {
            Some((_, m)) => {
                self.apply(m);
                true
            }
            None => false,
        }
    }

    /// Phase 3 (*even*): the move of any form that most lowers the forms' scatter — the sum over
    /// θ of the squared deviations of the forms' information from their mean — without widening
    /// the spread or lowering the smallest information. Where the largest spread is held by
    /// several forms at once (with many forms, the usual case), no single move narrows it and
    /// phase 2 stops; evening out the other forms first frees the moves that then narrow it.
    pub fn even(&mut self) -> bool {
        let n = self.forms.len();
        if n < 2 {
            return false;
        }
        let floor = self.smallest();
        let (spread, _) = Self::spread_at(&self.info);
        let nt = self.pool.thetas.len();
        let sums: Vec<f64> = (0..nt).map(|t| self.info.iter().map(|i| i[t]).sum()).collect();
        // a move must lower the scatter by more than this (no endless moves of rounding size)
        let least = 1e-9 * sums.iter().map(|s| s * s).sum::<f64>().max(1.0);
        let mut best: Option<(f64, Move)> = None;
        for f in 0..n {
            self.for_moves_of(f, |m| {
                let gain = self.scatter_change(m, &sums);
                if gain > -least || best.is_some_and(|(b, _)| gain >= b) {
                    return;
                }
                if self.floor_after(f, m.out, m.inn) < floor - 1e-9 {
                    return;
                }
                if m.g.is_some_and(|g| self.floor_after(g, m.inn, m.out) < floor - 1e-9) {
                    return;
                }
                let Some((i_f, i_g)) = self.feasible(m) else { return };
                if self.spread_with(f, &i_f, m.g.zip(i_g.as_deref())) <= spread + 1e-9 {
                    best = Some((gain, m));
                }
            });
        }
        match best {
            Some((_, m)) => {
                self.apply(m);
                true
            }
            None => false,
        }
    }

    /// Change of the scatter Σ_t Σ_f (I_ft − mean_t)² = Σ_t (Σ_f I_ft² − S_t² / n) by move `m`
    /// (`sums` = S_t, the forms' information summed at each θ).
    fn scatter_change(&self, m: Move, sums: &[f64]) -> f64 {
        let n = self.forms.len() as f64;
        let (o, i) = (&self.pool.units[m.out].info, &self.pool.units[m.inn].info);
        let mut change = 0.0;
        for (t, s) in sums.iter().enumerate() {
            let (d, a) = (i[t] - o[t], self.info[m.f][t]);
            change += (a + d) * (a + d) - a * a;
            match m.g {
                // an exchange keeps the sum: the other form loses what `f` gains
                Some(g) => {
                    let b = self.info[g][t];
                    change += (b - d) * (b - d) - b * b;
                }
                None => change -= ((s + d) * (s + d) - s * s) / n,
            }
        }
        change
    }
}

mod kick;

#[cfg(test)]
#[path = "improve_tests.rs"]
mod tests;
