//! Random moves for the kicks of `crate::kicks` (issue 17, target 6, stop 21): a swap or an
//! exchange picked at random, checked against every rule like every other move of the
//! [`Improver`], that leaves no form it changes below a given floor.

use rand::Rng;

use super::{Improver, Move};

/// Random draws one kick makes before it gives up (most draws fail a rule or the floor).
const TRIES: usize = 200;

impl Improver<'_, '_> {
    /// One random move that keeps every rule and leaves each form it changes at `floor` or above:
    /// a unit of a random form replaced by a random unit with the same section counts, taken
    /// from the pool or, when another form holds it, in exchange with that form (half of the
    /// time). Returns whether a move was made.
    pub fn kick(&mut self, rng: &mut impl Rng, floor: f64) -> bool {
        let n = self.forms.len();
        if n == 0 {
            return false;
        }
        for _ in 0..TRIES {
            let f = rng.random_range(0..n);
            let Some(&out) = self.forms[f].get(rng.random_range(0..self.forms[f].len().max(1))) else {
                continue;
            };
            let Some(alike) = self.alike.get(&self.pool.units[out].section_counts) else { continue };
            let inn = alike[rng.random_range(0..alike.len())];
            if inn == out || self.on[f][inn] {
                continue;
            }
            let holders: Vec<usize> =
                (0..n).filter(|&g| g != f && self.on[g][inn] && !self.on[g][out]).collect();
            let g = (!holders.is_empty() && rng.random_bool(0.5))
                .then(|| holders[rng.random_range(0..holders.len())]);
            let m = Move { f, out, inn, g };
            if self.floor_after(f, out, inn) < floor
                || g.is_some_and(|g| self.floor_after(g, inn, out) < floor)
            {
                continue;
            }
            if self.feasible(m).is_some() {
                self.apply(m);
                return true;
            }
        }
        false
    }
}
