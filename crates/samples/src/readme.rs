//! `item-bank-samples/README.md`, written from the generated data so that its figures are always
//! those of the files beside it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use khaothi_domain::{ItemKind, Level, ReviewStatus};

use crate::responses::{FOCAL, REFERENCE, SimulatedResponses};
use crate::{SampleOptions, SubjectBank};
pub fn readme(opts: &SampleOptions, banks: &[SubjectBank], sims: &[SimulatedResponses]) -> String {
    let mut s = String::new();
    intro(&mut s, opts, banks);
    files(&mut s);
    items(&mut s, banks);
    topics(&mut s, banks);
    responses(&mut s, banks, sims);
    s
}

/// The title, what the files are and the command that produced them.
fn intro(s: &mut String, opts: &SampleOptions, banks: &[SubjectBank]) {
    let total: usize = banks.iter().map(|b| b.items.len()).sum();
    let _ = writeln!(s, "# Sample item bank (lớp 12: toán, vật lý, hóa học)\n");
    let _ = writeln!(
        s,
        "Generated — do not edit by hand. {total} items in Vietnamese for grade 12, written by the templates of the \
         `khaothi-samples` crate (keys computed from each template's parameters), and simulated responses of {} \
         candidates per subject. `docs/samples.md` documents the generators, the taxonomy and the formats.\n",
        opts.candidates
    );
    let _ = writeln!(
        s,
        "Produced by:\n\n```sh\nkhaothi simulate --out item-bank-samples --seed {} --candidates {} --items-per-subject {}\n```\n",
        opts.seed, opts.candidates, opts.items_per_subject
    );
    let _ = writeln!(
        s,
        "(or, before the command is wired: `cargo run -p khaothi-samples --example write_samples -- item-bank-samples`). The same seed gives byte-identical files.\n"
    );
}

/// One line per file.
fn files(s: &mut String) {
    let _ = writeln!(s, "## Files\n");
    for (f, what) in [
        ("items.jsonl", "every item, one JSON Lines interchange record a line (docs/formats.md)"),
        ("toan.jsonl, vat_ly.jsonl, hoa_hoc.jsonl", "the same items by subject"),
        (
            "stimuli.jsonl",
            "shared settings `{\"id\",\"subject\",\"title\",\"text\"}`; items naming a `stimulus` id are delivered with it",
        ),
        ("taxonomy.json", "topic codes `12.<chương>.<bài>` with Vietnamese names, by subject"),
        (
            "responses/<subject>.csv",
            "calibration CSV: `person` then item ids; 0/1, or 0–4 statements right for true_false_group; empty = not in the candidate's booklet",
        ),
        (
            "responses/<subject>-truth.csv",
            "`person,booklet,region,theta`: the generating abilities (item parameters are the items' `irt`)",
        ),
        ("responses/<subject>-groups.csv", "`person,region` for DIF analysis (reference KV3, focal KV1)"),
        ("responses/dif.json", "the planted DIF"),
        ("blueprints/", "blueprints (ma trận đề) written against the taxonomy (maintained separately)"),
    ] {
        let _ = writeln!(s, "- `{f}` — {what}");
    }
}

/// Items per subject by kind, level and status.
fn items(s: &mut String, banks: &[SubjectBank]) {
    let _ = writeln!(s, "\n## Items\n");
    let _ = writeln!(
        s,
        "| subject | items | single_choice | true_false_group | short_answer | biet | hieu | van_dung | van_dung_cao | approved | in_review | draft | stimuli | enemy pairs |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for b in banks {
        let count = |f: &dyn Fn(&khaothi_domain::ItemRecord) -> bool| b.items.iter().filter(|i| f(i)).count();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            b.taxonomy.subject,
            b.items.len(),
            count(&|i| i.kind == ItemKind::SingleChoice),
            count(&|i| i.kind == ItemKind::TrueFalseGroup),
            count(&|i| i.kind == ItemKind::ShortAnswer),
            count(&|i| i.level == Level::Biet),
            count(&|i| i.level == Level::Hieu),
            count(&|i| i.level == Level::VanDung),
            count(&|i| i.level == Level::VanDungCao),
            count(&|i| i.status == Some(ReviewStatus::Approved)),
            count(&|i| i.status == Some(ReviewStatus::InReview)),
            count(&|i| i.status == Some(ReviewStatus::Draft)),
            b.stimuli.len(),
            count(&|i| !i.enemies.is_empty()) / 2,
        );
    }
}

/// Items per subject by topic.
fn topics(s: &mut String, banks: &[SubjectBank]) {
    let _ = writeln!(s, "\nItems by topic:\n");
    for b in banks {
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for i in &b.items {
            *by.entry(i.topic.as_str()).or_default() += 1;
        }
        let list: Vec<String> = by.iter().map(|(t, n)| format!("{t}: {n}")).collect();
        let _ = writeln!(s, "- {}: {}", b.taxonomy.subject, list.join(", "));
    }
}

/// The simulated responses: booklets, abilities and the planted DIF.
fn responses(s: &mut String, banks: &[SubjectBank], sims: &[SimulatedResponses]) {
    let _ = writeln!(s, "\n## Responses\n");
    for (b, sim) in banks.iter().zip(sims) {
        let sizes: Vec<usize> = sim.booklet_items.iter().map(Vec::len).collect();
        let cells = sim.matrix.n_persons() * sim.matrix.n_items();
        let answered: usize = sim.matrix.answered_counts().iter().sum();
        let _ = writeln!(
            s,
            "- {}: {} candidates, {} booklets of {}–{} items (four consecutive blocks of a cyclic design), {:.1}% of cells presented",
            b.taxonomy.subject,
            sim.matrix.n_persons(),
            sizes.len(),
            sizes.iter().min().unwrap_or(&0),
            sizes.iter().max().unwrap_or(&0),
            100.0 * answered as f64 / cells.max(1) as f64
        );
    }
    let _ = writeln!(
        s,
        "\nAbilities: θ ~ N(0.10, 1) in region {REFERENCE} and N(−0.20, 1) in region {FOCAL} (35% of candidates). Planted \
         uniform DIF (the focal group's `b` shifted):\n"
    );
    for sim in sims {
        for d in &sim.dif {
            let _ = writeln!(s, "- {} `{}`: b {:+.1} for {}", d.subject, d.item, d.shift_b, d.focal);
        }
    }
}
