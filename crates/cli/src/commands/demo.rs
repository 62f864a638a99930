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
    /// Address of the test-delivery server (candidates' websocket, proctors, the board's event API).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub delivery_addr: std::net::SocketAddr,
    /// Demo candidates in the demo room.
    #[arg(long, default_value_t = 10)]
    pub candidates: usize,
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
    // One board key for both demo services: packages the demo bank builds import into the demo
    // delivery server.
    let dir = args.data_dir.join("delivery");
    let key = khaothi_loadtest::demo::demo_board_key(&dir).context("the demo board key")?;
    let config = BankConfig {
        listen: args.bank_addr,
        data_dir: args.data_dir.clone(),
        demo: true,
        board_signing_key: Some(key.to_text().into()),
        ..BankConfig::default()
    };
    crate::runtime()?.block_on(async move {
        let app = Application::build(config.clone()).await?;
        let db = khaothi_store::connect(&config.database_url()).await?;
        load_samples(&db, &samples).await?;

        // The delivery server, with a demo event built from the approved sample items.
        let dcfg = khaothi_delivery::DeliveryConfig {
            listen: args.delivery_addr,
            data_dir: dir,
            demo: true,
            board_public_key: Some(key.public().to_string()),
            // Results upload only to the configured bank: the demo's own.
            bank_url: Some(format!("http://{}", app.addr)),
            ..Default::default()
        };
        let delivery = khaothi_delivery::Application::build(dcfg).await?;
        let delivery_url = format!("http://{}", delivery.addr);
        register_demo_site(&db, &delivery.state.site_key.public()).await?;
        tokio::spawn(delivery.run_until(crate::shutdown_signal()));
        let items = sample_items(&samples)?;
        let event = khaothi_loadtest::demo::setup_demo_event(&delivery_url, &items, &key, args.candidates).await?;
        if args.load_only {
            return Ok(());
        }
        let url = format!("http://{}", app.addr);
        println!("khaothi demo is running (data in {})", args.data_dir.display());
        println!("  item bank pages {url}/   (writers, reviewers, the board, admins: sign in with a demo account)");
        println!("  item bank API   {url}/api/v1/   (browsable docs: {url}/docs, spec: {url}/openapi.json)");
        println!("  health          {url}/healthz");
        println!("  demo accounts   (password \"{DEMO_PASSWORD}\", demo mode only):");
        for (user, name, role) in DEMO_ACCOUNTS {
            println!("    {user:<9} {:<12} {name}", role.as_str());
        }
        println!("  try: curl -s {url}/api/v1/auth/login -H 'content-type: application/json' \\");
        println!("         -d '{{\"username\":\"board\",\"password\":\"{DEMO_PASSWORD}\"}}'");
        println!("  delivery server {delivery_url}   (candidate websocket: {}, protocol: docs/protocol.md)", event.ws_url);
        println!("  delivery API    {delivery_url}/api/v1/   (browsable docs: {delivery_url}/docs, spec: {delivery_url}/openapi.json)");
        println!(
            "  demo exam event {} room {}: board login \"board\" / \"{}\"; candidates (số báo danh, họ tên, mã đăng nhập):",
            event.event_id,
            event.room,
            khaothi_delivery::routes::staff::DEMO_PASSWORD
        );
        for c in &event.candidates {
            println!("    {:<10} {:<28} {}", c.number, c.full_name, c.code);
        }
        println!("  candidate page  {delivery_url}/   (sign in with a số báo danh and its code above)");
        println!(
            "  proctor page    {delivery_url}/proctor?event={}&room={}   (login \"proctor\" or \"board\", same password)",
            event.event_id, event.room
        );
        println!("  lab check       {delivery_url}/check");
        println!("  site console    {delivery_url}/console   (the exam day in the browser: login \"board\", same password)");
        // The keys' release code is shown at creation only; the demo keeps it beside its data.
        let keys_file = args.data_dir.join("delivery").join("demo-keys-release-code.txt");
        let keys_code = match &event.keys_key {
            Some(code) => {
                // Owner-only (0600), like every secret the services keep.
                khaothi_auth::replace_private(&keys_file, code)
                    .with_context(|| format!("writing {}", keys_file.display()))?;
                Some(code.clone())
            }
            None => std::fs::read_to_string(&keys_file).ok().map(|c| c.trim().to_string()),
        };
        if let Some(code) = keys_code {
            println!(
                "  end of the exam release the keys (board): POST {delivery_url}/api/v1/events/{}/keys {{\"release_key\":\"{code}\"}}",
                event.event_id
            );
            println!(
                "                  then GET …/results?format=csv, …/exports/calibration.csv, POST …/results/upload (docs/protocol.md §2)"
            );
        }
        println!("Press Ctrl-C to stop.");
        app.run_until(crate::shutdown_signal()).await?;
        Ok(())
    })
}

/// The demo bank trusts the demo delivery server's site key, so its signed results can be uploaded
/// (`POST /api/v1/events/{e}/results/upload`) or imported without a registration step.
async fn register_demo_site(
    db: &khaothi_store::DatabaseConnection,
    key: &khaothi_package::SitePublicKey,
) -> anyhow::Result<()> {
    let text = key.to_string();
    if khaothi_store::results::site_by_key(db, &text).await?.is_some() {
        return Ok(());
    }
    let actor =
        Actor { org_id: khaothi_store::DEFAULT_ORG.into(), username: "admin".into(), role: "admin".into() };
    khaothi_store::results::register_site(db, &actor, "demo delivery site", &text, &key.fingerprint())
        .await?;
    Ok(())
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
            // Like the items (`--keep-status --owner writer`): the sample passages are reviewed already.
            khaothi_store::stimuli::upsert(db, &actor.org_id, &s.id, &s.subject, &s.title, &s.text, "writer")
                .await?;
            khaothi_store::stimuli::keep_approved(db, &actor.org_id, &s.id, "admin").await?;
        }
    }
    let items_path = dir.join("items.jsonl");
    let bytes = std::fs::read(&items_path).with_context(|| format!("reading {}", items_path.display()))?;
    let (role, format) = (khaothi_auth::Role::Admin, khaothi_bank::import::ImportFormat::JsonLines);
    // `khaothi import --keep-status --owner writer`: the sample bank is already reviewed, and the
    // `writer` account finds its list full at the first sign-in.
    let migration = khaothi_bank::import::Migration { keep_status: true, owner: Some("writer".into()) };
    let result = khaothi_bank::import::import_items_with(
        db,
        &actor,
        role,
        &bytes,
        format,
        ImportPolicy::SkipBad,
        &migration,
    )
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

/// The approved items of the sample bank, for the demo exam package.
fn sample_items(dir: &Path) -> anyhow::Result<Vec<khaothi_domain::Item>> {
    let path = dir.join("items.jsonl");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let record = khaothi_domain::ItemRecord::from_json_line(line)
            .map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))?;
        let (item, _) =
            record.into_item().map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))?;
        if item.status == khaothi_domain::ReviewStatus::Approved {
            items.push(item);
        }
    }
    Ok(items)
}

#[derive(serde::Deserialize)]
struct SampleStimulus {
    id: String,
    subject: String,
    title: String,
    text: String,
}
