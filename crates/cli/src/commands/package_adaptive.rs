//! `khaothi package adaptive`: an adaptive exam package (issue 20) from the bank's items and a CAT
//! design given by the same flags as `khaothi cat simulate`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_cat::{Design, Pool};
use khaothi_package::{AdaptiveInput, build_adaptive_package};

use super::blueprint_file::read_blueprint;
use super::cat::RuleArgs;
use super::package_input::{package_id_and_title, read_items, read_signing_key, read_stimuli, write_package};

/// The design the flags describe: `cat simulate`'s (the same rule flags, the same blueprint
/// reader, the blueprint's form length when no stopping rule is given), with this command's prior
/// mean and Sympson–Hetter when exposure parameters are given.
fn design(a: &AdaptiveArgs) -> anyhow::Result<Design> {
    let blueprint = a.blueprint.as_deref().map(read_blueprint).transpose()?;
    let design = a.rules.design(blueprint)?;
    Ok(Design { prior_mean: a.theta_mean, sympson_hetter: a.exposure.is_some(), ..design })
}

/// Sympson–Hetter parameters: a flat `{"ITEM": k}` or an object with them under `parameters`.
fn read_exposure(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let map = v.get("parameters").unwrap_or(&v);
    serde_json::from_value(map.clone())
        .with_context(|| format!("{}: expected {{\"ITEM\": k, …}} (or under \"parameters\")", path.display()))
}

/// `khaothi package adaptive`: the design's flags are `khaothi cat simulate`'s, so the design a
/// board chose from the simulation table is the one it packages.
#[derive(clap::Args, Debug)]
pub struct AdaptiveArgs {
    /// The pool's items, one JSON record a line (docs/formats.md), with their `irt` parameters.
    #[arg(long)]
    pub items: PathBuf,
    /// Stimuli (shared passages), JSON Lines `{"id","text"}`.
    #[arg(long)]
    pub stimuli: Option<PathBuf>,
    #[arg(long)]
    pub event: String,
    #[arg(long, default_value = "")]
    pub title: String,
    #[arg(long, default_value_t = 45)]
    pub duration_minutes: u32,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Sympson–Hetter exposure parameters (JSON: `{"ITEM": k, …}`, or the `parameters` of the
    /// exposure calibration's output); turns Sympson–Hetter control on.
    #[arg(long)]
    pub exposure: Option<PathBuf>,
    /// Content balancing by shadow tests against this blueprint (YAML); without --length or
    /// --stop-se the test is as long as its form.
    #[arg(long)]
    pub blueprint: Option<PathBuf>,
    /// Prior mean of θ (the starting point); may be negative (`--theta-mean -0.5`).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub theta_mean: f64,
    /// The board's secret key file (from `khaothi package keygen`).
    #[arg(long)]
    pub signing_key: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: AdaptiveArgs) -> anyhow::Result<()> {
    let items = read_items(&a.items)?;
    let signer = read_signing_key(&a.signing_key)?;
    let stimuli = read_stimuli(a.stimuli.as_ref())?;
    let (mut pool, warnings) = Pool::from_bank_items(&items)?;
    for w in &warnings {
        eprintln!("left out of the pool: {}: {}", w.item, w.message);
    }
    if let Some(p) = &a.exposure {
        pool = pool.with_exposure(&read_exposure(p)?)?;
    }
    let design = design(&a)?;
    let subject = items.first().map(|i| i.subject.clone()).unwrap_or_default();
    let (package_id, title) = package_id_and_title(&a.event, &a.title);
    let input = AdaptiveInput {
        package_id,
        event_id: a.event.clone(),
        title,
        subject,
        duration_minutes: a.duration_minutes,
        created_at: chrono::Utc::now().to_rfc3339(),
        items: &items,
        stimuli: &stimuli,
        media: &BTreeMap::new(),
        pool: &pool,
        design: &design,
    };
    let built = build_adaptive_package(&input, &signer, &mut rand::rng())?;
    let mut extra = serde_json::Map::new();
    extra.insert("pool_items".into(), pool.len().into());
    extra.insert("left_out".into(), serde_json::to_value(&warnings)?);
    write_package(&a.out, &built, extra)?;
    eprintln!(
        "an adaptive event's keys are released with its content: unlock it with both keys at the start time"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::AdaptiveArgs;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: AdaptiveArgs,
    }

    /// A board whose candidates sit below the calibration sample starts the test below 0: a negative
    /// prior mean is a value, not a flag.
    #[test]
    fn a_negative_theta_mean_is_a_value() {
        let w = Wrap::try_parse_from([
            "adaptive",
            "--items",
            "p.jsonl",
            "--event",
            "E",
            "--theta-mean",
            "-0.5",
            "--signing-key",
            "k",
            "--out",
            "o",
        ]);
        let w = w.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.args.theta_mean, -0.5);
    }
}
