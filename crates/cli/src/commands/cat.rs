//! `khaothi cat`: adaptive-test (CAT) designs simulated before a board chooses one
//! (`simulate`). docs/cat.md.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_assembly::Blueprint;
use khaothi_cat::{Design, Pool, Selection, SimulationOptions, Stopping, run_simulation};
use serde_json::json;

use super::blueprint_file::read_blueprint;
use super::calibrate::write_output;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: CatCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum CatCommand {
    /// Simulees drawn from N(M, SD²) take the adaptive test; prints the JSON table (rmse, bias,
    /// mean_length, max_exposure, overlap, unused_items, by_theta, constraint_violations).
    Simulate(SimulateArgs),
}

/// How an adaptive test picks its items and when it stops: the same flags for `cat simulate` and
/// `package adaptive`, so the design a board chose from the simulation table is the one it
/// packages.
#[derive(clap::Args, Debug)]
pub struct RuleArgs {
    /// Fixed test length (items).
    #[arg(long, conflicts_with_all = ["stop_se"])]
    pub length: Option<u32>,
    /// Stop once the SE of θ (the posterior SD) is at most this (with --min-length and
    /// --max-length).
    #[arg(long, requires_all = ["min_length", "max_length"])]
    pub stop_se: Option<f64>,
    #[arg(long)]
    pub min_length: Option<u32>,
    #[arg(long)]
    pub max_length: Option<u32>,
    /// Item selection: `mfi` (maximum Fisher information) or `kl` (Kullback–Leibler).
    #[arg(long, default_value = "mfi")]
    pub selection: Selection,
    /// Randomesque-k: pick at random among the k most informative items.
    #[arg(long, default_value_t = 1)]
    pub randomesque: u32,
}

impl RuleArgs {
    /// The stopping rule the flags give, if they give one (clap already requires --min-length
    /// and --max-length beside --stop-se, and refuses --length beside it).
    pub fn stopping(&self) -> Option<Stopping> {
        match (self.length, self.stop_se, self.min_length, self.max_length) {
            (Some(length), None, _, _) => Some(Stopping::FixedLength { length }),
            (None, Some(se), Some(min_length), Some(max_length)) => {
                Some(Stopping::Precision { se, min_length, max_length })
            }
            _ => None,
        }
    }

    /// The design the flags give with an optional blueprint: the flags' stopping rule or, without
    /// one, a fixed length of the blueprint's form (shadow tests balance whole forms). Prior
    /// N(0, 1) and no Sympson–Hetter: the command sets those.
    pub fn design(&self, blueprint: Option<Blueprint>) -> anyhow::Result<Design> {
        let stop = match (self.stopping(), &blueprint) {
            (Some(stop), _) => stop,
            (None, Some(bp)) => Stopping::FixedLength { length: bp.form_length() },
            (None, None) => anyhow::bail!(
                "give --length L, or --stop-se SE --min-length L0 --max-length L1 (or a --blueprint)"
            ),
        };
        Ok(Design {
            prior_mean: 0.0,
            prior_sd: 1.0,
            selection: self.selection,
            randomesque: self.randomesque,
            sympson_hetter: false,
            stop,
            blueprint,
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The pool: JSON Lines, one pool item per line or bank item records as `khaothi` exports
    /// them (docs/formats.md, "CAT pool (JSONL)"); items without parameters are left out, named.
    #[arg(long)]
    pub pool: PathBuf,
    #[arg(long)]
    pub persons: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Sympson–Hetter to this maximum exposure rate: the parameters are calibrated by simulation
    /// first (reported under `sympson_hetter`), then the table is simulated with them.
    #[arg(long)]
    pub sympson_hetter: Option<f64>,
    /// A blueprint (YAML): content balancing by shadow tests; the test length is its form length.
    #[arg(long)]
    pub blueprint: Option<PathBuf>,
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub theta_mean: f64,
    #[arg(long, default_value_t = 1.0)]
    pub theta_sd: f64,
    /// Also write the pool with its exposure parameters (JSON Lines), ready for a package.
    #[arg(long)]
    pub write_pool: Option<PathBuf>,
    /// Also write the design (JSON), ready for a package.
    #[arg(long)]
    pub write_design: Option<PathBuf>,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        CatCommand::Simulate(a) => simulate(a),
    }
}

fn design_of(a: &SimulateArgs) -> anyhow::Result<Design> {
    a.rules.design(a.blueprint.as_deref().map(read_blueprint).transpose()?)
}

fn simulate(a: SimulateArgs) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(&a.pool).with_context(|| format!("cannot read {}", a.pool.display()))?;
    let (pool, left_out) = Pool::from_jsonl(&text).with_context(|| format!("pool {}", a.pool.display()))?;
    for w in &left_out {
        eprintln!("warning: item {} left out of the pool: {}", w.item, w.message);
    }
    let design = design_of(&a)?;
    let sim = SimulationOptions {
        persons: a.persons,
        seed: a.seed,
        theta_mean: a.theta_mean,
        theta_sd: a.theta_sd,
    };
    let run = run_simulation(pool, design, &sim, a.sympson_hetter)?;
    for w in &run.warnings {
        eprintln!("warning: item {}: {}", w.item, w.message);
    }
    if let Some(path) = &a.write_pool {
        let lines: Vec<String> =
            run.pool.items().iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
        std::fs::write(path, lines.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &a.write_design {
        std::fs::write(path, serde_json::to_string_pretty(&run.design)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = serde_json::to_value(&run.report)?;
    out["persons"] = json!(a.persons);
    out["pool_items"] = json!(run.pool.len());
    if let Some(e) = &run.exposure {
        out["sympson_hetter"] = serde_json::to_value(e)?;
    }
    write_output(a.output.as_deref(), &serde_json::to_string_pretty(&out)?)
}
