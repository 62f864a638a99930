//! The end of an exam: more candidates than `state::hub::SUBMIT_SLOTS` submit at the same moment
//! (the load test's candidates all stop answering at its end), and every one is confirmed — the
//! submissions beyond the slots wait for one, none is refused, nothing acknowledged is lost.

use std::time::Duration;

use khaothi_loadtest::swarm::{LoadtestOptions, run};

fn items() -> Vec<khaothi_domain::Item> {
    (0..8)
        .map(|i| {
            let l = format!(
                r#"{{"id":"Q{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Câu {i}","options":["a","b","c","d"],"key":"B"}}"#
            );
            khaothi_domain::ItemRecord::from_json_line(&l).unwrap().into_item().unwrap().0
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_storm_beyond_the_slots_is_confirmed_for_everyone() {
    let candidates = khaothi_delivery::state::hub::SUBMIT_SLOTS + 64;
    let r = run(LoadtestOptions {
        candidates,
        duration: Duration::from_secs(3),
        answer_interval: Duration::from_secs(1),
        disconnect_rate: 0.0,
        login_concurrency: candidates,
        items: items(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(r.candidates_failed, 0, "{:?}", r.failures_by_reason);
    assert_eq!(r.answers_lost, 0, "{r:?}");
    assert!(r.answers_acked >= candidates as u64, "{r:?}");
}
