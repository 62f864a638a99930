//! Items and their versions. Every edit is a new version; old versions stay readable because forms
//! pin them. The list and search queries run over the current version of each item.

use khaothi_domain::{Item, ItemBody, ItemRecord, ReviewAction, ReviewStatus, text};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use serde::Serialize;

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{item, item_version, review_event};

/// One stored version of an item, decoded.
#[derive(Debug, Clone, Serialize)]
pub struct StoredVersion {
    pub item: Item,
    pub version: i32,
    pub is_current: bool,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Replaces each version's `irt` with the parameters of its latest calibration run, if any.
pub(crate) async fn overlay_calibration<C: ConnectionTrait>(
    db: &C,
    versions: &mut [StoredVersion],
) -> Result<(), StoreError> {
    if versions.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = versions.iter().map(|v| v.item.id.clone()).collect();
    let latest = crate::calibration::latest_params(db, &ids).await?;
    for v in versions.iter_mut() {
        if let Some(params) = latest.get(&(v.item.id.clone(), v.version)) {
            v.item.irt = Some(params.clone());
        }
    }
    Ok(())
}

pub(crate) fn decode(row: item_version::Model) -> Result<StoredVersion, StoreError> {
    let record: ItemRecord = serde_json::from_str(&row.content)
        .map_err(|e| StoreError::Corrupt(format!("item {} v{}: {e}", row.item_id, row.version)))?;
    let status = ReviewStatus::parse(&row.status)
        .ok_or_else(|| StoreError::Corrupt(format!("item {} has status {}", row.item_id, row.status)))?;
    let (mut item, _) = record
        .into_item()
        .map_err(|e| StoreError::Corrupt(format!("item {} v{}: {e}", row.item_id, row.version)))?;
    item.status = status;
    Ok(StoredVersion {
        item,
        version: row.version,
        is_current: row.is_current,
        created_by: row.created_by,
        created_at: row.created_at,
        review_comment: row.review_comment,
        reviewed_by: row.reviewed_by,
        reviewed_at: row.reviewed_at,
    })
}

/// The folded text search runs over: id, stem, options, statements.
fn search_text(item: &Item) -> String {
    let mut s = format!("{} {}", item.id, item.stem);
    match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            options.iter().for_each(|o| {
                s.push(' ');
                s.push_str(o);
            })
        }
        ItemBody::TrueFalseGroup { statements, .. } => statements.iter().for_each(|st| {
            s.push(' ');
            s.push_str(&st.text);
        }),
        ItemBody::ShortAnswer { .. } => {}
    }
    text::fold_for_search(&s)
}

fn version_row(org_id: &str, item: &Item, version: i32, actor: &str) -> item_version::ActiveModel {
    item_version::ActiveModel {
        item_id: Set(item.id.clone()),
        version: Set(version),
        org_id: Set(org_id.to_string()),
        is_current: Set(true),
        subject: Set(item.subject.clone()),
        grade: Set(item.grade as i32),
        topic: Set(item.topic.clone()),
        level: Set(item.level.as_str().to_string()),
        kind: Set(item.kind().as_str().to_string()),
        status: Set(item.status.as_str().to_string()),
        stimulus_id: Set(item.stimulus.clone()),
        content: Set(serde_json::to_string(&ItemRecord::from_item(item)).expect("records serialise")),
        search_text: Set(search_text(item)),
        created_by: Set(actor.to_string()),
        created_at: Set(crate::now()),
        review_comment: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        ..Default::default()
    }
}

/// Creates version 1 of a new item. The caller runs this in a transaction with its audit entry.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    item: &Item,
) -> Result<StoredVersion, StoreError> {
    if crate::by_key(db, item::Entity::find_by_id(item.id.clone())).await?.is_some() {
        return Err(StoreError::Conflict(format!("an item with id \"{}\" already exists", item.id)));
    }
    let now = crate::now();
    item::ActiveModel {
        id: Set(item.id.clone()),
        org_id: Set(actor.org_id.clone()),
        current_version: Set(1),
        created_by: Set(actor.username.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let row = version_row(&actor.org_id, item, 1, &actor.username).insert(db).await?;
    decode(row)
}

/// Stores an edit as a new version. `expected_version` (from the editor's copy) guards against
/// overwriting someone else's edit made in between.
pub async fn new_version<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    item: &Item,
    expected_version: Option<i32>,
) -> Result<StoredVersion, StoreError> {
    let head = crate::by_key(
        db,
        item::Entity::find_by_id(item.id.clone()).filter(item::Column::OrgId.eq(actor.org_id.as_str())),
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no item with id {}", item.id)))?;
    if let Some(expected) = expected_version
        && expected != head.current_version
    {
        return Err(StoreError::Conflict(format!(
            "item {} is at version {}, the edit was made on version {expected}; reload and edit again",
            item.id, head.current_version
        )));
    }
    let next = head.current_version + 1;
    item_version::Entity::update_many()
        .col_expr(item_version::Column::IsCurrent, Expr::value(false))
        .filter(item_version::Column::ItemId.eq(item.id.as_str()))
        .exec(db)
        .await?;
    let row = version_row(&actor.org_id, item, next, &actor.username).insert(db).await?;
    let mut am: item::ActiveModel = head.into();
    am.current_version = Set(next);
    am.updated_at = Set(crate::now());
    am.update(db).await?;
    decode(row)
}

/// One version, or the current one when `version` is `None`.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
    version: Option<i32>,
) -> Result<StoredVersion, StoreError> {
    let mut q = item_version::Entity::find()
        .filter(item_version::Column::OrgId.eq(org_id))
        .filter(item_version::Column::ItemId.eq(id));
    q = match version {
        Some(v) => q.filter(item_version::Column::Version.eq(v)),
        None => q.filter(item_version::Column::IsCurrent.eq(true)),
    };
    let row = crate::by_key(db, q).await?.ok_or_else(|| match version {
        Some(v) => StoreError::NotFound(format!("item {id} has no version {v}")),
        None => StoreError::NotFound(format!("no item with id {id}")),
    })?;
    let mut v = [decode(row)?];
    overlay_calibration(db, &mut v).await?;
    let [v] = v;
    Ok(v)
}

pub async fn history<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
) -> Result<Vec<StoredVersion>, StoreError> {
    let rows = item_version::Entity::find()
        .filter(item_version::Column::OrgId.eq(org_id))
        .filter(item_version::Column::ItemId.eq(id))
        .order_by_asc(item_version::Column::Version)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Err(StoreError::NotFound(format!("no item with id {id}")));
    }
    let mut versions = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    overlay_calibration(db, &mut versions).await?;
    Ok(versions)
}

/// Which items a role may list (DESIGN §8).
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    /// Writers: their own items in any status, and everyone's approved items (shown without keys).
    Writer {
        username: String,
    },
    /// Writers in an organisation that closed its bank: their own items only (issue 16, finding 12).
    OwnOnly {
        username: String,
    },
    /// Reviewers: everything that has left draft.
    Reviewer,
    /// The exam board: approved (and retired, for history) items.
    Board,
}

impl Visibility {
    /// The rows of `item_versions` this visibility lets through, for any query over current versions.
    pub fn condition(&self) -> Condition {
        use item_version::Column as C;
        match self {
            Visibility::All => Condition::all(),
            Visibility::Writer { username } => {
                Condition::any().add(C::CreatedBy.eq(username.as_str())).add(C::Status.eq("approved"))
            }
            Visibility::OwnOnly { username } => Condition::all().add(C::CreatedBy.eq(username.as_str())),
            Visibility::Reviewer => Condition::all().add(C::Status.ne("draft")),
            Visibility::Board => Condition::all().add(C::Status.is_in(["approved", "retired"])),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub subject: Option<String>,
    pub grade: Option<i32>,
    pub topic_prefix: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub stimulus: Option<String>,
    /// Free text; matched without diacritics or case, every word must occur.
    pub q: Option<String>,
}

/// Escapes LIKE wildcards so a search for `50%` or `a_b` is plain text.
fn escape_like(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

pub(crate) fn like_contains(word: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", escape_like(word))).escape('\\')
}

/// The current versions the user may see that pass the filter (`q` by `LIKE`; the list's indexed
/// search in [`crate::search`] leaves `q` out here and matches it through the index).
pub(crate) fn filtered(
    org_id: &str,
    visibility: &Visibility,
    filter: &ItemFilter,
) -> Select<item_version::Entity> {
    use item_version::Column as C;
    let mut q = item_version::Entity::find().filter(C::OrgId.eq(org_id)).filter(C::IsCurrent.eq(true));
    q = q.filter(visibility.condition());
    if let Some(s) = &filter.subject {
        q = q.filter(C::Subject.eq(s.as_str()));
    }
    if let Some(g) = filter.grade {
        q = q.filter(C::Grade.eq(g));
    }
    if let Some(p) = &filter.topic_prefix {
        let p = p.trim_end_matches('.');
        q = q.filter(Condition::any().add(C::Topic.eq(p)).add(C::Topic.like(like_prefix(p))));
    }
    if let Some(l) = &filter.level {
        q = q.filter(C::Level.eq(l.as_str()));
    }
    if let Some(k) = &filter.kind {
        q = q.filter(C::Kind.eq(k.as_str()));
    }
    if let Some(s) = &filter.status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    if let Some(s) = &filter.stimulus {
        q = q.filter(C::StimulusId.eq(s.as_str()));
    }
    if let Some(text) = &filter.q {
        for word in text::fold_for_search(text).split_whitespace() {
            q = q.filter(C::SearchText.like(like_contains(word)));
        }
    }
    q
}

/// A page of [`filtered`] in id order, and the total, by `LIKE` and `COUNT`: the export's and the
/// assembler's full reads use it; the item list uses [`crate::search::list`].
pub async fn search<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    visibility: &Visibility,
    filter: &ItemFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<StoredVersion>, u64), StoreError> {
    use item_version::Column as C;
    let q = filtered(org_id, visibility, filter);
    let total = q.clone().count(db).await?;
    let rows = q.order_by_asc(C::ItemId).offset(offset).limit(limit).all(db).await?;
    let mut items = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    overlay_calibration(db, &mut items).await?;
    Ok((items, total))
}

fn like_prefix(prefix: &str) -> LikeExpr {
    LikeExpr::new(format!("{}.%", escape_like(prefix))).escape('\\')
}

/// Every current version (for export), in id order.
pub async fn all_current<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    visibility: &Visibility,
    filter: &ItemFilter,
) -> Result<Vec<StoredVersion>, StoreError> {
    Ok(search(db, org_id, visibility, filter, 0, u64::MAX >> 1).await?.0)
}

/// Applies a review action to one version and records it. The rules: writers submit their own
/// items; a reviewer may not approve or reject an item they wrote (four eyes).
pub async fn review<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    version: Option<i32>,
    action: ReviewAction,
    comment: Option<String>,
) -> Result<StoredVersion, StoreError> {
    let mut q = item_version::Entity::find()
        .filter(item_version::Column::OrgId.eq(actor.org_id.as_str()))
        .filter(item_version::Column::ItemId.eq(id));
    q = match version {
        Some(v) => q.filter(item_version::Column::Version.eq(v)),
        None => q.filter(item_version::Column::IsCurrent.eq(true)),
    };
    let row =
        crate::by_key(db, q).await?.ok_or_else(|| StoreError::NotFound(format!("no item with id {id}")))?;
    let from = ReviewStatus::parse(&row.status)
        .ok_or_else(|| StoreError::Corrupt(format!("item {id} has status {}", row.status)))?;
    let to =
        from.apply(action).map_err(|e| StoreError::Conflict(format!("item {id} v{}: {e}", row.version)))?;
    if matches!(action, ReviewAction::Approve | ReviewAction::Reject) && row.created_by == actor.username {
        return Err(StoreError::Rule(format!(
            "you wrote item {id} v{}; another reviewer must {} it",
            row.version,
            action.as_str()
        )));
    }
    if action == ReviewAction::Reject && comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
        return Err(StoreError::Rule("a rejection needs a comment telling the writer what to fix".into()));
    }
    review_event::ActiveModel {
        item_id: Set(id.to_string()),
        version: Set(row.version),
        action: Set(action.as_str().to_string()),
        from_status: Set(from.as_str().to_string()),
        to_status: Set(to.as_str().to_string()),
        comment: Set(comment.clone()),
        actor: Set(actor.username.clone()),
        at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut am: item_version::ActiveModel = row.into();
    am.status = Set(to.as_str().to_string());
    if matches!(action, ReviewAction::Approve | ReviewAction::Reject | ReviewAction::Retire) {
        am.review_comment = Set(comment);
        am.reviewed_by = Set(Some(actor.username.clone()));
        am.reviewed_at = Set(Some(crate::now()));
    }
    decode(am.update(db).await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewEvent {
    pub version: i32,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub comment: Option<String>,
    pub actor: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn review_history<C: ConnectionTrait>(db: &C, id: &str) -> Result<Vec<ReviewEvent>, StoreError> {
    Ok(review_event::Entity::find()
        .filter(review_event::Column::ItemId.eq(id))
        .order_by_asc(review_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ReviewEvent {
            version: e.version,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            comment: e.comment,
            actor: e.actor,
            at: e.at,
        })
        .collect())
}

/// Ids among `ids` that exist in the organisation (for enemy and stimulus checks on import).
pub async fn existing_ids<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        let rows = item::Entity::find()
            .filter(item::Column::OrgId.eq(org_id))
            .filter(item::Column::Id.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(found)
}

/// The head row of an item: who created it and its current version number.
pub async fn head<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    id: &str,
) -> Result<Option<(String, i32)>, StoreError> {
    Ok(crate::by_key(db, item::Entity::find_by_id(id.to_string()).filter(item::Column::OrgId.eq(org_id)))
        .await?
        .map(|h| (h.created_by, h.current_version)))
}
