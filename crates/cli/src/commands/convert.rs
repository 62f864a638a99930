//! `khaothi convert`: items from one format to another, offline (docs/cli.md).
//!
//! Only item records go to standard output; every item that could not be converted is listed on
//! standard error with its location and reason, and the exit status is non-zero when any failed
//! (the converted items are still written). Passages and pictures of a document are written
//! beside `-o`: `NAME.stimuli.jsonl` and the folder `media/` (docs/formats.md, "convert").

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use khaothi_domain::{Item, Level};
use khaothi_interop::{
    ConvertOptions, DocumentImport, LineStatus, QtiVersion, SourceFormat, TopicRow, id_prefix_from_file_name,
};

/// Files larger than this are refused before they are read (a 200 MB "document" is a mistake or
/// an attack; every reader has its own, smaller bound behind this one).
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// A picture given beside a `.tex` file.
const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file to convert (not needed with --template).
    pub input: Option<PathBuf>,
    /// Input format; guessed from the extension when omitted.
    #[arg(long, value_parser = ["docx", "tex", "qti", "xlsx", "csv", "jsonl"])]
    pub from: Option<String>,
    /// Output format. Binary outputs (xlsx, docx) and QTI (one file per item) need -o; docx prints
    /// an assembled form (the input is `khaothi assemble`'s JSON) as Word papers.
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "qti3", "qti21", "xlsx", "docx"])]
    pub to: String,
    /// Output file (for qti3/qti21: FILE.zip writes a content package, otherwise a folder of one
    /// file per item); default: standard output (jsonl only).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// With --to qti3|qti21 -o FILE.zip: the package carries this form as an assessment test (a
    /// form JSON, the output of `khaothi assemble`, or an array of item ids).
    #[arg(long)]
    pub form: Option<PathBuf>,
    /// Which form of `khaothi assemble`'s output --form takes (default: the first).
    #[arg(long, requires = "form")]
    pub form_id: Option<String>,
    /// Write the writers' spreadsheet template to -o instead of converting.
    #[arg(long, value_parser = ["xlsx"])]
    pub template: Option<String>,
    /// Subject code for documents (Word, LaTeX) that do not carry it.
    #[arg(long)]
    pub subject: Option<String>,
    #[arg(long)]
    pub grade: Option<u8>,
    #[arg(long)]
    pub topic: Option<String>,
    /// biet, hieu, van_dung or van_dung_cao.
    #[arg(long)]
    pub level: Option<String>,
    /// Ids of a document's questions: P-0001, P-0002, … (default: from the file name).
    #[arg(long)]
    pub id_prefix: Option<String>,
    /// --to docx: print only this version (mã đề), e.g. 0101; default: every version.
    #[arg(long)]
    pub version: Option<String>,
    /// --to docx: the items (JSON Lines) the form was assembled from.
    #[arg(long)]
    pub items: Option<PathBuf>,
    /// --to docx: the blueprint (masthead texts, parts).
    #[arg(long)]
    pub blueprint: Option<PathBuf>,
    /// --to docx: the passages (JSON Lines, {"id", "text"} a line).
    #[arg(long)]
    pub stimuli: Option<PathBuf>,
    /// --to docx: the folder of the items' pictures (default: media/ beside --items).
    #[arg(long)]
    pub media: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.template.is_some() {
        return write_template(args.output.as_deref());
    }
    let Some(input) = args.input.clone() else {
        bail!("give the file to convert (or --template xlsx -o FILE)")
    };
    if args.to == "docx" {
        return super::convert_docx::run(&super::convert_docx::Request {
            input: &input,
            output: args.output.as_deref(),
            items: args.items.as_deref(),
            blueprint: args.blueprint.as_deref(),
            stimuli: args.stimuli.as_deref(),
            media: args.media.as_deref(),
            version: args.version.as_deref(),
            max_input_bytes: MAX_INPUT_BYTES,
        });
    }
    check_output(&args)?;
    let doc = read(&input, &args)?;
    let failed = report_problems(&input, &doc);
    let items: Vec<Item> = doc.report.lines.iter().filter_map(|l| l.item.clone()).collect();
    if package_request(&args).is_package() {
        super::convert_qti::write_package(&items, &doc, &input, &package_request(&args))?;
    } else {
        write_items(&items, &args)?;
        write_extras(&doc, args.output.as_deref(), &args.to)?;
    }
    if let Some(e) = &doc.report.file_error {
        bail!("{}: {e}", input.display());
    }
    if failed > 0 {
        bail!(
            "{failed} of {} item(s) could not be converted; {} written",
            doc.report.lines.len(),
            items.len()
        );
    }
    Ok(())
}

fn package_request(args: &Args) -> super::convert_qti::PackageRequest<'_> {
    super::convert_qti::PackageRequest {
        to: &args.to,
        output: args.output.as_deref(),
        form: args.form.as_deref(),
        form_id: args.form_id.as_deref(),
    }
}

/// Refuses what cannot be written before anything is read.
fn check_output(args: &Args) -> anyhow::Result<()> {
    match (args.to.as_str(), &args.output) {
        ("xlsx", None) => bail!("--to xlsx writes a binary file: give -o FILE.xlsx"),
        ("qti3" | "qti21", None) => {
            bail!(
                "--to {} writes a package or files: give -o FILE.zip (a content package) or -o FOLDER",
                args.to
            )
        }
        (_, _) if args.form.is_some() && !package_request(args).is_package() => {
            bail!("--form goes with --to qti3|qti21 -o FILE.zip (a package with an assessment test)")
        }
        _ => Ok(()),
    }
}

fn read(input: &Path, args: &Args) -> anyhow::Result<DocumentImport> {
    let name = input.file_name().and_then(|n| n.to_str()).unwrap_or("items");
    let from = match &args.from {
        Some(f) => f.clone(),
        None => name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default(),
    };
    let Some(format) = SourceFormat::parse(&from) else {
        bail!(
            "cannot tell the format of {}: give --from ({})",
            input.display(),
            SourceFormat::NAMES.join(", ")
        )
    };
    let size = std::fs::metadata(input).with_context(|| format!("reading {}", input.display()))?.len();
    if size > MAX_INPUT_BYTES {
        bail!("{} has {size} bytes; convert reads files of at most {MAX_INPUT_BYTES} bytes", input.display());
    }
    let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let level = match &args.level {
        Some(l) => Some(
            Level::parse(l)
                .with_context(|| format!("--level {l}: not biet, hieu, van_dung or van_dung_cao"))?,
        ),
        None => None,
    };
    let opts = ConvertOptions {
        subject: args.subject.clone(),
        grade: args.grade,
        topic: args.topic.clone(),
        level,
        id_prefix: args.id_prefix.clone().unwrap_or_else(|| id_prefix_from_file_name(name)),
        // A Word file's WMF/EMF pictures (unconvertible equations' previews) become PNG.
        rasterise: Some(khaothi_bank::raster::libreoffice()),
    };
    let files = if format == SourceFormat::Tex { pictures_beside(input, &bytes) } else { BTreeMap::new() };
    Ok(khaothi_interop::read_items(format, &bytes, &files, &opts))
}

/// The pictures a `.tex` file includes, read from beside it: only relative names inside its
/// folder, each at most [`MAX_PICTURE_BYTES`]; a missing one is the reader's warning.
fn pictures_beside(input: &Path, bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let dir = input.parent().unwrap_or(Path::new("."));
    let text = String::from_utf8_lossy(bytes);
    let mut files = BTreeMap::new();
    for name in khaothi_interop::graphics_files(&text) {
        let inside = Path::new(&name).components().all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            continue;
        }
        for candidate in [name.clone(), format!("{name}.png"), format!("{name}.jpg"), format!("{name}.jpeg")]
        {
            let path = dir.join(&candidate);
            let small = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_PICTURE_BYTES);
            if let (true, Ok(data)) = (small, std::fs::read(&path)) {
                files.insert(candidate, data);
                break;
            }
        }
    }
    files
}

/// Every problem on standard error, `FILE:LINE: ID: field: message`; the number of failed items.
fn report_problems(input: &Path, doc: &DocumentImport) -> usize {
    let mut err = std::io::stderr().lock();
    let file = input.display();
    for w in &doc.report.file_warnings {
        let _ = writeln!(err, "{file}: warning: {w}");
    }
    let mut failed = 0;
    for line in &doc.report.lines {
        let id = line.id.as_deref().unwrap_or("?");
        let severity = if line.status == LineStatus::Error { "error" } else { "warning" };
        failed += usize::from(line.status == LineStatus::Error);
        for m in &line.messages {
            let _ = writeln!(err, "{file}:{}: {severity}: {id}: {}: {}", line.line, m.field, m.message);
        }
    }
    failed
}

fn write_items(items: &[Item], args: &Args) -> anyhow::Result<()> {
    match (args.to.as_str(), args.output.as_deref()) {
        ("jsonl", out) => {
            let text = khaothi_interop::write_jsonl(items)?;
            match out {
                Some(path) => {
                    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
                }
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
        }
        ("xlsx", Some(path)) => {
            let bytes = khaothi_interop::write_xlsx(items)?;
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        (qti @ ("qti3" | "qti21"), Some(dir)) => {
            let version = if qti == "qti3" { QtiVersion::V3_0 } else { QtiVersion::V2_1 };
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for item in items {
                let xml = khaothi_interop::write_qti(item, version)?;
                let path = dir.join(format!("{}.xml", item.id));
                std::fs::write(&path, xml).with_context(|| format!("writing {}", path.display()))?;
            }
        }
        (to, _) => bail!("cannot write {to} here"),
    }
    Ok(())
}

/// Passages and pictures beside the output: `NAME.stimuli.jsonl` (one `{id, subject, title,
/// text}` a line, the bank's stimulus fields) and `media/NAME` files.
fn write_extras(doc: &DocumentImport, output: Option<&Path>, to: &str) -> anyhow::Result<()> {
    if doc.stimuli.is_empty() && doc.media.is_empty() {
        return Ok(());
    }
    let Some(output) = output else {
        eprintln!(
            "warning: {} passage(s) and {} picture(s) were not written: give -o FILE to write them beside it",
            doc.stimuli.len(),
            doc.media.len()
        );
        return Ok(());
    };
    let folder = if to.starts_with("qti") {
        output.to_path_buf()
    } else {
        output.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    if !doc.media.is_empty() {
        let media = folder.join("media");
        std::fs::create_dir_all(&media).with_context(|| format!("creating {}", media.display()))?;
        for m in &doc.media {
            std::fs::write(media.join(&m.name), &m.bytes).with_context(|| format!("writing {}", m.name))?;
        }
    }
    if !doc.stimuli.is_empty() {
        let subject_of = |ids: &[String]| {
            let line = doc.report.lines.iter().find(|l| l.id.as_ref().is_some_and(|i| ids.contains(i)));
            line.and_then(|l| l.record.as_ref()).map(|r| r.subject.clone()).unwrap_or_default()
        };
        let mut text = String::new();
        for s in &doc.stimuli {
            let record = serde_json::json!({"id": s.id, "subject": subject_of(&s.item_ids), "title": s.id, "text": s.text, "items": s.item_ids});
            text.push_str(&record.to_string());
            text.push('\n');
        }
        let stem = output.file_stem().and_then(|s| s.to_str()).unwrap_or("items");
        let path = folder.join(format!("{stem}.stimuli.jsonl"));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The writers' template with the sample taxonomy's topics.
fn write_template(output: Option<&Path>) -> anyhow::Result<()> {
    let Some(path) = output else { bail!("--template xlsx writes a binary file: give -o FILE.xlsx") };
    let topics: Vec<TopicRow<'_>> = khaothi_samples::taxonomy::SUBJECTS
        .iter()
        .flat_map(|s| {
            s.topics.iter().map(|(code, name)| TopicRow {
                subject: s.subject,
                subject_name: s.name,
                code,
                name,
            })
        })
        .collect();
    let bytes = khaothi_interop::xlsx_template(&topics)?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
