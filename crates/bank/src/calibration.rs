//! Calibration in the bank, below the HTTP layer: read the responses CSV, resolve its columns to
//! item versions (and, for a linked calibration, the anchors the bank already holds), calibrate
//! off the async runtime, and store the run with its parameters in one transaction. The route
//! (`routes::calibration`) only checks the caller and reads the query and the body.

use std::collections::BTreeMap;

use khaothi_domain::{FieldError, IrtModelKind, IrtParams};
use khaothi_irt::calibrate::{PersonGroups, SeMethod};
use khaothi_irt::{CalibrationOptions, CalibrationResult, ItemModel, ResponseMatrix};
use khaothi_store::audit::{self, Actor};
use khaothi_store::calibration::{self as store, CalibrationRun, NewRun};
use khaothi_store::{DatabaseConnection, begin_write, items};

use crate::error::{ApiError, ApiResult};

/// Where the responses come from.
pub enum Responses {
    /// A CSV uploaded with the request; it is kept as a new response set under `name`.
    Upload { csv: String, name: String },
    /// A response set already in the bank (e.g. a result file imported from a delivery site).
    Stored { id: String },
}

/// What to calibrate and how.
pub struct CalibrationRequest {
    pub model: IrtModelKind,
    /// Hold the items already calibrated in the bank at their parameters, so new items land on
    /// the bank's scale (fixed-item linking); otherwise a free calibration on N(0, 1).
    pub bank_anchors: bool,
    pub responses: Responses,
    /// Multiple-group calibration: the CSV column naming each person's group and the reference
    /// group (default: the first in file order).
    pub groups: Option<GroupColumn>,
    /// How the standard errors are computed (cross-product by default, or Oakes').
    pub se_method: SeMethod,
}

/// The grouping of a multiple-group calibration.
pub struct GroupColumn {
    pub column: String,
    pub reference: Option<String>,
}

/// A stored calibration run and the `khaothi calibrate` report it keeps.
pub struct CalibrationOutcome {
    pub run: CalibrationRun,
    pub report: serde_json::Value,
}

/// The response columns resolved against the bank.
struct BankColumns {
    /// The item id and version of each column, in column order.
    versions: Vec<(String, i32)>,
    /// Columns held at the bank's parameters (only with `bank_anchors`).
    anchors: BTreeMap<String, ItemModel>,
}

/// Checked input of a calibration, ready to estimate: everything a user can get wrong has been
/// refused by now, so what remains can run as a background job.
pub struct Prepared {
    request: CalibrationRequest,
    csv: String,
    /// Taken by [`Prepared::estimate`], which runs once.
    matrix: Option<ResponseMatrix>,
    columns: BankColumns,
    groups: Option<PersonGroups>,
    /// The run's global model fit (M2), computed with the estimate and stored in its report.
    fit: Option<serde_json::Value>,
}

/// Reads the responses and resolves their columns against the bank (errors are the user's: 4xx).
pub async fn prepare(
    db: &DatabaseConnection,
    actor: &Actor,
    request: CalibrationRequest,
) -> ApiResult<Prepared> {
    let csv = responses_csv(db, &actor.org_id, &request.responses).await?;
    let extra: Vec<&str> = request.groups.as_ref().map(|g| g.column.as_str()).into_iter().collect();
    let (matrix, labels) = khaothi_irt::csv::read_responses_with_columns(csv.as_bytes(), &extra)
        .map_err(|e| ApiError::invalid(None, vec![FieldError::new("csv", e.to_string())]))?;
    let groups = match (&request.groups, labels.first()) {
        (Some(g), Some(labels)) => Some(
            PersonGroups::from_labels(labels, g.reference.as_deref())
                .map_err(|e| ApiError::invalid(None, vec![FieldError::new("group_column", e.to_string())]))?,
        ),
        _ => None,
    };
    let columns = resolve_columns(db, &actor.org_id, &matrix, request.bank_anchors).await?;
    Ok(Prepared { request, csv, matrix: Some(matrix), columns, groups, fit: None })
}

impl Prepared {
    /// The model the request asked for (the job records it).
    pub fn model(&self) -> IrtModelKind {
        self.request.model
    }

    /// Estimates the parameters off the async runtime.
    pub async fn estimate(&mut self) -> ApiResult<CalibrationResult> {
        let opts = CalibrationOptions {
            model: self.request.model,
            anchors: std::mem::take(&mut self.columns.anchors),
            groups: self.groups.clone(),
            se_method: self.request.se_method,
            ..CalibrationOptions::default()
        };
        let matrix = self
            .matrix
            .take()
            .ok_or_else(|| ApiError::Internal("a calibration was estimated twice".into()))?;
        let (result, fit) = estimate(matrix, opts).await?;
        self.fit = Some(fit);
        Ok(result)
    }

    /// Stores the run with its parameters, as one transaction.
    pub async fn store(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        result: &CalibrationResult,
    ) -> ApiResult<CalibrationOutcome> {
        store_run(db, actor, &self.request, &self.csv, &self.columns.versions, result, self.fit.as_ref())
            .await
    }
}

/// The CSV text of the responses: the upload (which must be UTF-8) or the stored set.
async fn responses_csv(db: &DatabaseConnection, org: &str, responses: &Responses) -> ApiResult<String> {
    match responses {
        Responses::Upload { csv, .. } => Ok(csv.clone()),
        Responses::Stored { id } => Ok(store::response_set(db, org, id).await?.csv),
    }
}

/// Every column must name an item version of the bank (`ID` for the current version, `ID@3` for
/// version 3). With `bank_anchors`, a column whose version has an adopted calibration is an
/// anchor at the version's parameters.
async fn resolve_columns(
    db: &DatabaseConnection,
    org: &str,
    matrix: &ResponseMatrix,
    bank_anchors: bool,
) -> ApiResult<BankColumns> {
    let mut columns = BankColumns { versions: Vec::new(), anchors: BTreeMap::new() };
    let mut unknown = Vec::new();
    for column in matrix.item_ids() {
        let (id, version) = split_version(column);
        let Ok(v) = items::get(db, org, &id, version).await else {
            unknown.push(column.clone());
            continue;
        };
        if bank_anchors
            && store::history(db, &id).await?.iter().any(|c| c.version == v.version && c.adopted_at.is_some())
            && let Some(model) = v.item.irt.as_ref().and_then(|p| ItemModel::try_from(p).ok())
        {
            columns.anchors.insert(column.clone(), model);
        }
        columns.versions.push((id, v.version));
    }
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            None,
            vec![FieldError::new(
                "header",
                format!("columns that are not items of the bank: {}", unknown.join(", ")),
            )],
        ));
    }
    Ok(columns)
}

/// Split `ID@3` into the id and the version it names; plain ids mean the current version.
fn split_version(column: &str) -> (String, Option<i32>) {
    match column.rsplit_once('@') {
        Some((id, v)) if v.parse::<i32>().is_ok() => (id.to_string(), v.parse().ok()),
        _ => (column.to_string(), None),
    }
}

/// Runs the EM calibration and its model fit (M2, docs/psychometrics.md) on a blocking thread
/// (it is CPU-bound and can take seconds).
async fn estimate(
    matrix: ResponseMatrix,
    opts: CalibrationOptions,
) -> ApiResult<(CalibrationResult, serde_json::Value)> {
    tokio::task::spawn_blocking(move || {
        khaothi_irt::calibrate(&matrix, &opts).map(|r| {
            let fit = khaothi_irt::fit::m2::calibration_fit(&matrix, &opts, &r);
            (r, serde_json::to_value(fit).unwrap_or_default())
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::invalid(None, vec![FieldError::new("responses", e.to_string())]))
}

/// Stores the run in one transaction: the uploaded responses as a response set, the run with its
/// report and the parameters of every free (not anchored) item version, and the audit record.
async fn store_run(
    db: &DatabaseConnection,
    actor: &Actor,
    request: &CalibrationRequest,
    csv: &str,
    versions: &[(String, i32)],
    result: &CalibrationResult,
    fit: Option<&serde_json::Value>,
) -> ApiResult<CalibrationOutcome> {
    let mut report = khaothi_irt::params::calibration_json(result);
    if let Some(fit) = fit {
        report["fit"] = fit.clone();
    }
    let txn = begin_write(db).await?;
    let stored_set = match &request.responses {
        Responses::Upload { name, .. } => {
            store::store_response_set(&txn, actor, name, csv).await?;
            None
        }
        Responses::Stored { id } => Some(id.as_str()),
    };
    let run = store::insert_run(
        &txn,
        actor,
        NewRun {
            model: request.model.as_str(),
            method: &run_method(request),
            n_persons: result.n_persons as i64,
            // as the report has it: a non-finite log-likelihood is null there
            loglik: report["loglik"].as_f64(),
            converged: result.converged,
            report: &report,
            items: free_item_params(versions, result),
        },
    )
    .await?;
    audit::record(
        &txn,
        actor,
        "calibration_run",
        "calibration",
        &run.id,
        serde_json::json!({"model": request.model.as_str(), "response_set": stored_set}),
    )
    .await?;
    txn.commit().await?;
    Ok(CalibrationOutcome { run, report })
}

/// The stored run's method: the estimation, its options, and Oakes' standard errors when asked.
fn run_method(request: &CalibrationRequest) -> String {
    let method = match (request.bank_anchors, request.groups.is_some()) {
        (true, false) => "MML-EM (Bock–Aitkin), fixed-item anchors",
        (true, true) => "MML-EM (Bock–Aitkin), multiple groups, fixed-item anchors",
        (false, true) => "MML-EM (Bock–Aitkin), multiple groups",
        (false, false) => "MML-EM (Bock–Aitkin)",
    };
    match request.se_method {
        SeMethod::CrossProduct => method.to_string(),
        SeMethod::Oakes => format!("{method}, Oakes standard errors"),
    }
}

/// (item id, version, parameters, persons who answered) of each item the run estimated.
fn free_item_params(
    versions: &[(String, i32)],
    result: &CalibrationResult,
) -> Vec<(String, i32, IrtParams, i64)> {
    versions
        .iter()
        .zip(&result.items)
        .filter(|(_, it)| !it.anchored)
        .map(|((id, version), it)| (id.clone(), *version, it.irt_params(), it.n as i64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_name_an_item_and_optionally_its_version() {
        assert_eq!(split_version("TOAN12-0001"), ("TOAN12-0001".into(), None));
        assert_eq!(split_version("TOAN12-0001@3"), ("TOAN12-0001".into(), Some(3)));
        assert_eq!(split_version("A@B"), ("A@B".into(), None));
    }
}
