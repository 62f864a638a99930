//! Writes `item-bank-samples/` with the default options (the same as `khaothi simulate`), for use
//! before the command is wired into the CLI: `cargo run -p khaothi-samples --example write_samples -- <dir>`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "item-bank-samples".into()));
    let start = std::time::Instant::now();
    let files = khaothi_samples::sample_files(&khaothi_samples::SampleOptions::default())?;
    for f in &files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &f.contents)?;
        println!("{:>10} bytes  {}", f.contents.len(), path.display());
    }
    println!("{} files in {:.2?}", files.len(), start.elapsed());
    Ok(())
}
