//! `khaothi delivery`: the delivery server, the board's unlock / key release calls (for a
//! site head typing the release code in a lab without internet), the site key, the hash-chain
//! check and carrying results to the bank.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_delivery::{Application, DeliveryConfig};
use khaothi_loadtest::board::BoardClient;

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
    /// Print the site's public key (`ed25519:…`), creating `site.key` on first use; register it
    /// in the bank with `POST /api/v1/sites`.
    SiteKey(DataArgs),
    /// Read a configuration file as `serve` would and report errors and warnings as JSON
    /// (exit status 1 when the server would not start); touches no database.
    CheckConfig {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// An online, consistent copy of the embedded (SQLite) database while candidates write
    /// (PostgreSQL: pg_dump, docs/operations.md); prints `{"out","bytes","millis"}`. Check the
    /// copy with `verify-chains --data-dir` on a directory holding it as `delivery.db`.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The new file (never overwritten).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Walk the response and audit hash chains of a delivery database; exit status 1 when broken.
    VerifyChains(DataArgs),
    /// Save an event's signed result file (to carry to the bank on a disk).
    ResultFile {
        #[command(flatten)]
        board: BoardArgs,
        /// Where to write the file.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Have the delivery server sign an event's results and upload them to the bank.
    UploadResults {
        #[command(flatten)]
        board: BoardArgs,
        /// The bank, e.g. https://bank.example.vn; the server uploads only to its configured
        /// `bank_url`, so this is a check that it is the one meant (default: the configured one)
        #[arg(long)]
        bank: Option<String>,
        /// A bank account with the board role.
        #[arg(long, default_value = "board")]
        bank_user: String,
        #[arg(long, env = "KHAOTHI_BANK_PASSWORD")]
        bank_password: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct DataArgs {
    /// The delivery configuration file (its `data_dir`, `database_url` and `site_key` are used).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The delivery data directory (overrides the configuration's).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl DataArgs {
    fn config(&self) -> anyhow::Result<DeliveryConfig> {
        let mut c =
            DeliveryConfig::load(self.config.as_deref()).context("reading the delivery configuration")?;
        if let Some(d) = &self.data_dir {
            c.data_dir = d.clone();
        }
        Ok(c)
    }
}

#[derive(clap::Args, Debug)]
pub struct BoardArgs {
    /// The delivery server, e.g. http://127.0.0.1:8090
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    pub url: String,
    #[arg(long)]
    pub event: String,
    #[arg(long, default_value = "board")]
    pub user: String,
    #[arg(long, env = "KHAOTHI_PASSWORD")]
    pub password: String,
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
    /// `unlock` of an adaptive event only (and required there): the keys section's release key,
    /// opened with the content because every answer is scored at once.
    #[arg(long, env = "KHAOTHI_KEYS_RELEASE_KEY")]
    pub keys_key: Option<String>,
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
        DeliveryCommand::SiteKey(d) => {
            let key = khaothi_delivery::site::load_or_create_site_key(&d.config()?).map_err(anyhow::Error::msg)?;
            println!("{}", key.public());
            Ok(())
        }
        DeliveryCommand::VerifyChains(d) => verify_chains(d.config()?),
        DeliveryCommand::CheckConfig { config } => super::check_config::report(
            "delivery",
            config.as_deref(),
            DeliveryConfig::load(config.as_deref()),
            DeliveryConfig::check,
        ),
        DeliveryCommand::Backup { data, out } => super::check_config::backup(&data.config()?.database_url(), &out),
        DeliveryCommand::ResultFile { board, out } => crate::runtime()?.block_on(async move {
            let client = BoardClient::login(&board.url, &board.user, &board.password).await?;
            let file = client.get(&format!("/api/v1/events/{}/results/file", board.event)).await?;
            std::fs::write(&out, serde_json::to_vec_pretty(&file)?)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("signed result file of {} written to {}", board.event, out.display());
            Ok(())
        }),
        DeliveryCommand::UploadResults { board, bank, bank_user, bank_password } => {
            crate::runtime()?.block_on(async move {
                let client = BoardClient::login(&board.url, &board.user, &board.password).await?;
                let v = client
                    .post(
                        &format!("/api/v1/events/{}/results/upload", board.event),
                        serde_json::json!({"bank_url": bank, "username": bank_user, "password": bank_password}),
                    )
                    .await?;
                println!("{}", serde_json::to_string_pretty(&v)?);
                Ok(())
            })
        }
    }
}

/// Offline: only the stored rows can be checked against each other (rows cut from the end show
/// only against a head the running server or a signed result file holds).
fn verify_chains(config: DeliveryConfig) -> anyhow::Result<()> {
    use khaothi_delivery::chain::Chain;
    if config.database_url.is_none() && !config.data_dir.join("delivery.db").exists() {
        anyhow::bail!("no delivery database in {}", config.data_dir.display());
    }
    crate::runtime()?.block_on(async move {
        let db = khaothi_delivery::store::connect_and_migrate(&config.database_url()).await?;
        let mut ok = true;
        let mut reports = Vec::new();
        for c in Chain::ALL {
            let r = khaothi_delivery::store::chains::verify_chain(&db.read, c, None).await?;
            ok &= r.ok;
            reports.push(r);
        }
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"ok": ok, "chains": reports}))?);
        if !ok {
            std::process::exit(1);
        }
        Ok(())
    })
}

fn call(k: KeyArgs, what: &str) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async move {
        let board = BoardClient::login(&k.url, &k.user, &k.password).await?;
        let mut body = serde_json::json!({"release_key": k.key});
        if let Some(kk) = &k.keys_key {
            body["keys_release_key"] = serde_json::json!(kk);
        }
        let v = board.post(&format!("/api/v1/events/{}/{what}", k.event), body).await?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        Ok(())
    })
}
