//! The Config Key against SEB's published example, and `.seb` files through a full round trip.
//!
//! `data/seb-json-example.txt` is the "Example SEB-JSON String" of SEB's developer documentation
//! (safeexambrowser.org, "Config Key"), byte for byte. `data/seb-json-example.plist` holds the
//! same settings as a plist the way a file would: keys in a shuffled order, `examKeySalt` as
//! `<data>` split over lines, plus an `originatorVersion` and an empty dictionary, both of which
//! the Config Key leaves out. Its SHA-256 was computed with `sha256sum` on the text file.

use khaothi_seb::exam::{ExamInputs, exam_settings, hash_quit_password};
use khaothi_seb::file::{self, Protection};
use khaothi_seb::rncryptor::Salts;
use khaothi_seb::{Dict, Value, config_key, plist, seb_json};
use proptest::prelude::*;

const EXAMPLE_JSON: &str = include_str!("data/seb-json-example.txt");
const EXAMPLE_PLIST: &str = include_str!("data/seb-json-example.plist");
const EXAMPLE_KEY: &str = "9fa33cd2dbedee324fd6f0a457ea9b7e771dc8818d8a0fa73c4894b36149e9fe";

#[test]
fn the_published_seb_json_example_comes_out_byte_for_byte() {
    let settings = plist::parse_dict(EXAMPLE_PLIST.as_bytes()).unwrap();
    assert!(settings.get("originatorVersion").is_some());
    assert_eq!(seb_json(&settings), EXAMPLE_JSON);
    assert_eq!(config_key(&settings), EXAMPLE_KEY);
}

#[test]
fn the_example_keeps_its_key_through_every_kind_of_seb_file() {
    let settings = plist::parse_dict(EXAMPLE_PLIST.as_bytes()).unwrap();
    let salts = Salts { encryption: [1; 8], hmac: [2; 8], iv: [3; 16] };
    for (bytes, password, protection) in [
        (EXAMPLE_PLIST.as_bytes().to_vec(), None, Protection::PlainXml),
        (file::write(&settings, None), None, Protection::Unencrypted),
        (file::write(&settings, Some(("Kỳ thi 2026", salts))), Some("Kỳ thi 2026"), Protection::Password),
    ] {
        let read = file::read(&bytes, password).unwrap();
        assert_eq!(read.protection, protection);
        assert_eq!(config_key(&read.settings), EXAMPLE_KEY);
    }
}

#[test]
fn a_generated_event_file_reads_back_to_the_same_config_key() {
    let hash = hash_quit_password("coi-thi-42");
    let inputs =
        ExamInputs { start_url: "http://10.0.0.5:8090/?event=toan-2026", hashed_quit_password: Some(&hash) };
    let settings = exam_settings(&inputs).unwrap();
    let key = config_key(&settings);
    let bytes = file::write(&settings, None);
    assert_eq!(bytes, file::write(&exam_settings(&inputs).unwrap(), None), "the same file every time");
    let read = file::read(&bytes, None).unwrap();
    assert_eq!(config_key(&read.settings), key);
    assert_eq!(read.settings.get("startURL"), Some(&Value::String(inputs.start_url.into())));
    assert_eq!(read.settings.get("hashedQuitPassword"), Some(&Value::String(hash.clone())));
    let other = ExamInputs { start_url: "http://10.0.0.6:8090/?event=toan-2026", ..inputs };
    assert_ne!(config_key(&exam_settings(&other).unwrap()), key);
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Integer),
        "[ -~đươ\"&<>\\\\]{0,12}".prop_map(Value::String),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Data),
    ]
}

fn settings() -> impl Strategy<Value = Dict> {
    let value = leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Dict(Dict(m.into_iter().collect()))),
        ]
    });
    proptest::collection::btree_map("[a-zA-Z]{1,10}", value, 0..8).prop_map(|m| Dict(m.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_settings_keep_their_key_through_a_seb_file(d in settings(), reversed in any::<bool>()) {
        let mut shuffled = d.clone();
        if reversed {
            shuffled.0.reverse();
        }
        let read = file::read(&file::write(&shuffled, None), None).unwrap();
        prop_assert_eq!(config_key(&read.settings), config_key(&d));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = file::read(&bytes, Some("x"));
        let _ = plist::parse(&bytes);
    }
}
