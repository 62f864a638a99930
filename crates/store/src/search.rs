//! The item list at scale: the filters of [`crate::items::filtered`], free text through an index,
//! keyset paging and counts by status, so a page costs the same at item 100,000 as at item 50.
//!
//! - Free text: each word of the folded query must occur in the folded `search_text` (the
//!   semantics of the old `LIKE '%w%'`). On SQLite the words of three characters or more are one
//!   FTS5 trigram query (migration `bank_m0004_api_search`); a quoted trigram phrase matches the
//!   same substrings `LIKE` did. Shorter words, which no trigram index can serve, stay `LIKE`
//!   filters on the rows the index found. On PostgreSQL `LIKE` itself is served by the GIN
//!   `pg_trgm` index.
//! - Paging: `after` (the last id of the previous page) seeks in the (org, current, id) index; the
//!   old `page`/`per_page` still works as an offset on the same order.
//! - Counts: one grouped count by status over the same filters without the status filter gives
//!   both `status_counts` and the total, through the (org, current, status) index when no other
//!   filter applies; there is no separate `COUNT(*)` per page, and none at all when the caller
//!   does not ask for counts ([`list_counted`]; `counts=false` on the route).

use std::collections::BTreeMap;

use khaothi_domain::text;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::StoreError;
use crate::entity::item_version::{self, Column as Col};
use crate::items::{self, ItemFilter, StoredVersion, Visibility, decode, like_contains, overlay_calibration};

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub enum PageStart<'a> {
    /// Skip this many items (the old `page`/`per_page`).
    Offset(u64),
    /// Start after this item id (keyset paging).
    After(&'a str),
}

#[derive(Debug, Clone)]
pub struct ItemListPage {
    pub items: Vec<StoredVersion>,
    /// Items matching every filter, status included (`None` when counts were not asked for).
    pub total: Option<u64>,
    /// Items matching every filter but the status one, by status (`None`: not asked for).
    pub status_counts: Option<BTreeMap<String, u64>>,
    /// The id to pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<String>,
}

/// One page of the list, its counts and where the next page starts.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    visibility: &Visibility,
    filter: &ItemFilter,
    start: PageStart<'_>,
    limit: u64,
) -> Result<ItemListPage, StoreError> {
    list_counted(db, org_id, visibility, filter, start, limit, true).await
}

/// [`list`], with the counts only when `counts`: the grouped count reads one row per match, which
/// on a word found in half of 100,000 items is most of the call; a page after the first (keyset
/// paging, whose counts the client already has) skips it.
pub async fn list_counted<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    visibility: &Visibility,
    filter: &ItemFilter,
    start: PageStart<'_>,
    limit: u64,
    counts: bool,
) -> Result<ItemListPage, StoreError> {
    let backend = db.get_database_backend();
    let unfiltered_status = ItemFilter { status: None, q: None, ..filter.clone() };
    let base =
        with_text(items::filtered(org_id, visibility, &unfiltered_status), filter.q.as_deref(), backend);
    let (status_counts, total) = if counts {
        let by_status = counts_by_status(db, base.clone()).await?;
        let total = match &filter.status {
            Some(s) => by_status.get(s).copied().unwrap_or(0),
            None => by_status.values().sum(),
        };
        (Some(by_status), Some(total))
    } else {
        (None, None)
    };
    let mut q = base;
    if let Some(s) = &filter.status {
        q = q.filter(Col::Status.eq(s.as_str()));
    }
    q = match start {
        PageStart::Offset(n) => q.order_by_asc(Col::ItemId).offset(n),
        PageStart::After(id) => q.filter(Col::ItemId.gt(id)).order_by_asc(Col::ItemId),
    };
    let mut rows = q.limit(limit + 1).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_after = more.then(|| rows.last().map(|r| r.item_id.clone())).flatten();
    let mut found = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    overlay_calibration(db, &mut found).await?;
    Ok(ItemListPage { items: found, total, status_counts, next_after })
}

/// The free-text condition: every folded word occurs in the folded search text.
fn with_text(
    mut q: Select<item_version::Entity>,
    text: Option<&str>,
    backend: DbBackend,
) -> Select<item_version::Entity> {
    let Some(text) = text else { return q };
    let folded = text::fold_for_search(text);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let indexed: Vec<&str> = words.iter().copied().filter(|w| w.chars().count() >= 3).collect();
    if backend == DbBackend::Sqlite && !indexed.is_empty() {
        q = q.filter(Expr::cust_with_values(
            "item_versions.pk IN (SELECT rowid FROM item_search WHERE item_search MATCH ?)",
            [fts_phrases(&indexed)],
        ));
        for word in words.iter().filter(|w| w.chars().count() < 3) {
            q = q.filter(Col::SearchText.like(like_contains(word)));
        }
    } else {
        for word in words {
            q = q.filter(Col::SearchText.like(like_contains(word)));
        }
    }
    q
}

/// `"w1" AND "w2"`: each word a quoted phrase (quotes doubled), so FTS5 syntax in the query is
/// plain text.
fn fts_phrases(words: &[&str]) -> String {
    words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ")
}

async fn counts_by_status<C: ConnectionTrait>(
    db: &C,
    q: Select<item_version::Entity>,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = q
        .select_only()
        .column(Col::Status)
        .column_as(Col::Pk.count(), "n")
        .group_by(Col::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(s, n)| (s, n.max(0) as u64)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_quoted_phrases() {
        assert_eq!(fts_phrases(&["ham", "so\"x"]), "\"ham\" AND \"so\"\"x\"");
    }
}
