//! Build → verify → open, and every way a package must be refused.

use std::collections::BTreeMap;

use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Item, ItemRecord};
use khaothi_package::{
    BoardSigningKey, PackageError, PackageInput, ReleaseKey, build_package, verify_package,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn items() -> Vec<Item> {
    let lines = [
        r#"{"id":"Q1","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Tính $1+1$.","options":["$1$","$2$","$3$","$4$"],"key":"B"}"#,
        r#"{"id":"Q2","subject":"toan","grade":12,"topic":"12.1.2","level":"biet","kind":"single_choice","stem":"Chọn số chẵn.","options":["3","5","8","7"],"key":"C"}"#,
        r#"{"id":"Q3","subject":"toan","grade":12,"topic":"12.1.3","level":"hieu","kind":"true_false_group","stem":"Xét hàm số $y=x^2$.","statements":["Đồng biến trên $(0;+\\infty)$","Có cực đại","Đi qua gốc toạ độ","Là hàm chẵn"],"keys":[true,false,true,true]}"#,
        r#"{"id":"Q4","subject":"toan","grade":12,"topic":"12.1.4","level":"van_dung","kind":"short_answer","stem":"Tính $3/2$.","answer":"1,5"}"#,
    ];
    lines.iter().map(|l| ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0).collect()
}

fn form() -> Form {
    let fi = |id: &str, section| FormItem { item_id: id.into(), version: None, section };
    Form { id: "F1".into(), number: 1, items: vec![fi("Q1", 0), fi("Q2", 0), fi("Q3", 1), fi("Q4", 2)] }
}

fn build(signer: &BoardSigningKey) -> khaothi_package::BuiltPackage {
    let items = items();
    let forms = vec![form()];
    let versions = khaothi_assembly::make_versions(&forms[0], &items, 4, 7).unwrap();
    let stimuli = BTreeMap::new();
    let input = PackageInput {
        package_id: "PKG-1".into(),
        event_id: "EVT-1".into(),
        title: "Thi thử".into(),
        subject: "toan".into(),
        duration_minutes: 90,
        created_at: "2025-06-26T07:00:00Z".into(),
        items: &items,
        stimuli: &stimuli,
        forms: &forms,
        versions: &versions,
    };
    build_package(&input, signer, &mut StdRng::seed_from_u64(3)).unwrap()
}

fn board() -> BoardSigningKey {
    BoardSigningKey::generate(&mut StdRng::seed_from_u64(11))
}

#[test]
fn a_signed_package_opens_with_its_keys_and_content_has_no_key() {
    let signer = board();
    let built = build(&signer);
    let sealed = verify_package(&built.bytes, &signer.public()).unwrap();
    assert_eq!(sealed.manifest.event_id, "EVT-1");
    assert_eq!(sealed.manifest.versions.len(), 4);
    let content = sealed.open_content(&built.content_key).unwrap();
    assert_eq!(content.versions.len(), 4);
    assert_eq!(content.versions[0].items.len(), 4);
    let keys = sealed.open_keys(&built.keys_key).unwrap();
    assert_eq!(keys.versions["0101"].len(), 4);
    // No key, accepted answer or level in what candidates receive.
    let text = serde_json::to_string(&content).unwrap();
    for word in ["\"key\"", "\"keys\"", "\"answer\"", "accepted", "\"level\"", "irt"] {
        assert!(!text.contains(word), "content contains {word}: {text}");
    }
    // Nor in the plain file: items are unreadable before release.
    let file = String::from_utf8(built.bytes.clone()).unwrap();
    assert!(!file.contains("Chọn số chẵn") && !file.contains("single_choice"), "plaintext leaked");
}

#[test]
fn any_changed_byte_is_refused() {
    let signer = board();
    let built = build(&signer);
    let file: serde_json::Value = serde_json::from_slice(&built.bytes).unwrap();
    // Flip one character of the ciphertext, of a nonce and of the manifest in turn.
    let mut tampered = Vec::new();
    let mut f = file.clone();
    let ct = f["sections"][0]["ciphertext"].as_str().unwrap().to_string();
    let flip = |s: &str, at: usize| {
        let mut b = s.as_bytes().to_vec();
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    f["sections"][0]["ciphertext"] = flip(&ct, ct.len() / 2).into();
    tampered.push(f);
    let mut f = file.clone();
    let n = f["sections"][1]["nonce"].as_str().unwrap().to_string();
    f["sections"][1]["nonce"] = flip(&n, 3).into();
    tampered.push(f);
    let mut f = file.clone();
    f["manifest"] =
        f["manifest"].as_str().unwrap().replace("\"duration_minutes\":90", "\"duration_minutes\":900").into();
    tampered.push(f);
    let mut f = file.clone();
    f["sections"].as_array_mut().unwrap().swap(0, 1);
    tampered.push(f);
    for t in tampered {
        let err = verify_package(&serde_json::to_vec(&t).unwrap(), &signer.public()).unwrap_err();
        assert!(matches!(err, PackageError::BadSignature), "{err}");
    }
    // Raw byte flips anywhere: refused, never accepted.
    for at in (0..built.bytes.len()).step_by(97) {
        let mut b = built.bytes.clone();
        b[at] ^= 0x01;
        assert!(verify_package(&b, &signer.public()).is_err(), "byte {at} flipped yet accepted");
    }
}

#[test]
fn another_signer_is_refused() {
    let built = build(&board());
    let other = BoardSigningKey::generate(&mut StdRng::seed_from_u64(12));
    let err = verify_package(&built.bytes, &other.public()).unwrap_err();
    assert!(matches!(err, PackageError::BadSignature));
    assert!(err.to_string().contains("signed by someone else"));
}

#[test]
fn sections_open_only_with_their_own_key() {
    let signer = board();
    let built = build(&signer);
    let sealed = verify_package(&built.bytes, &signer.public()).unwrap();
    assert!(matches!(sealed.open_content(&built.keys_key), Err(PackageError::WrongKey("content"))));
    assert!(matches!(sealed.open_keys(&built.content_key), Err(PackageError::WrongKey("keys"))));
    let random = ReleaseKey::from_bytes([9; 32]);
    assert!(sealed.open_content(&random).is_err());
    // The typed code of the content key opens the content.
    let typed = ReleaseKey::parse(&built.content_key.to_code()).unwrap();
    assert!(sealed.open_content(&typed).is_ok());
}

#[test]
fn sections_are_bound_to_their_package_and_event() {
    // The associated data names the package and the event: ciphertexts moved under another
    // manifest do not open, even with the right key.
    let signer = board();
    let built = build(&signer);
    let sealed = verify_package(&built.bytes, &signer.public()).unwrap();
    let mut other_event = sealed.clone();
    other_event.manifest.event_id = "EVT-2".into();
    assert!(other_event.open_content(&built.content_key).is_err());
    let mut other_package = sealed.clone();
    other_package.manifest.package_id = "PKG-2".into();
    assert!(other_package.open_keys(&built.keys_key).is_err());
    assert!(sealed.open_content(&built.content_key).is_ok());
}

#[test]
fn versions_differ_and_keys_follow_the_shuffle() {
    let signer = board();
    let built = build(&signer);
    let sealed = verify_package(&built.bytes, &signer.public()).unwrap();
    let content = sealed.open_content(&built.content_key).unwrap();
    let keys = sealed.open_keys(&built.keys_key).unwrap();
    for v in &content.versions {
        let q1 = v.items.iter().find(|i| i.rendered.id == "Q1").unwrap();
        let key = &keys.versions[&v.code]["Q1"];
        let khaothi_domain::form::VersionKey::SingleChoice(letter) = key else { panic!("kind") };
        // The option shown at the key's letter is the right answer, `2`.
        assert!(q1.rendered.options_html[letter.index()].contains('2'), "{v:?}");
    }
}
