//! Every fuzz target over its seed corpus (`fuzz/corpus/<target>/`) and over proptest-random
//! inputs: the stable-toolchain run of the targets, brief in CI (`PROPTEST_CASES` makes it longer).
//! `write_seed_corpus` (ignored) regenerates the seeds that are built rather than written by hand.

use std::path::PathBuf;

use khaothi_fuzz::TARGETS;
use proptest::prelude::*;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

#[test]
fn every_target_takes_its_seed_corpus() {
    for (name, body) in TARGETS {
        let dir = corpus_dir(name);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            body(&std::fs::read(&path).unwrap());
            n += 1;
        }
        assert!(n >= 3, "{name}: only {n} seeds");
    }
    // The built seeds verify, so the targets reach past the signature check.
    let package = std::fs::read(corpus_dir("package_verify").join("signed-package.json")).unwrap();
    assert!(khaothi_package::verify_package(&package, &khaothi_fuzz::board_signing_key().public()).is_ok());
    let results = std::fs::read(corpus_dir("result_file_verify").join("signed-results.json")).unwrap();
    let file = khaothi_package::ResultFile::parse(&results).unwrap();
    assert!(file.verify(&khaothi_fuzz::site_signing_key().public()).is_ok());
}

/// Random bytes, and random bytes spliced into a seed (most targets refuse pure noise at once).
fn inputs() -> impl Strategy<Value = (usize, Vec<u8>, usize)> {
    (0..TARGETS.len(), proptest::collection::vec(any::<u8>(), 0..512), any::<usize>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_target_takes_random_inputs((t, noise, at) in inputs()) {
        let (name, body) = TARGETS[t];
        body(&noise);
        let seeds: Vec<_> = std::fs::read_dir(corpus_dir(name)).unwrap().map(|e| e.unwrap().path()).collect();
        let mut seed = std::fs::read(&seeds[at % seeds.len()]).unwrap();
        let cut = if seed.is_empty() { 0 } else { at % seed.len() };
        seed.splice(cut..(cut + noise.len().min(8)).min(seed.len()), noise.iter().copied().take(8));
        body(&seed);
    }
}

#[test]
#[ignore = "regenerates fuzz/corpus seeds; run by hand"]
fn write_seed_corpus() {
    use khaothi_package::result_file::UnsignedResults;
    let write = |target: &str, name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(corpus_dir(target)).unwrap();
        std::fs::write(corpus_dir(target).join(name), bytes).unwrap();
    };
    // A real package signed with the target's board key.
    let items = khaothi_fuzz_seed_items();
    let pkg = khaothi_loadtest::demo::demo_package(
        &items,
        "E1",
        "Kiểm tra",
        90,
        2,
        &khaothi_fuzz::board_signing_key(),
        5,
    )
    .unwrap();
    write("package_verify", "signed-package.json", &pkg.bytes);
    // A real result file signed with the target's site key.
    let heads: khaothi_package::result_file::ChainHeads = serde_json::from_value(serde_json::json!({
        "responses": {"length": 2, "head": "ab".repeat(32)}, "audit": {"length": 0, "head": "0".repeat(64)}
    }))
    .unwrap();
    let input = UnsignedResults {
        event_id: "E1".into(),
        site_name: "Trường THPT A".into(),
        created_at: "2026-06-27T10:00:00Z".into(),
        parts: [("results.csv".to_string(), "number,total\n0101,6.10\n".to_string())].into(),
        chains: heads,
    };
    let file = khaothi_package::sign_result_file(input, &khaothi_fuzz::site_signing_key());
    write("result_file_verify", "signed-results.json", serde_json::to_string(&file).unwrap().as_bytes());
    // .seb files: the three kinds the reader takes.
    let settings = khaothi_seb::exam::exam_settings(&khaothi_seb::exam::ExamInputs {
        start_url: "http://10.0.0.5:8090/?event=E1",
        hashed_quit_password: None,
    })
    .unwrap();
    write("seb_file", "plnd.seb", &khaothi_seb::file::write(&settings, None));
    let salts = khaothi_seb::rncryptor::Salts { encryption: [1; 8], hmac: [2; 8], iv: [3; 16] };
    write("seb_file", "pswd-fuzz.seb", &khaothi_seb::file::write(&settings, Some(("fuzz", salts))));
}

fn khaothi_fuzz_seed_items() -> Vec<khaothi_domain::Item> {
    let mut lines = Vec::new();
    for i in 1..=4 {
        lines.push(format!(r#"{{"id":"SC{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Câu {i}: tính ${i}+1$.","options":["${}$","${}$","${}$","${}$"],"key":"B"}}"#, i, i + 1, i + 2, i + 3));
    }
    lines.push(r#"{"id":"TF1","subject":"toan","grade":12,"topic":"12.1.3","level":"hieu","kind":"true_false_group","stem":"Xét hàm số $y=x^2$.","statements":["a","b","c","d"],"keys":[true,false,true,true]}"#.into());
    lines.push(r#"{"id":"SA1","subject":"toan","grade":12,"topic":"12.1.4","level":"van_dung","kind":"short_answer","stem":"Tính $1/2$.","answer":"0,5"}"#.into());
    lines
        .iter()
        .map(|l| khaothi_domain::ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0)
        .collect()
}
