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
    }
}
