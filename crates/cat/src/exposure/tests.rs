use khaothi_domain::{ItemKind, Level};
use khaothi_irt::ItemModel;

use super::*;
use crate::pool::PoolItem;

#[test]
fn sympson_hetter_brings_the_largest_rate_to_the_target() {
    // 60 items; five very sharp items near 0 that MFI would give to almost everyone
    let items: Vec<PoolItem> = (0..60)
        .map(|j| PoolItem {
            id: format!("I{j}"),
            kind: ItemKind::SingleChoice,
            topic: "1".into(),
            level: Level::Hieu,
            statement_levels: vec![],
            stimulus: None,
            enemies: vec![],
            irt: if j < 5 {
                ItemModel::TwoPl { a: 2.2, b: -0.2 + 0.1 * j as f64 }
            } else {
                ItemModel::TwoPl { a: 1.0, b: -2.5 + (j - 5) as f64 / 11.0 }
            },
            exposure_k: 1.0,
        })
        .collect();
    let pool = Pool::new(items).unwrap();
    let design = Design::fixed_length(8);
    let o = ExposureOptions {
        target: 0.3,
        max_rounds: 10,
        simulation: SimulationOptions { persons: 1000, seed: 5, theta_mean: 0.0, theta_sd: 1.0 },
    };
    let cal = calibrate_exposure(&pool, &design, &o).unwrap();
    assert!(cal.max_exposure_by_round[0] > 0.6, "{:?}", cal.max_exposure_by_round);
    assert!(cal.converged, "{:?}", cal.max_exposure_by_round);
    assert!(*cal.max_exposure_by_round.last().unwrap() <= 0.3 + tolerance(0.3, 1000));
    // fresh simulees with the final parameters: the largest rate is at the target, within the
    // calibration's own sampling error (its parameters were estimated on 1,000 simulees)
    let engine = Engine::new(cal.pool.clone(), Design { sympson_hetter: true, ..design.clone() }).unwrap();
    let sim = SimulationOptions { persons: 2000, seed: 99, theta_mean: 0.0, theta_sd: 1.0 };
    let report = crate::simulate::simulate(&engine, &sim).unwrap();
    assert!(report.max_exposure <= 0.3 + tolerance(0.3, 1000), "{}", report.max_exposure);
    // without control the same design gives one item to most simulees
    let free = Engine::new(pool.clone(), design.clone()).unwrap();
    assert!(crate::simulate::simulate(&free, &sim).unwrap().max_exposure > 0.6);
    assert!(cal.parameters.values().any(|k| *k < 0.9));
    assert!(cal.parameters.values().all(|k| *k > 0.0 && *k <= 1.0));
    assert!(calibrate_exposure(&pool, &design, &ExposureOptions { target: 0.0, ..o }).is_err());
}
