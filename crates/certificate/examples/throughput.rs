//! Benchmark: certificate payloads issued (claims → COSE_Sign1 → zlib → Base45) and verified,
//! per second (docs/benchmarks.md "Certificates"). One worker per core; each certificate is
//! distinct (its own candidate number), and every verification must come back valid.
//!
//! `cargo run --release -p khaothi-certificate --example throughput -- [count] [threads]`
//! (count defaults to 1,160,000 — a national exam's candidates) prints one JSON line.

use std::time::Instant;

use khaothi_certificate::{Claims, ExamResult, IssuerKey, TrustedKeys, Verdict, issue, verify};

fn claims(i: usize) -> Claims {
    Claims {
        issuer: "Bộ Giáo dục và Đào tạo".into(),
        issued_at: 1_782_950_400,
        candidate: format!("{:08}", i),
        name: "Nguyễn Thị Minh Châu".into(),
        date_of_birth: Some("2008-03-14".into()),
        results: ["Toán", "Ngữ văn", "Vật lí", "Hoá học"]
            .iter()
            .enumerate()
            .map(|(k, s)| ExamResult {
                event: format!("THPT-2026-{k}"),
                subject: s.to_string(),
                score: ((i * 7 + k * 13) % 1001) as u32,
            })
            .collect(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_160_000);
    let threads: usize = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let key = IssuerKey::from_seed([7; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let chunk = count.div_ceil(threads);
    let t0 = Instant::now();
    let strings: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let key = &key;
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(count)).map(|i| issue(&claims(i), key)).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let issued_s = t0.elapsed().as_secs_f64();
    let bytes: usize = strings.iter().flatten().map(String::len).sum();
    let t1 = Instant::now();
    let valid: usize = std::thread::scope(|s| {
        let handles: Vec<_> = strings
            .iter()
            .map(|part| {
                let keys = &keys;
                s.spawn(move || {
                    part.iter().filter(|t| matches!(verify(t, keys, None), Verdict::Valid(_))).count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let verified_s = t1.elapsed().as_secs_f64();
    assert_eq!(valid, count, "every certificate verifies");
    println!(
        "{}",
        serde_json::json!({
            "count": count, "threads": threads,
            "issue_seconds": issued_s, "issued_per_second": count as f64 / issued_s,
            "verify_seconds": verified_s, "verified_per_second": count as f64 / verified_s,
            "mean_string_length": bytes as f64 / count as f64,
        })
    );
}
