//! Hand-worked THPT scoring cases: every expected number below was worked out on paper, not
//! computed by the code under test.

use super::*;
use crate::ContentItem;
use khaothi_domain::ShortAnswerKey;
use khaothi_render::RenderedItem;
use serde_json::json;

fn sa(accepted: &[&str]) -> VersionKey {
    VersionKey::ShortAnswer(ShortAnswerKey {
        accepted: accepted.iter().map(|s| s.to_string()).collect(),
        tolerance: None,
    })
}

fn item(id: &str, kind: ItemKind, section: u32) -> ContentItem {
    ContentItem {
        rendered: RenderedItem {
            id: id.into(),
            kind,
            stem_html: String::new(),
            options_html: Vec::new(),
            statements_html: Vec::new(),
            stimulus: None,
        },
        section,
    }
}

#[test]
fn single_choice_is_a_quarter_point() {
    let key = VersionKey::SingleChoice(Choice::C);
    assert_eq!(score_item("toan", &key, Some(&json!("C"))), (1, 25, 25));
    assert_eq!(score_item("toan", &key, Some(&json!("c"))), (1, 25, 25));
    assert_eq!(score_item("toan", &key, Some(&json!("B"))), (0, 0, 25));
    assert_eq!(score_item("toan", &key, Some(&Value::Null)), (0, 0, 25));
    assert_eq!(score_item("toan", &key, None), (0, 0, 25));
}

#[test]
fn every_true_false_pattern() {
    // Key đúng, sai, đúng, đúng. Pattern letters: T = true (đúng), F = false (sai).
    let key = VersionKey::TrueFalseGroup(vec![true, false, true, true]);
    let cases = [
        ("TTTT", 3, 50),
        ("TTTF", 2, 25),
        ("TTFT", 2, 25),
        ("TTFF", 1, 10),
        ("TFTT", 4, 100),
        ("TFTF", 3, 50),
        ("TFFT", 3, 50),
        ("TFFF", 2, 25),
        ("FTTT", 2, 25),
        ("FTTF", 1, 10),
        ("FTFT", 1, 10),
        ("FTFF", 0, 0),
        ("FFTT", 3, 50),
        ("FFTF", 2, 25),
        ("FFFT", 2, 25),
        ("FFFF", 1, 10),
    ];
    for (pattern, right, points) in cases {
        let answer: Vec<bool> = pattern.chars().map(|c| c == 'T').collect();
        assert_eq!(score_item("toan", &key, Some(&json!(answer))), (right, points, 100), "pattern {pattern}");
    }
    // A statement left blank is not right.
    assert_eq!(score_item("toan", &key, Some(&json!([true, null, null, null]))), (1, 10, 100));
    assert_eq!(score_item("toan", &key, Some(&json!([null, null, null, null]))), (0, 0, 100));
    assert_eq!(score_item("toan", &key, None), (0, 0, 100));
}

#[test]
fn short_answers_compare_after_trimming_and_decimal_point() {
    let key = sa(&["0,5", "1,5"]);
    for right in ["0,5", "0.5", " 0.5", "1,5", "1.5"] {
        assert_eq!(score_item("toan", &key, Some(&json!(right))), (1, 50, 50), "{right}");
        assert_eq!(score_item("vat_ly", &key, Some(&json!(right))), (1, 25, 25), "{right}");
    }
    for wrong in ["0,50", "-0,5", "5", "2,5", ".5"] {
        assert_eq!(score_item("toan", &key, Some(&json!(wrong))), (0, 0, 50), "{wrong}");
    }
    let negative = sa(&["-1,5"]);
    assert_eq!(score_item("hoa_hoc", &negative, Some(&json!("-1.5"))), (1, 25, 25));
    assert_eq!(score_item("hoa_hoc", &negative, Some(&json!("1,5"))), (0, 0, 25));
    assert_eq!(score_item("toan", &negative, None), (0, 0, 50));
}

#[test]
fn sections_and_the_ten_point_score_of_a_small_version() {
    let version = VersionContent {
        code: "0101".into(),
        form_id: "F1".into(),
        items: vec![
            item("S1", ItemKind::SingleChoice, 0),
            item("S2", ItemKind::SingleChoice, 0),
            item("S3", ItemKind::SingleChoice, 0),
            item("T1", ItemKind::TrueFalseGroup, 1),
            item("T2", ItemKind::TrueFalseGroup, 1),
            item("A1", ItemKind::ShortAnswer, 2),
            item("A2", ItemKind::ShortAnswer, 2),
        ],
    };
    let keys = BTreeMap::from([
        ("S1".to_string(), VersionKey::SingleChoice(Choice::A)),
        ("S2".to_string(), VersionKey::SingleChoice(Choice::B)),
        ("S3".to_string(), VersionKey::SingleChoice(Choice::C)),
        ("T1".to_string(), VersionKey::TrueFalseGroup(vec![true, true, false, false])),
        ("T2".to_string(), VersionKey::TrueFalseGroup(vec![false, false, false, true])),
        ("A1".to_string(), sa(&["12"])),
        ("A2".to_string(), sa(&["3,5"])),
    ]);
    let answers = BTreeMap::from([
        ("S1".to_string(), json!("A")),
        ("S2".to_string(), json!("B")),
        ("S3".to_string(), json!("D")),
        ("T1".to_string(), json!([true, true, false, false])),
        ("T2".to_string(), json!([false, false, false, false])),
        ("A1".to_string(), json!("12")),
    ]);
    let s = score_version("toan", &version, &keys, &answers).unwrap();
    // I: 2 × 0.25; II: 1.00 + 0.50; III: 0.50 + 0 (A2 not answered).
    let subtotals: Vec<(u32, u32, u32)> = s.sections.iter().map(|x| (x.section, x.points, x.max)).collect();
    assert_eq!(subtotals, vec![(0, 50, 75), (1, 150, 200), (2, 50, 100)]);
    assert_eq!((s.total, s.max), (250, 375));
    // 2.50 of 3.75 on the 10-point scale: 6.666… → 6.67.
    assert_eq!(s.score10(), Some(667));
    assert_eq!(s.answered(), 6);
    let rights: Vec<u8> = s.items.iter().map(|i| i.right).collect();
    assert_eq!(rights, vec![1, 1, 0, 4, 3, 1, 0]);
    // A missing key is refused, not scored as wrong.
    let mut partial = keys.clone();
    partial.remove("T2");
    assert!(score_version("toan", &version, &partial, &answers).is_err());
}

#[test]
fn a_full_thpt_mathematics_paper_totals_ten_points() {
    // 12 single choice, 4 true/false groups, 6 short answers: 3 + 4 + 3 = 10 points.
    let mut items = Vec::new();
    let mut keys = BTreeMap::new();
    let mut answers = BTreeMap::new();
    for i in 0..12 {
        let id = format!("S{i}");
        items.push(item(&id, ItemKind::SingleChoice, 0));
        keys.insert(id.clone(), VersionKey::SingleChoice(Choice::A));
        // 9 right, 3 wrong.
        answers.insert(id, json!(if i < 9 { "A" } else { "B" }));
    }
    for (i, answer) in [
        [true, true, true, true],
        [true, true, true, false],
        [true, true, false, false],
        [true, false, false, false],
    ]
    .iter()
    .enumerate()
    {
        let id = format!("T{i}");
        items.push(item(&id, ItemKind::TrueFalseGroup, 1));
        keys.insert(id.clone(), VersionKey::TrueFalseGroup(vec![true; 4]));
        answers.insert(id, json!(answer));
    }
    for i in 0..6 {
        let id = format!("A{i}");
        items.push(item(&id, ItemKind::ShortAnswer, 2));
        keys.insert(id.clone(), sa(&["7"]));
        // 4 right, one wrong, one blank.
        if i < 5 {
            answers.insert(id, json!(if i < 4 { "7" } else { "8" }));
        }
    }
    let version = VersionContent { code: "0101".into(), form_id: "F1".into(), items };
    let s = score_version("toan", &version, &keys, &answers).unwrap();
    // I: 9 × 0.25 = 2.25; II: 1 + 0.5 + 0.25 + 0.1 = 1.85; III: 4 × 0.5 = 2.00.
    let subtotals: Vec<(u32, u32)> = s.sections.iter().map(|x| (x.points, x.max)).collect();
    assert_eq!(subtotals, vec![(225, 300), (185, 400), (200, 300)]);
    assert_eq!((s.total, s.max), (610, 1000));
    assert_eq!(s.score10(), Some(610));
    assert_eq!(format_score10(s.score10().unwrap()), "6,10");
    assert_eq!(s.answered(), 21);
    // The same answers in physics: part III is worth 0.25 a question (1.50 in all).
    let s = score_version("vat_ly", &version, &keys, &answers).unwrap();
    assert_eq!((s.sections[2].points, s.sections[2].max), (100, 150));
    assert_eq!((s.total, s.max), (510, 850));
}

#[test]
fn ten_point_rounding_is_half_up_to_hundredths() {
    assert_eq!(to_ten(1000, 1000), Some(1000));
    assert_eq!(to_ten(0, 1000), Some(0));
    assert_eq!(to_ten(1, 8), Some(125)); // 1.25 exactly
    assert_eq!(to_ten(57, 80), Some(713)); // 7.125 → 7.13
    assert_eq!(to_ten(1, 3), Some(333)); // 3.333… → 3.33
    assert_eq!(to_ten(2, 3), Some(667)); // 6.666… → 6.67
    assert_eq!(to_ten(10, 0), None);
    assert_eq!(format_score10(725), "7,25");
    assert_eq!(format_score10(1000), "10,00");
    assert_eq!(format_score10(5), "0,05");
}

#[test]
fn section_labels_are_roman() {
    let labels: Vec<String> = (0..5).map(section_label).collect();
    assert_eq!(labels, vec!["I", "II", "III", "IV", "V"]);
}

#[test]
fn answer_shapes_are_checked() {
    assert!(validate_answer(ItemKind::SingleChoice, &json!("C")).is_ok());
    assert!(validate_answer(ItemKind::SingleChoice, &json!("E")).is_err());
    assert!(validate_answer(ItemKind::SingleChoice, &json!(null)).is_ok());
    assert!(validate_answer(ItemKind::TrueFalseGroup, &json!([true, null, false, true])).is_ok());
    assert!(validate_answer(ItemKind::TrueFalseGroup, &json!([true])).is_err());
    assert!(validate_answer(ItemKind::ShortAnswer, &json!("-1,5")).is_ok());
    assert!(validate_answer(ItemKind::ShortAnswer, &json!("12345")).is_err());
    assert!(validate_answer(ItemKind::ShortAnswer, &json!(3)).is_err());
}

/// docs/formats.md's table of THPT 2025 structures: a perfect paper of each scores 10 points.
#[test]
fn every_thpt_2025_structure_totals_ten_points() {
    // (subject, single choice, true/false groups, short answers)
    let structures = [
        ("toan", 12, 4, 6),
        ("vat_ly", 18, 4, 6),
        ("hoa_hoc", 18, 4, 6),
        ("sinh_hoc", 18, 4, 6),
        ("dia_ly", 18, 4, 6),
        ("lich_su", 24, 4, 0),
        ("gdktpl", 24, 4, 0),
        ("tin_hoc", 24, 4, 0),
        ("cong_nghe", 24, 4, 0),
        ("tieng_anh", 40, 0, 0),
    ];
    for (subject, sc, tf, short) in structures {
        let (mut items, mut keys, mut answers) = (Vec::new(), BTreeMap::new(), BTreeMap::new());
        let mut add = |id: String, kind, section, key: VersionKey, answer| {
            items.push(item(&id, kind, section));
            keys.insert(id.clone(), key);
            answers.insert(id, answer);
        };
        for i in 0..sc {
            add(format!("S{i}"), ItemKind::SingleChoice, 0, VersionKey::SingleChoice(Choice::C), json!("C"));
        }
        for i in 0..tf {
            add(
                format!("T{i}"),
                ItemKind::TrueFalseGroup,
                1,
                VersionKey::TrueFalseGroup(vec![true; 4]),
                json!([true, true, true, true]),
            );
        }
        for i in 0..short {
            add(format!("A{i}"), ItemKind::ShortAnswer, 2, sa(&["12"]), json!("12"));
        }
        let version = VersionContent { code: "0101".into(), form_id: "F1".into(), items };
        let s = score_version(subject, &version, &keys, &answers).unwrap();
        assert_eq!((s.total, s.max), (1000, 1000), "{subject}");
    }
}
