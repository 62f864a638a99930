//! A small run of the benchmark as a test: sheets rendered, filled, distorted and read; no wrong
//! answer without a flag, every double mark and erasure flagged, clean marks read.

use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::{Distortion, Tally, distort, fill};
use khaothi_omr::{CandidateInfo, Header, SheetSpec, raster, sheet};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn spec() -> SheetSpec {
    SheetSpec {
        form: "F1".into(),
        version: "0102".into(),
        part_i: 12,
        part_ii: vec![4; 4],
        part_iii: 6,
        candidate_digits: 6,
        version_digits: 4,
    }
}

#[test]
fn generated_sheets_are_read_right_or_flagged() {
    let spec = spec();
    let mut tally = Tally::default();
    // 200 dpi keeps the debug-build test to seconds; the benchmark runs 300 dpi.
    let dpi = 200.0;
    for i in 0..30u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7_000 + i);
        let number = format!("{:06}", 123_400 + i);
        let candidate = CandidateInfo {
            number: number.clone(),
            name: "Lê Văn Ánh".into(),
            date_of_birth: "02/09/2008".into(),
            room: "P02".into(),
        };
        let (layout, drawing, payload) =
            sheet::sheet(&spec, &Header { event: "Thi thử".into(), candidate: Some(candidate) }).unwrap();
        let mut img = raster::rasterize(&drawing, dpi).unwrap();
        let truth = fill(&mut img, &layout, dpi / 25.4, &number, &spec.version, &mut rng);
        let img = distort(&img, &Distortion::random(&mut rng), &mut rng);
        let reading = read_sheet(&img, &layout, &ReadOptions { dpi: None, crops: true });
        assert_eq!(reading.sheet.as_deref(), Some(payload.sheet.as_str()), "sheet {i}: QR");
        assert!(reading.flags.iter().all(|f| f.crop.is_some()), "sheet {i}: every flag has its crop");
        tally.add(&layout, &truth, &reading);
    }
    assert_eq!(tally.wrong_unflagged, 0, "{tally:?}");
    assert_eq!(tally.must_flag_flagged, tally.must_flag, "{tally:?}");
    assert!(tally.must_flag > 0 && tally.blank_keys > 0, "the set has spoilt and blank keys: {tally:?}");
    assert!(tally.clean_accuracy() >= 0.995, "{tally:?}");
}

#[test]
fn a_picture_without_marks_is_flagged_not_read() {
    let layout = sheet::layout(&spec()).unwrap();
    let img = image::GrayImage::from_pixel(800, 1100, image::Luma([230]));
    let reading = read_sheet(&img, &layout, &ReadOptions { dpi: None, crops: true });
    assert!(reading.answers.is_empty() && reading.candidate.is_none());
    assert_eq!(reading.flags.len(), 1);
    assert_eq!(reading.flags[0].reason, khaothi_omr::FlagReason::MarksNotFound);
    assert!(reading.flags[0].crop.is_some());
}

#[test]
fn a_sheet_with_a_corner_mark_cut_off_is_refused_not_guessed() {
    let spec = spec();
    let (layout, drawing, _) = sheet::sheet(&spec, &Header::default()).unwrap();
    let dpi = 150.0;
    let mut img = raster::rasterize(&drawing, dpi).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    fill(&mut img, &layout, dpi / 25.4, "123456", &spec.version, &mut rng);
    // The top-left mark torn off with the corner.
    let cut = (20.0 * dpi / 25.4) as u32;
    for y in 0..cut {
        for x in 0..cut {
            img.put_pixel(x, y, image::Luma([255]));
        }
    }
    let reading = read_sheet(&img, &layout, &ReadOptions { dpi: None, crops: false });
    assert!(reading.answers.is_empty(), "{:?}", reading.answers);
    assert_eq!(
        reading.flags.iter().map(|f| f.reason).collect::<Vec<_>>(),
        vec![khaothi_omr::FlagReason::MarksNotFound]
    );
}
