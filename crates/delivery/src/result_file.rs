//! The signed result file, delivery side (docs/formats.md, "Signed result file"): the event's
//! results as named text parts, signed with the site key together with the heads of both hash
//! chains. The format and signature are in `khaothi_package::result_file`, which the bank uses to
//! verify; this module gathers the parts, checks the chains and signs.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use khaothi_package::SiteSigningKey;
use khaothi_package::result_file::{ResultFile, UnsignedResults, sign_result_file};

use crate::chain::{Chain, Heads};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::chains::verify_chain;

/// The parts of an event's result file, by name: the results (JSON and CSV), the calibration
/// CSV the bank calibrates on, and the raw responses with shuffles undone.
pub async fn result_parts(s: &AppState, event_id: &str) -> ApiResult<BTreeMap<String, String>> {
    let mut parts = BTreeMap::new();
    let json = crate::results::results_json(s, event_id).await?;
    parts.insert(
        "results.json".into(),
        serde_json::to_string_pretty(&json).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    parts.insert("results.csv".into(), crate::results::results_csv(s, event_id).await?);
    parts.insert("calibration.csv".into(), crate::results::calibration_csv(s, event_id).await?);
    parts.insert("raw.csv".into(), crate::results::raw_csv(s, event_id).await?);
    Ok(parts)
}

/// The chain heads the writer holds, after checking that the stored chains reach them intact.
/// A broken chain refuses the file: results from a tampered log are not signed.
pub async fn verified_heads(s: &AppState) -> ApiResult<Heads> {
    let heads = s.writer.current_heads(&s.db.read).await?;
    for c in Chain::ALL {
        let report = verify_chain(&s.db.read, c, Some(heads.get(c))).await?;
        if let Some(b) = report.broken {
            return Err(ApiError::ChainBroken(format!(
                "the {} chain is broken at position {}{}: {}; GET /api/v1/chains/verify shows it",
                c.name(),
                b.chain_seq,
                b.row.map(|r| format!(" ({r})")).unwrap_or_default(),
                b.problem
            )));
        }
    }
    Ok(heads)
}

/// Signs parts and heads as the site (pure).
pub fn sign(
    site_name: &str,
    key: &SiteSigningKey,
    event_id: &str,
    created_at: &str,
    parts: BTreeMap<String, String>,
    heads: Heads,
) -> ResultFile {
    sign_result_file(
        UnsignedResults {
            event_id: event_id.to_string(),
            site_name: site_name.to_string(),
            created_at: created_at.to_string(),
            parts,
            chains: heads.to_result_heads(),
        },
        key,
    )
}

/// The event's signed result file, now.
pub async fn signed_result_file(s: &AppState, event_id: &str) -> ApiResult<ResultFile> {
    let parts = result_parts(s, event_id).await?;
    let heads = verified_heads(s).await?;
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    Ok(sign(&s.config.site_name, &s.site_key, event_id, &now, parts, heads))
}
