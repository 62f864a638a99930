//! Stimulus groups: a shared passage or setting whose items are delivered together.
//!
//! A stimulus is versioned and reviewed as an item is (issue 16, finding 6): every change of its
//! text, title or subject is a new version in draft; its writer submits it; another person approves
//! or rejects it. The `stimuli` row is the head (the current version's text, for lists and the
//! editor); candidates only ever receive an approved version, pinned by the form (`form_stimuli`).

use khaothi_domain::{ReviewAction, ReviewStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{form_stimulus, stimulus, stimulus_version};

pub use stimulus::Model as Stimulus;
pub use stimulus_version::Model as StimulusVersion;

/// Creates a stimulus (version 1, draft) or stores a changed one as a new draft version; an
/// unchanged body writes nothing. The flag says whether the stimulus was created.
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    subject: &str,
    title: &str,
    text: &str,
    actor: &str,
) -> Result<(Stimulus, bool), StoreError> {
    let now = crate::now();
    match crate::by_key(db, stimulus::Entity::find_by_id(id.to_string())).await? {
        Some(s) if s.org_id != org_id => {
            Err(StoreError::Conflict(format!("stimulus id \"{id}\" belongs to another organisation")))
        }
        Some(s) if s.subject == subject && s.title == title && s.text == text => Ok((s, false)),
        Some(s) => {
            let next = current(db, org_id, id).await?.version + 1;
            stimulus_version::Entity::update_many()
                .col_expr(stimulus_version::Column::IsCurrent, Expr::value(false))
                .filter(stimulus_version::Column::StimulusId.eq(id))
                .exec(db)
                .await?;
            version_row(org_id, id, next, (subject, title, text), actor).insert(db).await?;
            let mut am: stimulus::ActiveModel = s.into();
            am.subject = Set(subject.to_string());
            am.title = Set(title.to_string());
            am.text = Set(text.to_string());
            am.updated_at = Set(now);
            Ok((am.update(db).await?, false))
        }
        None => {
            let head = stimulus::ActiveModel {
                id: Set(id.to_string()),
                org_id: Set(org_id.to_string()),
                subject: Set(subject.to_string()),
                title: Set(title.to_string()),
                text: Set(text.to_string()),
                created_by: Set(actor.to_string()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
            version_row(org_id, id, 1, (subject, title, text), actor).insert(db).await?;
            Ok((head, true))
        }
    }
}

fn version_row(
    org_id: &str,
    id: &str,
    version: i32,
    (subject, title, text): (&str, &str, &str),
    actor: &str,
) -> stimulus_version::ActiveModel {
    stimulus_version::ActiveModel {
        stimulus_id: Set(id.to_string()),
        version: Set(version),
        org_id: Set(org_id.to_string()),
        subject: Set(subject.to_string()),
        title: Set(title.to_string()),
        text: Set(text.to_string()),
        status: Set(ReviewStatus::Draft.as_str().to_string()),
        is_current: Set(true),
        created_by: Set(actor.to_string()),
        created_at: Set(crate::now()),
        submitted_at: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_comment: Set(None),
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, org_id: &str, id: &str) -> Result<Stimulus, StoreError> {
    crate::by_key(db, stimulus::Entity::find_by_id(id.to_string()).filter(stimulus::Column::OrgId.eq(org_id)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no stimulus with id {id}")))
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    subject: Option<&str>,
) -> Result<Vec<Stimulus>, StoreError> {
    let mut q = stimulus::Entity::find().filter(stimulus::Column::OrgId.eq(org_id));
    if let Some(s) = subject {
        q = q.filter(stimulus::Column::Subject.eq(s));
    }
    Ok(q.order_by_asc(stimulus::Column::Id).all(db).await?)
}

fn versions_of(org_id: &str, id: &str) -> sea_orm::Select<stimulus_version::Entity> {
    stimulus_version::Entity::find()
        .filter(stimulus_version::Column::OrgId.eq(org_id))
        .filter(stimulus_version::Column::StimulusId.eq(id))
}

/// The current (newest) version, whatever its status.
pub async fn current<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
) -> Result<StimulusVersion, StoreError> {
    crate::by_key(db, versions_of(org_id, id).filter(stimulus_version::Column::IsCurrent.eq(true)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no stimulus with id {id}")))
}

/// Every version, oldest first.
pub async fn versions<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
) -> Result<Vec<StimulusVersion>, StoreError> {
    let list = versions_of(org_id, id).order_by_asc(stimulus_version::Column::Version).all(db).await?;
    if list.is_empty() {
        return Err(StoreError::NotFound(format!("no stimulus with id {id}")));
    }
    Ok(list)
}

pub async fn version<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    version: i32,
) -> Result<StimulusVersion, StoreError> {
    crate::by_key(db, versions_of(org_id, id).filter(stimulus_version::Column::Version.eq(version)))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("stimulus {id} has no version {version}")))
}

/// The newest approved version: the one an item is approved against and a form pins.
pub async fn latest_approved<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
) -> Result<Option<StimulusVersion>, StoreError> {
    Ok(versions_of(org_id, id)
        .filter(stimulus_version::Column::Status.eq(ReviewStatus::Approved.as_str()))
        .order_by_desc(stimulus_version::Column::Version)
        .one(db)
        .await?)
}

/// Applies a review action to the current version. Four eyes: whoever wrote the version may not
/// approve or reject it.
pub async fn review<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    action: ReviewAction,
    comment: Option<String>,
) -> Result<StimulusVersion, StoreError> {
    let row = current(db, &actor.org_id, id).await?;
    let from = ReviewStatus::parse(&row.status)
        .ok_or_else(|| StoreError::Corrupt(format!("stimulus {id} has status {}", row.status)))?;
    let to = from
        .apply(action)
        .map_err(|e| StoreError::Conflict(format!("stimulus {id} v{}: {e}", row.version)))?;
    if matches!(action, ReviewAction::Approve | ReviewAction::Reject) && row.created_by == actor.username {
        return Err(StoreError::Rule(format!(
            "you wrote stimulus {id} v{}; another reviewer must {} it (four eyes)",
            row.version,
            action.as_str()
        )));
    }
    if action == ReviewAction::Reject && comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
        return Err(StoreError::Rule("a rejection needs a comment telling the writer what to fix".into()));
    }
    let now = crate::now();
    let mut am: stimulus_version::ActiveModel = row.into();
    am.status = Set(to.as_str().to_string());
    if action == ReviewAction::Submit {
        am.submitted_at = Set(Some(now));
    } else {
        am.reviewed_by = Set(Some(actor.username.clone()));
        am.reviewed_at = Set(Some(now));
        am.review_comment = Set(comment);
    }
    Ok(am.update(db).await?)
}

/// Marks the current version approved without a review: only for moving an already reviewed bank
/// (`khaothi demo`, `--keep-status`), recorded as reviewed by `by`.
pub async fn keep_approved<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    by: &str,
) -> Result<(), StoreError> {
    let row = current(db, org_id, id).await?;
    if row.status == ReviewStatus::Approved.as_str() {
        return Ok(());
    }
    let mut am: stimulus_version::ActiveModel = row.into();
    am.status = Set(ReviewStatus::Approved.as_str().to_string());
    am.reviewed_by = Set(Some(by.to_string()));
    am.reviewed_at = Set(Some(crate::now()));
    am.update(db).await?;
    Ok(())
}

/// Current versions waiting for review, oldest submission first.
pub async fn in_review<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    subject: Option<&str>,
) -> Result<Vec<StimulusVersion>, StoreError> {
    let mut q = stimulus_version::Entity::find()
        .filter(stimulus_version::Column::OrgId.eq(org_id))
        .filter(stimulus_version::Column::IsCurrent.eq(true))
        .filter(stimulus_version::Column::Status.eq(ReviewStatus::InReview.as_str()));
    if let Some(s) = subject {
        q = q.filter(stimulus_version::Column::Subject.eq(s));
    }
    Ok(q.order_by_asc(stimulus_version::Column::SubmittedAt).all(db).await?)
}

/// Records the stimulus versions a frozen form delivers.
pub async fn pin_for_form<C: ConnectionTrait>(
    db: &C,
    form_id: &str,
    pinned: &[(String, i32)],
) -> Result<(), StoreError> {
    for (stimulus_id, version) in pinned {
        form_stimulus::ActiveModel {
            form_id: Set(form_id.to_string()),
            stimulus_id: Set(stimulus_id.clone()),
            version: Set(*version),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The stimulus version a frozen form pinned, if it pinned one.
pub async fn pinned_for_form<C: ConnectionTrait>(
    db: &C,
    form_id: &str,
    stimulus_id: &str,
) -> Result<Option<i32>, StoreError> {
    Ok(crate::by_key(db, form_stimulus::Entity::find_by_id((form_id.to_string(), stimulus_id.to_string())))
        .await?
        .map(|p| p.version))
}
