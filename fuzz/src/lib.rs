//! The bodies of khaothi's fuzz targets (docs/fuzzing.md): each takes arbitrary bytes and must
//! neither panic nor break the invariants it asserts. They are plain functions so that two
//! drivers run the same code: libFuzzer on a nightly toolchain (`fuzz/libfuzzer`, one binary per
//! target) and, on any toolchain, `tests/corpus.rs` over the seed corpus in `fuzz/corpus/<target>/`
//! plus proptest-random inputs (briefly in CI).
//!
//! What an outsider can reach without an account or with a candidate's: the websocket's message
//! decoder, the candidate session's state machine (driven here without a database), the
//! blueprint YAML a board uploads, package and result-file verification, the Markdown+LaTeX
//! renderer, and the `.seb` reader behind the board's upload.

mod session;

use std::sync::LazyLock;

use khaothi_delivery::ws::messages::{ClientMessage, describe_bad_frame};
use khaothi_package::{BoardPublicKey, BoardSigningKey, ResultFile, SitePublicKey};
use rand::SeedableRng;

pub use session::session_machine;

/// The targets by name: the names of `fuzz/libfuzzer/fuzz_targets/*.rs` and `fuzz/corpus/*`.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("ws_message", ws_message),
    ("session_machine", session_machine),
    ("blueprint_yaml", blueprint_yaml),
    ("package_verify", package_verify),
    ("result_file_verify", result_file_verify),
    ("render_markdown", render_markdown),
    ("seb_file", seb_file),
];

/// The board key the package target verifies against (the seed packages are signed with it).
pub fn board_signing_key() -> BoardSigningKey {
    BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(16))
}

/// The site key the result-file target verifies against.
pub fn site_signing_key() -> BoardSigningKey {
    BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(1616))
}

static BOARD: LazyLock<BoardPublicKey> = LazyLock::new(|| board_signing_key().public());
static SITE: LazyLock<SitePublicKey> = LazyLock::new(|| site_signing_key().public());

/// A candidate's websocket frame: decoded, or described as the server describes a bad one.
pub fn ws_message(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match serde_json::from_str::<ClientMessage>(&text) {
        Ok(ClientMessage::Login { seb: Some(p), .. } | ClientMessage::Resume { seb: Some(p), .. }) => {
            // The SEB proof goes through the same check the login makes (here without a database).
            let settings = khaothi_delivery::store::seb::SebSettings {
                required: true,
                config_keys: vec!["0".repeat(64)],
                browser_exam_keys: vec!["1".repeat(64)],
                ..Default::default()
            };
            let _ = settings.check(
                std::slice::from_ref(&p.url),
                p.config_key_hash.as_deref(),
                p.browser_exam_key_hash.as_deref(),
            );
        }
        Ok(_) => {}
        Err(e) => {
            let (code, message) = describe_bad_frame(&text, &e);
            assert!(["bad_frame", "unknown_type"].contains(&code), "{code}");
            assert!(!message.is_empty());
        }
    }
}

/// A blueprint as a board uploads it.
pub fn blueprint_yaml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = khaothi_assembly::blueprint::Blueprint::from_yaml(text);
    }
}

/// A package file as a delivery server imports it: the signature against the board key.
pub fn package_verify(data: &[u8]) {
    if let Ok(p) = khaothi_package::verify_package(data, &BOARD) {
        // What the server stores of a verified package.
        serde_json::to_string(&p.manifest).expect("a verified manifest serializes");
    }
}

/// A signed result file as the bank receives it.
pub fn result_file_verify(data: &[u8]) {
    if let Ok(f) = ResultFile::parse(data) {
        let _ = f.site_key();
        let _ = f.signed_bytes();
        let _ = f.verify(&SITE);
    }
}

/// Item text: Markdown with `$…$` LaTeX, block and inline.
pub fn render_markdown(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let opts = khaothi_render::RenderOptions::default();
        let _ = khaothi_render::render_markdown(text, &opts);
        let _ = khaothi_render::render_inline(text, &opts);
    }
}

/// A `.seb` file as a board uploads it; what reads is written and read back to the same key.
pub fn seb_file(data: &[u8]) {
    if let Ok(f) = khaothi_seb::file::read(data, Some("fuzz")) {
        let key = khaothi_seb::config_key(&f.settings);
        let again = khaothi_seb::file::read(&khaothi_seb::file::write(&f.settings, None), None)
            .expect("own output reads");
        assert_eq!(khaothi_seb::config_key(&again.settings), key);
    }
}
