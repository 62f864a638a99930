//! What the exam board's pages draw, computed from stored data without I/O: the test information,
//! standard-error and expected-score curves of assembled forms and how much they overlap
//! ([`curves`]), and the flags of a calibration run's items ([`flags`]). The routes in
//! `routes::board` load the data and hand it here, so these stay plain functions that unit tests
//! can call.

pub mod curves;
pub mod flags;

/// θ from −4 to 4 in steps of 0.25: the range the board's charts show.
pub fn theta_grid() -> Vec<f64> {
    (0..=32).map(|k| -4.0 + 0.25 * f64::from(k)).collect()
}

/// Points and normalised N(0, 1) weights on [−4, 4] (41 points), for population averages.
pub(crate) fn normal_quadrature() -> Vec<(f64, f64)> {
    let points: Vec<f64> = (0..=40).map(|k| -4.0 + 0.2 * f64::from(k)).collect();
    let dens: Vec<f64> = points.iter().map(|t| (-t * t / 2.0).exp()).collect();
    let total: f64 = dens.iter().sum();
    points.into_iter().zip(dens).map(|(t, d)| (t, d / total)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_spans_minus_four_to_four() {
        let g = theta_grid();
        assert_eq!(g.len(), 33);
        assert_eq!(g[0], -4.0);
        assert_eq!(g[16], 0.0);
        assert_eq!(g[32], 4.0);
    }

    #[test]
    fn quadrature_weights_sum_to_one_and_are_symmetric() {
        let q = normal_quadrature();
        let sum: f64 = q.iter().map(|(_, w)| w).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        let mean: f64 = q.iter().map(|(t, w)| t * w).sum();
        assert!(mean.abs() < 1e-12);
    }
}
