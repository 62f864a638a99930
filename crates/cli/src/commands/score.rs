//! `khaothi score`: ability estimates (EAP, MAP, MLE or WLE) for a responses CSV and item
//! parameters, plausible values, and the sum-score conversion table.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_irt::ability::{AbilityMethod, AbilityOptions, AbilityStatus, score_matrix};
use khaothi_irt::calibrate::PersonGroups;
use khaothi_irt::params::read_item_params;
use khaothi_irt::plausible::{PlausibleValues, PvOptions, plausible_values};
use khaothi_irt::sum_score::eap_table;

use super::calibrate::{open_input, write_output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Responses CSV (same contract as `calibrate`). `-` reads stdin. Optional with `--table`
    /// (then every item of the parameters makes the test).
    #[arg(long, required_unless_present = "table")]
    pub input: Option<PathBuf>,
    /// Item parameters: the JSON written by `calibrate`, or JSON Lines {"id": ..., "irt": {...}}.
    #[arg(long)]
    pub params: PathBuf,
    /// eap (posterior mean and SD), map, mle or wle (Warm's weighted likelihood).
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
    /// Draw N plausible values per person from the posterior (`persons[].pv`).
    #[arg(long)]
    pub plausible_values: Option<usize>,
    /// Seed of the plausible values.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Condition the plausible values on this column of the responses CSV (region, school type):
    /// each group gets its own estimated normal prior.
    #[arg(long, requires = "plausible_values")]
    pub group_column: Option<String>,
    /// Print the sum-score → EAP conversion table instead of scoring persons.
    #[arg(long)]
    pub table: bool,
}

fn status_str(s: AbilityStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The parameters of each response column (in column order), or an error naming the items
/// without parameters.
fn column_items(
    ids: &[String],
    params: &[(String, khaothi_irt::ItemModel)],
) -> anyhow::Result<Vec<khaothi_irt::ItemModel>> {
    let by_id: std::collections::HashMap<&str, &khaothi_irt::ItemModel> =
        params.iter().map(|(id, m)| (id.as_str(), m)).collect();
    let missing: Vec<&str> = ids.iter().map(String::as_str).filter(|id| !by_id.contains_key(id)).collect();
    anyhow::ensure!(missing.is_empty(), "no parameters for item(s): {}", missing.join(", "));
    Ok(ids.iter().map(|id| by_id[id.as_str()].clone()).collect())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(matches!(args.format.as_str(), "json" | "csv"), "--format must be json or csv");
    let params = read_item_params(open_input(&args.params)?)
        .with_context(|| format!("reading {}", args.params.display()))?;
    let Some(input) = &args.input else {
        let items: Vec<khaothi_irt::ItemModel> = params.iter().map(|(_, m)| m.clone()).collect();
        return print_table(&args, &items);
    };
    let columns: Vec<&str> = args.group_column.as_deref().into_iter().collect();
    let (m, extra) = khaothi_irt::csv::read_responses_with_columns(open_input(input)?, &columns)
        .with_context(|| format!("reading {}", input.display()))?;
    let items = column_items(m.item_ids(), &params)?;
    if args.table {
        return print_table(&args, &items);
    }
    let opts = AbilityOptions {
        method: args.method,
        prior_mean: args.prior_mean,
        prior_sd: args.prior_sd,
        ..Default::default()
    };
    let pool = rayon_pool(args.threads.unwrap_or(0).max(1))?;
    let threaded = |f: &(dyn Fn() -> anyhow::Result<Scored> + Sync)| match args.threads {
        Some(_) => pool.install(f),
        None => f(),
    };
    let scored = threaded(&|| {
        let est = score_matrix(&items, &m, &opts)?;
        let pv = match args.plausible_values {
            Some(n) => Some(draw_plausible_values(&items, &m, extra.first(), n, &args)?),
            None => None,
        };
        let lz = person_fit(&items, &m, &est);
        Ok(Scored { est, pv, lz })
    })?;
    let text = if args.format == "csv" { csv_text(&m, &scored)? } else { json_text(&args, &m, &scored)? };
    write_output(args.output.as_deref(), &text)
}

struct Scored {
    est: Vec<khaothi_irt::AbilityEstimate>,
    pv: Option<PlausibleValues>,
    /// Person fit lz at each estimate (None without an estimate or with fewer than two items).
    lz: Vec<Option<f64>>,
}

fn person_fit(
    items: &[khaothi_irt::ItemModel],
    m: &khaothi_irt::ResponseMatrix,
    est: &[khaothi_irt::AbilityEstimate],
) -> Vec<Option<f64>> {
    est.iter()
        .enumerate()
        .map(|(p, e)| {
            let scores: Vec<Option<u8>> =
                m.row(p).iter().map(|&x| (x != khaothi_irt::MISSING).then_some(x)).collect();
            e.theta.and_then(|t| khaothi_irt::fit::person::lz(items, &scores, t))
        })
        .collect()
}

fn draw_plausible_values(
    items: &[khaothi_irt::ItemModel],
    m: &khaothi_irt::ResponseMatrix,
    labels: Option<&Vec<String>>,
    n: usize,
    args: &Args,
) -> anyhow::Result<PlausibleValues> {
    let o = PvOptions { n, seed: args.seed, prior_mean: args.prior_mean, prior_sd: args.prior_sd };
    let groups = labels.map(|l| PersonGroups::from_labels(l, None)).transpose()?;
    let g = groups.as_ref().map(|g| (g.names.as_slice(), g.of_person.as_slice()));
    Ok(plausible_values(items, m, g, &o)?)
}

fn print_table(args: &Args, items: &[khaothi_irt::ItemModel]) -> anyhow::Result<()> {
    let table = eap_table(items, args.prior_mean, args.prior_sd)?;
    let text = if args.format == "csv" {
        let mut w = csv_writer();
        w.write_record(["score", "theta", "se"])?;
        for r in &table {
            w.write_record([r.score.to_string(), format!("{:.6}", r.theta), format!("{:.6}", r.se)])?;
        }
        String::from_utf8(w.into_inner()?)?.trim_end().to_string()
    } else {
        serde_json::to_string_pretty(&serde_json::json!({
            "prior_mean": args.prior_mean, "prior_sd": args.prior_sd, "n_items": items.len(), "table": table,
        }))?
    };
    write_output(args.output.as_deref(), &text)
}

fn person_id(m: &khaothi_irt::ResponseMatrix, p: usize) -> String {
    m.person_ids().map_or_else(|| (p + 1).to_string(), |ids| ids[p].clone())
}

fn csv_text(m: &khaothi_irt::ResponseMatrix, s: &Scored) -> anyhow::Result<String> {
    let mut w = csv_writer();
    let n_pv = s.pv.as_ref().map_or(0, |pv| pv.values.first().map_or(0, Vec::len));
    let mut header: Vec<String> = ["person", "theta", "se", "status", "n_answered", "raw_score", "lz"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    header.extend((1..=n_pv).map(|k| format!("pv{k}")));
    w.write_record(&header)?;
    for (p, e) in s.est.iter().enumerate() {
        let f = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
        let mut row = vec![
            person_id(m, p),
            f(e.theta),
            f(e.se),
            status_str(e.status),
            e.n_answered.to_string(),
            e.raw_score.to_string(),
            f(s.lz[p]),
        ];
        if let Some(pv) = &s.pv {
            row.extend(pv.values[p].iter().map(|v| format!("{v:.6}")));
        }
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?.trim_end().to_string())
}

fn json_text(args: &Args, m: &khaothi_irt::ResponseMatrix, s: &Scored) -> anyhow::Result<String> {
    let persons: Vec<serde_json::Value> = s
        .est
        .iter()
        .enumerate()
        .map(|(p, e)| {
            let mut v = serde_json::json!({"person": person_id(m, p), "theta": e.theta, "se": e.se, "status": e.status,
                "n_answered": e.n_answered, "raw_score": e.raw_score, "lz": s.lz[p]});
            if let Some(pv) = &s.pv {
                v["pv"] = serde_json::json!(pv.values[p]);
            }
            v
        })
        .collect();
    let mut out = serde_json::json!({
        "method": args.method, "prior_mean": args.prior_mean, "prior_sd": args.prior_sd,
        "n_persons": m.n_persons(), "n_items": m.n_items(), "persons": persons,
    });
    if let Some(pv) = &s.pv {
        out["plausible_values"] = serde_json::json!({"n": args.plausible_values, "seed": args.seed,
            "conditioned_on": args.group_column, "groups": pv.groups});
    }
    Ok(serde_json::to_string_pretty(&out)?)
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
