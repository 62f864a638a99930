//! `khaothi integrity`: the answer-copying screen of an event (Wollack's ω over neighbouring
//! seats, with answer timing) from the delivery server's raw export and results CSV; prints JSON.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_irt::integrity::{Options, input, screen};
use khaothi_irt::params::read_item_params;

use super::calibrate::{open_input, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The delivery server's raw responses CSV (`exports/raw.csv`).
    #[arg(long)]
    pub raw: PathBuf,
    /// The delivery server's results CSV (`results?format=csv`): rooms, seats and versions.
    #[arg(long)]
    pub results: PathBuf,
    /// Item parameters: the JSON written by `calibrate`, or JSON Lines {"id": ..., "irt": {...}}
    /// (an id without `@version` matches every version of the item).
    #[arg(long)]
    pub params: PathBuf,
    /// Family-wise level: a pair is flagged for review when its Bonferroni-adjusted p ≤ alpha.
    #[arg(long, default_value_t = 0.001)]
    pub alpha: f64,
    /// Seat layouts, CSV `room,rows,columns` (seats numbered along the rows); without it,
    /// consecutive seat numbers are neighbours.
    #[arg(long)]
    pub layout: Option<PathBuf>,
    /// Identical answers received within this many seconds count as given together.
    #[arg(long, default_value_t = 10.0)]
    pub window: f64,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.alpha > 0.0 && args.alpha < 1.0, "--alpha must be between 0 and 1");
    anyhow::ensure!(args.window >= 0.0, "--window must not be negative");
    let mut event = input::read_event(open_input(&args.raw)?, open_input(&args.results)?)
        .with_context(|| format!("reading {} and {}", args.raw.display(), args.results.display()))?;
    if let Some(l) = &args.layout {
        event.layouts =
            input::read_layouts(open_input(l)?).with_context(|| format!("reading {}", l.display()))?;
    }
    let params = read_item_params(open_input(&args.params)?)
        .with_context(|| format!("reading {}", args.params.display()))?;
    let report = screen(&event, &params, &Options { alpha: args.alpha, window_seconds: args.window })?;
    if !report.items_without_params.is_empty() {
        eprintln!(
            "warning: {} item(s) without parameters are left out: {}",
            report.items_without_params.len(),
            report.items_without_params.join(", ")
        );
    }
    let flagged = report.pairs.iter().filter(|p| p.flagged).count();
    eprintln!("{flagged} of {} neighbour pairs flagged for review at alpha {}", report.m, report.alpha);
    write_output(args.output.as_deref(), &serde_json::to_string_pretty(&report)?)
}
