//! `khaothi link`: linking constants between two separate calibrations from their common items,
//! and the new calibration's items on the base scale; prints JSON.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_irt::ItemModel;
use khaothi_irt::linking::{LinkMethod, drift, link};
use khaothi_irt::params::{irt_params, read_item_params};
use serde_json::json;

use super::calibrate::{open_input, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// mean-mean, mean-sigma, haebara or stocking-lord.
    #[arg(long, default_value = "stocking-lord")]
    pub method: LinkMethod,
    /// The base scale's parameters: the JSON `calibrate` writes, or JSON Lines {"id", "irt"}.
    #[arg(long)]
    pub base: PathBuf,
    /// The new calibration's parameters (same formats), put on the base scale.
    #[arg(long)]
    pub new: PathBuf,
    /// Comma-separated ids of the common items (default: every id in both files).
    #[arg(long, value_delimiter = ',')]
    pub common: Option<Vec<String>>,
    /// Screen the common items for drift (robust z), reported apart from A and B.
    #[arg(long)]
    pub drift: bool,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<(String, ItemModel)>> {
    read_item_params(open_input(path)?).with_context(|| format!("reading {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (base, new) = (read(&args.base)?, read(&args.new)?);
    let base_by_id: std::collections::HashMap<&str, &ItemModel> =
        base.iter().map(|(id, m)| (id.as_str(), m)).collect();
    let new_by_id: std::collections::HashMap<&str, &ItemModel> =
        new.iter().map(|(id, m)| (id.as_str(), m)).collect();
    let ids: Vec<String> = match &args.common {
        Some(ids) => {
            let ids: Vec<String> =
                ids.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            let absent: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| !base_by_id.contains_key(id) || !new_by_id.contains_key(id))
                .collect();
            anyhow::ensure!(absent.is_empty(), "common item(s) not in both files: {}", absent.join(", "));
            ids
        }
        None => {
            new.iter().map(|(id, _)| id.clone()).filter(|id| base_by_id.contains_key(id.as_str())).collect()
        }
    };
    anyhow::ensure!(!ids.is_empty(), "the two files have no common items");
    let common: Vec<(ItemModel, ItemModel)> =
        ids.iter().map(|id| (base_by_id[id.as_str()].clone(), new_by_id[id.as_str()].clone())).collect();
    let k = link(&common, args.method)?;
    let items: Vec<serde_json::Value> = new
        .iter()
        .map(|(id, m)| json!({"id": id, "irt": irt_params(&m.rescaled(k.a, k.b), &[], None)}))
        .collect();
    let mut out = json!({
        "method": args.method,
        "A": k.a,
        "B": k.b,
        "criterion": k.criterion,
        "iterations": k.iterations,
        "common": ids,
        "n_common": ids.len(),
        "items": items,
    });
    if args.drift {
        out["drift"] = json!(drift(&ids, &common, &k, args.method)?);
    }
    write_output(args.output.as_deref(), &serde_json::to_string_pretty(&out)?)
}
