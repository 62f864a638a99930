use khaothi_domain::{ItemKind, Level};
use khaothi_irt::ItemModel;

use super::*;
use crate::pool::PoolItem;

#[test]
fn sympson_hetter_brings_the_largest_rate_to_the_target() {
    // 60 items; a few very sharp items near 0 that MFI would give to everyone
    let items: Vec<PoolItem> = (0..60)
        .map(|j| PoolItem {
            id: format!("I{j}"),
            kind: ItemKind::SingleChoice,
            topic: "1".into(),
            level: Level::Hieu,
            statement_levels: vec![],
            stimulus: None,
            enemies: vec![],
            irt: ItemModel::TwoPl { a: if j < 5 { 2.2 } else { 1.0 }, b: -2.5 + (j % 30) as f64 / 6.0 },
            exposure_k: 1.0,
        })
        .collect();
    let pool = Pool::new(items).unwrap();
    let design = Design::fixed_length(8);
    let o = ExposureOptions {
        target: 0.3,
        max_rounds: 12,
        simulation: SimulationOptions { persons: 400, seed: 5, theta_mean: 0.0, theta_sd: 1.0 },
    };
    let cal = calibrate_exposure(&pool, &design, &o).unwrap();
    assert!(cal.max_exposure_by_round[0] > 0.6, "{:?}", cal.max_exposure_by_round);
    assert!(cal.converged, "{:?}", cal.max_exposure_by_round);
    assert!(*cal.max_exposure_by_round.last().unwrap() <= 0.31);
    assert!(cal.parameters.values().any(|k| *k < 0.9));
    assert!(cal.parameters.values().all(|k| *k > 0.0 && *k <= 1.0));
    assert!(calibrate_exposure(&pool, &design, &ExposureOptions { target: 0.0, ..o }).is_err());
}
