//! Full-text item search at scale (issue 12): the list's `q=` matched through an index instead of
//! `LIKE '%word%'` over every row.
//!
//! - SQLite: an FTS5 table with the trigram tokenizer over `item_versions.search_text` (the
//!   diacritic- and case-folded text the search has always matched), an external-content table
//!   kept in step by triggers on every insert, update and delete, so imports and edits need no
//!   extra write. A quoted trigram phrase matches exactly the substrings `LIKE '%w%'` matched.
//! - PostgreSQL: `pg_trgm` and a GIN trigram index on the same column, which `LIKE '%w%'` uses.
//! - Both: an index in list order (org, current, id) for keyset paging, and one holding every
//!   filter column so the counts by status never read the rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE item_search USING fts5(search_text, content='item_versions', \
     content_rowid='pk', tokenize='trigram')",
    "INSERT INTO item_search(rowid, search_text) SELECT pk, search_text FROM item_versions",
    "CREATE TRIGGER item_search_insert AFTER INSERT ON item_versions BEGIN \
     INSERT INTO item_search(rowid, search_text) VALUES (new.pk, new.search_text); END",
    "CREATE TRIGGER item_search_delete AFTER DELETE ON item_versions BEGIN \
     INSERT INTO item_search(item_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text); END",
    "CREATE TRIGGER item_search_update AFTER UPDATE OF search_text ON item_versions BEGIN \
     INSERT INTO item_search(item_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text); \
     INSERT INTO item_search(rowid, search_text) VALUES (new.pk, new.search_text); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS item_search_update",
    "DROP TRIGGER IF EXISTS item_search_delete",
    "DROP TRIGGER IF EXISTS item_search_insert",
    "DROP TABLE IF EXISTS item_search",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX item_versions_search_trgm ON item_versions USING gin (search_text gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS item_versions_search_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let statements = match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Sqlite => SQLITE_UP,
            sea_orm_migration::sea_orm::DbBackend::Postgres => POSTGRES_UP,
            _ => &[],
        };
        for sql in statements {
            m.get_connection().execute_unprepared(sql).await?;
        }
        m.create_index(
            Index::create()
                .name("item_versions_list")
                .table("item_versions")
                .col("org_id")
                .col("is_current")
                .col("item_id")
                .to_owned(),
        )
        .await?;
        // Status first, then every filter column and the visibility ones: `GROUP BY status` walks
        // this index in order and tests the other filters inside it, never reading the rows
        // (whose content column is most of the table). A narrower (org, current, status) index
        // made SQLite read every row for the other filters (measured: 160 ms at 100k items).
        m.create_index(
            Index::create()
                .name("item_versions_facets")
                .table("item_versions")
                .col("org_id")
                .col("is_current")
                .col("status")
                .col("subject")
                .col("level")
                .col("kind")
                .col("topic")
                .col("grade")
                .col("created_by")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("item_versions_facets").table("item_versions").to_owned()).await?;
        m.drop_index(Index::drop().name("item_versions_list").table("item_versions").to_owned()).await?;
        let statements = match m.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Sqlite => SQLITE_DOWN,
            sea_orm_migration::sea_orm::DbBackend::Postgres => POSTGRES_DOWN,
            _ => &[],
        };
        for sql in statements {
            m.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
