//! `khaothi bank|delivery check-config` and `… backup`. check-config: read a configuration file
//! exactly as `serve` would (file, then `KHAOTHI__…` variables) and report, as JSON on stdout,
//! what would stop the service and what should not reach an exam unnoticed — on the machine that
//! prepares the file, before it is deployed. Exit status 0 when the service would start, 1 when not.

use std::path::Path;

use khaothi_http::config::ConfigCheck;
use serde::Serialize;
use serde_json::{Value, json};

/// Prints the report and exits 1 when the configuration has errors.
pub fn report<C: Serialize>(
    service: &str,
    file: Option<&Path>,
    loaded: Result<C, Box<figment::Error>>,
    check: impl FnOnce(&C) -> ConfigCheck,
) -> anyhow::Result<()> {
    let (config, result) = match loaded {
        Ok(c) => {
            let result = check(&c);
            (serde_json::to_value(&c)?, result)
        }
        Err(e) => {
            let mut result = ConfigCheck::default();
            for problem in *e {
                // figment's path holds the section's name too; the key is what the operator edits.
                let key: Vec<&str> =
                    problem.path.iter().map(String::as_str).filter(|p| *p != service).collect();
                let key = key.join(".");
                result.error(&key, problem.to_string());
            }
            (Value::Null, result)
        }
    };
    let ok = result.is_ok();
    let out = json!({
        "service": service,
        "file": file.map(|f| f.display().to_string()),
        "ok": ok,
        "errors": result.errors,
        "warnings": result.warnings,
        "config": config,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// `khaothi bank|delivery backup`: the online SQLite copy ([`khaothi_store::backup`]).
pub fn backup(database_url: &str, out: &Path) -> anyhow::Result<()> {
    let report = crate::runtime()?.block_on(khaothi_store::backup::backup_sqlite(database_url, out))?;
    eprintln!("backup of {} bytes written to {} in {} ms", report.bytes, out.display(), report.millis);
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
