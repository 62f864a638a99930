//! `khaothi`: one binary for every role's command-line work (DESIGN §2).

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser, Debug)]
#[command(name = "khaothi", version, about = "Standardized question banks and computer-based testing")]
struct Cli {
    /// Log lines as `text` (for people) or `json` (one JSON object a line, for a log collector;
    /// each line of a request carries its `request_id`). Which lines: `KHAOTHI_LOG` (e.g. `info`).
    #[arg(long, global = true, value_enum, default_value = "text", env = "KHAOTHI_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the item bank with the sample items and the demo accounts (SQLite, one command).
    Demo(commands::demo::Args),
    /// The item-bank service.
    Bank(commands::bank::Args),
    /// The delivery server (`serve`), the board's `unlock` / `release-keys`, the site key, the
    /// hash-chain check and carrying results to the bank.
    Delivery(commands::delivery::Args),
    /// Board keypair (`keygen`), and signed, encrypted exam packages (`build`, `verify`).
    Package(commands::package::Args),
    /// A websocket swarm of candidates against a delivery server; the last line is a JSON report.
    Loadtest(commands::loadtest::Args),
    /// Migrate a database to the newest schema.
    Migrate(commands::migrate::Args),
    /// Check an item file (JSON Lines, CSV, QTI) or load it into a bank database, with a per-line report.
    Import(commands::import::Args),
    /// Convert items between formats (Word, LaTeX ex_test, QTI, spreadsheets, CSV, JSON Lines).
    Convert(commands::convert::Args),
    /// Write the Vietnamese grade-12 sample bank and simulated responses (item-bank-samples/).
    Simulate(commands::simulate::Args),
    /// Assemble parallel forms and shuffled versions (mã đề) from a blueprint; prints JSON.
    Assemble(commands::assemble::Args),
    /// Calibrate item parameters (IRT, MML-EM) from a responses CSV; prints JSON.
    Calibrate(commands::calibrate::Args),
    /// Adaptive tests (CAT): simulate a design on a pool before choosing it; prints JSON.
    Cat(commands::cat::Args),
    /// Estimate abilities for a responses CSV from item parameters.
    Score(commands::score::Args),
    /// Linking constants between two calibrations (mean-mean, mean-sigma, Haebara, Stocking–Lord).
    Link(commands::link::Args),
    /// Classical item analysis, item fit and DIF.
    Analyze(commands::analyze::Args),
    /// The THPT answer sheet on paper: print it (`sheet`) and read scans of it (`read`).
    Omr(commands::omr::Args),
    /// Answer-copying screen of an event's neighbouring seats (raw export + results); prints JSON.
    Integrity(commands::integrity::Args),
    /// Đối sánh: exam results against transcript grades by school, district or province; JSON
    /// and a funnel plot.
    CompareTranscripts(commands::compare::Args),
    /// Verifiable score certificates: issue, verify (offline), revoke.
    Certificate(commands::certificate::Args),
}

fn main() {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let result = match cli.command {
        Command::Demo(a) => commands::demo::run(a),
        Command::Bank(a) => commands::bank::run(a),
        Command::Delivery(a) => commands::delivery::run(a),
        Command::Package(a) => commands::package::run(a),
        Command::Loadtest(a) => commands::loadtest::run(a),
        Command::Migrate(a) => commands::migrate::run(a),
        Command::Import(a) => commands::import::run(a),
        Command::Convert(a) => commands::convert::run(a),
        Command::Simulate(a) => commands::simulate::run(a),
        Command::Assemble(a) => commands::assemble::run(a),
        Command::Calibrate(a) => commands::calibrate::run(a),
        Command::Cat(a) => commands::cat::run(a),
        Command::Score(a) => commands::score::run(a),
        Command::Link(a) => commands::link::run(a),
        Command::Analyze(a) => commands::analyze::run(a),
        Command::Omr(a) => commands::omr::run(a),
        Command::Integrity(a) => commands::integrity::run(a),
        Command::CompareTranscripts(a) => commands::compare::run(a),
        Command::Certificate(a) => commands::certificate::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("KHAOTHI_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        // The request span's fields (method, uri, request_id) go on every line inside it.
        LogFormat::Json => fmt.json().with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Text => fmt.try_init(),
    };
}

/// A multi-threaded runtime for the service commands; the pure commands never start one.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Resolves on Ctrl-C or SIGTERM, for graceful shutdown.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
