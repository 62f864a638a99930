//! The start HiGHS is given (`Request::start`): the forms now as columns of the model.

use super::{Goal, Request};

/// The columns of `req.start` (x, each pair's `z` — `z[f,g][k]` follows `x` pair by pair, f < g,
/// as `overlap_within` adds them — and the level variable at column 0 set to what the start
/// reaches), or `None` without a start.
#[cfg_attr(not(feature = "highs"), allow(dead_code))]
pub(super) fn start_columns(req: &Request, n_vars: usize, x_offset: usize) -> Option<Vec<f64>> {
    if req.start.is_empty() || req.start.len() != req.forms {
        return None;
    }
    let n = req.candidates.len();
    let mut cols = vec![0.0; n_vars];
    for (f, units) in req.start.iter().enumerate() {
        for (k, u) in req.candidates.iter().enumerate() {
            if units.contains(u) {
                cols[x_offset + f * n + k] = 1.0;
            }
        }
    }
    let mut z = x_offset + req.forms * n;
    for f in 0..req.forms {
        for g in f + 1..req.forms {
            for k in 0..n {
                if z < n_vars {
                    cols[z] = cols[x_offset + f * n + k] * cols[x_offset + g * n + k];
                }
                z += 1;
            }
        }
    }
    let levels = req.start.iter().map(|units| {
        let info: Vec<f64> = (0..req.pool.thetas.len())
            .map(|t| units.iter().map(|u| req.pool.units[*u].info[t]).sum())
            .collect();
        level_of(&req.goal, &info)
    });
    let level = match &req.goal {
        Goal::Maximin { .. } => levels.flatten().reduce(f64::min),
        _ => levels.flatten().reduce(f64::max),
    };
    if let (Some(v), true) = (level, x_offset > 0) {
        cols[0] = v;
    }
    Some(cols)
}

/// The level variable's value for one form's information: its floor (maximin), its largest
/// deviation (target) or the spread it leaves (even).
#[cfg_attr(not(feature = "highs"), allow(dead_code))]
fn level_of(goal: &Goal, info: &[f64]) -> Option<f64> {
    match goal {
        Goal::Maximin { enough, shape, .. } => {
            let y = (0..info.len())
                .map(|t| info[t] / shape.as_ref().map_or(1.0, |r| r[t]))
                .fold(f64::INFINITY, f64::min);
            Some(enough.map_or(y, |e| y.min(e)).max(0.0))
        }
        Goal::Target(target) => Some(info.iter().zip(target).map(|(i, t)| (i - t).abs()).fold(0.0, f64::max)),
        Goal::Even(even) => Some(
            (0..info.len())
                .fold(even.least.max(0.0), |s, t| s.max(info[t] - even.lo[t]).max(even.hi[t] - info[t])),
        ),
        Goal::Feasible => None,
    }
}
