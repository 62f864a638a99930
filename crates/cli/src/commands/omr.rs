//! `khaothi omr`: the THPT answer sheet on paper (issue 22, docs/formats.md "Answer sheet").
//!
//! - `sheet` writes one A4 PDF per candidate (or a blank sheet) for a version of an assembled form,
//!   and `layout.json` beside them; prints a JSON summary.
//! - `read` reads a folder of scans or photos (PNG, JPEG, TIFF) against that `layout.json` and prints
//!   `{"sheets": […]}`: answers valued as the websocket's, and the flags a person decides.
//!
//! Exit codes: 0 done (flags are part of the output, not a failure); 1 bad input (no such version,
//! unreadable layout or folder, a form the sheet cannot hold), with the message on stderr.

use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_domain::form::Version;
use khaothi_omr::read::{ReadOptions, check_layout, read_sheet};
use khaothi_omr::spec::{DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS, SheetSpec};
use khaothi_omr::{CandidateInfo, Flag, FlagReason, Header, Layout, ReadReport, SheetReading, pdf, sheet};
use sha2::{Digest, Sha256};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: OmrCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum OmrCommand {
    /// Write the answer sheets (PDF, A4) of a version and DIR/layout.json.
    Sheet(SheetArgs),
    /// Read scanned or photographed sheets; prints JSON.
    Read(ReadArgs),
}

#[derive(clap::Args, Debug)]
pub struct SheetArgs {
    /// The JSON `khaothi assemble` writes (any JSON holding the version object will do).
    #[arg(long)]
    pub form: PathBuf,
    /// The version code (mã đề) to print, e.g. 0101.
    #[arg(long)]
    pub version: String,
    /// The delivery candidate CSV (`so_bao_danh,ho_ten,ngay_sinh,phong`…): one PDF per candidate.
    /// Without it, one blank sheet (`blank.pdf`) to copy for a room.
    #[arg(long)]
    pub candidates: Option<PathBuf>,
    /// The event's name, printed on the sheet and carried in its QR code.
    #[arg(long, default_value = "")]
    pub event: String,
    /// Digits of số báo danh (default 6, as on the THPT sheet, or the longest all-digit number in
    /// the candidate list).
    #[arg(long)]
    pub candidate_digits: Option<u32>,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    /// The layout.json `khaothi omr sheet` wrote.
    #[arg(long)]
    pub layout: PathBuf,
    /// A folder of PNG, JPEG or TIFF images, one sheet each.
    #[arg(long)]
    pub images: PathBuf,
    /// The scans' resolution, when known (narrows the search for the corner marks).
    #[arg(long)]
    pub dpi: Option<f64>,
    /// Leave the PNG crops out of the flags.
    #[arg(long)]
    pub no_crops: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        OmrCommand::Sheet(a) => run_sheet(a),
        OmrCommand::Read(a) => run_read(a),
    }
}

/// The version `code` anywhere in `json` (an object with `code`, `items` and `keys`).
fn find_version(json: &serde_json::Value, code: &str) -> Option<Version> {
    match json {
        serde_json::Value::Object(map) => {
            if map.get("code").and_then(|c| c.as_str()) == Some(code)
                && map.contains_key("items")
                && map.contains_key("keys")
                && let Ok(v) = serde_json::from_value(json.clone())
            {
                return Some(v);
            }
            map.values().find_map(|v| find_version(v, code))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_version(v, code)),
        _ => None,
    }
}

/// The candidate CSV's rows, by the delivery server's column names (Vietnamese or English).
fn read_candidates(path: &Path) -> anyhow::Result<Vec<CandidateInfo>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim().to_lowercase().as_str()));
    let number = col(&["so_bao_danh", "sbd", "number"])
        .with_context(|| format!("{}: the header row needs so_bao_danh (or number)", path.display()))?;
    let (name, dob, room) =
        (col(&["ho_ten", "full_name"]), col(&["ngay_sinh", "date_of_birth"]), col(&["phong", "room"]));
    let mut out = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{}: line {}", path.display(), line + 2))?;
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or("").trim().to_string();
        let c = CandidateInfo {
            number: get(Some(number)),
            name: get(name),
            date_of_birth: get(dob),
            room: get(room),
        };
        anyhow::ensure!(
            !c.number.is_empty()
                && c.number.len() <= 20
                && c.number.chars().all(|ch| ch.is_ascii_alphanumeric()),
            "{}: line {}: a candidate number is 1–20 letters or digits",
            path.display(),
            line + 2
        );
        out.push(c);
    }
    Ok(out)
}

fn run_sheet(args: SheetArgs) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(&args.form).with_context(|| format!("reading {}", args.form.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", args.form.display()))?;
    let version = find_version(&json, &args.version)
        .with_context(|| format!("{} has no version {}", args.form.display(), args.version))?;
    let candidates = args.candidates.as_deref().map(read_candidates).transpose()?;
    let longest = candidates
        .iter()
        .flatten()
        .filter(|c| c.number.chars().all(|ch| ch.is_ascii_digit()))
        .map(|c| c.number.len() as u32)
        .max();
    let digits = args
        .candidate_digits
        .unwrap_or_else(|| longest.unwrap_or(0).clamp(DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS));
    let spec = SheetSpec::from_version(&version, digits)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let layout = sheet::layout(&spec)?;
    let layout_path = args.out.join("layout.json");
    std::fs::write(&layout_path, serde_json::to_string_pretty(&layout)?)?;
    let mut written = Vec::new();
    let people: Vec<Option<CandidateInfo>> = match candidates {
        Some(list) => list.into_iter().map(Some).collect(),
        None => vec![None],
    };
    for person in people {
        let file = person.as_ref().map_or_else(|| "blank.pdf".to_string(), |c| format!("{}.pdf", c.number));
        let header = Header { event: args.event.clone(), candidate: person };
        let (_, drawing, payload) = sheet::sheet(&spec, &header)?;
        let path = args.out.join(&file);
        std::fs::write(&path, pdf::to_pdf(&drawing)?)
            .with_context(|| format!("writing {}", path.display()))?;
        written
            .push(serde_json::json!({"file": path, "candidate": payload.candidate, "sheet": payload.sheet}));
    }
    eprintln!("wrote {} sheet(s) and {}", written.len(), layout_path.display());
    let out = serde_json::json!({"form": spec.form, "version": spec.version, "layout": layout_path, "sheets": written});
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn is_image(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "tif" | "tiff")
}

fn run_read(args: ReadArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.layout)
        .with_context(|| format!("reading {}", args.layout.display()))?;
    let layout: Layout = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a layout.json", args.layout.display()))?;
    check_layout(&layout)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.images)
        .with_context(|| format!("reading the folder {}", args.images.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_image(p))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "{} holds no PNG, JPEG or TIFF image", args.images.display());
    let opts = ReadOptions { dpi: args.dpi, crops: !args.no_crops };
    let mut report = ReadReport::default();
    for path in &files {
        report.sheets.push(read_file(path, &layout, &opts)?);
    }
    let flagged = report.sheets.iter().filter(|s| !s.flags.is_empty()).count();
    eprintln!("read {} sheet(s), {flagged} with flags for a person", report.sheets.len());
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn read_file(path: &Path, layout: &Layout, opts: &ReadOptions) -> anyhow::Result<SheetReading> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sha = hex::encode(Sha256::digest(&bytes));
    let mut reading = match image::load_from_memory(&bytes) {
        Ok(img) => read_sheet(&img.to_luma8(), layout, opts),
        Err(e) => {
            eprintln!("{}: not a readable image: {e}", path.display());
            let flag = Flag {
                key: "sheet".into(),
                reason: FlagReason::MarksNotFound,
                proposed: None,
                region: None,
                crop: None,
                detail: format!("not a readable image: {e}"),
            };
            SheetReading { flags: vec![flag], ..SheetReading::default() }
        }
    };
    (reading.image, reading.image_sha256) = (name, Some(sha));
    Ok(reading)
}
