use super::*;
use khaothi_domain::{ItemKind, Level};

/// The blueprint of the issue, verbatim.
pub(crate) const ISSUE_EXAMPLE: &str = r#"name: "THPT 2025 – Toán (mẫu)"
subject: toan
duration_minutes: 90
forms: 4                 # parallel forms assembled together
versions: 6              # shuffled versions of each form
max_overlap: 0.2         # at most this share of items common to any two forms
sections:                # in delivery order
  - { kind: single_choice,    count: 12, points: 0.25 }
  - { kind: true_false_group, count: 4,  points: 1.0 }
  - { kind: short_answer,     count: 6,  points: 0.5 }
matrix:                  # topic prefix (dot-separated segments) × level: exact count or {min, max}
  - { topic: "12.1", biet: 3, hieu: 2, van_dung: { min: 1, max: 2 } }
  - { topic: "12.2", biet: 2, hieu: 2, van_dung: 1 }
information:
  objective: maximin     # maximin: maximise the smallest information at the thetas; or target
  thetas: [-1.0, 0.0, 1.0]
  # target: [6.0, 8.0, 6.0]   # with objective: target — minimise the largest deviation
"#;

#[test]
fn the_issue_example_parses() {
    let bp = Blueprint::from_yaml(ISSUE_EXAMPLE).unwrap();
    assert_eq!(bp.forms, 4);
    assert_eq!(bp.versions, 6);
    assert_eq!(bp.form_length(), 22);
    assert_eq!(bp.overlap_items(), 4);
    assert!((bp.form_points() - 10.0).abs() < 1e-12);
    assert_eq!(bp.sections[1].kind, ItemKind::TrueFalseGroup);
    assert_eq!(bp.sections[1].line, Some(9));
    assert_eq!(bp.matrix[0].levels[&Level::VanDung], Bounds { min: 1.0, max: Some(2.0) });
    assert_eq!(bp.matrix[1].levels[&Level::Biet], Bounds::exact(2.0));
    assert_eq!(bp.matrix[1].line, Some(13));
    assert_eq!(bp.information.as_ref().unwrap().objective, Objective::Maximin);
    // A JSON round trip (the bank stores blueprints as JSON) loses nothing but lines.
    let json = serde_json::to_string(&bp).unwrap();
    let back: Blueprint = serde_json::from_str(&json).unwrap();
    assert_eq!(back.matrix[0].levels, bp.matrix[0].levels);
}

fn issues(yaml: &str) -> Vec<BlueprintIssue> {
    Blueprint::from_yaml(yaml).unwrap_err().0
}

#[test]
fn a_misspelt_key_is_named_with_its_line() {
    let yaml = ISSUE_EXAMPLE.replace("van_dung: 1 }", "van_dun: 1 }");
    let e = issues(&yaml);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, Some(13), "{e:?}");
    assert!(e[0].key.starts_with("matrix[1]"), "{e:?}");
    assert!(e[0].message.contains("van_dun"), "{e:?}");
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    let yaml = ISSUE_EXAMPLE.replace("forms: 4 ", "forms: four ");
    let e = issues(&yaml);
    assert_eq!(e[0].key, "forms", "{e:?}");
    assert_eq!(e[0].line, Some(4), "{e:?}");
    let yaml = ISSUE_EXAMPLE.replace("kind: short_answer,", "kind: essay,");
    let e = issues(&yaml);
    assert!(e[0].key.starts_with("sections[2]"), "{e:?}");
    assert_eq!(e[0].line, Some(10), "{e:?}");
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let yaml = ISSUE_EXAMPLE
        .replace("van_dung: { min: 1, max: 2 }", "van_dung: { min: 3, max: 2 }")
        .replace("max_overlap: 0.2", "max_overlap: 1.5")
        .replace("count: 6,", "count: 0,")
        .replace("thetas: [-1.0, 0.0, 1.0]", "thetas: []");
    let e = issues(&yaml);
    let keys: Vec<&str> = e.iter().map(|i| i.key.as_str()).collect();
    assert!(keys.contains(&"max_overlap"), "{keys:?}");
    assert!(keys.contains(&"sections[2].count"), "{keys:?}");
    assert!(keys.contains(&"matrix[0].van_dung"), "{keys:?}");
    assert!(keys.contains(&"information.thetas"), "{keys:?}");
    let cell = e.iter().find(|i| i.key == "matrix[0].van_dung").unwrap();
    assert_eq!(cell.line, Some(12));
    assert!(cell.message.contains("min 3 is above max 2"));
    let text = Blueprint::from_yaml(&yaml).unwrap_err().to_string();
    assert!(text.contains("line 12, `matrix[0].van_dung`"), "{text}");
}

#[test]
fn target_needs_one_value_per_theta_and_points_must_add_up() {
    let yaml = ISSUE_EXAMPLE
        .replace("objective: maximin", "objective: target")
        .replace("  # target: [6.0, 8.0, 6.0]", "  target: [6.0, 8.0]")
        .replace("duration_minutes: 90", "duration_minutes: 90\ntotal_points: 9");
    let keys: Vec<String> = issues(&yaml).into_iter().map(|i| i.key).collect();
    assert_eq!(keys, ["total_points", "information.target"]);
}

#[test]
fn statement_rows_and_extensions_parse() {
    let yaml = format!(
        "{ISSUE_EXAMPLE}  ceiling: 0.1\n\
         difficulty: {{ item_b: {{ min: -3, max: 3 }}, mean_b: {{ min: -0.5, max: 0.5 }} }}\n\
         exposure: {{ max_uses: 3 }}\n"
    )
    .replace(
        "  - { topic: \"12.2\", biet: 2, hieu: 2, van_dung: 1 }",
        "  - { topic: \"12.2\", biet: 2, hieu: 2, van_dung: 1 }\n  - { topic: \"12\", kind: true_false_group, unit: statements, biet: 6, total: 16 }",
    );
    let bp = Blueprint::from_yaml(&yaml).unwrap();
    assert_eq!(bp.matrix[2].unit, CountUnit::Statements);
    assert_eq!(bp.matrix[2].total, Some(Bounds::exact(16.0)));
    assert_eq!(bp.exposure.unwrap().max_uses, 3);
    assert_eq!(bp.information.unwrap().ceiling, Some(0.1));
    assert_eq!(bp.difficulty.unwrap().mean_b.unwrap().max, Some(0.5));
}
