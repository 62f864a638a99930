//! `khaothi package`: the board's Ed25519 keypair and exam packages built from frozen forms and
//! versions (signed, encrypted; docs/protocol.md §Packages).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use khaothi_domain::form::{Form, FormItem, Version};
use khaothi_domain::{Item, ItemKind};
use khaothi_package::{BoardPublicKey, BoardSigningKey, PackageInput, build_package, verify_package};

use super::package_input::{package_id_and_title, read_items, read_signing_key, read_stimuli, write_package};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: PackageCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum PackageCommand {
    /// Make the board's Ed25519 keypair: the secret goes to --out (mode 0600), the public key
    /// (to pin in every delivery server's `board_public_key`) is printed.
    Keygen {
        #[arg(long, default_value = "board.key")]
        out: PathBuf,
    },
    /// Build a signed, encrypted package for an exam event. Prints the manifest and the two
    /// release keys (hex and typed code) as JSON; keep them secret until release.
    Build(BuildArgs),
    /// Build an adaptive package (issue 20): the pool (every item with IRT parameters; the others
    /// are left out with a warning naming them) and the CAT design, sealed and signed. Prints the
    /// manifest and both release keys: an adaptive event's keys are released with its content.
    Adaptive(super::package_adaptive::AdaptiveArgs),
    /// Check a package's signature against the board public key and print its manifest.
    Verify {
        #[arg(long)]
        package: PathBuf,
        /// `ed25519:<hex>`, or a file holding it.
        #[arg(long)]
        board_key: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Items, one JSON record a line (docs/formats.md).
    #[arg(long)]
    pub items: PathBuf,
    /// The form: a JSON `Form` (`{"id","number","items":[{"item_id","section"}]}`) or an array of
    /// item ids (sections by kind: single choice, true/false, short answer).
    #[arg(long, conflicts_with = "blueprint")]
    pub form: Option<PathBuf>,
    /// Assemble the forms from this blueprint (YAML) and package every form's versions.
    #[arg(long)]
    pub blueprint: Option<PathBuf>,
    /// Stimuli (shared passages), JSON Lines `{"id","text"}`.
    #[arg(long)]
    pub stimuli: Option<PathBuf>,
    #[arg(long)]
    pub event: String,
    #[arg(long, default_value = "")]
    pub title: String,
    #[arg(long, default_value_t = 90)]
    pub duration_minutes: u32,
    /// Shuffled versions (mã đề) per form.
    #[arg(long, default_value_t = 4)]
    pub versions: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The board's secret key file (from `khaothi package keygen`).
    #[arg(long)]
    pub signing_key: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
}

fn read_form(path: &PathBuf, items: &[Item]) -> anyhow::Result<Form> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if let Ok(f) = serde_json::from_str::<Form>(&text) {
        return Ok(f);
    }
    let ids: Vec<String> = serde_json::from_str(&text)
        .with_context(|| format!("{}: neither a form object nor an array of item ids", path.display()))?;
    let section = |id: &str| match items.iter().find(|i| i.id == id).map(Item::kind) {
        Some(ItemKind::SingleChoice) => 0,
        Some(ItemKind::TrueFalseGroup) => 1,
        _ => 2,
    };
    let mut fi: Vec<FormItem> =
        ids.iter().map(|id| FormItem { item_id: id.clone(), version: None, section: section(id) }).collect();
    fi.sort_by_key(|f| f.section);
    Ok(Form { id: "F1".into(), number: 1, items: fi })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        PackageCommand::Keygen { out } => {
            let key = BoardSigningKey::generate(&mut rand::rng());
            khaothi_auth::write_private(&out, &key.to_text())
                .with_context(|| format!("writing {} (it must not exist yet)", out.display()))?;
            println!("{}", key.public());
            eprintln!(
                "secret key written to {}; pin the public key above in the delivery servers",
                out.display()
            );
            Ok(())
        }
        PackageCommand::Verify { package, board_key } => {
            let text = std::fs::read_to_string(&board_key).unwrap_or(board_key);
            let key = BoardPublicKey::parse(&text)?;
            let bytes = std::fs::read(&package).with_context(|| format!("reading {}", package.display()))?;
            let sealed = verify_package(&bytes, &key)?;
            println!("{}", serde_json::to_string_pretty(&sealed.manifest)?);
            Ok(())
        }
        PackageCommand::Build(b) => build(b),
        PackageCommand::Adaptive(a) => super::package_adaptive::run(a),
    }
}

fn build(b: BuildArgs) -> anyhow::Result<()> {
    let items = read_items(&b.items)?;
    let signer = read_signing_key(&b.signing_key)?;
    let stimuli = read_stimuli(b.stimuli.as_ref())?;
    let (forms, versions, subject): (Vec<Form>, Vec<Version>, String) = match (&b.form, &b.blueprint) {
        (Some(f), _) => {
            let form = read_form(f, &items)?;
            let vs = khaothi_assembly::make_versions(&form, &items, b.versions, b.seed)?;
            let subject = items
                .iter()
                .find(|i| Some(&i.id) == form.items.first().map(|f| &f.item_id))
                .map(|i| i.subject.clone())
                .unwrap_or_default();
            (vec![form], vs, subject)
        }
        (None, Some(bp)) => {
            let blueprint = super::blueprint_file::read_blueprint(bp)?;
            let opts = khaothi_assembly::AssemblyOptions { seed: b.seed, ..Default::default() };
            let started = std::time::Instant::now();
            let result = khaothi_assembly::assemble(&blueprint, &items, &opts, &move || started.elapsed())?;
            let forms: Vec<Form> = result.forms.iter().map(|f| f.form.clone()).collect();
            let mut vs = Vec::new();
            for f in &forms {
                vs.extend(khaothi_assembly::make_versions(f, &items, b.versions, b.seed)?);
            }
            (forms, vs, blueprint.subject.clone())
        }
        (None, None) => anyhow::bail!("give --form FILE or --blueprint FILE"),
    };
    let (package_id, title) = package_id_and_title(&b.event, &b.title);
    let input = PackageInput {
        package_id,
        event_id: b.event.clone(),
        title,
        subject,
        duration_minutes: b.duration_minutes,
        created_at: chrono::Utc::now().to_rfc3339(),
        items: &items,
        stimuli: &stimuli,
        media: &BTreeMap::new(),
        forms: &forms,
        versions: &versions,
    };
    let built = build_package(&input, &signer, &mut rand::rng())?;
    write_package(&b.out, &built, serde_json::Map::new())?;
    eprintln!("keep content_key until the start time and keys_key until the end of the event");
    Ok(())
}
