//! Tests over whole generated banks and over the committed `item-bank-samples/` files.

use std::collections::{HashMap, HashSet};

use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{ItemKind, ItemRecord, Level};

use crate::draft::option_key;
use crate::verify::{recompute, shown_number};
use crate::{SampleOptions, generate_banks, sample_files, taxonomy};

fn samples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank-samples")
}

fn small() -> SampleOptions {
    SampleOptions { seed: 7, candidates: 300, items_per_subject: 90 }
}

/// Every record converts without errors or warnings and renders (its LaTeX parses).
fn check_records(lines: &str) -> Vec<ItemRecord> {
    let mut out = Vec::new();
    for (n, line) in lines.lines().enumerate() {
        let rec = ItemRecord::from_json_line(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let (item, warnings) = rec.clone().into_item().unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        assert!(warnings.is_empty(), "{}: {warnings:?}", rec.id);
        let render = khaothi_render::check_item(&item);
        assert!(render.is_empty(), "{}: {render:?}", rec.id);
        out.push(rec);
    }
    out
}

fn check_bank_rules(items: &[ItemRecord], stimuli: &str) {
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "ids are unique");
    let by_id: HashMap<&str, &ItemRecord> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    for i in items {
        let tax = taxonomy::subject(&i.subject).expect("known subject");
        assert!(i.id.starts_with(tax.id_prefix), "{}", i.id);
        assert!(tax.topic_name(&i.topic).is_some(), "{} has topic {} outside the taxonomy", i.id, i.topic);
        assert_eq!(i.grade, 12);
        for e in &i.enemies {
            let other = by_id.get(e.as_str()).unwrap_or_else(|| panic!("{}: enemy {e} does not exist", i.id));
            assert!(other.enemies.contains(&i.id), "enemies are mutual: {} / {e}", i.id);
            assert!(
                i.stimulus.is_none() || i.stimulus != other.stimulus,
                "enemies in one stimulus: {}",
                i.id
            );
        }
        match i.kind {
            ItemKind::SingleChoice => {
                let keys: HashSet<String> =
                    i.options.as_ref().unwrap().iter().map(|o| option_key(o)).collect();
                assert_eq!(keys.len(), 4, "{}: options are distinct", i.id);
            }
            ItemKind::TrueFalseGroup => {
                let k = i.keys.as_ref().unwrap();
                assert!(k.contains(&true) && k.contains(&false), "{}: a mix of true and false", i.id);
            }
            ItemKind::ShortAnswer | ItemKind::MultipleResponse => {}
        }
    }
    let mut members: HashMap<String, usize> = HashMap::new();
    for i in items {
        if let Some(s) = &i.stimulus {
            *members.entry(s.clone()).or_default() += 1;
        }
    }
    let stimulus_ids: Vec<String> = stimuli
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            for f in ["id", "subject", "title", "text"] {
                assert!(v[f].as_str().is_some_and(|s| !s.is_empty()), "stimulus field {f}: {l}");
            }
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(stimulus_ids.len(), members.len(), "every stimulus is used and every used stimulus is listed");
    for s in &stimulus_ids {
        assert!(members.get(s).copied().unwrap_or(0) >= 2, "stimulus {s} has fewer than 2 items");
    }
}

#[test]
fn committed_files_are_valid_and_complete() {
    let dir = samples_dir();
    let items = std::fs::read_to_string(dir.join("items.jsonl")).expect("item-bank-samples/items.jsonl");
    let stimuli = std::fs::read_to_string(dir.join("stimuli.jsonl")).expect("stimuli.jsonl");
    let records = check_records(&items);
    check_bank_rules(&records, &stimuli);
    assert!(records.len() >= 600);
    for s in ["toan", "vat_ly", "hoa_hoc"] {
        let of: Vec<&ItemRecord> = records.iter().filter(|r| r.subject == s).collect();
        // The samples are THPT papers: every kind of the three parts (no multiple_response).
        for kind in ItemKind::ALL.into_iter().filter(|k| k.is_thpt()) {
            assert!(of.iter().any(|r| r.kind == kind), "{s} has {kind}");
        }
        for level in Level::ALL {
            assert!(of.iter().any(|r| r.level == level), "{s} has {level}");
        }
        let by_subject = std::fs::read_to_string(dir.join(format!("{s}.jsonl"))).unwrap();
        assert_eq!(by_subject.lines().count(), of.len());
    }
    assert!(stimuli.lines().count() >= 10);
    assert!(records.iter().filter(|r| !r.enemies.is_empty()).count() >= 10);
    assert!(records.iter().any(|r| r.stem.contains('$')), "LaTeX where natural");
}

#[test]
fn committed_files_are_what_the_generator_writes() {
    let dir = samples_dir();
    for f in sample_files(&SampleOptions::default()).unwrap() {
        let on_disk = std::fs::read(dir.join(&f.path)).unwrap_or_else(|e| panic!("{}: {e}", f.path));
        assert!(
            on_disk == f.contents,
            "{} differs from the generator: run the write_samples example",
            f.path
        );
    }
}

#[test]
fn generation_is_deterministic_for_a_seed() {
    let a = sample_files(&small()).unwrap();
    let b = sample_files(&small()).unwrap();
    assert_eq!(a, b);
    let c = sample_files(&SampleOptions { seed: 8, ..small() }).unwrap();
    let items =
        |v: &[crate::SampleFile]| v.iter().find(|f| f.path == "items.jsonl").unwrap().contents.clone();
    assert_ne!(items(&a), items(&c));
}

#[test]
fn keys_recompute_independently() {
    let mut checked = 0;
    for bank in generate_banks(&SampleOptions::default()) {
        for (item, check) in bank.items.iter().zip(&bank.checks) {
            let Some(check) = check else { continue };
            let (again, tol) = recompute(&check.how);
            let scale = again.abs().max(1.0);
            assert!(
                (again - check.value).abs() <= tol * scale,
                "{}: template {} vs recomputed {again}",
                item.id,
                check.value
            );
            if check.is_key {
                let shown = match (&item.answer, &item.options, &item.key) {
                    (Some(AnswerRecord::One(a)), _, _) => a.clone(),
                    (Some(AnswerRecord::Many(a)), _, _) => a[0].clone(),
                    (_, Some(o), Some(k)) => o[(k.as_bytes()[0] - b'A') as usize].clone(),
                    _ => continue,
                };
                if let Some((x, d)) = shown_number(&shown) {
                    let half = 0.5 * 10f64.powi(-(d as i32)) + 1e-9;
                    assert!((x - again).abs() <= half, "{}: key {shown} but the value is {again}", item.id);
                }
            }
            checked += 1;
        }
    }
    // About one item in eight carries a recomputable key (derivatives, integrals, extrema, distances,
    // gas amounts, decay, stoichiometry); the rest are conceptual or exact by construction.
    assert!(checked >= 80, "only {checked} keys recomputed");
}

#[test]
fn difficulty_rises_with_level() {
    let banks = generate_banks(&SampleOptions::default());
    let mut sum: HashMap<Level, (f64, usize)> = HashMap::new();
    for i in banks.iter().flat_map(|b| &b.items) {
        if let Some(b) = i.irt.as_ref().and_then(|p| p.b) {
            let e = sum.entry(i.level).or_default();
            e.0 += b;
            e.1 += 1;
        }
    }
    let mean = |l| sum[&l].0 / sum[&l].1 as f64;
    assert!(mean(Level::Biet) < mean(Level::Hieu) && mean(Level::Hieu) < mean(Level::VanDung), "{sum:?}");
}

#[test]
fn responses_follow_the_booklet_design() {
    let opts = small();
    let banks = generate_banks(&opts);
    for (k, bank) in banks.iter().enumerate() {
        let sim =
            crate::simulate_subject(bank, opts.candidates, crate::subject_seed(opts.seed, k, 1)).unwrap();
        let m = &sim.matrix;
        assert_eq!(m.n_items(), bank.items.len());
        assert!(m.answered_counts().iter().all(|&c| c > 0), "every item is presented to someone");
        for p in 0..m.n_persons() {
            let presented: Vec<usize> =
                (0..m.n_items()).filter(|&j| m.get(p, j) != khaothi_irt::MISSING).collect();
            assert_eq!(presented, sim.booklet_items[sim.booklets[p]]);
            for &j in &presented {
                let max = if bank.items[j].kind == ItemKind::TrueFalseGroup { 4 } else { 1 };
                assert!(m.get(p, j) <= max);
            }
        }
        assert!(!sim.dif.is_empty() && sim.dif.len() <= 2);
        let csv = sim.responses_csv().unwrap();
        let back = khaothi_irt::csv::read_responses(&csv[..]).unwrap();
        assert_eq!(back.data(), m.data());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]
    #[test]
    fn any_seed_gives_a_valid_bank(seed in 0u64..1_000_000) {
        for bank in generate_banks(&SampleOptions { seed, candidates: 10, items_per_subject: 40 }) {
            let records = check_records(&bank.items_jsonl());
            check_bank_rules(&records, &bank.stimuli_jsonl());
        }
    }
}
