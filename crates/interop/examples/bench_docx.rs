//! Measures Word import (unzip, XML, equations → LaTeX, layout, validation with the LaTeX check)
//! on the generated 500-question paper, or on a file given:
//! `cargo run --release -p khaothi-interop --example bench_docx [FILE.docx] [--dump]`.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dump = args.iter().any(|a| a == "--dump");
    let path = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docx/bench-500.docx").to_string()
    });
    let bytes = std::fs::read(&path).expect("read the .docx");
    let opts = khaothi_interop::ConvertOptions {
        subject: Some("toan".into()),
        grade: Some(12),
        topic: Some("12.1".into()),
        level: Some(khaothi_domain::Level::Hieu),
        id_prefix: "B".into(),
        ..Default::default()
    };
    let runs = if dump { 1 } else { 5 };
    let mut best = f64::MAX;
    let mut import = None;
    for _ in 0..runs {
        let start = Instant::now();
        let result = khaothi_interop::read_docx(&bytes, &opts);
        best = best.min(start.elapsed().as_secs_f64());
        import = Some(result);
    }
    let import = import.expect("ran once");
    let summary = import.report.summary();
    if dump {
        println!("{}", serde_json::to_string_pretty(&import.report).expect("serialise"));
        for l in &import.report.lines {
            if let Some(r) = &l.record {
                println!("{}", serde_json::to_string(r).expect("serialise"));
            }
        }
        println!("{}", serde_json::to_string_pretty(&import.stimuli).expect("serialise"));
        println!(
            "media: {:?}",
            import.media.iter().map(|m| (&m.name, &m.content_type, m.bytes.len())).collect::<Vec<_>>()
        );
    }
    let n = import.report.lines.len();
    println!(
        "{path}: {} bytes, {n} questions ({} ok, {} warnings, {} errors), best of {runs}: {:.1} ms, {:.0} items/s",
        bytes.len(),
        summary.ok,
        summary.warnings,
        summary.errors,
        best * 1e3,
        n as f64 / best
    );
}
