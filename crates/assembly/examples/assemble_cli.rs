//! Runs `khaothi assemble` (crates/cli/src/commands/assemble.rs) before the command is wired into
//! the `khaothi` binary: `cargo run -p khaothi-assembly --example assemble_cli -- --items … --blueprint …`.

#[path = "../../cli/src/commands/assemble.rs"]
mod assemble;
#[path = "../../cli/src/commands/blueprint_file.rs"]
mod blueprint_file;

use clap::Parser;

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    args: assemble::Args,
}

fn main() {
    if let Err(e) = assemble::run(Cli::parse().args) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
