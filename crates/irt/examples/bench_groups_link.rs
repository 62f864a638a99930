//! Multiple-group calibration and linking benchmark (issue 19): `persons` responses to `items`
//! 2PL items, half from N(0, 1) ("2025") and half from N(0.5, 1.2²) ("2026").
//!
//! ```text
//! cargo run --release -p khaothi-irt --example bench_groups_link -- --persons 1000000 --items 50 [--se]
//! ```
//! Times (1) the multiple-group calibration of everyone, (2) the two separate free calibrations
//! of each half, and (3) each linking method from the second half's scale onto the first's, and
//! prints one JSON object with the times and the recovered group mean/SD and A/B.

use std::time::Instant;

use khaothi_irt::IrtModelKind;
use khaothi_irt::calibrate::{CalibrationOptions, PersonGroups, calibrate};
use khaothi_irt::linking::{LinkMethod, link};
use khaothi_irt::matrix::ResponseMatrix;
use khaothi_irt::simulate::{draw_thetas, random_items, simulate_responses};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let persons: usize = get("--persons").map_or(100_000, |v| v.parse().expect("--persons"));
    let n_items: usize = get("--items").map_or(50, |v| v.parse().expect("--items"));
    let se = args.iter().any(|a| a == "--se");
    let half = persons / 2;
    let items = random_items(IrtModelKind::TwoPl, n_items, 2, 2024);
    let a = simulate_responses(&items, &draw_thetas(half, 0.0, 1.0, 7), 8);
    let b = simulate_responses(&items, &draw_thetas(half, 0.5, 1.2, 9), 10);
    let mut data = a.data().to_vec();
    data.extend_from_slice(b.data());
    let all = ResponseMatrix::new(a.item_ids().to_vec(), None, 2 * half, data).expect("matrix");
    let labels: Vec<String> =
        (0..2 * half).map(|p| if p < half { "2025" } else { "2026" }.to_string()).collect();
    let opts = CalibrationOptions { standard_errors: se, ..Default::default() };

    let t = Instant::now();
    let groups = PersonGroups::from_labels(&labels, None).expect("groups");
    let multi =
        calibrate(&all, &CalibrationOptions { groups: Some(groups), ..opts.clone() }).expect("calibrates");
    let multi_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let base = calibrate(&a, &opts).expect("calibrates");
    let new = calibrate(&b, &opts).expect("calibrates");
    let separate_s = t.elapsed().as_secs_f64();
    let common: Vec<_> =
        base.items.iter().zip(&new.items).map(|(x, y)| (x.model.clone(), y.model.clone())).collect();
    let links: Vec<serde_json::Value> =
        [LinkMethod::MeanMean, LinkMethod::MeanSigma, LinkMethod::Haebara, LinkMethod::StockingLord]
            .into_iter()
            .map(|m| {
                let t = Instant::now();
                let k = link(&common, m).expect("links");
                serde_json::json!({"method": m, "seconds": t.elapsed().as_secs_f64(), "A": k.a, "B": k.b})
            })
            .collect();
    let out = serde_json::json!({
        "persons": 2 * half, "items": n_items, "standard_errors": se,
        "multiple_group": {"seconds": multi_s, "cycles": multi.iterations, "converged": multi.converged,
            "groups": multi.groups},
        "separate_calibrations": {"seconds": separate_s, "cycles": [base.iterations, new.iterations]},
        "linking": links,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
