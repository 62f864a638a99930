//! `khaothi bank serve`: the item-bank service for real use (config file + environment).

use std::path::PathBuf;

use anyhow::Context;
use khaothi_bank::{Application, BankConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: BankCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum BankCommand {
    /// Serve the bank's REST API. Configuration: defaults, then the `[bank]` table of the config
    /// file, then `KHAOTHI__BANK__*` environment variables (see docs/operations.md).
    Serve {
        /// TOML configuration file with a `[bank]` table.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Read a configuration file as `serve` would and report errors and warnings as JSON
    /// (exit status 1 when the bank would not start); touches no database.
    CheckConfig {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// An online, consistent copy of the embedded (SQLite) database while the bank runs
    /// (PostgreSQL: pg_dump, docs/operations.md); prints `{"out","bytes","millis"}`.
    Backup {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// The new file (never overwritten).
        #[arg(long, short)]
        out: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        BankCommand::Serve { config } => {
            let config = BankConfig::load(config.as_deref()).context("reading the bank configuration")?;
            crate::runtime()?.block_on(async move {
                let app = Application::build(config).await?;
                eprintln!(
                    "khaothi bank listening on http://{} (API docs at /docs, spec at /openapi.json)",
                    app.addr
                );
                app.run_until(crate::shutdown_signal()).await?;
                Ok(())
            })
        }
        BankCommand::CheckConfig { config } => super::check_config::report(
            "bank",
            config.as_deref(),
            BankConfig::load(config.as_deref()),
            BankConfig::check,
        ),
        BankCommand::Backup { config, out } => {
            let config = BankConfig::load(config.as_deref()).context("reading the bank configuration")?;
            super::check_config::backup(&config.database_url(), &out)
        }
    }
}
