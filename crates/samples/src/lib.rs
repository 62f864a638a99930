//! The Vietnamese grade-12 sample bank (toán, vật lý, hóa học) and simulated responses for it.
//!
//! Every item is written by a template from drawn parameters, and its key is computed from the
//! same parameters (derivatives, integrals, distances, gas laws, decay, molar masses), so the bank
//! is large enough to calibrate and assemble from while every key stays right. Pure: the caller
//! writes the files returned by [`sample_files`]. `docs/samples.md` describes the result.

pub mod bank;
pub mod draft;
pub mod error;
pub mod hoa_hoc;
mod readme;
pub mod responses;
pub mod taxonomy;
#[cfg(test)]
mod tests;
pub mod toan;
pub mod vat_ly;
#[cfg(test)]
mod verify;

pub use bank::{StimulusRecord, SubjectBank, generate_subject};
pub use error::SamplesError;
pub use responses::{PlantedDif, SimulatedResponses, simulate_subject};

use bank::Templates;
use taxonomy::SubjectTaxonomy;

/// What to generate. The defaults are the committed `item-bank-samples/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    pub seed: u64,
    /// Simulated candidates per subject.
    pub candidates: usize,
    pub items_per_subject: usize,
}

pub const DEFAULT_SEED: u64 = 20251;

impl Default for SampleOptions {
    fn default() -> Self {
        Self { seed: DEFAULT_SEED, candidates: 5000, items_per_subject: 220 }
    }
}

/// A file of the sample set, path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// The templates of each subject of the taxonomy.
pub fn templates(subject: &SubjectTaxonomy) -> &'static Templates {
    match subject.subject {
        "toan" => &toan::TEMPLATES,
        "vat_ly" => &vat_ly::TEMPLATES,
        _ => &hoa_hoc::TEMPLATES,
    }
}

/// Seed of one subject's stream `k` (0: items, 1: responses): subjects do not share draws, so a
/// change to one subject's templates leaves the others' files unchanged.
pub fn subject_seed(seed: u64, subject_index: usize, k: u64) -> u64 {
    seed.wrapping_mul(1_000_003).wrapping_add(subject_index as u64 * 101 + k)
}

/// The banks of every subject.
pub fn generate_banks(opts: &SampleOptions) -> Vec<SubjectBank> {
    taxonomy::SUBJECTS
        .iter()
        .enumerate()
        .map(|(k, s)| {
            generate_subject(s, templates(s), opts.items_per_subject, subject_seed(opts.seed, k, 0))
        })
        .collect()
}

/// Every file of `item-bank-samples/` except `blueprints/`: per-subject and combined items,
/// stimuli, taxonomy, responses with their truth and groups, planted DIF, README.
pub fn sample_files(opts: &SampleOptions) -> Result<Vec<SampleFile>, SamplesError> {
    const MIN_ITEMS: usize = 20;
    if opts.items_per_subject < MIN_ITEMS {
        return Err(SamplesError::TooFewItems { min: MIN_ITEMS, got: opts.items_per_subject });
    }
    let banks = generate_banks(opts);
    let mut files = Vec::new();
    let text = |path: String, s: String| SampleFile { path, contents: s.into_bytes() };
    let mut all_items = String::new();
    let mut all_stimuli = String::new();
    let mut all_dif = Vec::new();
    let mut sims = Vec::new();
    for (k, bank) in banks.iter().enumerate() {
        let subject = bank.taxonomy.subject;
        let items = bank.items_jsonl();
        all_items.push_str(&items);
        all_stimuli.push_str(&bank.stimuli_jsonl());
        files.push(text(format!("{subject}.jsonl"), items));
        let sim = simulate_subject(bank, opts.candidates, subject_seed(opts.seed, k, 1))?;
        files.push(SampleFile { path: format!("responses/{subject}.csv"), contents: sim.responses_csv()? });
        files.push(text(format!("responses/{subject}-truth.csv"), sim.truth_csv()));
        files.push(text(format!("responses/{subject}-groups.csv"), sim.groups_csv()));
        all_dif.extend(sim.dif.clone());
        sims.push(sim);
    }
    files.push(text("items.jsonl".into(), all_items));
    files.push(text("stimuli.jsonl".into(), all_stimuli));
    let tax = serde_json::to_string_pretty(&taxonomy::taxonomy_json()).expect("json") + "\n";
    files.push(text("taxonomy.json".into(), tax));
    files.push(text(
        "responses/dif.json".into(),
        serde_json::to_string_pretty(&all_dif).expect("json") + "\n",
    ));
    files.push(text("README.md".into(), readme::readme(opts, &banks, &sims)));
    Ok(files)
}
