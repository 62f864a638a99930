//! `khaothi certificate`: verifiable score certificates (docs/cli.md "certificate"). `issue`
//! writes `<số báo danh>.txt` (the `KT1:` string) and a printable `<số báo danh>.html` per
//! candidate; `verify` checks a string offline against the board's public keys (exit 0 valid,
//! 3 invalid, 4 revoked); `revoke` signs a revocation list. The key is the board's certificate
//! key as `khaothi package keygen --out` writes it; rotating it means a new keygen and a new line
//! in the published key list.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use khaothi_certificate::gather::{self, EventScores};
use khaothi_certificate::revocation::is_certificate_id;
use khaothi_certificate::{IssuerKey, RevocationList, TrustedKeys, Verdict, issue_printable, verify};

/// Exit status of `verify` for an invalid certificate.
pub const EXIT_INVALID: i32 = 3;
/// Exit status of `verify` for a revoked certificate.
pub const EXIT_REVOKED: i32 = 4;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: CertificateCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum CertificateCommand {
    /// One certificate per candidate with results: `<sbd>.txt`, `<sbd>.html` and `index.csv`
    /// (candidate, certificate id) in --out. Prints a JSON summary.
    Issue {
        /// Results of one event; repeat once per event. A results JSON or signed result file
        /// (event and subject inside), or `SUBJECT=results.csv` (the event is the file's name).
        #[arg(long, required = true)]
        results: Vec<String>,
        /// The board's certificate secret key file (`khaothi package keygen --out`).
        #[arg(long)]
        key: PathBuf,
        /// The issuing board as printed and signed (e.g. "Sở GD&ĐT Hà Nội").
        #[arg(long, default_value = "Hội đồng thi")]
        issuer: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a certificate string (or a `.txt` file holding one). Prints the verdict and claims
    /// as JSON; exit 0 valid, 3 invalid, 4 revoked (1 errors, 2 usage).
    Verify {
        /// Trusted public keys, one `ed25519:<hex>` a line.
        #[arg(long)]
        keys: PathBuf,
        /// A signed revocation list (from `revoke` or the bank's `/api/v1/certificates/revocations`).
        #[arg(long)]
        revoked: Option<PathBuf>,
        certificate: String,
    },
    /// Add certificates to the signed revocation list (writes --out; keeps the entries of
    /// --list). Each argument is a certificate id, a `KT1:` string or a `.txt` file.
    Revoke {
        #[arg(long)]
        key: PathBuf,
        #[arg(long, default_value = "Hội đồng thi")]
        issuer: String,
        /// The current list, whose entries are kept (its signature is checked with --key).
        #[arg(long)]
        list: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        certificates: Vec<String>,
    },
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn read_key(path: &Path) -> anyhow::Result<IssuerKey> {
    IssuerKey::parse(&read(path)?).with_context(|| path.display().to_string())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn read_event(spec: &str) -> anyhow::Result<EventScores> {
    let path = Path::new(spec);
    if path.is_file() {
        return gather::from_results_json(&read(path)?).with_context(|| {
            format!("{spec}: not a results JSON; for a results CSV say its subject: --results SUBJECT={spec}")
        });
    }
    let (subject, file) = spec.split_once('=').ok_or_else(|| {
        anyhow::anyhow!("{spec}: no such file (a results CSV is given as SUBJECT=results.csv)")
    })?;
    let file = Path::new(file);
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let event = file.file_stem().and_then(|s| s.to_str()).unwrap_or("results");
    Ok(gather::from_results_csv(&bytes, event, subject)?)
}

fn issue_all(results: &[String], key: &Path, issuer: &str, out: &Path) -> anyhow::Result<()> {
    let key = read_key(key)?;
    let events = results.iter().map(|s| read_event(s)).collect::<anyhow::Result<Vec<_>>>()?;
    let claims = gather::claims_by_candidate(&events, issuer, now());
    if claims.is_empty() {
        anyhow::bail!("no candidate in the results has a score");
    }
    if let Some(c) = claims.iter().find(|c| !gather::is_file_safe(&c.candidate)) {
        anyhow::bail!(
            "candidate number `{}` cannot be a file name (letters, digits, - and _ only)",
            c.candidate
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut index = String::from("candidate,id\n");
    for c in &claims {
        let issued = issue_printable(c, &key)?;
        std::fs::write(out.join(format!("{}.txt", c.candidate)), format!("{}\n", issued.text))?;
        std::fs::write(out.join(format!("{}.html", c.candidate)), &issued.html)?;
        index.push_str(&format!("{},{}\n", c.candidate, issued.id));
    }
    std::fs::write(out.join("index.csv"), index)?;
    println!(
        "{}",
        serde_json::json!({"certificates": claims.len(), "events": events.len(), "out": out.display().to_string(),
            "kid": hex::encode(key.public().kid()), "public_key": key.public().to_string()})
    );
    eprintln!("{} certificates written to {}", claims.len(), out.display());
    Ok(())
}

fn certificate_text(arg: &str) -> anyhow::Result<String> {
    let p = Path::new(arg);
    Ok(if !arg.starts_with(khaothi_certificate::PREFIX) && p.is_file() {
        read(p)?.trim().to_string()
    } else {
        arg.trim().to_string()
    })
}

fn verify_one(keys: &Path, revoked: Option<&Path>, certificate: &str) -> anyhow::Result<i32> {
    let keys = TrustedKeys::parse(&read(keys)?).with_context(|| keys.display().to_string())?;
    let list = revoked
        .map(|p| RevocationList::verify(&read(p)?, &keys).with_context(|| p.display().to_string()))
        .transpose()?;
    let verdict = verify(&certificate_text(certificate)?, &keys, list.as_ref());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string_pretty(&verdict)?)?;
    Ok(match verdict {
        Verdict::Valid(_) => 0,
        Verdict::Invalid { reason } => {
            eprintln!("invalid: {reason}");
            EXIT_INVALID
        }
        Verdict::Revoked(v) => {
            eprintln!("revoked: certificate {} is on the revocation list", v.id);
            EXIT_REVOKED
        }
    })
}

fn revoke(
    key: &Path,
    issuer: &str,
    list: Option<&Path>,
    out: &Path,
    certificates: &[String],
) -> anyhow::Result<()> {
    let key = read_key(key)?;
    let own = TrustedKeys::new(vec![key.public()]);
    let mut current = match list {
        Some(p) => RevocationList::verify(&read(p)?, &own).with_context(|| p.display().to_string())?,
        None => RevocationList::default(),
    };
    for arg in certificates {
        let id = if is_certificate_id(arg) {
            arg.clone()
        } else {
            let text = certificate_text(arg)?;
            match verify(&text, &own, None) {
                Verdict::Valid(v) | Verdict::Revoked(v) => v.id,
                Verdict::Invalid { reason } => {
                    anyhow::bail!("{arg}: not a certificate of this key ({reason})")
                }
            }
        };
        current.revoked.insert(id);
    }
    current.issuer = issuer.to_string();
    current.issued_at = now();
    std::fs::write(out, current.sign(&key)).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", serde_json::json!({"revoked": current.revoked.len(), "out": out.display().to_string()}));
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        CertificateCommand::Issue { results, key, issuer, out } => issue_all(&results, &key, &issuer, &out),
        CertificateCommand::Verify { keys, revoked, certificate } => {
            let code = verify_one(&keys, revoked.as_deref(), &certificate)?;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        CertificateCommand::Revoke { key, issuer, list, out, certificates } => {
            revoke(&key, &issuer, list.as_deref(), &out, &certificates)
        }
    }
}
