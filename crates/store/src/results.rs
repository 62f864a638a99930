//! Results carried back from delivery sites: the site keys the bank trusts and the signed result
//! files it imported (the signature is checked by the caller, with `khaothi-package`).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{result_import, trusted_site};

pub use result_import::Model as ResultImport;
pub use trusted_site::Model as TrustedSite;

/// Registers a site key; a key registered before is a conflict (named with its site).
pub async fn register_site<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    name: &str,
    public_key: &str,
    fingerprint: &str,
) -> Result<TrustedSite, StoreError> {
    if let Some(s) = site_by_key(db, public_key).await? {
        return Err(StoreError::Conflict(format!(
            "the key {fingerprint} is already registered, as site \"{}\" ({})",
            s.name, s.id
        )));
    }
    Ok(trusted_site::ActiveModel {
        id: Set(format!("SITE-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        name: Set(name.to_string()),
        public_key: Set(public_key.to_string()),
        fingerprint: Set(fingerprint.to_string()),
        created_by: Set(actor.username.clone()),
        created_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

pub async fn list_sites<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<TrustedSite>, StoreError> {
    Ok(trusted_site::Entity::find()
        .filter(trusted_site::Column::OrgId.eq(org))
        .order_by_asc(trusted_site::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The site registered with this exact key text (`ed25519:<hex>`), in any organisation.
pub async fn site_by_key<C: ConnectionTrait>(
    db: &C,
    public_key: &str,
) -> Result<Option<TrustedSite>, StoreError> {
    Ok(crate::by_key(db, trusted_site::Entity::find().filter(trusted_site::Column::PublicKey.eq(public_key)))
        .await?)
}

pub async fn import_by_digest<C: ConnectionTrait>(
    db: &C,
    digest: &str,
) -> Result<Option<ResultImport>, StoreError> {
    Ok(crate::by_key(db, result_import::Entity::find().filter(result_import::Column::Digest.eq(digest)))
        .await?)
}

/// One import of the organisation, with its file.
pub async fn import_by_id<C: ConnectionTrait>(
    db: &C,
    org: &str,
    id: &str,
) -> Result<Option<ResultImport>, StoreError> {
    Ok(crate::by_key(
        db,
        result_import::Entity::find_by_id(id.to_string()).filter(result_import::Column::OrgId.eq(org)),
    )
    .await?)
}

/// What an import stores besides the file itself.
pub struct NewImport<'a> {
    pub site_id: &'a str,
    pub event_id: &'a str,
    pub digest: &'a str,
    pub file: &'a str,
    pub created_at: &'a str,
    pub responses: (u64, &'a str),
    pub audit: (u64, &'a str),
    pub response_set_id: Option<String>,
}

pub async fn insert_import<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    i: NewImport<'_>,
) -> Result<ResultImport, StoreError> {
    let len =
        |n: u64| i64::try_from(n).map_err(|_| StoreError::Rule("a chain length is out of range".into()));
    Ok(result_import::ActiveModel {
        id: Set(format!("RES-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(actor.org_id.clone()),
        site_id: Set(i.site_id.to_string()),
        event_id: Set(i.event_id.to_string()),
        digest: Set(i.digest.to_string()),
        file: Set(i.file.to_string()),
        created_at: Set(i.created_at.to_string()),
        responses_length: Set(len(i.responses.0)?),
        responses_head: Set(i.responses.1.to_string()),
        audit_length: Set(len(i.audit.0)?),
        audit_head: Set(i.audit.1.to_string()),
        response_set_id: Set(i.response_set_id),
        imported_by: Set(actor.username.clone()),
        imported_at: Set(crate::now()),
    }
    .insert(db)
    .await?)
}

/// Imports of the organisation, newest first.
pub async fn list_imports<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<ResultImport>, StoreError> {
    Ok(result_import::Entity::find()
        .filter(result_import::Column::OrgId.eq(org))
        .order_by_desc(result_import::Column::ImportedAt)
        .all(db)
        .await?)
}
