//! Shuffled versions (mã đề) of a form. Independent of the solver: the delivery server and the
//! bank call [`make_versions`] on any stored form.
//!
//! Reproducible: a version depends only on the seed, the form's number and the version's number,
//! through ChaCha8 and our own Fisher–Yates (not `rand`'s `shuffle`, whose algorithm may change
//! between releases), so re-running with the same seed re-prints the same papers.

use std::collections::{BTreeMap, HashMap};

use khaothi_domain::form::{Form, Version, VersionKey, version_code};
use khaothi_domain::{Choice, Item, ItemBody};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::AssemblyError;

/// `count` versions of `form`, codes `NN01`, `NN02`, … where `NN` is the form's number.
///
/// Items are shuffled within each section (a run of items with the same section index); items that
/// share a stimulus stay together as one block in their original order. Options of a
/// `single_choice` item are shuffled unless the item says `shuffle_options: false`, with the keys
/// balanced across A–D (see `balanced_options`); the statements
/// of a `true_false_group` stay a–d. Every version carries its own key map.
pub fn make_versions(
    form: &Form,
    items: &[Item],
    count: u32,
    seed: u64,
) -> Result<Vec<Version>, AssemblyError> {
    if count > 99 {
        return Err(AssemblyError::InvalidRequest(format!(
            "{count} versions asked; version codes have two digits (at most 99 per form)"
        )));
    }
    let by_id: HashMap<&str, &Item> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut form_items = Vec::with_capacity(form.items.len());
    for fi in &form.items {
        let item = by_id
            .get(fi.item_id.as_str())
            .copied()
            .ok_or_else(|| AssemblyError::UnknownItem { form: form.id.clone(), item: fi.item_id.clone() })?;
        if !item.kind().is_thpt() {
            return Err(AssemblyError::InvalidRequest(format!(
                "form {} lists item {}, a {} item: THPT papers have no such part and delivery does not score it yet",
                form.id,
                item.id,
                item.kind()
            )));
        }
        form_items.push((fi.section, item));
    }
    Ok((1..=count).map(|v| one_version(form, &form_items, v, seed)).collect())
}

fn one_version(form: &Form, form_items: &[(u32, &Item)], number: u32, seed: u64) -> Version {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(form.number), u64::from(number)));
    let mut order: Vec<&Item> = Vec::with_capacity(form_items.len());
    let mut start = 0;
    while start < form_items.len() {
        let section = form_items[start].0;
        let end = start + form_items[start..].iter().take_while(|(s, _)| *s == section).count();
        let mut blocks: Vec<Vec<&Item>> = Vec::new();
        let mut block_of_stimulus: HashMap<&str, usize> = HashMap::new();
        for (_, item) in &form_items[start..end] {
            match item.stimulus.as_deref() {
                Some(s) => match block_of_stimulus.get(s) {
                    Some(&b) => blocks[b].push(item),
                    None => {
                        block_of_stimulus.insert(s, blocks.len());
                        blocks.push(vec![item]);
                    }
                },
                None => blocks.push(vec![item]),
            }
        }
        shuffle(&mut blocks, &mut rng);
        order.extend(blocks.into_iter().flatten());
        start = end;
    }
    let (options, keys) = balanced_options(&order, &mut rng);
    Version {
        code: version_code(form.number, number),
        form_id: form.id.clone(),
        items: order.iter().map(|i| i.id.clone()).collect(),
        options,
        keys,
    }
}

/// Option orders and keys of the version's items, with the single-choice keys balanced: each
/// shuffled item's key is placed on the letter used least so far (ties broken at random, items
/// taken in random order), so the counts of A, B, C and D differ by at most one wherever the items
/// allow it. Items with `shuffle_options: false` keep their letter and the rest balance around
/// them. The other options of a shuffled item are shuffled freely.
type OptionsAndKeys = (BTreeMap<String, Vec<u8>>, BTreeMap<String, VersionKey>);

fn balanced_options(order: &[&Item], rng: &mut ChaCha8Rng) -> OptionsAndKeys {
    let mut counts = [0u32; 4];
    let mut shuffled = Vec::new();
    for (k, item) in order.iter().enumerate() {
        if let ItemBody::SingleChoice { key, .. } = &item.body {
            if item.shuffle_options {
                shuffled.push(k);
            } else if let Some(c) = counts.get_mut(key.index()) {
                *c += 1;
            }
        }
    }
    shuffle(&mut shuffled, rng);
    let mut target: HashMap<usize, usize> = HashMap::new();
    for &k in &shuffled {
        let ItemBody::SingleChoice { options, .. } = &order[k].body else { continue };
        let letters = options.len().min(counts.len());
        let least = (0..letters).map(|l| counts[l]).min().unwrap_or(0);
        let ties: Vec<usize> = (0..letters).filter(|&l| counts[l] == least).collect();
        let pick = ties[(rng.next_u64() % ties.len().max(1) as u64) as usize];
        counts[pick] += 1;
        target.insert(k, pick);
    }
    let mut options = BTreeMap::new();
    let mut keys = BTreeMap::new();
    for (k, item) in order.iter().enumerate() {
        let key = match &item.body {
            ItemBody::SingleChoice { options: opts, key } => {
                let mut perm: Vec<u8> = (0..opts.len() as u8).collect();
                if let Some(&t) = target.get(&k) {
                    shuffle(&mut perm, rng);
                    let at = perm.iter().position(|&o| usize::from(o) == key.index()).unwrap_or(0);
                    perm.swap(at, t);
                }
                let shown = perm.iter().position(|&o| usize::from(o) == key.index()).unwrap_or(0);
                options.insert(item.id.clone(), perm);
                VersionKey::SingleChoice(Choice::from_index(shown).unwrap_or(Choice::A))
            }
            ItemBody::TrueFalseGroup { keys, .. } => VersionKey::TrueFalseGroup(keys.clone()),
            ItemBody::ShortAnswer { answer } => VersionKey::ShortAnswer(answer.clone()),
            // Refused by `make_versions` before a version is made.
            ItemBody::MultipleResponse { .. } => continue,
        };
        keys.insert(item.id.clone(), key);
    }
    (options, keys)
}

/// How many single-choice keys of `version` are each letter, `A`–`D` (zeros included): the
/// board's check that no version's part I leans on one letter.
pub fn key_counts(version: &Version) -> BTreeMap<char, u32> {
    let mut counts: BTreeMap<char, u32> = ['A', 'B', 'C', 'D'].into_iter().map(|c| (c, 0)).collect();
    for key in version.keys.values() {
        if let VersionKey::SingleChoice(c) = key {
            *counts.entry(c.letter()).or_default() += 1;
        }
    }
    counts
}

/// Fisher–Yates with an explicit, stable use of the random stream.
pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// SplitMix64-style mixing so nearby seeds and numbers give unrelated streams.
fn mix(seed: u64, form: u64, version: u64) -> u64 {
    let mut z = seed ^ form.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ version.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimOptions, simulated_pool};
    use khaothi_domain::form::FormItem;

    fn form_of(items: &[Item]) -> Form {
        let mut sorted: Vec<&Item> = items.iter().collect();
        sorted.sort_by_key(|i| i.kind());
        Form {
            id: "F1".into(),
            number: 1,
            items: sorted
                .iter()
                .map(|i| FormItem { item_id: i.id.clone(), version: None, section: i.kind() as u32 })
                .collect(),
        }
    }

    fn small_pool() -> Vec<Item> {
        let mut pool = simulated_pool(&SimOptions { items: 40, seed: 3, ..SimOptions::default() });
        // A stimulus group of three single-choice items and one item that forbids shuffling.
        let sc: Vec<usize> = pool
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind() == khaothi_domain::ItemKind::SingleChoice)
            .map(|(k, _)| k)
            .collect();
        for &k in &sc[..3] {
            pool[k].stimulus = Some("S1".into());
        }
        pool[sc[3]].shuffle_options = false;
        pool
    }

    #[test]
    fn versions_are_reproducible_and_differ_by_seed() {
        let pool = small_pool();
        let form = form_of(&pool);
        let a = make_versions(&form, &pool, 6, 42).unwrap();
        let b = make_versions(&form, &pool, 6, 42).unwrap();
        let c = make_versions(&form, &pool, 6, 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(),
            ["0101", "0102", "0103", "0104", "0105", "0106"]
        );
        assert_ne!(a[0].items, a[1].items, "two versions should not share an order");
    }

    #[test]
    fn keys_follow_the_permutation_and_sections_stay_whole() {
        let pool = small_pool();
        let form = form_of(&pool);
        let by_id: HashMap<&str, &Item> = pool.iter().map(|i| (i.id.as_str(), i)).collect();
        for v in make_versions(&form, &pool, 10, 7).unwrap() {
            let mut sorted = v.items.clone();
            sorted.sort();
            let mut orig: Vec<String> = form.item_ids().map(String::from).collect();
            orig.sort();
            assert_eq!(sorted, orig, "a version has exactly the form's items");
            // Sections appear in the same order, each contiguous.
            let kinds: Vec<_> = v.items.iter().map(|id| by_id[id.as_str()].kind()).collect();
            assert!(kinds.windows(2).all(|w| w[0] <= w[1]), "{kinds:?}");
            // The stimulus group stays together.
            let pos: Vec<usize> = v
                .items
                .iter()
                .enumerate()
                .filter(|(_, id)| by_id[id.as_str()].stimulus.is_some())
                .map(|(p, _)| p)
                .collect();
            assert!(pos.windows(2).all(|w| w[1] == w[0] + 1), "{pos:?}");
            for id in &v.items {
                let item = by_id[id.as_str()];
                match (&item.body, &v.keys[id]) {
                    (ItemBody::SingleChoice { options, key }, VersionKey::SingleChoice(shown)) => {
                        let perm = &v.options[id];
                        let mut p = perm.clone();
                        p.sort();
                        assert_eq!(p, vec![0, 1, 2, 3]);
                        // The option shown under the version's key letter is the original key option.
                        assert_eq!(options[usize::from(perm[shown.index()])], options[key.index()]);
                        if !item.shuffle_options {
                            assert_eq!(perm, &vec![0, 1, 2, 3]);
                        }
                    }
                    (ItemBody::TrueFalseGroup { keys, .. }, VersionKey::TrueFalseGroup(k)) => {
                        assert_eq!(keys, k)
                    }
                    (ItemBody::ShortAnswer { answer }, VersionKey::ShortAnswer(a)) => assert_eq!(answer, a),
                    other => panic!("key of the wrong kind: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn keys_are_balanced_around_items_that_keep_their_letter() {
        let pool = small_pool();
        let form = form_of(&pool);
        for v in make_versions(&form, &pool, 12, 5).unwrap() {
            let counts = key_counts(&v);
            // One item keeps its letter; 40 simulated items give enough shuffled ones to balance.
            let (lo, hi) = (counts.values().min().unwrap(), counts.values().max().unwrap());
            assert!(hi - lo <= 1, "version {}: {counts:?}", v.code);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn every_version_balances_its_keys(seed in 0u64..10_000, items in 20usize..80, fixed in 0usize..4, pin in 0usize..4) {
            let mut pool = simulated_pool(&SimOptions { items, seed, ..SimOptions::default() });
            let mut fixed_counts = [0u32; 4];
            let single: Vec<usize> = pool.iter().enumerate()
                .filter(|(_, i)| i.kind() == khaothi_domain::ItemKind::SingleChoice).map(|(k, _)| k).collect();
            for &k in single.iter().take(fixed) {
                pool[k].shuffle_options = false;
                if let ItemBody::SingleChoice { key, .. } = &mut pool[k].body {
                    *key = Choice::from_index(pin).unwrap();
                }
                fixed_counts[pin] += 1;
            }
            let form = form_of(&pool);
            for v in make_versions(&form, &pool, 3, seed).unwrap() {
                let counts: Vec<u32> = key_counts(&v).values().copied().collect();
                let free = single.len() as u32 - fixed_counts.iter().sum::<u32>();
                // The best any assignment can do: fill the letters up to a common level around
                // the pinned ones.
                let mut best = fixed_counts;
                for _ in 0..free {
                    let l = (0..4).min_by_key(|&l| best[l]).unwrap();
                    best[l] += 1;
                }
                let spread = |c: &[u32]| c.iter().max().unwrap() - c.iter().min().unwrap();
                proptest::prop_assert_eq!(spread(&counts), spread(&best), "{} {:?}", v.code, counts);
                proptest::prop_assert!(counts[pin] >= fixed_counts[pin]);
            }
        }
    }

    #[test]
    fn unknown_items_and_too_many_versions_are_refused() {
        let pool = small_pool();
        let mut form = form_of(&pool);
        assert!(make_versions(&form, &pool, 100, 1).is_err());
        form.items.push(FormItem { item_id: "NOPE".into(), version: None, section: 9 });
        assert!(matches!(make_versions(&form, &pool, 2, 1), Err(AssemblyError::UnknownItem { .. })));
    }
}
