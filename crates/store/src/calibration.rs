//! Calibration runs and the parameters they gave each item version. Runs are never overwritten:
//! an item version's parameters are those of its latest run, and earlier runs stay for history.

use std::collections::HashMap;

use khaothi_domain::IrtParams;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{calibration_run, item_calibration, response_set};

pub use calibration_run::Model as CalibrationRun;

pub async fn store_response_set<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    name: &str,
    csv: &str,
) -> Result<String, StoreError> {
    let id = format!("RS-{}", uuid::Uuid::now_v7().simple());
    response_set::ActiveModel {
        id: Set(id.clone()),
        org_id: Set(actor.org_id.clone()),
        name: Set(name.to_string()),
        csv: Set(csv.to_string()),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// A stored response set (the CSV a calibration reads): an upload, or the calibration part of an
/// imported result file.
pub async fn response_set<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
) -> Result<response_set::Model, StoreError> {
    response_set::Entity::find_by_id(id.to_string())
        .filter(response_set::Column::OrgId.eq(org))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no response set with id {id}")))
}

pub struct NewRun<'a> {
    pub model: &'a str,
    pub method: &'a str,
    pub n_persons: i64,
    pub loglik: Option<f64>,
    pub converged: bool,
    pub report: &'a serde_json::Value,
    /// (item id, version, parameters, persons who answered it)
    pub items: Vec<(String, i32, IrtParams, i64)>,
}

pub async fn insert_run<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    run: NewRun<'_>,
) -> Result<CalibrationRun, StoreError> {
    let now = crate::now();
    let id = format!("CAL-{}", uuid::Uuid::now_v7().simple());
    let stored = calibration_run::ActiveModel {
        id: Set(id.clone()),
        org_id: Set(actor.org_id.clone()),
        model: Set(run.model.to_string()),
        method: Set(run.method.to_string()),
        n_persons: Set(run.n_persons),
        loglik: Set(run.loglik.filter(|x| x.is_finite())),
        converged: Set(run.converged),
        report: Set(run.report.to_string()),
        created_by: Set(actor.username.clone()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    for (item_id, version, params, n) in run.items {
        item_calibration::ActiveModel {
            item_id: Set(item_id),
            version: Set(version),
            run_id: Set(id.clone()),
            params: Set(serde_json::to_string(&params).expect("params serialise")),
            n: Set(n),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(stored)
}

pub async fn get_run<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<CalibrationRun, StoreError> {
    calibration_run::Entity::find_by_id(id.to_string())
        .filter(calibration_run::Column::OrgId.eq(org))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no calibration run with id {id}")))
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemCalibration {
    pub run_id: String,
    pub version: i32,
    pub n: i64,
    pub params: IrtParams,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Every calibration of an item, newest first.
pub async fn history<C: ConnectionTrait>(db: &C, item_id: &str) -> Result<Vec<ItemCalibration>, StoreError> {
    let rows = item_calibration::Entity::find()
        .filter(item_calibration::Column::ItemId.eq(item_id))
        .order_by_desc(item_calibration::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            let params = serde_json::from_str(&r.params).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(ItemCalibration { run_id: r.run_id, version: r.version, n: r.n, params, at: r.created_at })
        })
        .collect()
}

/// The parameters of each item version's latest calibration run, for the versions that have one
/// (`items` lays them over the stored content).
pub async fn latest_params<C: ConnectionTrait>(
    db: &C,
    item_ids: &[String],
) -> Result<HashMap<(String, i32), IrtParams>, StoreError> {
    let mut latest: HashMap<(String, i32), (i64, String)> = HashMap::new();
    for chunk in item_ids.chunks(500) {
        let rows = item_calibration::Entity::find()
            .filter(item_calibration::Column::ItemId.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        for r in rows {
            let e = latest.entry((r.item_id, r.version)).or_insert((i64::MIN, String::new()));
            if r.id > e.0 {
                *e = (r.id, r.params);
            }
        }
    }
    latest
        .into_iter()
        .map(|(key, (_, params))| {
            let params = serde_json::from_str(&params).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((key, params))
        })
        .collect()
}
