//! `khaothi`: one binary for every role's command-line work (DESIGN §2).

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser, Debug)]
#[command(name = "khaothi", version, about = "Standardized question banks and computer-based testing")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Calibrate item parameters (IRT, MML-EM) from a responses CSV; prints JSON.
    Calibrate(commands::calibrate::Args),
    /// Estimate abilities for a responses CSV from item parameters.
    Score(commands::score::Args),
    /// Classical item analysis, item fit and DIF.
    Analyze(commands::analyze::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Calibrate(a) => commands::calibrate::run(a),
        Command::Score(a) => commands::score::run(a),
        Command::Analyze(a) => commands::analyze::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
