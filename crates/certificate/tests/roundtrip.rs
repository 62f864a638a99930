//! Issue → the QR code read back from the rendered SVG by an independent decoder (rqrr, a port of
//! quirc) → verify; tampering, revocation, foreign keys and key rotation.

use khaothi_certificate::{
    Claims, ExamResult, IssuerKey, RevocationList, TrustedKeys, Verdict, issue, issue_printable, verify,
};

fn key(seed: u8) -> IssuerKey {
    IssuerKey::from_seed([seed; 32])
}

fn claims() -> Claims {
    Claims {
        issuer: "Sở GD&ĐT Hà Nội".into(),
        issued_at: 1_782_950_400,
        candidate: "01000123".into(),
        name: "Nguyễn Thị Minh Châu".into(),
        date_of_birth: Some("2008-03-14".into()),
        results: vec![
            ExamResult { event: "THPT-2026-TOAN".into(), subject: "Toán".into(), score: 825 },
            ExamResult { event: "THPT-2026-VAN".into(), subject: "Ngữ văn".into(), score: 750 },
        ],
    }
}

fn trusted(keys: &[&IssuerKey]) -> TrustedKeys {
    let text: String = keys.iter().map(|k| format!("{}\n", k.public())).collect();
    TrustedKeys::parse(&format!("# the board's keys\n{text}")).unwrap()
}

/// Rasterises the SVG the certificate prints: reads the viewBox and the path's unit squares
/// (`M x,y h1v1h-1z`) and paints each module as `scale`×`scale` pixels.
fn rasterise(svg: &str, scale: usize) -> (usize, Vec<u8>) {
    let vb = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
    let full: usize = vb.split(' ').next().unwrap().parse().unwrap();
    let d = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
    let side = full * scale;
    let mut px = vec![255u8; side * side];
    for cmd in d.split('M').filter(|c| !c.is_empty()) {
        let xy = cmd.strip_suffix("h1v1h-1z").expect("unit squares only");
        let (x, y) = xy.split_once(',').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        for dy in 0..scale {
            for dx in 0..scale {
                px[(y * scale + dy) * side + x * scale + dx] = 0;
            }
        }
    }
    (side, px)
}

#[test]
fn the_printed_qr_reads_back_and_verifies() {
    let k = key(1);
    let issued = issue_printable(&claims(), &k).unwrap();
    assert!(issued.text.starts_with("KT1:"));
    let (side, px) = rasterise(&issued.qr_svg, 4);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| px[y * side + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (meta, content) = grids[0].decode().unwrap();
    assert_eq!(meta.ecc_level, 3, "error correction Q (format bits 11)");
    assert_eq!(content, issued.text);
    match verify(&content, &trusted(&[&k]), None) {
        Verdict::Valid(v) => {
            assert_eq!(v.claims, claims());
            assert_eq!(v.id, issued.id);
            assert_eq!(v.kid, hex::encode(k.public().kid()));
        }
        other => panic!("{other:?}"),
    }
    assert!(issued.html.contains("GIẤY CHỨNG NHẬN KẾT QUẢ THI") && issued.html.contains("8,25"));
    assert!(issued.html.contains(&issued.id) && !issued.html.contains("<script"));
}

#[test]
fn any_changed_character_is_invalid() {
    let k = key(1);
    let text = issue(&claims(), &k);
    let keys = trusted(&[&k]);
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for pos in (4..text.len()).step_by(3) {
        let mut b = text.clone().into_bytes();
        let i = alphabet.iter().position(|&c| c == b[pos]).unwrap();
        b[pos] = alphabet[(i + 7) % alphabet.len()];
        let changed = String::from_utf8(b).unwrap();
        assert!(matches!(verify(&changed, &keys, None), Verdict::Invalid { .. }), "position {pos}");
    }
    assert!(matches!(verify("KT2:ABC", &keys, None), Verdict::Invalid { reason } if reason.contains("KT1:")));
}

#[test]
fn another_key_is_invalid_and_rotation_keeps_old_certificates() {
    let (old, new, stranger) = (key(1), key(2), key(3));
    let old_cert = issue(&claims(), &old);
    let new_cert = issue(&claims(), &new);
    let after_rotation = trusted(&[&new, &old]);
    assert!(matches!(verify(&old_cert, &after_rotation, None), Verdict::Valid(_)));
    assert!(matches!(verify(&new_cert, &after_rotation, None), Verdict::Valid(_)));
    let other = issue(&claims(), &stranger);
    match verify(&other, &after_rotation, None) {
        Verdict::Invalid { reason } => assert!(reason.contains("not trusted"), "{reason}"),
        v => panic!("{v:?}"),
    }
}

#[test]
fn a_revoked_certificate_is_revoked_and_the_list_must_be_signed() {
    let k = key(1);
    let keys = trusted(&[&k]);
    let a = issue(&claims(), &k);
    let mut other = claims();
    other.candidate = "01000124".into();
    let b = issue(&other, &k);
    let Verdict::Valid(va) = verify(&a, &keys, None) else { panic!() };
    let list = RevocationList {
        issuer: "Sở GD&ĐT Hà Nội".into(),
        issued_at: 1_783_000_000,
        revoked: [va.id.clone()].into(),
    };
    let signed = list.sign(&k);
    let read = RevocationList::verify(&signed, &keys).unwrap();
    assert!(matches!(verify(&a, &keys, Some(&read)), Verdict::Revoked(v) if v.id == va.id));
    assert!(matches!(verify(&b, &keys, Some(&read)), Verdict::Valid(_)));
    // A list edited after signing, or signed by a stranger, is refused.
    let json: serde_json::Value = serde_json::from_str(&signed).unwrap();
    let mut edited = json.clone();
    edited["payload"] = serde_json::Value::String(base64_of(r#"{"issuer":"x","issued_at":0,"revoked":[]}"#));
    assert!(
        RevocationList::verify(&edited.to_string(), &keys).unwrap_err().to_string().contains("signature")
    );
    assert!(
        RevocationList::verify(&list.sign(&key(9)), &keys).unwrap_err().to_string().contains("untrusted")
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn claims_round_trip_without_a_date_of_birth() {
    let mut c = claims();
    c.date_of_birth = None;
    assert_eq!(Claims::from_cbor(&c.to_cbor()).unwrap(), c);
    assert!(Claims::from_cbor(b"\xa0").is_err());
}

#[test]
fn a_small_batch_issues_distinct_certificates_that_all_verify() {
    // The CI-sized version of examples/throughput.rs.
    let k = key(5);
    let keys = trusted(&[&k]);
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..60 {
        let mut c = claims();
        c.candidate = format!("{i:08}");
        let Verdict::Valid(v) = verify(&issue(&c, &k), &keys, None) else { panic!("{i}") };
        assert_eq!(v.claims.candidate, c.candidate);
        ids.insert(v.id);
    }
    assert_eq!(ids.len(), 60);
}
