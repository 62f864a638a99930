//! The swarm's candidates against a real delivery server (started by the load test on a fresh
//! SQLite database), with the content each login receives verified in full (`verify_content`)
//! or taken from what another candidate verified when its frames are byte for byte the same
//! (candidate::ContentCache), compressed and as JSON text: the same logins, the same bytes, no
//! failure, nothing lost.

use std::time::Duration;

use khaothi_loadtest::swarm::{LoadtestOptions, Report, run};

fn items() -> Vec<khaothi_domain::Item> {
    (0..8)
        .map(|i| {
            let l = format!(
                r#"{{"id":"Q{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Câu {i}: tính đạo hàm","options":["a","b","c","d"],"key":"B"}}"#
            );
            khaothi_domain::ItemRecord::from_json_line(&l).unwrap().into_item().unwrap().0
        })
        .collect()
}

async fn swarm(deflate: bool, verify_content: bool) -> Report {
    run(LoadtestOptions {
        candidates: 20,
        duration: Duration::from_secs(2),
        answer_interval: Duration::from_millis(200),
        disconnect_rate: 3.0,
        items: items(),
        deflate,
        verify_content,
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_verified_in_full_and_from_the_cache_receive_the_same_content() {
    for deflate in [true, false] {
        let full = swarm(deflate, true).await;
        let cached = swarm(deflate, false).await;
        for r in [&full, &cached] {
            assert_eq!(r.candidates_failed, 0, "{r:?}");
            assert_eq!(r.answers_lost, 0, "{r:?}");
            assert!(r.answers_acked > 50, "{r:?}");
            assert!(r.login_bytes_mean > 0.0, "{r:?}");
        }
        // The same frames each login (the welcome's size varies by a few bytes: its token,
        // times and seat).
        let ratio = cached.login_bytes_mean / full.login_bytes_mean;
        assert!(
            (0.97..1.03).contains(&ratio),
            "deflate {deflate}: {} against {}",
            cached.login_bytes_mean,
            full.login_bytes_mean
        );
    }
}
