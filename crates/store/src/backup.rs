//! Online backups of an embedded (SQLite) database for `khaothi bank backup` and `khaothi
//! delivery backup`: `VACUUM INTO` copies one consistent snapshot (a read transaction) while the
//! running service goes on writing, so a site can back up in the middle of an exam. PostgreSQL
//! is backed up with its own tools (`pg_dump`, base backups and WAL archiving: docs/operations.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend};
use serde::Serialize;

use crate::StoreError;

/// What a backup wrote; printed as the commands' JSON.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub out: PathBuf,
    pub bytes: u64,
    pub millis: u64,
}

/// Copies the SQLite database at `url` into the new file `out`. The snapshot is written beside
/// `out` under a temporary name and renamed at the end, so `out` is either complete or absent.
pub async fn backup_sqlite(url: &str, out: &Path) -> Result<BackupReport, StoreError> {
    if !url.starts_with("sqlite:") {
        return Err(StoreError::Rule(
            "this database is PostgreSQL: back it up with pg_dump or a base backup (docs/operations.md)"
                .into(),
        ));
    }
    if out.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists; a backup never overwrites a file",
            out.display()
        )));
    }
    let started = Instant::now();
    let read_only = read_only_url(url);
    let mut opts = ConnectOptions::new(read_only);
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).max_connections(1);
    let db = Database::connect(opts).await?;
    debug_assert_eq!(db.get_database_backend(), DbBackend::Sqlite);
    db.execute_unprepared("PRAGMA busy_timeout=10000;").await?;
    let partial = partial_name(out);
    let _ = std::fs::remove_file(&partial);
    let sql = format!("VACUUM INTO '{}'", partial.display().to_string().replace('\'', "''"));
    let copied = db.execute_unprepared(&sql).await;
    db.close().await?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    std::fs::rename(&partial, out).map_err(|e| StoreError::Rule(format!("{}: {e}", out.display())))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { out: out.to_path_buf(), bytes, millis: started.elapsed().as_millis() as u64 })
}

/// The same file opened read-only: a backup never creates a missing database or changes one.
fn read_only_url(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    format!("{base}?mode=ro")
}

fn partial_name(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_backup_is_a_complete_copy_taken_while_writers_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::sqlite_url(&dir.path().join("live.db"));
        let db = crate::connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE answers (n INTEGER PRIMARY KEY)").await.unwrap();
        db.execute_unprepared("INSERT INTO answers (n) VALUES (1), (2), (3)").await.unwrap();
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                for n in 4..400 {
                    db.execute_unprepared(&format!("INSERT INTO answers (n) VALUES ({n})")).await.unwrap();
                }
            })
        };
        let out = dir.path().join("copy.db");
        let report = backup_sqlite(&url, &out).await.unwrap();
        writer.await.unwrap();
        assert!(report.bytes > 0 && out.exists() && !partial_name(&out).exists());
        let copy = crate::connect(&crate::sqlite_url(&out)).await.unwrap();
        let rows = copy
            .query_all_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "SELECT n FROM answers ORDER BY n",
            ))
            .await
            .unwrap();
        let ns: Vec<i64> = rows.iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
        // A snapshot: the rows committed before it, in order, without a gap.
        assert!(ns.len() >= 3);
        assert_eq!(ns, (1..=ns.len() as i64).collect::<Vec<_>>());

        let again = backup_sqlite(&url, &out).await.unwrap_err();
        assert!(again.to_string().contains("never overwrites"), "{again}");
        let missing = crate::sqlite_url(&dir.path().join("absent.db"));
        assert!(backup_sqlite(&missing, &dir.path().join("x.db")).await.is_err());
        assert!(!dir.path().join("absent.db").exists(), "a backup never creates the database");
        let pg = backup_sqlite("postgres://u@h/db", &dir.path().join("y.db")).await.unwrap_err();
        assert!(pg.to_string().contains("pg_dump"), "{pg}");
    }
}
