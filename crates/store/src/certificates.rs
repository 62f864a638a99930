//! Đối sánh and certificates (issue 21): imported transcript sets, the certificate public keys the
//! bank has signed with, and the revocations. Every query is scoped to the organisation.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{cert_key, cert_revocation, cert_transcript_set, result_import};

pub use cert_key::Model as CertKey;
pub use cert_revocation::Model as Revocation;
pub use cert_transcript_set::Model as TranscriptSet;

/// Stores a checked transcript CSV.
pub async fn insert_transcripts<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    name: &str,
    csv: &str,
    rows: usize,
) -> Result<TranscriptSet, StoreError> {
    Ok(cert_transcript_set::ActiveModel {
        id: Set(format!("HB-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        name: Set(name.to_string()),
        csv: Set(csv.to_string()),
        rows: Set(i32::try_from(rows).map_err(|_| StoreError::Rule("too many transcript rows".into()))?),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

pub async fn transcripts<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
) -> Result<Option<TranscriptSet>, StoreError> {
    Ok(crate::by_key(
        db,
        cert_transcript_set::Entity::find_by_id(id.to_string())
            .filter(cert_transcript_set::Column::OrgId.eq(org)),
    )
    .await?)
}

/// The organisation's imported result files of one event, oldest first.
pub async fn imports_of_event<C: ConnectionTrait>(
    db: &C,
    org: &str,
    event: &str,
) -> Result<Vec<result_import::Model>, StoreError> {
    Ok(result_import::Entity::find()
        .filter(result_import::Column::OrgId.eq(org))
        .filter(result_import::Column::EventId.eq(event))
        .order_by_asc(result_import::Column::ImportedAt)
        .all(db)
        .await?)
}

/// Records a certificate public key the first time the bank signs with it.
pub async fn remember_key<C: ConnectionTrait>(
    db: &C,
    org: &str,
    kid: &str,
    public_key: &str,
) -> Result<(), StoreError> {
    // Two first requests at once both try to record the key: the second insert does nothing.
    let row = cert_key::ActiveModel {
        kid: Set(kid.to_string()),
        org_id: Set(org.to_string()),
        public_key: Set(public_key.to_string()),
        created_at: Set(crate::now()),
    };
    cert_key::Entity::insert(row)
        .on_conflict(sea_orm::sea_query::OnConflict::column(cert_key::Column::Kid).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Every certificate key the bank has signed with, oldest first (all organisations: a verifier
/// trusts the bank's keys).
pub async fn keys<C: ConnectionTrait>(db: &C) -> Result<Vec<CertKey>, StoreError> {
    Ok(cert_key::Entity::find().order_by_asc(cert_key::Column::CreatedAt).all(db).await?)
}

/// Revokes a certificate; revoking it again changes nothing (returns false).
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    certificate_id: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let id = format!("{}:{certificate_id}", actor.org_id);
    if crate::by_key(db, cert_revocation::Entity::find_by_id(id.clone())).await?.is_some() {
        return Ok(false);
    }
    cert_revocation::ActiveModel {
        id: Set(id),
        org_id: Set(actor.org_id.clone()),
        certificate_id: Set(certificate_id.to_string()),
        reason: Set(reason.map(str::to_string)),
        revoked_by: Set(actor.username.clone()),
        revoked_at: Set(crate::now()),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Every revocation (all organisations: the list is the bank's), oldest first.
pub async fn revocations<C: ConnectionTrait>(db: &C) -> Result<Vec<Revocation>, StoreError> {
    Ok(cert_revocation::Entity::find().order_by_asc(cert_revocation::Column::RevokedAt).all(db).await?)
}

/// The organisation's name (the certificates' issuer).
pub async fn org_name<C: ConnectionTrait>(db: &C, org: &str) -> Result<Option<String>, StoreError> {
    Ok(crate::by_key(db, crate::entity::organisation::Entity::find_by_id(org.to_string()))
        .await?
        .map(|o| o.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first certificates of a bank may be asked for by several boards at once: every
    /// request records the key or finds it recorded, none fails.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_key_recorded_by_many_requests_at_once_is_recorded_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::connect(&crate::sqlite_url(&dir.path().join("bank.db"))).await.unwrap();
        crate::migrate_bank(&db).await.unwrap();
        let calls = (0..16).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                remember_key(&db, crate::DEFAULT_ORG, "00ff00ff00ff00ff", "ed25519:ab").await
            })
        });
        for call in calls.collect::<Vec<_>>() {
            call.await.unwrap().expect("recorded or found");
        }
        assert_eq!(keys(&db).await.unwrap().len(), 1);
    }
}
