//! The one reader of blueprint files for the commands that take `--blueprint` (`assemble`, `package
//! build`, `package adaptive`, `cat simulate`; `convert --to docx` reads it through its own size-bounded
//! input reader, then the same parser): the file's text
//! through the blueprint crate's parser (`khaothi_assembly::Blueprint::from_yaml`, every key of
//! docs/formats.md, each error with its key and line), and the same two errors everywhere.

use std::path::Path;

use anyhow::Context;
use khaothi_assembly::Blueprint;

/// The blueprint in `path`: "cannot read PATH" when the file cannot be read, "blueprint PATH:
/// …" with the parser's findings when it is not a valid blueprint.
pub fn read_blueprint(path: &Path) -> anyhow::Result<Blueprint> {
    let yaml = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Blueprint::from_yaml(&yaml).map_err(|e| anyhow::anyhow!("blueprint {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::read_blueprint;

    const SAMPLE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples/blueprints/thpt-toan.yaml");

    #[test]
    fn reads_the_sample_blueprint_with_the_crates_parser() {
        let path = std::path::Path::new(SAMPLE);
        let bp = read_blueprint(path).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(bp, khaothi_assembly::Blueprint::from_yaml(&text).unwrap());
    }

    #[test]
    fn a_missing_file_and_an_unknown_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.yaml");
        let e = format!("{:#}", read_blueprint(&missing).unwrap_err());
        assert!(e.starts_with(&format!("cannot read {}", missing.display())), "{e}");

        let typo = dir.path().join("typo.yaml");
        let text = std::fs::read_to_string(SAMPLE).unwrap().replacen("subject:", "subjekt:", 1);
        std::fs::write(&typo, text).unwrap();
        let e = format!("{:#}", read_blueprint(&typo).unwrap_err());
        assert!(e.starts_with(&format!("blueprint {}: ", typo.display())), "{e}");
        assert!(e.contains("subjekt"), "the parser names the unknown key: {e}");
    }
}
