//! `khaothi convert --to docx`: an assembled form printed as Word papers, one `.docx` per version
//! (mã đề) plus the answer-key document of those versions (docs/formats.md, "Word out").
//!
//! The input is what `khaothi assemble` writes (every form in it) or a form as the bank's
//! `GET /api/v1/forms/{id}` returns it; the items come from `--items` (the bank the form was
//! assembled from), the masthead and the parts from `--blueprint`, passages from `--stimuli`,
//! pictures from `--media` (default: `media/` beside the items, where `convert` writes them).
//! Nothing goes to standard output; the files written are listed on standard error.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use khaothi_assembly::Blueprint;
use khaothi_domain::form::{Form, FormItem, Version};
use khaothi_domain::{Item, ItemRecord};
use khaothi_render::{Paper, answer_key, paper_layout};

/// What `convert --to docx` was given (the command's flags, read by `convert`).
pub struct Request<'a> {
    pub input: &'a Path,
    pub output: Option<&'a Path>,
    pub items: Option<&'a Path>,
    pub blueprint: Option<&'a Path>,
    pub stimuli: Option<&'a Path>,
    pub media: Option<&'a Path>,
    pub version: Option<&'a str>,
    /// Larger input files are refused before they are read.
    pub max_input_bytes: u64,
}

/// A picture larger than this is not read (the bank's media limit is smaller).
const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;

/// One form to print: its sections and the versions asked for.
struct FormToPrint {
    form: Form,
    versions: Vec<Version>,
}

pub fn run(args: &Request<'_>) -> anyhow::Result<()> {
    let read_text = |path: &Path| read_text(path, args.max_input_bytes);
    let Some(output) = args.output else {
        bail!("--to docx writes Word files: give -o FOLDER or -o FILE.zip")
    };
    let Some(items_path) = args.items else {
        bail!("--to docx needs --items ITEMS.jsonl: the items the form was assembled from")
    };
    let Some(bp_path) = args.blueprint else {
        bail!("--to docx needs --blueprint BLUEPRINT.yaml: the masthead and the parts come from it")
    };
    let yaml = read_text(bp_path)?;
    let bp = Blueprint::from_yaml(&yaml).map_err(|e| anyhow::anyhow!("{}: {e}", bp_path.display()))?;
    let items = read_items(items_path, &read_text(items_path)?)?;
    let stimuli = match args.stimuli {
        Some(p) => read_stimuli(p, &read_text(p)?)?,
        None => HashMap::new(),
    };
    let mut forms = read_forms(args.input, &read_text(args.input)?, args.version)?;
    for f in &mut forms {
        assign_sections(f, &bp, &items)?;
    }
    let media_dir = args
        .media
        .map_or_else(|| items_path.parent().unwrap_or(Path::new(".")).join("media"), Path::to_path_buf);
    let pictures = |name: &str| read_picture(&media_dir, name);
    let heading = khaothi_bank::print::paper_heading(&bp);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut keys = Vec::new();
    let mut masthead = None;
    for f in &forms {
        let by_id = pinned_items(&f.form, &items)?;
        for v in &f.versions {
            let paper = Paper { heading, form: &f.form, version: v, items: &by_id, stimuli: &stimuli };
            let layout = paper_layout(&paper).with_context(|| format!("mã đề {}", v.code))?;
            let bytes = khaothi_interop::paper_docx(&layout, &pictures)
                .with_context(|| format!("mã đề {}", v.code))?;
            files.push((format!("de-{}.docx", v.code), bytes));
            keys.push(answer_key(&paper));
            masthead.get_or_insert(layout.masthead);
        }
    }
    let masthead = masthead.context("the input has no versions")?;
    files.push(("dap-an.docx".into(), khaothi_interop::answer_key_docx(&masthead, &keys)?));
    write_output(output, &files)
}

fn read_text(path: &Path, max: u64) -> anyhow::Result<String> {
    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if size > max {
        bail!("{} has {size} bytes; convert reads files of at most {max} bytes", path.display());
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn read_items(path: &Path, text: &str) -> anyhow::Result<HashMap<String, Item>> {
    let mut items = HashMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |e: &dyn std::fmt::Display| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1);
        let (item, _) =
            ItemRecord::from_json_line(line).map_err(|e| at(&e))?.into_item().map_err(|e| at(&e))?;
        items.insert(item.id.clone(), item);
    }
    Ok(items)
}

/// `{"id", "text"}` a line: the bank's stimuli (`item-bank-samples/stimuli.jsonl`, or what
/// `convert` writes beside a document's items).
fn read_stimuli(path: &Path, text: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
        let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) else {
            bail!("{}:{}: a passage needs \"id\" and \"text\"", path.display(), n + 1)
        };
        out.insert(id.to_string(), text.to_string());
    }
    Ok(out)
}

/// The forms of `khaothi assemble`'s output (`{"forms": […]}`; parts from the blueprint's sections
/// by item kind) or of the bank's form view (`{"form", "versions"}`), keeping only version `only`
/// when given.
fn read_forms(input: &Path, text: &str, only: Option<&str>) -> anyhow::Result<Vec<FormToPrint>> {
    let json: serde_json::Value =
        serde_json::from_str(text).with_context(|| format!("{} is not JSON", input.display()))?;
    let mut forms = Vec::new();
    if let Some(list) = json["forms"].as_array() {
        for (n, f) in list.iter().enumerate() {
            let versions: Vec<Version> = serde_json::from_value(f["versions"].clone())
                .with_context(|| format!("{}: forms[{n}].versions", input.display()))?;
            let form = Form {
                id: f["id"].as_str().unwrap_or_default().to_string(),
                number: n as u32 + 1,
                items: Vec::new(),
            };
            forms.push(FormToPrint { form, versions });
        }
    } else if json.get("form").is_some() {
        let form: Form = serde_json::from_value(json["form"].clone()).context("the form view's \"form\"")?;
        let versions: Vec<Version> =
            serde_json::from_value(json["versions"].clone()).context("the form view's \"versions\"")?;
        forms.push(FormToPrint { form, versions });
    } else {
        bail!(
            "{}: neither `khaothi assemble` output (\"forms\") nor a bank form (\"form\", \"versions\")",
            input.display()
        )
    }
    if let Some(code) = only {
        let all: Vec<String> = forms.iter().flat_map(|f| f.versions.iter().map(|v| v.code.clone())).collect();
        forms.iter_mut().for_each(|f| f.versions.retain(|v| v.code == code));
        forms.retain(|f| !f.versions.is_empty());
        if forms.is_empty() {
            bail!("no version {code} in {}; it has {}", input.display(), all.join(", "))
        }
    }
    Ok(forms)
}

/// `khaothi assemble` does not write a form's parts: each item goes to the blueprint's section of
/// its kind (as assembly placed it), in the first version's order.
fn assign_sections(f: &mut FormToPrint, bp: &Blueprint, items: &HashMap<String, Item>) -> anyhow::Result<()> {
    if !f.form.items.is_empty() {
        return Ok(());
    }
    let Some(first) = f.versions.first() else { return Ok(()) };
    for id in &first.items {
        let Some(item) = items.get(id) else { bail!("--items lacks item {id} of form {}", f.form.id) };
        let section = bp.section_of(item.kind()).unwrap_or(0) as u32;
        f.form.items.push(FormItem { item_id: id.clone(), version: None, section });
    }
    Ok(())
}

/// The items of `form` by id; every one must be in `--items`.
fn pinned_items(form: &Form, items: &HashMap<String, Item>) -> anyhow::Result<HashMap<String, Item>> {
    let missing: Vec<&str> =
        form.items.iter().map(|i| i.item_id.as_str()).filter(|id| !items.contains_key(*id)).collect();
    if !missing.is_empty() {
        bail!("--items lacks {} item(s) of form {}: {}", missing.len(), form.id, missing.join(", "))
    }
    Ok(form.items.iter().map(|i| (i.item_id.clone(), items[&i.item_id].clone())).collect())
}

/// A picture's bytes from the media folder: only a plain file name inside it.
fn read_picture(dir: &Path, name: &str) -> Option<Vec<u8>> {
    let inside = Path::new(name).components().all(|c| matches!(c, Component::Normal(_)));
    let path = dir.join(name);
    let small = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_PICTURE_BYTES);
    if inside && small { std::fs::read(path).ok() } else { None }
}

/// The documents into folder `output`, or into the zip `output` when it ends in `.zip`.
fn write_output(output: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let is_zip = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in files {
            zip.start_file(name.as_str(), stored)?;
            zip.write_all(bytes)?;
        }
        let bytes = zip.finish()?.into_inner();
        std::fs::write(output, bytes).with_context(|| format!("writing {}", output.display()))?;
        eprintln!("wrote {} ({} documents)", output.display(), files.len());
    } else {
        std::fs::create_dir_all(output).with_context(|| format!("creating {}", output.display()))?;
        for (name, bytes) in files {
            let path: PathBuf = output.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
