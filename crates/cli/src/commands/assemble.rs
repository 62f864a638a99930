//! `khaothi assemble`: parallel forms and their shuffled versions from a blueprint and a JSON Lines
//! item file. Prints the result as JSON (each form's versions with their `key_counts`, the pool's
//! exclusions item by item); an infeasible blueprint prints the diagnosis (JSON on stdout, the
//! explanation on stderr) and exits non-zero.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use khaothi_assembly::{AssemblyError, AssemblyOptions, SolverChoice, Strategy, assemble};
use khaothi_domain::{Item, ItemRecord};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Items, one JSON record a line (docs/formats.md).
    #[arg(long)]
    pub items: PathBuf,
    /// The blueprint (ma trận đề), YAML (docs/formats.md, "Blueprint (YAML)").
    #[arg(long)]
    pub blueprint: PathBuf,
    /// Seed of the shuffled versions (same seed, same papers).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time budget of the whole assembly, seconds (default 60). Given, it is the run's budget: the
    /// passes after balancing may use it up to the limit; without it they stop at 1.8 × the time
    /// the passes before them took (docs/assembly.md, "Time").
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which each solve may stop.
    #[arg(long, default_value_t = 0.01)]
    pub gap: f64,
    /// MILP solver: highs (when built with it, the default then) or microlp.
    #[arg(long, value_parser = ["highs", "microlp"])]
    pub solver: Option<String>,
    /// sequential (default: forms one after another, then balanced) or simultaneous (one model).
    #[arg(long, default_value = "sequential", value_parser = ["sequential", "simultaneous"])]
    pub strategy: String,
    /// Also use draft and in-review items (never retired ones); for trial runs only.
    #[arg(long)]
    pub any_status: bool,
    /// Also keep near-duplicate items apart (suggested enemies nobody confirmed); without it only
    /// the items' confirmed `enemies` are used. The pairs used are listed as `auto_enemies`.
    #[arg(long)]
    pub auto_enemies: bool,
}

fn read_items(path: &PathBuf) -> anyhow::Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rec = ItemRecord::from_json_line(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?;
        let (item, _warnings) =
            rec.into_item().map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?;
        items.push(item);
    }
    Ok(items)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let bp = super::blueprint_file::read_blueprint(&args.blueprint)?;
    let items = read_items(&args.items)?;
    let solver = match args.solver.as_deref() {
        Some("microlp") => SolverChoice::Microlp,
        Some(_) => SolverChoice::Highs,
        None => SolverChoice::best_available(),
    };
    let opts = AssemblyOptions {
        solver,
        time_limit: args.time_limit.unwrap_or(60.0),
        whole_budget: args.time_limit.is_some(),
        gap: args.gap,
        seed: args.seed,
        strategy: if args.strategy == "simultaneous" { Strategy::Simultaneous } else { Strategy::Sequential },
        allow_unapproved: args.any_status,
        auto_enemies: args.auto_enemies,
        ..AssemblyOptions::default()
    };
    // The time limit runs from here, on the wall clock (the assembly crate never reads it).
    let started = Instant::now();
    match assemble(&bp, &items, &opts, &move || started.elapsed()) {
        Ok(result) => {
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
        Err(AssemblyError::Infeasible(d)) => {
            let out = serde_json::json!({ "status": "infeasible", "diagnosis": d });
            println!("{}", serde_json::to_string_pretty(&out)?);
            eprint!("{}", d.to_text());
            anyhow::bail!("the blueprint cannot be met: {}", d.summary())
        }
        Err(e) => Err(e.into()),
    }
}
