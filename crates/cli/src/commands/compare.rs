//! `khaothi compare-transcripts`: đối sánh of one subject's exam results against the transcript
//! grades (học bạ), by school, district or province (docs/psychometrics.md "Đối sánh"). JSON on
//! stdout, the funnel plot to `--svg`; a transcript file with bad rows is refused with every bad
//! row on stderr (exit 1), like every import.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_compare::{Level, Options, ResultsFile, compare, funnel_svg, read_results, read_transcripts};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A results CSV (the delivery server's `results?format=csv`: `number`, `score10`), one event
    /// of the subject. Repeat with a year each (`--results 2025=r25.csv --results 2026=r26.csv`)
    /// for year-on-year trends; the transcripts then need a `year` column.
    #[arg(long, required = true)]
    pub results: Vec<String>,
    /// Transcript grades: `candidate,school,district,province,subject,grade[,year]` (docs/formats.md).
    #[arg(long)]
    pub transcripts: PathBuf,
    /// The unit: school, district or province.
    #[arg(long, value_parser = ["school", "district", "province"])]
    pub by: String,
    /// The subject, as the transcripts name it (a results CSV carries no subject).
    #[arg(long)]
    pub subject: String,
    /// Write the funnel plot (SVG) here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Flag units whose exam–transcript correlation is below this.
    #[arg(long)]
    pub min_r: Option<f64>,
}

/// `2026=path` → (Some(2026), path); anything else is a path.
fn year_and_path(spec: &str) -> (Option<i32>, PathBuf) {
    if let Some((y, p)) = spec.split_once('=')
        && let Ok(year) = y.parse::<i32>()
    {
        return (Some(year), PathBuf::from(p));
    }
    (None, PathBuf::from(spec))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.min_r.is_some_and(|r| !(-1.0..=1.0).contains(&r)) {
        anyhow::bail!("--min-r is a correlation between -1 and 1");
    }
    let mut files = Vec::new();
    for spec in &args.results {
        let (year, path) = year_and_path(spec);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let scores = read_results(&bytes).with_context(|| path.display().to_string())?;
        files.push(ResultsFile { year, scores });
    }
    let bytes = std::fs::read(&args.transcripts)
        .with_context(|| format!("reading {}", args.transcripts.display()))?;
    let t = read_transcripts(&bytes).with_context(|| args.transcripts.display().to_string())?;
    if !t.errors.is_empty() {
        for e in &t.errors {
            eprintln!("{}:{}: {}", args.transcripts.display(), e.line, e.message);
        }
        anyhow::bail!("{} of {} transcript rows are invalid; nothing compared", t.errors.len(), t.rows);
    }
    let by = Level::parse(&args.by).expect("clap checked --by");
    let c = compare(&files, &t.grades, &Options { subject: args.subject, by, min_r: args.min_r })?;
    if let Some(path) = &args.svg {
        std::fs::write(path, funnel_svg(&c)).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{}", serde_json::to_string_pretty(&c)?);
    let flagged = c.units.iter().filter(|u| u.flag).count();
    eprintln!("{} units, {flagged} outside the control limits or below --min-r", c.units.len());
    Ok(())
}
