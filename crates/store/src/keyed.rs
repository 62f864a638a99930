//! Reads of one row by its key, for both services (the bank's store and delivery's storage).
//!
//! Not sea-orm's `.one()`: it binds `LIMIT ?`, and SQLite marks a statement whose `LIMIT` is a
//! bound parameter to be compiled again whenever that parameter is bound again (it plans with the
//! value; `sqlite3ExprIsInteger` → `sqlite3VdbeSetVarmask`; sqlx clears the bindings after each
//! use), so each `.one()` parsed and planned its SQL anew although sqlx keeps the statement:
//! `sqlite3Reprepare` was 13 % of the delivery server's CPU while 10,000 candidates logged in
//! (docs/benchmarks.md, issue 17). A key names at most one row, so no `LIMIT` is needed and the
//! cached statement is reused as it is.
//!
//! `.one()` stays where a query can match several rows and the first is meant (`ORDER BY … LIMIT
//! 1`): there the `LIMIT` is the point.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, Select};

/// The row with this primary key, read without `LIMIT`.
pub async fn by_id<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) -> Result<Option<E::Model>, DbErr> {
    by_key(db, E::find_by_id(id)).await
}

/// The row a query by key returns — a primary key or a unique index, possibly narrowed further
/// (`find_by_id(id).filter(org)`) — read without `LIMIT`. The query must name at most one row;
/// a query that can match several and means the first keeps `.one()`.
pub async fn by_key<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
) -> Result<Option<E::Model>, DbErr> {
    let mut rows = query.all(db).await?;
    debug_assert!(rows.len() <= 1, "a read by key matched {} rows", rows.len());
    Ok(rows.pop())
}

#[cfg(test)]
mod tests {
    use super::{by_id, by_key};
    use crate::entity::{organisation, user};
    use crate::users::{self, NewUser};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    async fn bank() -> sea_orm::DatabaseConnection {
        let db = crate::connect("sqlite::memory:").await.unwrap();
        crate::migrate_bank(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn by_id_finds_the_row_and_nothing_for_an_unknown_key() {
        let db = bank().await;
        users::ensure_org(&db, "so-hn", "Sở GD&ĐT Hà Nội").await.unwrap();
        let org = by_id::<organisation::Entity>(&db, "so-hn".to_string()).await.unwrap().unwrap();
        assert_eq!((org.id.as_str(), org.name.as_str()), ("so-hn", "Sở GD&ĐT Hà Nội"));
        assert_eq!(by_id::<organisation::Entity>(&db, "so-x".to_string()).await.unwrap(), None);
        // The same statement again (sqlx's cache) answers the same.
        let again = by_id::<organisation::Entity>(&db, "so-hn".to_string()).await.unwrap();
        assert_eq!(again.as_ref(), Some(&org));
    }

    #[tokio::test]
    async fn by_key_honours_the_filters_beside_the_key() {
        let db = bank().await;
        users::ensure_org(&db, "so-hn", "Sở Hà Nội").await.unwrap();
        let new = NewUser {
            username: "gv01",
            display_name: "Giáo viên",
            role: "item_writer",
            password_hash: "x",
            org_id: "so-hn",
        };
        let u = users::create(&db, new).await.unwrap();
        let in_org = |org: &str| user::Entity::find_by_id(u.id.clone()).filter(user::Column::OrgId.eq(org));
        assert_eq!(by_key(&db, in_org("so-hn")).await.unwrap().map(|r| r.username), Some("gv01".into()));
        assert_eq!(by_key(&db, in_org(crate::DEFAULT_ORG)).await.unwrap(), None);
        let by_name = user::Entity::find().filter(user::Column::Username.eq("gv01"));
        assert_eq!(by_key(&db, by_name).await.unwrap().map(|r| r.id), Some(u.id));
    }
}
