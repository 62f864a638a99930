//! Scanned THPT answer sheets for the delivery's paper tests (the API's and the page's): a
//! version's sheet counted from the package's keys — independently of the server's own count —
//! and a candidate's sheet rendered, pencil-filled and distorted like a scan or a phone photo.

use khaothi_domain::form::VersionKey;
use khaothi_omr::read::{ReadOptions, read_sheet};
use khaothi_omr::synth::{Distortion, distort, fill};
use khaothi_omr::{CandidateInfo, Header, SheetReading, SheetSpec, raster, sheet};
use rand::SeedableRng;

/// A version's sheet counted from the package's keys: one part I bubble row per single choice,
/// a part II block per true/false group, a part III grid per short answer.
pub fn spec_of(
    content: &khaothi_package::PackageContent,
    keys: &khaothi_package::PackageKeys,
    code: &str,
) -> SheetSpec {
    let version = content.versions.iter().find(|v| v.code == code).unwrap();
    let mut spec = SheetSpec {
        form: version.form_id.clone(),
        version: code.to_string(),
        part_i: 0,
        part_ii: Vec::new(),
        part_iii: 0,
        candidate_digits: 6,
        version_digits: code.len() as u32,
    };
    for it in &version.items {
        match &keys.versions[code][&it.rendered.id] {
            VersionKey::SingleChoice(_) => spec.part_i += 1,
            VersionKey::TrueFalseGroup(s) => spec.part_ii.push(s.len() as u32),
            VersionKey::ShortAnswer(_) => spec.part_iii += 1,
        }
    }
    spec
}

/// A candidate's sheet rendered, pencil-filled and distorted like a scan or a phone photo (seeded),
/// encoded as PNG or JPEG; with the local reading of the same image (as the server reads: crops
/// on) and the sheet's QR id.
pub fn scan(
    spec: &SheetSpec,
    event: &str,
    number: &str,
    seed: u64,
    jpeg: bool,
) -> (Vec<u8>, SheetReading, String) {
    let person = CandidateInfo {
        number: number.into(),
        name: format!("Thí sinh {number}"),
        date_of_birth: "01/01/2007".into(),
        room: "P001".into(),
    };
    let header = Header { event: event.into(), candidate: Some(person) };
    let (layout, drawing, payload) = sheet::sheet(spec, &header).unwrap();
    let dpi = 150.0;
    let mut img = raster::rasterize(&drawing, dpi).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    fill(&mut img, &layout, dpi / 25.4, number, &spec.version, &mut rng);
    let img = distort(&img, &Distortion::random(&mut rng), &mut rng);
    let format = if jpeg { image::ImageFormat::Jpeg } else { image::ImageFormat::Png };
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), format).unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap().to_luma8();
    let reading = read_sheet(&decoded, &layout, &ReadOptions { dpi: None, crops: true });
    (bytes, reading, payload.sheet)
}
