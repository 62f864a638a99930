//! The sample bank's blueprint (`item-bank-samples/blueprints/thpt-toan.yaml`) against a simulated
//! pool with the sample taxonomy, and against the sample items once `item-bank-samples/*.jsonl`
//! holds mathematics items.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use khaothi_assembly::sim::{SimOptions, simulated_pool};
use khaothi_assembly::{AssemblyOptions, Blueprint, assemble, check_forms};
use khaothi_domain::{Item, ItemRecord};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../item-bank-samples")
}

fn blueprint(forms: u32) -> Blueprint {
    let yaml = std::fs::read_to_string(samples().join("blueprints/thpt-toan.yaml")).unwrap();
    let yaml = yaml.replace("forms: 4 ", &format!("forms: {forms} "));
    Blueprint::from_yaml(&yaml).unwrap()
}

/// The wall clock from now: the caller's clock the assembly's time limit runs on.
fn wall_clock() -> impl Fn() -> Duration {
    let started = Instant::now();
    move || started.elapsed()
}

#[test]
fn the_sample_blueprint_parses_and_fits_the_taxonomy() {
    let bp = blueprint(4);
    assert_eq!(bp.form_length(), 22);
    assert_eq!(bp.total_points, Some(10.0));
    let taxonomy = std::fs::read_to_string(samples().join("taxonomy.json")).unwrap();
    let taxonomy: serde_json::Value = serde_json::from_str(&taxonomy).unwrap();
    let topics = &taxonomy["subjects"]["toan"]["topics"];
    for row in &bp.matrix {
        assert!(
            row.topic == "12" || topics.get(&row.topic).is_some(),
            "topic {} is not in the taxonomy",
            row.topic
        );
    }
}

#[test]
fn the_sample_blueprint_assembles_from_a_simulated_pool() {
    let bp = blueprint(1);
    let items = simulated_pool(&SimOptions { items: 300, seed: 77, ..SimOptions::default() });
    let opts = AssemblyOptions { time_limit: 30.0, gap: 0.02, ..AssemblyOptions::default() };
    let r = assemble(&bp, &items, &opts, &wall_clock()).unwrap();
    let forms: Vec<_> = r.forms.iter().map(|f| f.form.clone()).collect();
    assert_eq!(check_forms(&bp, &items, &forms), vec![]);
    assert_eq!(r.forms[0].versions.len(), 6);
}

/// The sample bank's mathematics items (`item-bank-samples/toan.jsonl`), when it has been
/// generated; a line that does not parse fails the test.
fn sample_items() -> Option<Vec<Item>> {
    let text = std::fs::read_to_string(samples().join("toan.jsonl")).ok()?;
    let items = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let rec =
                ItemRecord::from_json_line(line).unwrap_or_else(|e| panic!("toan.jsonl:{}: {e}", n + 1));
            rec.into_item().unwrap_or_else(|e| panic!("toan.jsonl:{}: {e}", n + 1)).0
        })
        .collect();
    Some(items)
}

#[test]
fn the_sample_bank_meets_its_blueprint() {
    let Some(items) = sample_items() else {
        eprintln!("item-bank-samples/*.jsonl has no mathematics items yet; skipped");
        return;
    };
    let bp = blueprint(2);
    let opts = AssemblyOptions { time_limit: 30.0, gap: 0.02, ..AssemblyOptions::default() };
    let r = assemble(&bp, &items, &opts, &wall_clock()).unwrap_or_else(|e| match e {
        khaothi_assembly::AssemblyError::Infeasible(d) => panic!("{}", d.to_text()),
        e => panic!("{e}"),
    });
    let forms: Vec<_> = r.forms.iter().map(|f| f.form.clone()).collect();
    assert_eq!(check_forms(&bp, &items, &forms), vec![]);
    assert_eq!(
        r.pool.excluded.not_approved,
        items.iter().filter(|i| i.status != khaothi_domain::ReviewStatus::Approved).count()
    );
}

#[test]
fn a_passage_feeds_one_item_group_per_form_unless_the_blueprint_allows_more() {
    let Some(items) = sample_items() else { return };
    let bp = blueprint(2);
    let section_of = |id: &str| bp.section_of(items.iter().find(|i| i.id == id).unwrap().kind());
    // The sample bank has passages that feed items of several parts.
    let shared = items
        .iter()
        .filter_map(|i| i.stimulus.as_deref())
        .find(|s| {
            let kinds: std::collections::HashSet<_> =
                items.iter().filter(|i| i.stimulus.as_deref() == Some(s)).map(|i| i.kind()).collect();
            kinds.len() > 1
        })
        .expect("a passage of the sample bank feeds two parts");
    let opts = AssemblyOptions { time_limit: 30.0, gap: 0.02, ..AssemblyOptions::default() };
    let r = assemble(&bp, &items, &opts, &wall_clock()).unwrap();
    for f in &r.forms {
        let mut sections_of: std::collections::HashMap<&str, std::collections::HashSet<Option<usize>>> =
            Default::default();
        for id in &f.items {
            if let Some(s) = items.iter().find(|i| &i.id == id).unwrap().stimulus.as_deref() {
                sections_of.entry(s).or_default().insert(section_of(id));
            }
        }
        assert!(sections_of.values().all(|s| s.len() == 1), "{}: {sections_of:?}", f.id);
    }
    // The independent checker flags a hand-made form that breaks the rule, unless allowed.
    let fed: Vec<&Item> = items.iter().filter(|i| i.stimulus.as_deref() == Some(shared)).collect();
    let form = khaothi_domain::form::Form {
        id: "H".into(),
        number: 1,
        items: fed
            .iter()
            .map(|i| khaothi_domain::form::FormItem {
                item_id: i.id.clone(),
                version: None,
                section: section_of(&i.id).unwrap() as u32,
            })
            .collect(),
    };
    let rule = |bp: &Blueprint| {
        check_forms(bp, &items, std::slice::from_ref(&form))
            .iter()
            .any(|v| v.rule == "stimulus_across_sections")
    };
    assert!(rule(&bp));
    assert!(!rule(&Blueprint { stimulus_across_sections: true, ..bp.clone() }));
}

#[test]
fn near_duplicates_are_kept_apart_only_when_asked_and_exclusions_name_each_item() {
    let Some(mut items) = sample_items() else { return };
    let bp = blueprint(1);
    let pairs = khaothi_similarity::suggested_enemies(&items, khaothi_similarity::DEFAULT_THRESHOLD);
    eprintln!("{} near-duplicate pairs in the sample mathematics bank", pairs.len());
    let opts =
        AssemblyOptions { time_limit: 30.0, gap: 0.02, auto_enemies: true, ..AssemblyOptions::default() };
    let r = assemble(&bp, &items, &opts, &wall_clock()).unwrap_or_else(|e| match e {
        khaothi_assembly::AssemblyError::Infeasible(d) => panic!("{}", d.to_text()),
        e => panic!("{e}"),
    });
    assert_eq!(
        r.auto_enemies.len(),
        pairs
            .iter()
            .filter(|(a, b, _)| {
                let named =
                    |x: &str, y: &str| items.iter().any(|i| i.id == x && i.enemies.iter().any(|e| e == y));
                !named(a, b) && !named(b, a)
            })
            .count()
    );
    for f in &r.forms {
        for (a, b, s) in &pairs {
            assert!(!(f.items.contains(a) && f.items.contains(b)), "{a} and {b} ({s:.2}) share {}", f.id);
        }
    }
    // Without the option nothing is added.
    let plain = AssemblyOptions { time_limit: 30.0, gap: 0.02, ..AssemblyOptions::default() };
    // Every excluded item of the subject is listed with its reason.
    items[0].status = khaothi_domain::ReviewStatus::Draft;
    let r = assemble(&bp, &items, &plain, &wall_clock()).unwrap();
    assert!(r.auto_enemies.is_empty());
    let listed =
        r.pool.excluded.items.iter().find(|x| x.id == items[0].id).expect("the draft item is listed");
    assert_eq!(listed.reason, "not_approved");
    assert_eq!(
        r.pool.excluded.items.len(),
        r.pool.excluded.total() - r.pool.excluded.other_subject,
        "{:?}",
        r.pool.excluded
    );
}

#[test]
fn a_paper_from_the_sample_bank_does_not_repeat_one_template() {
    let Some(items) = sample_items() else { return };
    // The sample bank marks one template's items as enemies of each other, so plain assembly
    // (no `auto_enemies`) keeps every near-copy off a form.
    let bp = blueprint(2);
    let opts = AssemblyOptions { time_limit: 30.0, gap: 0.02, ..AssemblyOptions::default() };
    let r = assemble(&bp, &items, &opts, &wall_clock()).unwrap();
    let pairs = khaothi_similarity::suggested_enemies(&items, khaothi_similarity::DEFAULT_THRESHOLD);
    for f in &r.forms {
        let repeats: Vec<_> =
            pairs.iter().filter(|(a, b, _)| f.items.contains(a) && f.items.contains(b)).collect();
        assert!(repeats.is_empty(), "{}: near-copies on one paper: {repeats:?}", f.id);
    }
}
