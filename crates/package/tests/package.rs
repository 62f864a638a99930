//! Build → verify → open, and every way a package must be refused.

use std::collections::BTreeMap;

use khaothi_domain::form::VersionKey;
use khaothi_domain::form::{Form, FormItem};
use khaothi_domain::{Choice, Item, ItemRecord};
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
        r#"{"id":"Q4","subject":"toan","grade":12,"topic":"12.1.4","level":"van_dung","kind":"short_answer","stem":"Tính $3/2$.","answer":"1,5","solution":"Chia ba cho hai được $1,5$."}"#,
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
        media: &std::collections::BTreeMap::new(),
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
    assert!(
        !serde_json::to_string(&keys).unwrap().contains("Chia ba"),
        "the solution is in the keys section"
    );
    // No key, accepted answer or level in what candidates receive.
    let text = serde_json::to_string(&content).unwrap();
    // Nor the worked solution an item may carry (it reveals the key): not in the keys section either.
    assert_eq!(items()[3].solution.as_deref(), Some("Chia ba cho hai được $1,5$."));
    for word in ["\"key\"", "\"keys\"", "\"answer\"", "accepted", "\"level\"", "irt", "solution", "Chia ba"] {
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

#[test]
fn keys_speak_the_banks_terms_too() {
    let signer = board();
    let mut items = items();
    items[0].irt = Some(khaothi_domain::IrtParams {
        model: Some(khaothi_domain::IrtModelKind::TwoPl),
        a: Some(1.1),
        b: Some(-0.4),
        ..Default::default()
    });
    let mut forms = vec![form()];
    for fi in &mut forms[0].items {
        fi.version = Some(3);
    }
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
        media: &std::collections::BTreeMap::new(),
        forms: &forms,
        versions: &versions,
    };
    let built = build_package(&input, &signer, &mut StdRng::seed_from_u64(3)).unwrap();
    let keys = verify_package(&built.bytes, &signer.public()).unwrap().open_keys(&built.keys_key).unwrap();
    // Items in the form's order, pinned versions, the bank's own keys, IRT where calibrated.
    let columns: Vec<String> = keys.items.iter().map(|i| i.column()).collect();
    assert_eq!(columns, vec!["Q1@3", "Q2@3", "Q3@3", "Q4@3"]);
    assert_eq!(keys.items[0].key, VersionKey::SingleChoice(Choice::B));
    assert!(keys.items[0].irt.is_some() && keys.items[1].irt.is_none());
    // Every version's shuffle is recorded, and maps the shown key back to the bank's key.
    for v in &versions {
        for id in ["Q1", "Q2"] {
            let order = keys.order(&v.code, id).unwrap();
            assert_eq!(order, v.options[id].as_slice());
            let VersionKey::SingleChoice(shown) = keys.versions[&v.code][id] else { panic!("kind") };
            let VersionKey::SingleChoice(bank) = keys.item(id).unwrap().key else { panic!("kind") };
            assert_eq!(usize::from(order[shown.index()]), bank.index(), "{} {id}", v.code);
        }
        assert!(keys.order(&v.code, "Q3").is_none(), "statements are never shuffled");
    }

    // One item pinned to two versions on two forms is refused.
    let mut other = forms[0].clone();
    other.id = "F2".into();
    other.number = 2;
    other.items[0].version = Some(4);
    let two = vec![forms[0].clone(), other];
    let err =
        build_package(&PackageInput { forms: &two, ..input.clone() }, &signer, &mut StdRng::seed_from_u64(3))
            .unwrap_err();
    assert!(err.to_string().contains("item Q1 is pinned to version 3 on one form and 4 on form F2"), "{err}");
    // A version whose key contradicts the item's key under its shuffle is refused.
    let mut wrong = versions.clone();
    let VersionKey::SingleChoice(shown) = wrong[0].keys["Q1"] else { panic!("kind") };
    let next = Choice::from_index((shown.index() + 1) % 4).unwrap();
    wrong[0].keys.insert("Q1".into(), VersionKey::SingleChoice(next));
    let err = build_package(
        &PackageInput { versions: &wrong, ..input.clone() },
        &signer,
        &mut StdRng::seed_from_u64(3),
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not match the item's own key"), "{err}");
    // IRT parameters that cannot score the item are refused.
    let mut bad = items.clone();
    bad[2].irt = Some(khaothi_domain::IrtParams {
        model: Some(khaothi_domain::IrtModelKind::Gpcm),
        a: Some(1.0),
        thresholds: Some(vec![0.0, 1.0]),
        ..Default::default()
    });
    let err = build_package(&PackageInput { items: &bad, ..input }, &signer, &mut StdRng::seed_from_u64(3))
        .unwrap_err();
    assert!(err.to_string().contains("item Q3: a true_false_group item scores 0–4"), "{err}");
}

#[test]
fn keys_of_older_packages_still_parse() {
    let old = r#"{"versions":{"0101":{"Q1":{"single_choice":"B"}}}}"#;
    let keys: khaothi_package::PackageKeys = serde_json::from_str(old).unwrap();
    assert!(keys.orders.is_empty() && keys.items.is_empty() && !keys.has_bank_terms());
    assert_eq!(keys.versions["0101"]["Q1"], VersionKey::SingleChoice(Choice::B));
}

#[test]
fn the_images_items_show_travel_in_the_content_and_missing_ones_are_refused() {
    let signer = board();
    let mut items = items();
    let pictured = r#"{"id":"Q1","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Xem hình: ![đồ thị](/api/v1/media/img-1)","options":["$1$","$2$","$3$","$4$"],"key":"B"}"#;
    items[0] = ItemRecord::from_json_line(pictured).unwrap().into_item().unwrap().0;
    let forms = vec![form()];
    let versions = khaothi_assembly::make_versions(&forms[0], &items, 2, 7).unwrap();
    let stimuli = BTreeMap::new();
    let png = b"\x89PNG\r\n\x1a\n not really".to_vec();
    let media = BTreeMap::from([
        ("img-1".to_string(), khaothi_package::MediaFile::new("image/png", &png)),
        ("unused".to_string(), khaothi_package::MediaFile::new("image/png", b"x")),
    ]);
    let input = PackageInput {
        package_id: "PKG-M".into(),
        event_id: "EVT-1".into(),
        title: "Thi thử".into(),
        subject: "toan".into(),
        duration_minutes: 90,
        created_at: "2025-06-26T07:00:00Z".into(),
        items: &items,
        stimuli: &stimuli,
        media: &media,
        forms: &forms,
        versions: &versions,
    };
    let built = build_package(&input, &signer, &mut StdRng::seed_from_u64(3)).unwrap();
    let content =
        verify_package(&built.bytes, &signer.public()).unwrap().open_content(&built.content_key).unwrap();
    assert_eq!(content.media.keys().collect::<Vec<_>>(), ["img-1"], "only what an item shows travels");
    assert_eq!(content.media["img-1"].bytes().unwrap(), png);
    assert_eq!(content.media["img-1"].content_type, "image/png");

    let none = BTreeMap::new();
    let err = build_package(&PackageInput { media: &none, ..input }, &signer, &mut StdRng::seed_from_u64(3))
        .unwrap_err();
    assert!(
        matches!(&err, PackageError::Invalid(m) if m.contains("item Q1") && m.contains("img-1")),
        "{err}"
    );
}
