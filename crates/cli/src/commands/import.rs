//! `khaothi import`: check an item file offline, or load it into a bank database, with the same
//! per-line report as the API.

use std::path::PathBuf;

use anyhow::Context;
use khaothi_auth::Role;
use khaothi_bank::import::{ImportError, ImportFormat, Migration};
use khaothi_interop::{ImportOptions, ImportPolicy};
use khaothi_store::audit::Actor;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// JSON Lines (`.jsonl`), CSV (`.csv`) or QTI (`.xml`) file.
    #[arg(long)]
    pub input: PathBuf,
    /// Input format; guessed from the extension when omitted.
    #[arg(long, value_parser = ["jsonl", "csv", "qti"])]
    pub format: Option<String>,
    /// Store the good lines and report the bad ones, instead of refusing the whole file.
    #[arg(long)]
    pub skip_bad: bool,
    /// Only check the file and print the report; write nothing.
    #[arg(long)]
    pub check_only: bool,
    /// The bank database (`sqlite://…` or `postgres://…`); default: SQLite in --data-dir.
    #[arg(long)]
    pub database_url: Option<String>,
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// The bank user the import is made by (must exist); recorded in the audit log.
    #[arg(long = "as", default_value = "admin")]
    pub as_user: String,
    /// Keep each line's review status instead of landing as draft: for moving an already reviewed
    /// bank. Needs an admin (`--as`); audited.
    #[arg(long)]
    pub keep_status: bool,
    /// Record the items as written by this user instead of `--as`. Needs an admin; audited.
    #[arg(long)]
    pub owner: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let format = match args.format.clone() {
        Some(f) => f,
        None => match args.input.extension().and_then(|e| e.to_str()) {
            Some("csv") => "csv".into(),
            Some("xml") => "qti".into(),
            _ => "jsonl".into(),
        },
    };
    let policy = if args.skip_bad { ImportPolicy::SkipBad } else { ImportPolicy::AllOrNothing };
    if args.check_only || format == "qti" {
        let opts = ImportOptions::default();
        let mut report = match format.as_str() {
            "csv" => khaothi_interop::parse_csv_bytes(&bytes, &opts),
            "qti" => {
                let text = std::str::from_utf8(&bytes).context("the QTI file is not UTF-8")?;
                khaothi_interop::parse_qti(text, &opts)
            }
            _ => khaothi_interop::parse_jsonl_bytes(&bytes, &opts),
        };
        if format == "qti" && !args.check_only {
            anyhow::bail!("QTI files are checked here; convert with the API or load them as JSON Lines");
        }
        report.apply(policy);
        println!("{}", serde_json::to_string_pretty(&report)?);
        if report.has_errors() {
            anyhow::bail!("{} line(s) have errors", report.summary().errors);
        }
        return Ok(());
    }
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| khaothi_store::sqlite_url(&args.data_dir.join("bank.db")));
    crate::runtime()?.block_on(async move {
        let db = khaothi_store::connect(&url).await?;
        khaothi_store::migrate_bank(&db).await?;
        let user = khaothi_store::users::find_by_username(&db, &args.as_user)
            .await?
            .with_context(|| format!("no bank user \"{}\"", args.as_user))?;
        let role = Role::parse(&user.role).with_context(|| {
            format!("bank user \"{}\" has an unknown role \"{}\"", user.username, user.role)
        })?;
        let actor = Actor { org_id: user.org_id, username: user.username, role: user.role.clone() };
        let format = ImportFormat::parse(&format)?;
        let migration = Migration { keep_status: args.keep_status, owner: args.owner.clone() };
        match khaothi_bank::import::import_items_with(&db, &actor, role, &bytes, format, policy, &migration)
            .await
        {
            Ok(result) => {
                println!("{}", serde_json::to_string_pretty(&result)?);
                if result.skipped > 0 {
                    eprintln!("{} line(s) skipped; see the report", result.skipped);
                }
                Ok(())
            }
            Err(e) => {
                if let ImportError::Rejected { report, .. } = &e {
                    println!("{}", serde_json::to_string_pretty(report)?);
                }
                anyhow::bail!("{e}")
            }
        }
    })
}
