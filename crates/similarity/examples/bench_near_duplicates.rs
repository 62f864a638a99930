//! Near-duplicate search on a synthetic bank: `n` texts of 25 words from a 400-word vocabulary,
//! 1% of them a planted copy of another with one word changed and its numbers altered. Prints
//! the time, the comparisons against n(n−1)/2 and the share of planted pairs found — the row of
//! docs/benchmarks.md.
//!
//! `cargo run --release -p khaothi-similarity --example bench_near_duplicates -- [N]`

use std::time::Instant;

use khaothi_similarity::{DEFAULT_THRESHOLD, near_duplicate_signatures, normalise, shingles, signature};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mut state = 11u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let vocabulary: Vec<String> =
        (0..400).map(|k| format!("từ{}", char::from(b'a' + (k % 26) as u8)).repeat(1 + k / 26)).collect();
    let mut texts: Vec<String> = Vec::with_capacity(n);
    let mut planted = Vec::new();
    for k in 0..n {
        if k > 0 && next() % 100 == 0 {
            let source = next() % k;
            let mut words: Vec<String> = texts[source].split(' ').map(str::to_string).collect();
            {
                let at = next() % words.len();
                words[at] = vocabulary[next() % vocabulary.len()].clone();
            }
            texts.push(words.join(" ").replace('7', "9"));
            planted.push((source, k));
        } else {
            let words: Vec<&str> = (0..25).map(|_| vocabulary[next() % vocabulary.len()].as_str()).collect();
            texts.push(format!("{} {} {}", words.join(" "), next() % 1000, next() % 7));
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = Instant::now();
    let sigs: Vec<_> = refs.iter().map(|t| signature(&shingles(&normalise(t)))).collect();
    let signing = started.elapsed().as_secs_f64();
    let found = near_duplicate_signatures(&sigs, DEFAULT_THRESHOLD);
    let seconds = started.elapsed().as_secs_f64();
    let pairs: std::collections::HashSet<(usize, usize)> = found.pairs.iter().map(|p| (p.a, p.b)).collect();
    let recalled = planted.iter().filter(|p| pairs.contains(p)).count();
    let all = n as u64 * (n as u64 - 1) / 2;
    println!(
        "{n} texts: {seconds:.2} s ({signing:.2} s signatures), {} comparisons ({:.6}% of {all} pairs), {} pairs ≥ {DEFAULT_THRESHOLD}, planted found {recalled}/{}, oversized buckets {}",
        found.comparisons,
        100.0 * found.comparisons as f64 / all as f64,
        found.pairs.len(),
        planted.len(),
        found.oversized_buckets
    );
}
