//! Chain moves: the weakest (or an extreme) form `f` takes a unit `v` from another form `g`, and
//! `g` fills the hole with a unit `w` from the pool or from a third form (`w` may be the unit `f`
//! gave up, which makes the chain an exchange). A single swap or an exchange cannot move a strong
//! unit from a rich form to a poor one when the rich form has nothing to take back in return;
//! the chain can, and it is what the balancing of parallel forms needs most.
//!
//! Every chain is a list of [`Swap`]s checked as a whole by [`Improver::allows`] against every
//! rule the model holds, so a move keeps the forms valid by construction.

use super::Improver;

/// One unit swap on one form: `out` leaves form `f`, `inn` joins it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Swap {
    pub f: usize,
    pub out: usize,
    pub inn: usize,
}

impl Improver<'_, '_> {
    /// The unit lists of the forms `swaps` touch, after the swaps; `None` when a swap takes off a
    /// unit that is not on its form or puts on a unit that already is.
    fn after(&self, swaps: &[Swap]) -> Option<Vec<(usize, Vec<usize>)>> {
        let mut touched: Vec<(usize, Vec<usize>)> = Vec::with_capacity(swaps.len());
        for s in swaps {
            let k = match touched.iter().position(|(f, _)| *f == s.f) {
                Some(k) => k,
                None => {
                    touched.push((s.f, self.forms[s.f].clone()));
                    touched.len() - 1
                }
            };
            let list = &mut touched[k].1;
            let p = list.iter().position(|&u| u == s.out)?;
            if list.contains(&s.inn) {
                return None;
            }
            list[p] = s.inn;
        }
        Some(touched)
    }

    /// Whether form `f` with units `list` keeps the per-form rules: enemies, the matrix cells
    /// whose sums change, `mean_b` and the ceiling (sections hold: swaps are between units of the
    /// same section counts).
    fn form_allows(&self, f: usize, list: &[usize]) -> bool {
        let units = &self.pool.units;
        if self.rules.enemies
            && list.iter().any(|&u| self.enemies[u].iter().any(|e| *e != u && list.contains(e)))
        {
            return false;
        }
        let mut cells = vec![0.0; self.pool.cells.len()];
        let (mut info, mut b) = (vec![0.0; self.pool.thetas.len()], 0.0);
        for &u in list {
            units[u].cells.iter().for_each(|&(c, v)| cells[c] += v);
            info.iter_mut().zip(&units[u].info).for_each(|(s, x)| *s += x);
            b += units[u].b_sum;
        }
        for (c, s) in cells.iter().enumerate() {
            if (s - self.cells[f][c]).abs() < 1e-9 || !self.rules.cells.get(c).copied().unwrap_or(true) {
                continue;
            }
            let bounds = &self.pool.cells[c].bounds;
            if *s < bounds.min - 1e-9 || bounds.max.is_some_and(|m| *s > m + 1e-9) {
                return false;
            }
        }
        if let Some((lo, hi)) = self.mean_b
            && (b < lo - 1e-9 || b > hi + 1e-9)
        {
            return false;
        }
        if let Some(delta) = self.ceiling {
            let ratio = |i: &[f64]| {
                let (lo, hi) =
                    i.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
                hi / lo
            };
            if ratio(&info) > (1.0 + delta).max(ratio(&self.info[f])) + 1e-12 {
                return false;
            }
        }
        true
    }

    /// Whether the forms keep every rule after all `swaps`: per form, overlap of every touched
    /// form with every other form, and exposure.
    pub(crate) fn allows(&self, swaps: &[Swap]) -> bool {
        let Some(touched) = self.after(swaps) else { return false };
        let has = |h: usize, u: usize| match touched.iter().find(|(f, _)| *f == h) {
            Some((_, list)) => list.contains(&u),
            None => self.on[h][u],
        };
        for (f, list) in &touched {
            if !self.form_allows(*f, list) {
                return false;
            }
            if self.rules.overlap {
                for h in (0..self.forms.len()).filter(|h| h != f) {
                    let s: u32 = list.iter().filter(|&&u| has(h, u)).map(|&u| self.pool.units[u].len()).sum();
                    if s > self.overlap {
                        return false;
                    }
                }
            }
        }
        if self.rules.exposure {
            for s in swaps {
                let net = swaps.iter().filter(|t| t.inn == s.inn).count() as i64
                    - swaps.iter().filter(|t| t.out == s.inn).count() as i64;
                let left = self.pool.units[s.inn].uses_left;
                if net > 0 && left.is_some_and(|l| i64::from(self.uses[s.inn]) + net > i64::from(l)) {
                    return false;
                }
            }
        }
        true
    }

    /// Makes `swaps` (checked by [`Improver::allows`]) and updates every sum.
    pub(crate) fn apply_swaps(&mut self, swaps: &[Swap]) {
        let pool = self.pool;
        for s in swaps {
            let (uo, ui) = (&pool.units[s.out], &pool.units[s.inn]);
            let p = self.forms[s.f].iter().position(|&u| u == s.out).expect("on the form");
            self.forms[s.f][p] = s.inn;
            self.on[s.f][s.out] = false;
            self.on[s.f][s.inn] = true;
            self.info[s.f].iter_mut().zip(&uo.info).zip(&ui.info).for_each(|((x, o), i)| *x += i - o);
            uo.cells.iter().for_each(|&(c, v)| self.cells[s.f][c] -= v);
            ui.cells.iter().for_each(|&(c, v)| self.cells[s.f][c] += v);
            self.b_sum[s.f] += ui.b_sum - uo.b_sum;
            self.uses[s.out] -= 1;
            self.uses[s.inn] += 1;
        }
        let n = self.forms.len();
        for f in 0..n {
            if swaps.iter().any(|s| s.f == f) {
                for g in (0..n).filter(|&g| g != f) {
                    let s: u32 =
                        self.forms[f].iter().filter(|&&u| self.on[g][u]).map(|&u| pool.units[u].len()).sum();
                    self.shared[f][g] = s;
                    self.shared[g][f] = s;
                }
            }
        }
    }

    /// Every chain that takes unit `v` from another form `g` onto form `f` in place of `u`, `g`
    /// taking `w` instead (units with the same section counts throughout). `visit` gets the two
    /// swaps and the new information of `f` and of `g` at θ index `t` — used for quick tests.
    fn for_chains_of(&self, f: usize, mut visit: impl FnMut([Swap; 2])) {
        for &u in &self.forms[f] {
            let Some(alike) = self.alike.get(&self.pool.units[u].section_counts) else { continue };
            for &v in alike {
                if v == u || self.on[f][v] || self.uses[v] == 0 {
                    continue;
                }
                for g in (0..self.forms.len()).filter(|&g| g != f && self.on[g][v]) {
                    for &w in alike {
                        if w != v && !self.on[g][w] {
                            visit([Swap { f, out: u, inn: v }, Swap { f: g, out: v, inn: w }]);
                        }
                    }
                }
            }
        }
    }

    /// Phase 1 with chains: the chain that raises the smaller floor of the two forms it changes
    /// the most, starting from the weakest form. Returns whether a move was made.
    pub fn raise_floor_chain(&mut self) -> bool {
        let n = self.forms.len();
        let Some(f) = (0..n).min_by(|a, b| self.floor(*a).total_cmp(&self.floor(*b))) else { return false };
        let old = self.floor(f);
        let mut best: Option<(f64, [Swap; 2])> = None;
        // the first swap's floor for f, cached per (u, v): the inner loop varies w only
        let mut last: Option<((usize, usize), f64)> = None;
        self.for_chains_of(f, |m| {
            let key = (m[0].out, m[0].inn);
            let a = match last {
                Some((k, a)) if k == key => a,
                _ => {
                    let a = self.floor_after(f, m[0].out, m[0].inn);
                    last = Some((key, a));
                    a
                }
            };
            let bar = best.map_or(old, |(b, _)| b.max(old)) + 1e-9;
            if a <= bar {
                return;
            }
            let worst = a.min(self.floor_after(m[1].f, m[1].out, m[1].inn));
            if worst > bar && self.allows(&m) {
                best = Some((worst, m));
            }
        });
        match best {
            Some((_, m)) => {
                self.apply_swaps(&m);
                true
            }
            None => false,
        }
    }

    /// Phase 2 with chains: the lowest form at the θ of the largest spread takes a unit from the
    /// highest (which fills its place from the pool or another form), or the other way round —
    /// the chain that reduces the spread most without lowering the smallest information.
    pub fn narrow_chain(&mut self) -> bool {
        let n = self.forms.len();
        let (spread, t) = Self::spread_at(&self.info);
        if n < 2 || spread <= 1e-9 {
            return false;
        }
        let floor = self.smallest();
        let hi = (0..n).max_by(|a, b| self.info[*a][t].total_cmp(&self.info[*b][t])).unwrap_or(0);
        let lo = (0..n).min_by(|a, b| self.info[*a][t].total_cmp(&self.info[*b][t])).unwrap_or(0);
        let (lo_t, hi_t) = (self.info[lo][t], self.info[hi][t]);
        let mut best: Option<(f64, [Swap; 2])> = None;
        for (f, other) in [(lo, hi), (hi, lo)] {
            self.for_chains_of(f, |m| {
                let g = m[1].f;
                if g != other {
                    return;
                }
                // quick tests at θ t: both forms end strictly inside the current range
                let units = &self.pool.units;
                let f_t = self.info[f][t] - units[m[0].out].info[t] + units[m[0].inn].info[t];
                let g_t = self.info[g][t] - units[m[1].out].info[t] + units[m[1].inn].info[t];
                let inside = |x: f64| x > lo_t + 1e-9 && x < hi_t - 1e-9;
                if !inside(f_t) || !inside(g_t) {
                    return;
                }
                if self.floor_after(f, m[0].out, m[0].inn) < floor - 1e-9
                    || self.floor_after(g, m[1].out, m[1].inn) < floor - 1e-9
                {
                    return;
                }
                let i_f = self.info_after(f, m[0].out, m[0].inn);
                let i_g = self.info_after(g, m[1].out, m[1].inn);
                let s = self.spread_with(f, &i_f, Some((g, &i_g)));
                if s < spread - 1e-9 && best.is_none_or(|(b, _)| s < b) && self.allows(&m) {
                    best = Some((s, m));
                }
            });
        }
        match best {
            Some((_, m)) => {
                self.apply_swaps(&m);
                true
            }
            None => false,
        }
    }
}
