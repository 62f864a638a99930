//! Simulated responses for one subject's bank: candidates sit one of several booklets (a cyclic
//! block design, so every item is linked to the others through shared blocks), abilities differ a
//! little by region, and a small DIF is planted on two items so that DIF analysis has something to
//! find.

use khaothi_domain::ItemRecord;
use khaothi_irt::simulate::{draw_thetas, simulate_responses_with_ids};
use khaothi_irt::{ItemModel, MISSING, ResponseMatrix};
use rand::seq::SliceRandom;
use rand::{Rng as _, SeedableRng};
use serde::Serialize;

use crate::bank::SubjectBank;
use crate::draft::Rng;
use crate::error::SamplesError;

/// Items in one block; a booklet is four consecutive blocks (about 40 items).
pub const BLOCK_SIZE: usize = 10;
pub const BLOCKS_PER_BOOKLET: usize = 4;
/// Share of candidates from the focal region.
pub const FOCAL_SHARE: f64 = 0.35;
/// Reference (urban, khu vực 3) and focal (remote, khu vực 1) regions.
pub const REFERENCE: &str = "KV3";
pub const FOCAL: &str = "KV1";
/// Mean ability by region: a modest impact, which DIF analysis must not mistake for DIF.
pub const MEAN_REFERENCE: f64 = 0.10;
pub const MEAN_FOCAL: f64 = -0.20;
/// Planted uniform DIF: the first item is harder, the second easier, for the focal group (logits).
pub const DIF_SHIFTS: [f64; 2] = [0.8, -0.6];

/// One planted DIF, as written to `responses/dif.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlantedDif {
    pub subject: String,
    pub item: String,
    pub reference: String,
    pub focal: String,
    /// Added to `b` (every threshold for a polytomous item) for the focal group.
    pub shift_b: f64,
}

/// Responses of one subject with the truth behind them.
#[derive(Debug, Clone)]
pub struct SimulatedResponses {
    /// Persons × items, [`MISSING`] where the item was not in the person's booklet.
    pub matrix: ResponseMatrix,
    pub thetas: Vec<f64>,
    pub booklets: Vec<usize>,
    pub regions: Vec<&'static str>,
    /// Item indices of each booklet.
    pub booklet_items: Vec<Vec<usize>>,
    pub dif: Vec<PlantedDif>,
}

/// The generating model of an item (its `irt` parameters, read by the irt crate's conversion).
pub fn item_model(item: &ItemRecord) -> Result<ItemModel, SamplesError> {
    let bad = || SamplesError::Parameters(item.id.clone());
    ItemModel::try_from(item.irt.as_ref().ok_or_else(bad)?).map_err(|_| bad())
}

fn shifted(m: &ItemModel, d: f64) -> ItemModel {
    match m {
        ItemModel::Rasch { b } => ItemModel::Rasch { b: b + d },
        ItemModel::TwoPl { a, b } => ItemModel::TwoPl { a: *a, b: b + d },
        ItemModel::ThreePl { a, b, c } => ItemModel::ThreePl { a: *a, b: b + d, c: *c },
        ItemModel::Gpcm { a, thresholds } => {
            ItemModel::Gpcm { a: *a, thresholds: thresholds.iter().map(|t| t + d).collect() }
        }
        ItemModel::Grm { a, thresholds } => {
            ItemModel::Grm { a: *a, thresholds: thresholds.iter().map(|t| t + d).collect() }
        }
    }
}

/// Blocks of about [`BLOCK_SIZE`] items in a shuffled order; a stimulus group stays in one block
/// (its items are always delivered together).
fn blocks(bank: &SubjectBank, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (i, item) in bank.items.iter().enumerate() {
        match &item.stimulus {
            Some(s) if i > 0 && bank.items[i - 1].stimulus.as_ref() == Some(s) => {
                units.last_mut().expect("a previous unit").push(i)
            }
            _ => units.push(vec![i]),
        }
    }
    units.shuffle(rng);
    let n_blocks = bank.items.len().div_ceil(BLOCK_SIZE).max(1);
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n_blocks];
    for u in units {
        // Fill the emptiest block: blocks end up within a stimulus group of each other in size.
        let k = (0..n_blocks).min_by_key(|&k| out[k].len()).expect("at least one block");
        out[k].extend(u);
    }
    for b in &mut out {
        b.sort_unstable();
    }
    out
}

/// Two mid-difficulty approved dichotomous items, neither in a stimulus group nor in an enemy
/// pair (template siblings may be).
fn dif_items(bank: &SubjectBank) -> Vec<usize> {
    let mut picked = Vec::new();
    for (i, item) in bank.items.iter().enumerate() {
        let b = item.irt.as_ref().and_then(|p| p.b);
        let approved = item.status == Some(khaothi_domain::ReviewStatus::Approved);
        if approved
            && item.stimulus.is_none()
            && b.is_some_and(|b| b.abs() < 0.6)
            && !bank.paired.contains(&i)
        {
            let kind = item.kind;
            if picked.iter().all(|&j: &usize| bank.items[j].kind != kind) {
                picked.push(i);
            }
        }
        if picked.len() == DIF_SHIFTS.len() {
            break;
        }
    }
    picked
}

/// Simulates `candidates` candidates of one subject. Person ids are `TS00001`, … (thí sinh).
pub fn simulate_subject(
    bank: &SubjectBank,
    candidates: usize,
    seed: u64,
) -> Result<SimulatedResponses, SamplesError> {
    let models: Vec<ItemModel> = bank.items.iter().map(item_model).collect::<Result<_, _>>()?;
    let ids: Vec<String> = bank.items.iter().map(|i| i.id.clone()).collect();
    let mut rng = Rng::seed_from_u64(seed);
    let blocks = blocks(bank, &mut rng);
    let n_blocks = blocks.len();
    let per = BLOCKS_PER_BOOKLET.min(n_blocks);
    let booklet_items: Vec<Vec<usize>> = (0..n_blocks)
        .map(|b| {
            let mut items: Vec<usize> =
                (0..per).flat_map(|k| blocks[(b + k) % n_blocks].iter().copied()).collect();
            items.sort_unstable();
            items
        })
        .collect();
    let regions: Vec<&'static str> =
        (0..candidates).map(|_| if rng.random_bool(FOCAL_SHARE) { FOCAL } else { REFERENCE }).collect();
    let z = draw_thetas(candidates, 0.0, 1.0, seed.wrapping_add(1));
    let thetas: Vec<f64> = z
        .iter()
        .zip(&regions)
        .map(|(z, r)| ((z + if *r == FOCAL { MEAN_FOCAL } else { MEAN_REFERENCE }) * 1e4).round() / 1e4)
        .collect();
    // Spiralled distribution of booklets, as in a real sitting: candidate i sits booklet i mod B.
    let booklets: Vec<usize> = (0..candidates).map(|i| i % n_blocks).collect();
    let full = simulate_responses_with_ids(&models, ids.clone(), &thetas, seed.wrapping_add(2));
    let dif_idx = dif_items(bank);
    let dif_models: Vec<ItemModel> =
        dif_idx.iter().zip(DIF_SHIFTS).map(|(&j, d)| shifted(&models[j], d)).collect();
    let dif_ids: Vec<String> = dif_idx.iter().map(|&j| ids[j].clone()).collect();
    let focal = if dif_models.is_empty() {
        None
    } else {
        Some(simulate_responses_with_ids(&dif_models, dif_ids, &thetas, seed.wrapping_add(3)))
    };
    let n_items = ids.len();
    let mut data = vec![MISSING; candidates * n_items];
    let mut presented = vec![false; n_items];
    for p in 0..candidates {
        presented.iter_mut().for_each(|x| *x = false);
        for &j in &booklet_items[booklets[p]] {
            presented[j] = true;
        }
        let row = full.row(p);
        for j in 0..n_items {
            if presented[j] {
                data[p * n_items + j] = row[j];
            }
        }
        if let (Some(f), true) = (&focal, regions[p] == FOCAL) {
            for (k, &j) in dif_idx.iter().enumerate() {
                if presented[j] {
                    data[p * n_items + j] = f.get(p, k);
                }
            }
        }
    }
    let persons = (1..=candidates).map(|i| format!("TS{i:05}")).collect();
    let matrix = ResponseMatrix::new(ids, Some(persons), candidates, data)
        .map_err(|e| SamplesError::Simulation(e.to_string()))?;
    let dif = dif_idx
        .iter()
        .zip(DIF_SHIFTS)
        .map(|(&j, d)| PlantedDif {
            subject: bank.taxonomy.subject.to_string(),
            item: bank.items[j].id.clone(),
            reference: REFERENCE.into(),
            focal: FOCAL.into(),
            shift_b: d,
        })
        .collect();
    Ok(SimulatedResponses { matrix, thetas, booklets, regions, booklet_items, dif })
}

impl SimulatedResponses {
    /// The calibration CSV (`person` then item ids; empty cells for items not presented).
    pub fn responses_csv(&self) -> Result<Vec<u8>, SamplesError> {
        let mut out = Vec::new();
        khaothi_irt::csv::write_responses(&self.matrix, &mut out)
            .map_err(|e| SamplesError::Simulation(e.to_string()))?;
        Ok(out)
    }

    /// `person,booklet,region,theta`: the truth for recovery checks.
    pub fn truth_csv(&self) -> String {
        let mut s = String::from("person,booklet,region,theta\n");
        for (p, id) in self.matrix.person_ids().unwrap_or_default().iter().enumerate() {
            s.push_str(&format!("{id},{},{},{:.4}\n", self.booklets[p] + 1, self.regions[p], self.thetas[p]));
        }
        s
    }

    /// `person,region`: the grouping column for DIF analysis.
    pub fn groups_csv(&self) -> String {
        let mut s = String::from("person,region\n");
        for (p, id) in self.matrix.person_ids().unwrap_or_default().iter().enumerate() {
            s.push_str(&format!("{id},{}\n", self.regions[p]));
        }
        s
    }
}
