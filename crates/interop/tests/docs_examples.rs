//! The examples in docs/formats.md must import as documented.

use khaothi_interop::{ImportOptions, LineStatus, parse_csv, parse_jsonl};

fn blocks(lang: &str) -> Vec<String> {
    let doc = include_str!("../../../docs/formats.md");
    let fence = format!("```{lang}\n");
    doc.split(&fence).skip(1).filter_map(|rest| rest.split("```").next().map(str::to_string)).collect()
}

#[test]
fn json_examples_import_without_errors() {
    let items: Vec<String> = blocks("json").into_iter().filter(|b| b.starts_with("{\"id\"")).collect();
    assert!(items.len() >= 4);
    for block in items {
        let report = parse_jsonl(&block);
        assert!(report.lines.iter().all(|l| l.status == LineStatus::Ok), "{block}\n{report:#?}");
    }
}

#[test]
fn csv_example_imports_without_errors() {
    let csv = blocks("csv");
    assert_eq!(csv.len(), 1);
    let report = parse_csv(&csv[0], &ImportOptions::default());
    assert_eq!(report.lines.len(), 3);
    assert!(!report.has_errors(), "{report:#?}");
}

#[test]
fn report_example_matches_the_implementation() {
    let sc = blocks("json").into_iter().find(|b| b.contains("TOAN12-0001")).unwrap();
    let sc = sc.trim();
    let two = sc.replace("0001", "0002").replace("\"grade\":12", "\"grade\":\"12\"");
    let four = sc.replace("0001", "0004").replace("\"key\":\"B\"", "\"key\":\"B\",\"nguon\":\"SGK\"");
    let mut report = parse_jsonl(&format!("{sc}\n{two}\n\n{four}\n{sc}\n"));
    report.apply(khaothi_interop::ImportPolicy::SkipBad);
    let json = serde_json::to_string(&report).unwrap();
    println!("{json}");
    assert!(json.contains("\"field\":\"grade\""), "{json}");
    assert!(json.contains("already used on line 1"), "{json}");
}
