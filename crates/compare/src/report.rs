//! The đối sánh report: results joined to transcripts by candidate number (số báo danh), grouped
//! by unit, summarised ([`crate::stats`]), placed on the funnel ([`crate::funnel`]) and flagged.
//!
//! Years: a transcript file may carry a `year` column and each results file a year (the CLI's
//! `--results 2026=results.csv`). The units and the funnel are those of the newest year; each
//! unit's `trend` lists its gap in every year, and `years` the national figures per year.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::CompareError;
use crate::funnel::{self, Funnel, UnitGap};
use crate::input::{ExamScore, TranscriptGrade};
use crate::stats::{Pair, Summary, summarise};

/// The unit the results are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    School,
    District,
    Province,
}

impl Level {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "school" => Some(Self::School),
            "district" => Some(Self::District),
            "province" => Some(Self::Province),
            _ => None,
        }
    }

    /// The unit's name: a school with its district and province (school names repeat across the
    /// country), a district with its province, a province alone.
    fn unit_of(self, g: &TranscriptGrade) -> String {
        match self {
            Self::School => format!("{}, {}, {}", g.school, g.district, g.province),
            Self::District => format!("{}, {}", g.district, g.province),
            Self::Province => g.province.clone(),
        }
    }
}

/// One results file (one event of one subject) with its year when known.
#[derive(Debug, Clone)]
pub struct ResultsFile {
    pub year: Option<i32>,
    pub scores: Vec<ExamScore>,
}

/// What the board asks.
#[derive(Debug, Clone)]
pub struct Options {
    pub subject: String,
    pub by: Level,
    /// Flag units whose correlation is below this (`--min-r`).
    pub min_r: Option<f64>,
}

/// The national figures (one year).
#[derive(Debug, Clone, Serialize)]
pub struct National {
    pub n: usize,
    pub exam_mean: f64,
    pub transcript_mean: f64,
    pub gap: f64,
    pub gap_se: Option<f64>,
    /// Between-unit variance of the gap (additive over-dispersion; 0 when none).
    pub tau2: Option<f64>,
    /// Pooled within-unit SD of the differences (the funnel's σ).
    pub sigma: Option<f64>,
    /// Mean square of the winsorised z-scores.
    pub phi: Option<f64>,
    pub units: usize,
}

/// A unit's gap in one year.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub year: i32,
    pub n: usize,
    pub gap: f64,
    pub gap_se: Option<f64>,
}

/// One unit's row.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub unit: String,
    pub n: usize,
    pub exam_mean: f64,
    pub transcript_mean: f64,
    pub gap: f64,
    pub gap_se: Option<f64>,
    pub r: Option<f64>,
    pub r_ci: Option<[f64; 2]>,
    /// (gap − national gap)/√(σ²/n + τ²).
    pub z: Option<f64>,
    pub limits_2se: Option<[f64; 2]>,
    pub limits_3se: Option<[f64; 2]>,
    pub outside_2se: bool,
    /// True when any reason below holds.
    pub flag: bool,
    /// `outside_3se_limits` and/or `r_below_min`.
    pub reasons: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
}

/// Rows of either file that found no partner.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Unmatched {
    /// Scored candidates without a transcript grade in the subject.
    pub results: usize,
    /// Transcript grades in the subject without a scored candidate.
    pub transcripts: usize,
}

/// National figures of one year (when several years are compared).
#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    pub year: i32,
    pub national: National,
}

/// The whole report (docs/psychometrics.md "Đối sánh").
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub subject: String,
    pub by: Level,
    pub year: Option<i32>,
    pub min_r: Option<f64>,
    pub national: National,
    pub units: Vec<UnitRow>,
    pub unmatched: Unmatched,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<YearRow>,
    /// The funnel's parameters, for the SVG; not in the JSON.
    #[serde(skip)]
    pub funnel: Option<Funnel>,
}

/// Pairs by year, then unit.
type Grouped = BTreeMap<Option<i32>, BTreeMap<String, Vec<Pair>>>;

/// Runs the comparison.
pub fn compare(
    results: &[ResultsFile],
    transcripts: &[TranscriptGrade],
    opts: &Options,
) -> Result<Comparison, CompareError> {
    let subject = opts.subject.trim().to_lowercase();
    let grades: Vec<&TranscriptGrade> =
        transcripts.iter().filter(|g| g.subject.trim().to_lowercase() == subject).collect();
    if grades.is_empty() {
        return Err(CompareError::NoData(format!(
            "the transcripts have no grade in subject `{}`",
            opts.subject
        )));
    }
    let same_year = years_agree(results, &grades)?;
    let mut scores: HashMap<(Option<i32>, &str), f64> = HashMap::new();
    for f in results {
        for s in &f.scores {
            if scores.insert((f.year, s.candidate.as_str()), s.score10).is_some() {
                return Err(CompareError::Results(format!(
                    "candidate {} appears twice in one year's results",
                    s.candidate
                )));
            }
        }
    }
    let mut grouped: Grouped = BTreeMap::new();
    let mut matched = 0usize;
    for g in &grades {
        let year = if same_year { None } else { g.year };
        if let Some(&exam) = scores.get(&(year, g.candidate.as_str())) {
            matched += 1;
            let unit = opts.by.unit_of(g);
            grouped
                .entry(year)
                .or_default()
                .entry(unit)
                .or_default()
                .push(Pair { exam, transcript: g.grade });
        }
    }
    if matched == 0 {
        return Err(CompareError::NoData("no candidate number of the results is in the transcripts".into()));
    }
    let unmatched = Unmatched { results: scores.len() - matched, transcripts: grades.len() - matched };
    let newest = grouped.keys().next_back().copied().flatten();
    let year_of_results = if same_year { grades.iter().find_map(|g| g.year) } else { newest };
    let mut per_year: Vec<(Option<i32>, National, Vec<UnitRow>, Option<Funnel>)> = grouped
        .iter()
        .map(|(y, units)| {
            let (nat, rows, f) = year_report(units, opts);
            (*y, nat, rows, f)
        })
        .collect();
    let (_, national, mut units, funnel) = per_year.pop().expect("one year at least");
    let several = !per_year.is_empty();
    if several {
        add_trends(&mut units, &grouped);
    }
    let years = if several {
        grouped
            .iter()
            .filter_map(|(y, u)| y.map(|year| YearRow { year, national: year_report(u, opts).0 }))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Comparison {
        subject: opts.subject.clone(),
        by: opts.by,
        year: year_of_results,
        min_r: opts.min_r,
        national,
        units,
        unmatched,
        years,
        funnel,
    })
}

/// Whether years can be ignored (one results file without a year and transcripts of at most one
/// year), or refuses a mix it cannot join unambiguously.
fn years_agree(results: &[ResultsFile], grades: &[&TranscriptGrade]) -> Result<bool, CompareError> {
    let transcript_years: BTreeSet<Option<i32>> = grades.iter().map(|g| g.year).collect();
    let unyeared = results.iter().filter(|f| f.year.is_none()).count();
    if unyeared > 0 {
        if results.len() > 1 {
            return Err(CompareError::Years(
                "several results files: give each its year (`--results 2026=results.csv`)".into(),
            ));
        }
        if transcript_years.len() > 1 {
            return Err(CompareError::Years(
                "the transcripts carry several years: give the results' year (`--results 2026=results.csv`)"
                    .into(),
            ));
        }
        return Ok(true);
    }
    if transcript_years.contains(&None) {
        return Err(CompareError::Years(
            "the results have years but some transcript rows have none (a `year` column)".into(),
        ));
    }
    let distinct: BTreeSet<i32> = results.iter().filter_map(|f| f.year).collect();
    if distinct.len() != results.len() {
        return Err(CompareError::Years("two results files give the same year".into()));
    }
    Ok(false)
}

fn national_of(all: &Summary, funnel: Option<&Funnel>, units: usize) -> National {
    National {
        n: all.n,
        exam_mean: all.exam_mean,
        transcript_mean: all.transcript_mean,
        gap: all.gap,
        gap_se: all.gap_se,
        tau2: funnel.map(|f| f.tau2),
        sigma: funnel.map(|f| f.sigma),
        phi: funnel.map(|f| f.phi),
        units,
    }
}

/// One year: the national figures, the unit rows and the funnel.
fn year_report(
    units: &BTreeMap<String, Vec<Pair>>,
    opts: &Options,
) -> (National, Vec<UnitRow>, Option<Funnel>) {
    let all: Vec<Pair> = units.values().flatten().copied().collect();
    let national = summarise(&all).expect("a year has pairs");
    let summaries: Vec<(&String, Summary)> =
        units.iter().map(|(u, p)| (u, summarise(p).expect("a unit has pairs"))).collect();
    let gaps: Vec<UnitGap> =
        summaries.iter().map(|(_, s)| UnitGap { n: s.n, gap: s.gap, gap_ss: s.gap_ss }).collect();
    let funnel = funnel::estimate(&gaps, national.gap);
    let rows = summaries.into_iter().map(|(u, s)| unit_row(u, s, funnel.as_ref(), opts.min_r)).collect();
    (national_of(&national, funnel.as_ref(), units.len()), rows, funnel)
}

fn unit_row(unit: &str, s: Summary, funnel: Option<&Funnel>, min_r: Option<f64>) -> UnitRow {
    let z = funnel.map(|f| f.z(s.n, s.gap));
    let mut reasons = Vec::new();
    if z.is_some_and(|z| z.abs() > 3.0) {
        reasons.push("outside_3se_limits");
    }
    if let (Some(min), Some(r)) = (min_r, s.r)
        && r < min
    {
        reasons.push("r_below_min");
    }
    UnitRow {
        unit: unit.to_string(),
        n: s.n,
        exam_mean: s.exam_mean,
        transcript_mean: s.transcript_mean,
        gap: s.gap,
        gap_se: s.gap_se,
        r: s.r,
        r_ci: s.r_ci,
        z,
        limits_2se: funnel.map(|f| f.limits(s.n, 2.0)),
        limits_3se: funnel.map(|f| f.limits(s.n, 3.0)),
        outside_2se: z.is_some_and(|z| z.abs() > 2.0),
        flag: !reasons.is_empty(),
        reasons,
        trend: Vec::new(),
    }
}

fn add_trends(units: &mut [UnitRow], grouped: &Grouped) {
    for row in units {
        row.trend = grouped
            .iter()
            .filter_map(|(y, by_unit)| {
                let s = summarise(by_unit.get(&row.unit)?)?;
                Some(TrendPoint { year: (*y)?, n: s.n, gap: s.gap, gap_se: s.gap_se })
            })
            .collect();
    }
}
