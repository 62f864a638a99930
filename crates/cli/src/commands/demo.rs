//! `khaothi demo`: a working bank with the sample items and the demo accounts, in one command.

use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_bank::bootstrap::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use khaothi_bank::{Application, BankConfig};
use khaothi_interop::ImportPolicy;
use khaothi_store::audit::Actor;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where the demo keeps its SQLite database and secrets.
    #[arg(long, default_value = "khaothi-demo-data")]
    pub data_dir: PathBuf,
    /// Address of the bank service.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bank_addr: std::net::SocketAddr,
    /// The sample bank to load (default: `item-bank-samples` here or in the source tree).
    #[arg(long)]
    pub samples: Option<PathBuf>,
    /// Load the samples and exit instead of serving (used by tests and scripts).
    #[arg(long)]
    pub load_only: bool,
}

fn samples_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    let here = PathBuf::from("item-bank-samples");
    if here.join("items.jsonl").exists() {
        return Ok(here);
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../item-bank-samples");
    if source.join("items.jsonl").exists() {
        return Ok(source);
    }
    anyhow::bail!(
        "cannot find item-bank-samples/items.jsonl; run from the repository root or pass --samples DIR"
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let samples = samples_dir(args.samples)?;
    let config = BankConfig {
        listen: args.bank_addr,
        data_dir: args.data_dir.clone(),
        demo: true,
        ..BankConfig::default()
    };
    crate::runtime()?.block_on(async move {
        let app = Application::build(config.clone()).await?;
        let db = khaothi_store::connect(&config.database_url()).await?;
        load_samples(&db, &samples).await?;
        if args.load_only {
            return Ok(());
        }
        let url = format!("http://{}", app.addr);
        println!("khaothi demo is running (data in {})", args.data_dir.display());
        println!("  item bank API   {url}/api/v1/   (browsable docs: {url}/docs, spec: {url}/openapi.json)");
        println!("  health          {url}/healthz");
        println!("  demo accounts   (password \"{DEMO_PASSWORD}\", demo mode only):");
        for (user, name, role) in DEMO_ACCOUNTS {
            println!("    {user:<9} {:<12} {name}", role.as_str());
        }
        println!("  try: curl -s {url}/api/v1/auth/login -H 'content-type: application/json' \\");
        println!("         -d '{{\"username\":\"board\",\"password\":\"{DEMO_PASSWORD}\"}}'");
        println!("Press Ctrl-C to stop.");
        app.run_until(crate::shutdown_signal()).await?;
        Ok(())
    })
}

/// Loads the stimuli and items of the sample bank once (an existing demo database is reused).
async fn load_samples(db: &khaothi_store::DatabaseConnection, dir: &Path) -> anyhow::Result<()> {
    let actor =
        Actor { org_id: khaothi_store::DEFAULT_ORG.into(), username: "admin".into(), role: "admin".into() };
    let stimuli_path = dir.join("stimuli.jsonl");
    if stimuli_path.exists() {
        let text = std::fs::read_to_string(&stimuli_path)
            .with_context(|| format!("reading {}", stimuli_path.display()))?;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let s: SampleStimulus = serde_json::from_str(line)
                .with_context(|| format!("{} line {}", stimuli_path.display(), n + 1))?;
            khaothi_store::stimuli::upsert(db, &actor.org_id, &s.id, &s.subject, &s.title, &s.text, "admin")
                .await?;
        }
    }
    let items_path = dir.join("items.jsonl");
    let bytes = std::fs::read(&items_path).with_context(|| format!("reading {}", items_path.display()))?;
    let result =
        khaothi_bank::routes::import::import_items(db, &actor, &bytes, "jsonl", ImportPolicy::SkipBad, true)
            .await
            .map_err(|e| anyhow::anyhow!("loading {}: {e}", items_path.display()))?;
    println!(
        "sample bank {}: {} items created, {} updated, {} unchanged, {} skipped",
        dir.display(),
        result.created,
        result.new_versions,
        result.unchanged,
        result.skipped
    );
    for line in result.report.lines.iter().filter(|l| l.outcome == Some(khaothi_interop::Outcome::Skipped)) {
        eprintln!("  line {} skipped: {:?}", line.line, line.messages);
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct SampleStimulus {
    id: String,
    subject: String,
    title: String,
    text: String,
}
