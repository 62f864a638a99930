//! `khaothi calibrate`: IRT item calibration (MML-EM) of a responses CSV; prints JSON.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_irt::IrtModelKind;
use khaothi_irt::calibrate::{CalibrationOptions, PersonGroups, Priors, SeMethod, calibrate};
use khaothi_irt::params::{calibration_json, read_anchors};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Item model: rasch, 2pl, 3pl, gpcm or grm (items scored above 1 use gpcm in a dichotomous run).
    #[arg(long, default_value = "2pl")]
    pub model: IrtModelKind,
    /// Responses CSV: header of item ids, optional first column `person`; empty or NA = not presented. `-` reads stdin.
    #[arg(long)]
    pub input: PathBuf,
    /// JSON Lines of fixed (anchor) items: {"id": ..., "irt": {"model": ..., "a": ..., "b": ...}}.
    #[arg(long)]
    pub anchors: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write the JSON here instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Quadrature points on [-6, 6].
    #[arg(long, default_value_t = 41)]
    pub quadrature: usize,
    /// Convergence tolerance on the largest parameter change between EM cycles.
    #[arg(long, default_value_t = 1e-4)]
    pub tolerance: f64,
    #[arg(long, default_value_t = 500)]
    pub max_iterations: usize,
    /// Log-normal prior on the slopes: ln a ~ N(0, SD²) (default: none).
    #[arg(long)]
    pub a_prior_sd: Option<f64>,
    /// Beta(α, β) prior on the 3PL lower asymptote, as "α,β".
    #[arg(long, default_value = "6,16")]
    pub c_prior: String,
    /// Skip standard errors.
    #[arg(long)]
    pub no_se: bool,
    /// Standard errors: xpd (cross-product information, one pass over the patterns) or oakes
    /// (Oakes' identity: the observed information; two E-steps per free parameter, slower).
    #[arg(long, default_value = "xpd", conflicts_with = "no_se")]
    pub se_method: SeMethod,
    /// Plain EM (no SQUAREM acceleration).
    #[arg(long)]
    pub no_accelerate: bool,
    /// Rasch: fix the SD of θ at 1 instead of estimating it.
    #[arg(long)]
    pub fixed_rasch_sd: bool,
    /// Multiple-group calibration: the column of the responses CSV naming each person's group
    /// (shared items; each non-reference group's ability mean and SD estimated).
    #[arg(long)]
    pub group_column: Option<String>,
    /// The reference group (ability N(0, 1)); default: the first group in file order.
    #[arg(long, requires = "group_column")]
    pub reference: Option<String>,
    /// Skip the global model fit (M2, RMSEA, SRMSR) in the output's `fit`.
    #[arg(long)]
    pub no_fit: bool,
}

pub(crate) fn open_input(path: &std::path::Path) -> anyhow::Result<Box<dyn std::io::Read>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
}

pub(crate) fn write_output(path: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")) {
                // a closed pipe (`| head`) is not an error
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => Ok(r?),
            }
        }
    }
}

fn parse_pair(s: &str) -> anyhow::Result<(f64, f64)> {
    let (a, b) = s.split_once(',').context("--c-prior takes two numbers: α,β")?;
    let (a, b): (f64, f64) = (a.trim().parse()?, b.trim().parse()?);
    anyhow::ensure!(a >= 1.0 && b >= 1.0, "--c-prior parameters must be ≥ 1");
    Ok((a, b))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let columns: Vec<&str> = args.group_column.as_deref().into_iter().collect();
    let (m, extra) = khaothi_irt::csv::read_responses_with_columns(open_input(&args.input)?, &columns)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let groups = match extra.first() {
        Some(labels) => Some(PersonGroups::from_labels(labels, args.reference.as_deref())?),
        None => None,
    };
    let anchors = match &args.anchors {
        Some(p) => {
            read_anchors(open_input(p)?).with_context(|| format!("reading anchors {}", p.display()))?
        }
        None => Default::default(),
    };
    let unknown: Vec<&String> = anchors.keys().filter(|id| m.item_index(id).is_none()).collect();
    if !unknown.is_empty() {
        eprintln!("warning: {} anchor item(s) not in the responses are ignored", unknown.len());
    }
    let opts = CalibrationOptions {
        model: args.model,
        quadrature_points: args.quadrature,
        tolerance: args.tolerance,
        max_iterations: args.max_iterations,
        priors: Priors {
            c_beta: parse_pair(&args.c_prior)?,
            a_lognormal: args.a_prior_sd.map(|sd| (0.0, sd)),
        },
        anchors,
        estimate_rasch_sd: !args.fixed_rasch_sd,
        standard_errors: !args.no_se,
        se_method: args.se_method,
        accelerate: !args.no_accelerate,
        threads: args.threads,
        groups,
        ..Default::default()
    };
    let result = calibrate(&m, &opts)?;
    for w in &result.warnings {
        eprintln!(
            "warning: {}{}",
            w.item.as_ref().map(|i| format!("item '{i}': ")).unwrap_or_default(),
            w.message
        );
    }
    let mut json = calibration_json(&result);
    if !args.no_fit {
        json["fit"] = serde_json::to_value(khaothi_irt::fit::m2::calibration_fit(&m, &opts, &result))?;
    }
    let text = serde_json::to_string_pretty(&json)?;
    write_output(args.output.as_deref(), &text)
}
