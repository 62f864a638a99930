//! What a candidate's login reads: the candidates with the number (in one event, or in any),
//! each with their event's duration and Safe Exam Browser settings — one query, one trip to
//! SQLite's thread, where there were two (docs/benchmarks.md, issue 17 stop 19).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryResult, QuerySelect, QueryTrait, RelationDef, Statement, Value,
};

use super::SqlOnce;
use super::entity::{candidate, event};
use super::seb::{SebSettings, entity as seb, keys};

/// A candidate as a login reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginRow {
    pub candidate: candidate::Model,
    /// The event's duration; `None` when the event's row is missing.
    pub duration_seconds: Option<i32>,
    /// The event's SEB settings; `None` when the board never set any.
    pub seb: Option<SebSettings>,
}

// Aliases of the joined columns: apart from every column name of `dl_candidates`.
const DURATION: &str = "login_duration_seconds";
const REQUIRED: &str = "login_seb_required";
const START_URL: &str = "login_seb_start_url";
const QUIT: &str = "login_seb_quit_password_hash";
const CONFIG_KEYS: &str = "login_seb_config_keys";
const EXAM_KEYS: &str = "login_seb_browser_exam_keys";
const UPLOADED: &str = "login_seb_uploaded_config_key";

impl FromQueryResult for LoginRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let candidate = candidate::Model::from_query_result(res, pre)?;
        let duration_seconds: Option<i32> = res.try_get(pre, DURATION)?;
        let required: Option<bool> = res.try_get(pre, REQUIRED)?;
        let seb = match required {
            None => None,
            Some(required) => {
                let config: Option<String> = res.try_get(pre, CONFIG_KEYS)?;
                let exam: Option<String> = res.try_get(pre, EXAM_KEYS)?;
                Some(SebSettings {
                    required,
                    start_url: res.try_get(pre, START_URL)?,
                    quit_password_hash: res.try_get(pre, QUIT)?,
                    config_keys: config.as_deref().map(keys).unwrap_or_default(),
                    browser_exam_keys: exam.as_deref().map(keys).unwrap_or_default(),
                    uploaded_config_key: res.try_get(pre, UPLOADED)?,
                })
            }
        };
        Ok(Self { candidate, duration_seconds, seb })
    }
}

/// The candidates numbered `number` (of `event_id` when given), each with what the login needs
/// of their event.
pub async fn candidates_by_number(
    db: &impl ConnectionTrait,
    event_id: Option<&str>,
    number: &str,
) -> Result<Vec<LoginRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut values = vec![Value::from(number)];
    values.extend(event_id.map(Value::from));
    let sql = login_sql(backend, event_id.is_some());
    LoginRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(db).await
}

/// The login's query as SQL text for `backend` ([`super::SqlOnce`]: building it with sea-query
/// at every login — two joins, the candidate's columns and seven aliases — cost about as much CPU
/// as SQLite's own work for the read). Its values are bound in the filters' order: the number,
/// then the event.
fn login_sql(backend: DbBackend, with_event: bool) -> &'static str {
    static ANY_EVENT: SqlOnce = SqlOnce::new();
    static ONE_EVENT: SqlOnce = SqlOnce::new();
    let (sql, event) = if with_event { (&ONE_EVENT, Some("")) } else { (&ANY_EVENT, None) };
    sql.get(backend, |b| b.build(&login_query(event, "")).sql)
}

/// The login's query for `number` (of `event_id` when given).
fn login_query(event_id: Option<&str>, number: &str) -> sea_orm::sea_query::SelectStatement {
    let of_event: RelationDef = candidate::Entity::belongs_to(event::Entity)
        .from(candidate::Column::EventId)
        .to(event::Column::Id)
        .into();
    let settings: RelationDef =
        event::Entity::belongs_to(seb::Entity).from(event::Column::Id).to(seb::Column::EventId).into();
    let mut q = candidate::Entity::find()
        .join(JoinType::LeftJoin, of_event)
        .join(JoinType::LeftJoin, settings)
        .column_as(event::Column::DurationSeconds, DURATION)
        .column_as(seb::Column::Required, REQUIRED)
        .column_as(seb::Column::StartUrl, START_URL)
        .column_as(seb::Column::QuitPasswordHash, QUIT)
        .column_as(seb::Column::ConfigKeys, CONFIG_KEYS)
        .column_as(seb::Column::BrowserExamKeys, EXAM_KEYS)
        .column_as(seb::Column::UploadedConfigKey, UPLOADED)
        .filter(candidate::Column::Number.eq(number));
    if let Some(e) = event_id {
        q = q.filter(candidate::Column::EventId.eq(e));
    }
    QueryTrait::into_query(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{self, Db, fixtures};

    async fn two_events(dir: &tempfile::TempDir) -> Db {
        let db = fixtures::database(dir).await;
        for (id, minutes) in [("ev1", 90), ("ev2", 60)] {
            fixtures::seat_one(&db, id, minutes * 60).await;
        }
        db
    }

    #[tokio::test]
    async fn one_read_gives_the_candidates_rows_their_events_duration_and_seb_settings() {
        let dir = tempfile::tempdir().unwrap();
        let db = two_events(&dir).await;
        let settings = SebSettings {
            required: true,
            start_url: Some("https://thi.example/".into()),
            quit_password_hash: None,
            config_keys: vec!["ab".repeat(32)],
            browser_exam_keys: vec![],
            uploaded_config_key: None,
        };
        store::seb::put(&db.write, "ev2", &settings).await.unwrap();

        let mut rows = candidates_by_number(&db.read, None, "010001").await.unwrap();
        rows.sort_by(|a, b| a.candidate.event_id.cmp(&b.candidate.event_id));
        assert_eq!(rows.len(), 2);
        for r in &rows {
            // The candidate's columns are the row's, not the joined tables' (both have `id`).
            let stored = store::by_id::<candidate::Entity>(&db.read, r.candidate.id.clone()).await.unwrap();
            assert_eq!(Some(&r.candidate), stored.as_ref());
        }
        assert_eq!((rows[0].duration_seconds, rows[0].seb.as_ref()), (Some(5400), None));
        assert_eq!((rows[1].duration_seconds, rows[1].seb.as_ref()), (Some(3600), Some(&settings)));
        // The same as the two reads it replaces.
        let event = store::event(&db.read, "ev2").await.unwrap().unwrap();
        let stored = store::seb::get(&db.read, "ev2").await.unwrap();
        assert_eq!((Some(event.duration_seconds), stored), (rows[1].duration_seconds, rows[1].seb.clone()));

        let one = candidates_by_number(&db.read, Some("ev2"), "010001").await.unwrap();
        assert_eq!(one, vec![rows[1].clone()]);
        assert!(candidates_by_number(&db.read, Some("ev2"), "010002").await.unwrap().is_empty());
        assert!(candidates_by_number(&db.read, Some("ev3"), "010001").await.unwrap().is_empty());
    }
}
