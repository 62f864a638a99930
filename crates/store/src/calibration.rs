//! Calibration runs and the parameters they gave each item version. Runs are never overwritten:
//! a run's parameters are candidates until the board adopts them ([`adopt`]); an item version's
//! parameters are those it adopted last, and every run stays for history.

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
    crate::by_key(
        db,
        response_set::Entity::find_by_id(id.to_string()).filter(response_set::Column::OrgId.eq(org)),
    )
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
    crate::by_key(
        db,
        calibration_run::Entity::find_by_id(id.to_string()).filter(calibration_run::Column::OrgId.eq(org)),
    )
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
    /// When the board took these parameters into the bank (absent: not adopted).
    pub adopted_at: Option<chrono::DateTime<chrono::Utc>>,
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
            Ok(ItemCalibration {
                run_id: r.run_id,
                version: r.version,
                n: r.n,
                params,
                at: r.created_at,
                adopted_at: r.adopted_at,
            })
        })
        .collect()
}

/// The parameters each item version adopted last, for the versions that adopted any (`items`
/// lays them over the stored content). A run's parameters the board has not adopted are not here.
pub async fn latest_params<C: ConnectionTrait>(
    db: &C,
    item_ids: &[String],
) -> Result<HashMap<(String, i32), IrtParams>, StoreError> {
    type Latest = (chrono::DateTime<chrono::Utc>, i64, String);
    let mut latest: HashMap<(String, i32), Latest> = HashMap::new();
    for chunk in item_ids.chunks(500) {
        let rows = item_calibration::Entity::find()
            .filter(item_calibration::Column::ItemId.is_in(chunk.iter().cloned()))
            .filter(item_calibration::Column::AdoptedAt.is_not_null())
            .all(db)
            .await?;
        for r in rows {
            let Some(at) = r.adopted_at else { continue };
            let e = latest.entry((r.item_id, r.version)).or_insert((at, i64::MIN, String::new()));
            if (at, r.id) > (e.0, e.1) {
                *e = (at, r.id, r.params);
            }
        }
    }
    latest
        .into_iter()
        .map(|(key, (_, _, params))| {
            let params = serde_json::from_str(&params).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((key, params))
        })
        .collect()
}

/// One item version a run estimated, and whether its parameters were adopted.
#[derive(Debug, Clone, Serialize)]
pub struct RunItem {
    pub item_id: String,
    pub version: i32,
    pub adopted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub adopted_by: Option<String>,
}

/// The item versions run `run_id` estimated (anchored items are not among them), in item order.
pub async fn run_items<C: ConnectionTrait>(db: &C, run_id: &str) -> Result<Vec<RunItem>, StoreError> {
    let rows = item_calibration::Entity::find()
        .filter(item_calibration::Column::RunId.eq(run_id))
        .order_by_asc(item_calibration::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| RunItem {
            item_id: r.item_id,
            version: r.version,
            adopted_at: r.adopted_at,
            adopted_by: r.adopted_by,
        })
        .collect())
}

/// Takes run `run_id`'s parameters of `item_ids` into the bank, as decided by `actor`: from now on
/// they are those item versions' parameters. Already adopted ones keep their first adoption.
/// Returns the rows adopted by this call.
pub async fn adopt<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    run_id: &str,
    item_ids: &[String],
) -> Result<Vec<RunItem>, StoreError> {
    let rows = item_calibration::Entity::find()
        .filter(item_calibration::Column::RunId.eq(run_id))
        .filter(item_calibration::Column::ItemId.is_in(item_ids.iter().cloned()))
        .filter(item_calibration::Column::AdoptedAt.is_null())
        .all(db)
        .await?;
    let now = crate::now();
    let mut adopted = Vec::new();
    for r in rows {
        let mut row: item_calibration::ActiveModel = r.clone().into();
        row.adopted_at = Set(Some(now));
        row.adopted_by = Set(Some(actor.username.clone()));
        row.update(db).await?;
        adopted.push(RunItem {
            item_id: r.item_id,
            version: r.version,
            adopted_at: Some(now),
            adopted_by: Some(actor.username.clone()),
        });
    }
    Ok(adopted)
}
