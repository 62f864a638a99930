//! `khaothi simulate`: writes the Vietnamese grade-12 sample bank and simulated responses
//! (`item-bank-samples/`, see docs/samples.md). The same seed writes byte-identical files.

use std::path::PathBuf;

use anyhow::Context as _;
use khaothi_samples::{DEFAULT_SEED, SampleOptions, sample_files};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output directory (created if missing); `blueprints/` inside it is left alone.
    #[arg(long, default_value = "item-bank-samples")]
    pub out: PathBuf,
    /// Seed of every random draw (items, parameters, abilities, responses).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Simulated candidates per subject.
    #[arg(long, default_value_t = 5000)]
    pub candidates: usize,
    /// Items per subject (toán, vật lý, hóa học).
    #[arg(long, default_value_t = 220)]
    pub items_per_subject: usize,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let opts = SampleOptions {
        seed: args.seed,
        candidates: args.candidates,
        items_per_subject: args.items_per_subject,
    };
    let files = sample_files(&opts)?;
    let mut bytes = 0;
    for f in &files {
        let path = args.out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, &f.contents).with_context(|| format!("writing {}", path.display()))?;
        bytes += f.contents.len();
    }
    eprintln!("wrote {} files ({:.1} MB) to {}", files.len(), bytes as f64 / 1e6, args.out.display());
    Ok(())
}
