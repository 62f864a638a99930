//! Lists every file under `static/` (except notes in Markdown) into `$OUT_DIR/static_assets.rs`,
//! so `pages.rs` embeds them with `include_bytes!` without a hand-kept list: two helpers adding
//! page modules at once never edit the same line, and a file on disk is always a file served.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("static");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for (name, path) in &files {
        writeln!(out, "    ({name:?}, include_bytes!({:?}) as &[u8]),", path.display()).expect("string");
    }
    out.push(']');
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("static_assets.rs");
    std::fs::write(dest, out).expect("write the asset list");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
            continue;
        }
        let name = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
        if name.ends_with(".md") || name.starts_with('.') || name.contains("/.") {
            continue;
        }
        files.push((name, path));
    }
}
