//! `khaothi score`: ability estimates (EAP, MAP or MLE) for a responses CSV and item parameters.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_irt::ability::{AbilityMethod, AbilityOptions, AbilityStatus, score_matrix};
use khaothi_irt::params::read_item_params;

use super::calibrate::{open_input, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Responses CSV (same contract as `calibrate`). `-` reads stdin.
    #[arg(long)]
    pub input: PathBuf,
    /// Item parameters: the JSON written by `calibrate`, or JSON Lines {"id": ..., "irt": {...}}.
    #[arg(long)]
    pub params: PathBuf,
    /// eap (posterior mean and SD), map or mle.
    #[arg(long, default_value = "eap")]
    pub method: AbilityMethod,
    /// Normal prior for EAP and MAP.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub prior_mean: f64,
    #[arg(long, default_value_t = 1.0)]
    pub prior_sd: f64,
    #[arg(long)]
    pub threads: Option<usize>,
    /// json or csv.
    #[arg(long, default_value = "json")]
    pub format: String,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn status_str(s: AbilityStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(matches!(args.format.as_str(), "json" | "csv"), "--format must be json or csv");
    let m = khaothi_irt::csv::read_responses(open_input(&args.input)?)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let params = read_item_params(open_input(&args.params)?)
        .with_context(|| format!("reading {}", args.params.display()))?;
    let by_id: std::collections::HashMap<&str, &khaothi_irt::ItemModel> =
        params.iter().map(|(id, m)| (id.as_str(), m)).collect();
    let missing: Vec<&str> =
        m.item_ids().iter().map(String::as_str).filter(|id| !by_id.contains_key(id)).collect();
    anyhow::ensure!(missing.is_empty(), "no parameters for item(s): {}", missing.join(", "));
    let items: Vec<khaothi_irt::ItemModel> =
        m.item_ids().iter().map(|id| by_id[id.as_str()].clone()).collect();
    let opts = AbilityOptions {
        method: args.method,
        prior_mean: args.prior_mean,
        prior_sd: args.prior_sd,
        ..Default::default()
    };
    let est = match args.threads {
        Some(n) => rayon_pool(n)?.install(|| score_matrix(&items, &m, &opts))?,
        None => score_matrix(&items, &m, &opts)?,
    };
    // person fit lz at each estimate (None without an estimate or with fewer than two items)
    let lz: Vec<Option<f64>> = est
        .iter()
        .enumerate()
        .map(|(p, e)| {
            let scores: Vec<Option<u8>> =
                m.row(p).iter().map(|&x| (x != khaothi_irt::MISSING).then_some(x)).collect();
            e.theta.and_then(|t| khaothi_irt::fit::person::lz(&items, &scores, t))
        })
        .collect();
    let person = |p: usize| m.person_ids().map_or_else(|| (p + 1).to_string(), |ids| ids[p].clone());
    let text = if args.format == "csv" {
        let mut w = csv_writer();
        w.write_record(["person", "theta", "se", "status", "n_answered", "raw_score", "lz"])?;
        for (p, e) in est.iter().enumerate() {
            let f = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
            w.write_record([
                person(p),
                f(e.theta),
                f(e.se),
                status_str(e.status),
                e.n_answered.to_string(),
                e.raw_score.to_string(),
                f(lz[p]),
            ])?;
        }
        String::from_utf8(w.into_inner()?)?.trim_end().to_string()
    } else {
        let persons: Vec<serde_json::Value> = est
            .iter()
            .enumerate()
            .map(|(p, e)| {
                serde_json::json!({"person": person(p), "theta": e.theta, "se": e.se, "status": e.status,
                    "n_answered": e.n_answered, "raw_score": e.raw_score, "lz": lz[p]})
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({
            "method": args.method, "prior_mean": args.prior_mean, "prior_sd": args.prior_sd,
            "n_persons": m.n_persons(), "n_items": m.n_items(), "persons": persons,
        }))?
    };
    write_output(args.output.as_deref(), &text)
}

pub(crate) fn csv_writer() -> khaothi_csv::Writer {
    khaothi_csv::Writer::default()
}

pub(crate) fn rayon_pool(n: usize) -> anyhow::Result<khaothi_pool::Pool> {
    khaothi_pool::Pool::new(n)
}

/// Minimal CSV writing without adding a dependency to the cli crate.
pub(crate) mod khaothi_csv {
    #[derive(Default)]
    pub struct Writer(Vec<u8>);
    impl Writer {
        pub fn write_record<I: IntoIterator<Item = S>, S: AsRef<str>>(
            &mut self,
            fields: I,
        ) -> anyhow::Result<()> {
            for (i, f) in fields.into_iter().enumerate() {
                if i > 0 {
                    self.0.push(b',');
                }
                let f = f.as_ref();
                if f.contains([',', '"', '\n', '\r']) {
                    self.0.push(b'"');
                    self.0.extend_from_slice(f.replace('"', "\"\"").as_bytes());
                    self.0.push(b'"');
                } else {
                    self.0.extend_from_slice(f.as_bytes());
                }
            }
            self.0.push(b'\n');
            Ok(())
        }
        pub fn into_inner(self) -> anyhow::Result<Vec<u8>> {
            Ok(self.0)
        }
    }
}

/// Runs scoring on a fixed number of threads through the irt crate (rayon is not a cli dependency).
pub(crate) mod khaothi_pool {
    pub struct Pool(usize);
    impl Pool {
        pub fn new(n: usize) -> anyhow::Result<Self> {
            anyhow::ensure!(n > 0, "--threads must be at least 1");
            Ok(Self(n))
        }
        pub fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
            khaothi_irt::with_threads(self.0, f)
        }
    }
}
