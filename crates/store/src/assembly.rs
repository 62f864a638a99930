//! Blueprints, assembly jobs, forms and item exposure.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{assembly_job, blueprint, form, item_exposure};

pub use assembly_job::Model as AssemblyJob;
pub use blueprint::Model as StoredBlueprint;
pub use form::Model as StoredForm;

pub async fn create_blueprint<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    name: &str,
    subject: &str,
    yaml: &str,
) -> Result<StoredBlueprint, StoreError> {
    Ok(blueprint::ActiveModel {
        id: Set(format!("BP-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        name: Set(name.to_string()),
        subject: Set(subject.to_string()),
        yaml: Set(yaml.to_string()),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

pub async fn get_blueprint<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
) -> Result<StoredBlueprint, StoreError> {
    crate::by_key(db, blueprint::Entity::find_by_id(id.to_string()).filter(blueprint::Column::OrgId.eq(org)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no blueprint with id {id}")))
}

pub async fn list_blueprints<C: ConnectionTrait>(
    db: &C,
    org: &str,
) -> Result<Vec<StoredBlueprint>, StoreError> {
    Ok(blueprint::Entity::find()
        .filter(blueprint::Column::OrgId.eq(org))
        .order_by_desc(blueprint::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Replaces a blueprint's YAML (and the name and subject read from it). The caller has checked
/// that no frozen form was assembled from it ([`frozen_forms_of_blueprint`]).
pub async fn update_blueprint<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
    name: &str,
    subject: &str,
    yaml: &str,
) -> Result<StoredBlueprint, StoreError> {
    let mut am: blueprint::ActiveModel = get_blueprint(db, org, id).await?.into();
    am.name = Set(name.to_string());
    am.subject = Set(subject.to_string());
    am.yaml = Set(yaml.to_string());
    Ok(am.update(db).await?)
}

/// The frozen forms assembled from a blueprint: while there is one, the blueprint is the record
/// of what that paper was built to, and is not edited.
pub async fn frozen_forms_of_blueprint<C: ConnectionTrait>(
    db: &C,
    org: &str,
    blueprint_id: &str,
) -> Result<Vec<StoredForm>, StoreError> {
    Ok(form::Entity::find()
        .filter(form::Column::OrgId.eq(org))
        .filter(form::Column::BlueprintId.eq(blueprint_id))
        .filter(form::Column::FrozenAt.is_not_null())
        .order_by_asc(form::Column::Id)
        .all(db)
        .await?)
}

/// Every form of the organisation, newest first (the packages page picks from them).
pub async fn list_forms<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<StoredForm>, StoreError> {
    Ok(form::Entity::find()
        .filter(form::Column::OrgId.eq(org))
        .order_by_desc(form::Column::CreatedAt)
        .order_by_asc(form::Column::Id)
        .all(db)
        .await?)
}

/// Starts a job record; `time_limit` (seconds) bounds the run, so its progress can be shown.
pub async fn create_job<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    blueprint_id: &str,
    time_limit: f64,
) -> Result<AssemblyJob, StoreError> {
    Ok(assembly_job::ActiveModel {
        time_limit: Set(Some(time_limit)),
        id: Set(format!("JOB-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        blueprint_id: Set(blueprint_id.to_string()),
        status: Set("running".into()),
        result: Set(None),
        error: Set(None),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
        finished_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// Records how a job ended: `done` with its result, or `failed`/`infeasible` with the reason.
pub async fn finish_job<C: ConnectionTrait>(
    db: &C,
    id: &str,
    status: &str,
    result: Option<String>,
    error: Option<String>,
) -> Result<(), StoreError> {
    let job = crate::by_key(db, assembly_job::Entity::find_by_id(id.to_string()))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no job {id}")))?;
    let mut am: assembly_job::ActiveModel = job.into();
    am.status = Set(status.to_string());
    am.result = Set(result);
    am.error = Set(error);
    am.finished_at = Set(Some(crate::now()));
    am.update(db).await?;
    Ok(())
}

/// Jobs that were running when the service stopped can never finish: say so at start-up.
pub async fn fail_interrupted_jobs<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    use assembly_job::{Column, Entity};
    let reason = "interrupted by a restart of the bank; run it again";
    crate::jobs::fail_interrupted::<Entity>(db, Column::Status, Column::Error, &["running"], reason).await
}

pub async fn get_job<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<AssemblyJob, StoreError> {
    crate::by_key(
        db,
        assembly_job::Entity::find_by_id(id.to_string()).filter(assembly_job::Column::OrgId.eq(org)),
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no assembly job with id {id}")))
}

pub async fn insert_form<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
    job_id: &str,
    blueprint_id: &str,
    content: &str,
) -> Result<(), StoreError> {
    form::ActiveModel {
        id: Set(id.to_string()),
        org_id: Set(org.to_string()),
        job_id: Set(job_id.to_string()),
        blueprint_id: Set(blueprint_id.to_string()),
        content: Set(content.to_string()),
        frozen_by: Set(None),
        frozen_at: Set(None),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn get_form<C: ConnectionTrait>(db: &C, org: &str, id: &str) -> Result<StoredForm, StoreError> {
    crate::by_key(db, form::Entity::find_by_id(id.to_string()).filter(form::Column::OrgId.eq(org)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no form with id {id}")))
}

pub async fn forms_of_job<C: ConnectionTrait>(
    db: &C,
    org: &str,
    job_id: &str,
) -> Result<Vec<StoredForm>, StoreError> {
    Ok(form::Entity::find()
        .filter(form::Column::OrgId.eq(org))
        .filter(form::Column::JobId.eq(job_id))
        .order_by_asc(form::Column::Id)
        .all(db)
        .await?)
}

/// Freezes a form: from now on it is the record of what candidates sit; every item version on it
/// counts one more use (exposure).
pub async fn freeze_form<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    pinned: &[(String, i32)],
) -> Result<StoredForm, StoreError> {
    let f = get_form(db, &actor.org_id, id).await?;
    if let (Some(by), Some(at)) = (&f.frozen_by, f.frozen_at) {
        return Err(StoreError::Conflict(format!("form {id} was already frozen by {by} at {at}")));
    }
    let now = crate::now();
    for (item_id, version) in pinned {
        item_exposure::ActiveModel {
            item_id: Set(item_id.clone()),
            version: Set(*version),
            form_id: Set(id.to_string()),
            event_id: Set(None),
            at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    pin_stimuli(db, &actor.org_id, id, pinned).await?;
    let mut am: form::ActiveModel = f.into();
    am.frozen_by = Set(Some(actor.username.clone()));
    am.frozen_at = Set(Some(now));
    Ok(am.update(db).await?)
}

/// Pins, for a form being frozen, the newest approved version of every stimulus its item versions
/// use: the package embeds that text, whatever is edited later (issue 16, finding 6). A stimulus
/// without an approved version refuses the freeze.
async fn pin_stimuli<C: ConnectionTrait>(
    db: &C,
    org: &str,
    form_id: &str,
    pinned: &[(String, i32)],
) -> Result<(), StoreError> {
    let mut chosen: std::collections::BTreeMap<String, i32> = std::collections::BTreeMap::new();
    for (item_id, version) in pinned {
        let v = crate::items::get(db, org, item_id, Some(*version)).await?;
        let Some(s) = v.item.stimulus else { continue };
        if chosen.contains_key(&s) {
            continue;
        }
        let approved = crate::stimuli::latest_approved(db, org, &s).await?.ok_or_else(|| {
            StoreError::Rule(format!(
                "item {item_id} uses stimulus {s}, which has no approved version; review it before freezing"
            ))
        })?;
        chosen.insert(s, approved.version);
    }
    let list: Vec<(String, i32)> = chosen.into_iter().collect();
    crate::stimuli::pin_for_form(db, form_id, &list).await
}

/// Uses per item (all versions) from frozen forms.
pub async fn exposure_counts<C: ConnectionTrait>(
    db: &C,
) -> Result<std::collections::HashMap<String, u32>, StoreError> {
    let rows: Vec<(String, i64)> = item_exposure::Entity::find()
        .select_only()
        .column(item_exposure::Column::ItemId)
        .column_as(item_exposure::Column::Id.count(), "n")
        .group_by(item_exposure::Column::ItemId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as u32)).collect())
}
