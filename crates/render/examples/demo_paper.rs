//! Prints a demo paper: assembles one form from a blueprint and a JSON Lines bank (the sample bank
//! by default) and writes version 1's paper and answer key as HTML, to look at in a browser or to
//! print with `chromium --headless --print-to-pdf`. The bank's print route does the same from
//! stored forms; this is the board's view without a server.
//!
//! `cargo run -p khaothi-render --example demo_paper -- [ITEMS] [BLUEPRINT] [STIMULI] [OUT_DIR]`

use std::collections::HashMap;
use std::time::Instant;

use khaothi_assembly::{AssemblyOptions, Blueprint, SolverChoice, assemble};
use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Item, ItemRecord};
use khaothi_render::{Paper, PaperHeading, answer_key_html, paper_html};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let items_path = arg(0, "item-bank-samples/toan.jsonl");
    let bp = Blueprint::from_yaml(&std::fs::read_to_string(arg(
        1,
        "item-bank-samples/blueprints/thpt-toan.yaml",
    ))?)?;
    let stimuli_path = arg(2, "item-bank-samples/stimuli.jsonl");
    let out = std::path::PathBuf::from(arg(3, "target/demo-paper"));
    let mut items: Vec<Item> = Vec::new();
    for line in std::fs::read_to_string(&items_path)?.lines().filter(|l| !l.trim().is_empty()) {
        let rec = ItemRecord::from_json_line(line).map_err(|e| format!("{e:?}"))?;
        items.push(rec.into_item().map_err(|e| format!("{e:?}"))?.0);
    }
    let mut stimuli = HashMap::new();
    for line in std::fs::read_to_string(&stimuli_path)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        stimuli.insert(
            v["id"].as_str().unwrap_or_default().to_string(),
            v["text"].as_str().unwrap_or_default().to_string(),
        );
    }
    let bp = Blueprint { forms: 1, ..bp };
    let opts =
        AssemblyOptions { solver: SolverChoice::Microlp, time_limit: 30.0, ..AssemblyOptions::default() };
    let started = Instant::now();
    let result = assemble(&bp, &items, &opts, &move || started.elapsed())?;
    let assembled = &result.forms[0];
    let form = Form {
        items: assembled.form.items.iter().map(|i| FormItem { version: Some(1), ..i.clone() }).collect(),
        ..assembled.form.clone()
    };
    let by_id: HashMap<String, Item> = items.into_iter().map(|i| (i.id.clone(), i)).collect();
    let version = &assembled.versions[0];
    let paper_text = bp.paper.clone().unwrap_or_default();
    let heading = PaperHeading {
        authority: paper_text.authority.as_deref().unwrap_or("BỘ GIÁO DỤC VÀ ĐÀO TẠO"),
        exam: paper_text.exam.as_deref().unwrap_or(&bp.name),
        label: paper_text.label.as_deref().unwrap_or("ĐỀ THI CHÍNH THỨC"),
        subject: &bp.subject,
        duration_minutes: bp.duration_minutes,
    };
    let paper = Paper { heading, form: &form, version, items: &by_id, stimuli: &stimuli };
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("paper.html"), paper_html(&paper)?)?;
    std::fs::write(out.join("key.html"), answer_key_html(&paper))?;
    println!(
        "{} (mã đề {}): key counts {:?}",
        out.join("paper.html").display(),
        version.code,
        assembled.key_counts[&version.code]
    );
    Ok(())
}
