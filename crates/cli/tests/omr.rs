//! `khaothi omr sheet` and `khaothi omr read`, run as the real binary: the PDFs and layout.json, a
//! filled sheet read back (answers, a flagged double mark with its crop, an unreadable file), and
//! the refusals with their exit status.

use std::path::Path;
use std::process::{Command, Output};

use khaothi_omr::{Layout, Meaning, raster, sheet};

const FORM: &str = r#"{"forms": [{"id": "F1", "versions": [{"code": "0101", "form_id": "F1",
  "items": ["A1", "A2", "B1", "C1"], "options": {},
  "keys": {"A1": {"single_choice": "B"}, "A2": {"single_choice": "C"},
           "B1": {"true_false_group": [true, false, true, true]},
           "C1": {"short_answer": {"accepted": ["1,5"]}}}}]}]}"#;

fn khaothi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A dark disk over the bubble of `meaning`: a candidate's pencil, drawn by the test itself.
fn mark(img: &mut image::GrayImage, layout: &Layout, dpi: f64, meaning: Meaning) {
    let b = layout.bubbles.iter().find(|b| b.meaning == meaning).expect("bubble");
    let k = dpi / 25.4;
    let (cx, cy, r) = (b.x * k, b.y * k, b.r * k * 0.95);
    for y in (cy - r) as u32..=(cy + r) as u32 {
        for x in (cx - r) as u32..=(cx + r) as u32 {
            if (f64::from(x) + 0.5 - cx).hypot(f64::from(y) + 0.5 - cy) <= r {
                img.put_pixel(x, y, image::Luma([60]));
            }
        }
    }
}

#[test]
fn sheets_are_printed_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("assembled.json");
    std::fs::write(&form, FORM).unwrap();
    let csv = dir.path().join("candidates.csv");
    std::fs::write(&csv, "so_bao_danh,ho_ten,ngay_sinh,phong\n010203,Nguyễn Thị Hồng Nhung,2008-03-12,P05\n010204,Trần Văn Bảo,2008-11-02,P05\n").unwrap();
    let out_dir = dir.path().join("sheets");
    let out = khaothi(&[
        "omr",
        "sheet",
        "--form",
        p(&form),
        "--version",
        "0101",
        "--candidates",
        p(&csv),
        "--event",
        "Thi thử",
        "--out",
        p(&out_dir),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["sheets"].as_array().unwrap().len(), 2);
    let pdf = std::fs::read(out_dir.join("010203.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() < 200_000, "a small PDF: {} bytes", pdf.len());
    let layout: Layout =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("layout.json")).unwrap()).unwrap();
    // 2 × 4 + 1 × 4 × 2 + (1 + 2 + 4 × 10) + 6 × 10 + 4 × 10 bubbles.
    assert_eq!(layout.bubbles.len(), 8 + 8 + 43 + 60 + 40);

    // Candidate 010203's sheet, as printed (the same drawing), filled and scanned at 150 dpi.
    let version: khaothi_domain::form::Version = serde_json::from_value(
        serde_json::from_str::<serde_json::Value>(FORM).unwrap()["forms"][0]["versions"][0].clone(),
    )
    .unwrap();
    let spec = khaothi_omr::SheetSpec::from_version(&version, 6).unwrap();
    let candidate = khaothi_omr::CandidateInfo { number: "010203".into(), ..Default::default() };
    let (_, drawing, _) =
        sheet::sheet(&spec, &khaothi_omr::Header { event: "Thi thử".into(), candidate: Some(candidate) })
            .unwrap();
    let dpi = 150.0;
    let mut img = raster::rasterize(&drawing, dpi).unwrap();
    for (digit, value) in [0u8, 1, 0, 2, 0, 3].into_iter().enumerate() {
        mark(
            &mut img,
            &layout,
            dpi,
            Meaning::Number { field: khaothi_omr::NumberField::Candidate, digit: digit as u32, value },
        );
    }
    for (digit, value) in [0u8, 1, 0, 1].into_iter().enumerate() {
        mark(
            &mut img,
            &layout,
            dpi,
            Meaning::Number { field: khaothi_omr::NumberField::Version, digit: digit as u32, value },
        );
    }
    mark(&mut img, &layout, dpi, Meaning::Choice { item: 1, value: 'B' });
    mark(&mut img, &layout, dpi, Meaning::Choice { item: 2, value: 'A' });
    mark(&mut img, &layout, dpi, Meaning::Choice { item: 2, value: 'D' });
    for (statement, value) in [('a', true), ('b', false), ('d', true)] {
        mark(&mut img, &layout, dpi, Meaning::Statement { item: 1, statement, value });
    }
    for (column, value) in [(0, '1'), (1, ','), (2, '5')] {
        mark(&mut img, &layout, dpi, Meaning::Character { item: 1, column, value });
    }
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    img.save(scans.join("a.png")).unwrap();
    std::fs::write(scans.join("b.png"), b"not a picture").unwrap();
    std::fs::write(scans.join("notes.txt"), b"ignored").unwrap();

    let out = khaothi(&[
        "omr",
        "read",
        "--layout",
        p(&out_dir.join("layout.json")),
        "--images",
        p(&scans),
        "--dpi",
        "150",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sheets = report["sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 2, "PNG, JPEG and TIFF files only");
    let a = &sheets[0];
    assert_eq!(a["image"], "a.png");
    assert_eq!(a["image_sha256"].as_str().unwrap().len(), 64);
    assert_eq!((a["candidate"].as_str(), a["version"].as_str()), (Some("010203"), Some("0101")));
    assert_eq!(
        a["answers"],
        serde_json::json!({"I.1": "B", "II.1": [true, false, null, true], "III.1": "1,5"})
    );
    let flags = a["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!((flags[0]["key"].as_str(), flags[0]["reason"].as_str()), (Some("I.2"), Some("double_mark")));
    assert!(flags[0]["crop"].as_str().unwrap().len() > 100);
    assert_eq!(sheets[1]["flags"][0]["reason"], "marks_not_found");
    assert!(sheets[1]["answers"].as_object().unwrap().is_empty());
}

#[test]
fn bad_inputs_are_refused_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("assembled.json");
    std::fs::write(&form, FORM).unwrap();
    let out = khaothi(&[
        "omr",
        "sheet",
        "--form",
        p(&form),
        "--version",
        "0999",
        "--out",
        p(&dir.path().join("o")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no version 0999"));

    let out = khaothi(&[
        "omr",
        "sheet",
        "--form",
        p(&form),
        "--version",
        "0101",
        "--out",
        p(&dir.path().join("blank")),
    ]);
    assert!(out.status.success());
    assert!(dir.path().join("blank/blank.pdf").exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = khaothi(&[
        "omr",
        "read",
        "--layout",
        p(&dir.path().join("blank/layout.json")),
        "--images",
        p(&empty),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no PNG, JPEG or TIFF image"));
    let out = khaothi(&["omr", "read", "--layout", p(&form), "--images", p(&empty)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a layout.json"));
}
