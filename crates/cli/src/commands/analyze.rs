//! `khaothi analyze`: classical item statistics, distractors, item fit (S-X², infit/outfit), local
//! dependence (Q3) and DIF (Mantel–Haenszel, Mantel's test, logistic regression).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_irt::calibrate::{CalibrationOptions, calibrate};
use khaothi_irt::classical::{classical, distractors};
use khaothi_irt::dif::logistic::logistic_dif;
use khaothi_irt::dif::mantel::mantel;
use khaothi_irt::dif::mantel_haenszel;
use khaothi_irt::fit::{FitOptions, s_x2};
use khaothi_irt::params::read_item_params;
use khaothi_irt::{IrtModelKind, ItemModel, ResponseMatrix};
use serde_json::{Value, json};

use super::calibrate::{open_input, write_output};
use super::score::csv_writer;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Responses CSV (same contract as `calibrate`; a grouping column named by --group-column is set aside).
    #[arg(long)]
    pub input: PathBuf,
    /// Item parameters for S-X² (calibrate output JSON or JSON Lines); without it the items are calibrated with --model.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Model used to calibrate for S-X² when --params is not given.
    #[arg(long, default_value = "2pl")]
    pub model: IrtModelKind,
    /// Skip item fit.
    #[arg(long)]
    pub no_fit: bool,
    /// DIF grouping column: in the responses CSV, or in --group-file when given.
    #[arg(long)]
    pub group_column: Option<String>,
    /// CSV with the grouping column (and `person` to match persons by id; otherwise by row order).
    #[arg(long)]
    pub group_file: Option<PathBuf>,
    /// Reference group value (default: the larger group).
    #[arg(long)]
    pub reference: Option<String>,
    /// Focal group value (default: the other value).
    #[arg(long)]
    pub focal: Option<String>,
    /// Chosen options CSV (labels such as A–D; same header as the responses) for distractor analysis.
    #[arg(long)]
    pub choices: Option<PathBuf>,
    /// Keys for distractor analysis: CSV with columns id,key.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// json or csv (one row per item).
    #[arg(long, default_value = "json")]
    pub format: String,
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub threads: Option<usize>,
}

fn read_groups(args: &Args, m: &ResponseMatrix, in_file: Option<Vec<String>>) -> anyhow::Result<Vec<String>> {
    if let Some(v) = in_file {
        return Ok(v);
    }
    let path = args.group_file.as_ref().context("DIF needs --group-column or --group-file")?;
    let col = args.group_column.as_deref().unwrap_or("group");
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().context("empty group file")?.split(',').map(str::trim).collect();
    let gi = header
        .iter()
        .position(|h| *h == col)
        .with_context(|| format!("no column '{col}' in {}", path.display()))?;
    let pi = header.iter().position(|h| h.eq_ignore_ascii_case("person"));
    let rows: Vec<Vec<String>> =
        lines.map(|l| l.split(',').map(|s| s.trim().to_string()).collect()).collect();
    match (pi, m.person_ids()) {
        (Some(pi), Some(ids)) => {
            let map: HashMap<&str, &str> =
                rows.iter().filter_map(|r| Some((r.get(pi)?.as_str(), r.get(gi)?.as_str()))).collect();
            Ok(ids.iter().map(|id| map.get(id.as_str()).map(|s| s.to_string()).unwrap_or_default()).collect())
        }
        _ => {
            anyhow::ensure!(
                rows.len() == m.n_persons(),
                "the group file has {} rows for {} persons",
                rows.len(),
                m.n_persons()
            );
            Ok(rows.iter().map(|r| r.get(gi).cloned().unwrap_or_default()).collect())
        }
    }
}

fn assign(
    values: &[String],
    reference: Option<&str>,
    focal: Option<&str>,
) -> anyhow::Result<(Vec<Option<bool>>, String, String)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values.iter().filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NA")) {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let mut by_size: Vec<(&str, usize)> = counts.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let r = reference
        .map(str::to_string)
        .or_else(|| by_size.first().map(|x| x.0.to_string()))
        .context("no group values")?;
    let f = match focal {
        Some(f) => f.to_string(),
        None => {
            let others: Vec<&str> = by_size.iter().map(|x| x.0).filter(|v| *v != r).collect();
            anyhow::ensure!(
                others.len() == 1,
                "DIF needs two groups; found {} other than '{r}' (use --focal)",
                others.len()
            );
            others[0].to_string()
        }
    };
    let g = values
        .iter()
        .map(|v| {
            if *v == r {
                Some(false)
            } else if *v == f {
                Some(true)
            } else {
                None
            }
        })
        .collect();
    Ok((g, r, f))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(matches!(args.format.as_str(), "json" | "csv"), "--format must be json or csv");
    let in_csv_group = args.group_column.is_some() && args.group_file.is_none();
    let extra: Vec<&str> =
        if in_csv_group { vec![args.group_column.as_deref().unwrap_or_default()] } else { vec![] };
    let (m, mut extras) = khaothi_irt::csv::read_responses_with_columns(open_input(&args.input)?, &extra)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let report = classical(&m);
    let mut items: Vec<Value> =
        report.items.iter().map(|s| serde_json::to_value(s).expect("serialisable")).collect();
    let (fit_source, local_dependence) =
        if args.no_fit { (Value::Null, Value::Null) } else { add_item_fit(&args, &m, &mut items)? };
    let dif_groups = if args.group_column.is_some() || args.group_file.is_some() {
        let values = read_groups(&args, &m, if in_csv_group { extras.pop() } else { None })?;
        add_dif(&args, &m, &values, &mut items)?
    } else {
        Value::Null
    };
    if let Some(cp) = &args.choices {
        add_distractors(&args, cp, &m, &mut items)?;
    }
    let text = if args.format == "csv" {
        csv_table(&items)?
    } else {
        serde_json::to_string_pretty(&json!({
            "n_persons": report.n_persons,
            "n_complete": report.n_complete,
            "alpha": report.alpha,
            "kr20": report.kr20,
            "mean_total": report.mean_total,
            "sd_total": report.sd_total,
            "fit": fit_source,
            "local_dependence": local_dependence,
            "dif_groups": dif_groups,
            "items": items,
        }))?
    };
    write_output(args.output.as_deref(), &text)
}

/// S-X² and infit/outfit of every item (a `fit` object on each) under the `--params` models or a
/// calibration with `--model`; returns where the models came from and Q3. A fit that cannot be
/// computed is a warning, not an error.
fn add_item_fit(args: &Args, m: &ResponseMatrix, items: &mut [Value]) -> anyhow::Result<(Value, Value)> {
    let ((models, fit_source), prior) = match &args.params {
        Some(p) => {
            let params =
                read_item_params(open_input(p)?).with_context(|| format!("reading {}", p.display()))?;
            let by_id: HashMap<&str, &ItemModel> = params.iter().map(|(i, m)| (i.as_str(), m)).collect();
            let missing: Vec<&str> =
                m.item_ids().iter().map(String::as_str).filter(|i| !by_id.contains_key(i)).collect();
            anyhow::ensure!(missing.is_empty(), "no parameters for item(s): {}", missing.join(", "));
            let models = m.item_ids().iter().map(|i| by_id[i.as_str()].clone()).collect::<Vec<_>>();
            ((models, json!({"params": p.display().to_string()})), (0.0, 1.0))
        }
        None => {
            let r = calibrate(
                m,
                &CalibrationOptions {
                    model: args.model,
                    standard_errors: false,
                    threads: args.threads,
                    ..Default::default()
                },
            )?;
            let source = json!({"calibrated": args.model, "converged": r.converged});
            let prior = (r.theta_mean, r.theta_sd);
            ((r.items.into_iter().map(|i| i.model).collect(), source), prior)
        }
    };
    match s_x2(&models, m, &FitOptions::default()) {
        Ok(fit) => {
            for (v, f) in items.iter_mut().zip(fit) {
                v["fit"] = json!({"sx2": f.sx2, "df": f.df, "p_value": f.p_value, "n_groups": f.n_groups});
            }
        }
        Err(e) => eprintln!("warning: item fit skipped: {e}"),
    }
    let local_dependence = add_residual_fit(&models, m, prior, items)?;
    Ok((fit_source, local_dependence))
}

/// Infit/outfit (into each item's `fit`) and Q3 at EAP abilities under a N(mean, sd²) prior
/// (the calibration's population), as mirt's `itemfit` and `residuals(type = "Q3")` do.
fn add_residual_fit(
    models: &[ItemModel],
    m: &ResponseMatrix,
    (prior_mean, prior_sd): (f64, f64),
    items: &mut [Value],
) -> anyhow::Result<Value> {
    use khaothi_irt::ability::{AbilityOptions, score_matrix};
    use khaothi_irt::fit::residual::{infit_outfit, q3};
    let opts = AbilityOptions { prior_mean, prior_sd, ..Default::default() };
    let thetas: Vec<Option<f64>> = score_matrix(models, m, &opts)?.iter().map(|e| e.theta).collect();
    for f in infit_outfit(models, m, &thetas)? {
        if let Some(j) = m.item_index(&f.id) {
            let fit = items[j].get("fit").cloned().unwrap_or_else(|| json!({}));
            let mut fit = fit.as_object().cloned().unwrap_or_default();
            for (k, v) in
                [("infit", f.infit), ("infit_t", f.infit_t), ("outfit", f.outfit), ("outfit_t", f.outfit_t)]
            {
                fit.insert(k.into(), json!(v));
            }
            items[j]["fit"] = Value::Object(fit);
        }
    }
    Ok(match q3(models, m, &thetas) {
        Ok(ld) => serde_json::to_value(ld)?,
        Err(e) => json!({"reason": e.to_string()}),
    })
}

/// DIF of every item: logistic regression over every group of `values` (`dif_lr`), and between
/// the reference and focal groups Mantel–Haenszel (`dif`) and, for items scored above 1, Mantel's
/// test (`dif_polytomous`); returns the groups.
fn add_dif(args: &Args, m: &ResponseMatrix, values: &[String], items: &mut [Value]) -> anyhow::Result<Value> {
    let groups = group_order(values, args.reference.as_deref())?;
    let index: HashMap<&str, usize> = groups.iter().enumerate().map(|(i, g)| (g.as_str(), i)).collect();
    let lr_group: Vec<Option<usize>> = values.iter().map(|v| index.get(v.as_str()).copied()).collect();
    for (v, d) in items.iter_mut().zip(logistic_dif(m, &lr_group, groups.len())) {
        v["dif_lr"] = serde_json::to_value(&d)?;
    }
    if groups.len() > 2 && args.focal.is_none() {
        return Ok(json!({"reference": groups[0], "groups": groups,
            "note": "Mantel-Haenszel compares two groups: give --focal; logistic regression (dif_lr) covers every group"}));
    }
    let (group, r, f) = assign(values, args.reference.as_deref(), args.focal.as_deref())?;
    for (v, d) in items.iter_mut().zip(mantel_haenszel(m, &group)) {
        v["dif"] = serde_json::to_value(&d)?;
    }
    for (v, d) in items.iter_mut().zip(mantel(m, &group)) {
        if d.chi_square.is_some() {
            v["dif_polytomous"] = serde_json::to_value(&d)?;
        }
    }
    Ok(json!({"reference": r, "focal": f, "groups": groups}))
}

/// The group values, the reference first (`--reference` or the largest), then by size.
fn group_order(values: &[String], reference: Option<&str>) -> anyhow::Result<Vec<String>> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values.iter().filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NA")) {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let mut by_size: Vec<(&str, usize)> = counts.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<String> = by_size.iter().map(|x| x.0.to_string()).collect();
    if let Some(r) = reference {
        let at = out
            .iter()
            .position(|g| g == r)
            .with_context(|| format!("no person is in the reference group '{r}'"))?;
        let g = out.remove(at);
        out.insert(0, g);
    }
    anyhow::ensure!(out.len() >= 2, "DIF needs at least two groups; found {}", out.len());
    Ok(out)
}

/// Distractor analysis (a `distractors` list on each item) from the chosen options in
/// `choices_path` and the keys of `--key`.
fn add_distractors(
    args: &Args,
    choices_path: &Path,
    m: &ResponseMatrix,
    items: &mut [Value],
) -> anyhow::Result<()> {
    let kp = args.key.as_ref().context("--choices needs --key (CSV id,key)")?;
    let (choices, labels) = khaothi_irt::csv::read_choices(open_input(choices_path)?)
        .with_context(|| format!("reading {}", choices_path.display()))?;
    anyhow::ensure!(
        choices.n_persons() == m.n_persons(),
        "the choices file has {} persons, the responses {}",
        choices.n_persons(),
        m.n_persons()
    );
    let text = std::fs::read_to_string(kp).with_context(|| format!("cannot read {}", kp.display()))?;
    let keys_by_id: HashMap<String, String> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(a, b)| (a.trim().to_string(), b.trim().to_string())))
        .collect();
    let keys: Vec<Option<u8>> = choices
        .item_ids()
        .iter()
        .zip(&labels)
        .map(|(id, l)| keys_by_id.get(id).and_then(|k| l.iter().position(|x| x == k)).map(|i| i as u8))
        .collect();
    let total = m.total_scores();
    for d in distractors(&choices, &labels, &keys, &total) {
        if let Some(j) = m.item_index(&d.id) {
            items[j]["distractors"] = serde_json::to_value(&d.options)?;
        }
    }
    Ok(())
}

/// The CSV output: one row per item, the classical statistics, fit and DIF (distractors are in
/// the JSON output only).
fn csv_table(items: &[Value]) -> anyhow::Result<String> {
    const COLUMNS: [(&str, &[&str]); 24] = [
        ("id", &["id"]),
        ("n", &["n"]),
        ("mean", &["mean"]),
        ("p_value", &["p_value"]),
        ("sd", &["sd"]),
        ("point_biserial", &["point_biserial"]),
        ("corrected_point_biserial", &["corrected_point_biserial"]),
        ("alpha_if_deleted", &["alpha_if_deleted"]),
        ("sx2", &["fit", "sx2"]),
        ("sx2_df", &["fit", "df"]),
        ("sx2_p", &["fit", "p_value"]),
        ("mh_d_dif", &["dif", "mh_d_dif"]),
        ("mh_se", &["dif", "se_d_dif"]),
        ("mh_chi_square", &["dif", "chi_square"]),
        ("mh_p", &["dif", "p_value"]),
        ("ets_class", &["dif", "class"]),
        ("infit", &["fit", "infit"]),
        ("infit_t", &["fit", "infit_t"]),
        ("outfit", &["fit", "outfit"]),
        ("outfit_t", &["fit", "outfit_t"]),
        ("mantel_smd", &["dif_polytomous", "smd"]),
        ("mantel_class", &["dif_polytomous", "class"]),
        ("lr_delta_r2", &["dif_lr", "delta_r2"]),
        ("lr_class", &["dif_lr", "class"]),
    ];
    let mut w = csv_writer();
    w.write_record(COLUMNS.map(|(name, _)| name))?;
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for v in items {
        let get = |path: &[&str]| path.iter().try_fold(v, |acc, k| acc.get(*k)).map(cell).unwrap_or_default();
        w.write_record(COLUMNS.map(|(_, path)| get(path)))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?.trim_end().to_string())
}
