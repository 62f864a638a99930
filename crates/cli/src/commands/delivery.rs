//! `khaothi delivery`: the delivery server, and the board's unlock / key release calls (for a
//! site head typing the release code in a lab without internet).

use std::path::PathBuf;

use anyhow::Context;
use khaothi_delivery::client::BoardClient;
use khaothi_delivery::{Application, DeliveryConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: DeliveryCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum DeliveryCommand {
    /// Serve the delivery server. Configuration: defaults, then the `[delivery]` table of the
    /// config file, then `KHAOTHI__DELIVERY__*` variables (docs/operations.md).
    Serve {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Give the content release key at the start time (hex or the typed code).
    Unlock(KeyArgs),
    /// Give the keys section's release key at the end of the event; scoring runs.
    ReleaseKeys(KeyArgs),
}

#[derive(clap::Args, Debug)]
pub struct KeyArgs {
    /// The delivery server, e.g. http://127.0.0.1:8090
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    pub url: String,
    #[arg(long)]
    pub event: String,
    /// Release key: 64 hex digits or the typed code `XXXXX-XXXXX-…`.
    #[arg(long, env = "KHAOTHI_RELEASE_KEY")]
    pub key: String,
    #[arg(long, default_value = "board")]
    pub user: String,
    #[arg(long, env = "KHAOTHI_PASSWORD")]
    pub password: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        DeliveryCommand::Serve { config } => {
            let config =
                DeliveryConfig::load(config.as_deref()).context("reading the delivery configuration")?;
            crate::runtime()?.block_on(async move {
                let app = Application::build(config).await?;
                eprintln!(
                    "khaothi delivery listening on http://{} (candidates: ws://{}/ws/candidate)",
                    app.addr, app.addr
                );
                app.run_until(crate::shutdown_signal()).await?;
                Ok(())
            })
        }
        DeliveryCommand::Unlock(k) => call(k, "unlock"),
        DeliveryCommand::ReleaseKeys(k) => call(k, "keys"),
    }
}

fn call(k: KeyArgs, what: &str) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async move {
        let board = BoardClient::login(&k.url, &k.user, &k.password).await?;
        let v = board
            .post(&format!("/api/v1/events/{}/{what}", k.event), serde_json::json!({"release_key": k.key}))
            .await?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        Ok(())
    })
}
