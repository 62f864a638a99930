//! The exam-day control room's storage (issue 18 §2): the delivery sites' reports (verified by the
//! caller with `khaothi-package`), the newest one per site and node with its replay counter, and
//! the board's unlock schedule.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::StoreError;
use crate::audit::Actor;
use crate::entity::{control_room_schedule, site_report, site_report_latest};

pub use control_room_schedule::Model as Scheduled;
pub use site_report::Model as StoredReport;
pub use site_report_latest::Model as LatestReport;

/// A verified report, to store.
pub struct Incoming<'a> {
    pub org_id: &'a str,
    pub site_id: &'a str,
    pub node: &'a str,
    pub counter: i64,
    pub sent_at: &'a str,
    pub report: &'a str,
    pub responses_length: i64,
    pub received_at: DateTime<Utc>,
}

/// Stores a report if its counter is above the last one accepted from its site and node; a
/// replayed or older report is a [`StoreError::Conflict`] naming both counters. The check and the
/// move of the counter are one conditional write (and the first statement writes, so SQLite takes
/// its write lock at once instead of upgrading a read lock under contention), so two copies of a
/// report sent at once cannot both pass. Run it in a transaction (the newest report and the
/// history move together).
pub async fn accept<C: ConnectionTrait>(db: &C, r: Incoming<'_>) -> Result<(), StoreError> {
    use site_report_latest::Column as L;
    // The progress time moves only when the response chain grew (SET sees the row's old values).
    let grew = ExprTrait::ne(Expr::col(L::ResponsesLength), r.responses_length);
    let progress: Expr = Expr::case(grew, Expr::val(r.received_at)).finally(Expr::col(L::ProgressAt)).into();
    let moved = site_report_latest::Entity::update_many()
        .col_expr(L::Counter, Expr::value(r.counter))
        .col_expr(L::ReceivedAt, Expr::value(r.received_at))
        .col_expr(L::Report, Expr::value(r.report))
        .col_expr(L::ProgressAt, progress)
        .col_expr(L::ResponsesLength, Expr::value(r.responses_length))
        .filter(L::SiteId.eq(r.site_id))
        .filter(L::Node.eq(r.node))
        .filter(L::Counter.lt(r.counter))
        .exec(db)
        .await?
        .rows_affected;
    if moved == 0 {
        // No row yet (the node's first report), or a counter not above the stored one.
        let row = site_report_latest::ActiveModel {
            site_id: Set(r.site_id.to_string()),
            node: Set(r.node.to_string()),
            org_id: Set(r.org_id.to_string()),
            counter: Set(r.counter),
            received_at: Set(r.received_at),
            report: Set(r.report.to_string()),
            responses_length: Set(r.responses_length),
            progress_at: Set(r.received_at),
        };
        let inserted = site_report_latest::Entity::insert(row)
            .on_conflict(OnConflict::columns([L::SiteId, L::Node]).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
        if inserted == 0 {
            let last = crate::by_key(
                db,
                site_report_latest::Entity::find_by_id((r.site_id.to_string(), r.node.to_string())),
            )
            .await?
            .map_or(r.counter, |l| l.counter);
            return Err(StoreError::Conflict(format!(
                "report counter {} is not above {last}, the last one accepted from this site's node \"{}\": a replayed or older report",
                r.counter, r.node
            )));
        }
    }
    site_report::ActiveModel {
        id: Set(format!("REP-{}", uuid::Uuid::now_v7().simple())),
        org_id: Set(r.org_id.to_string()),
        site_id: Set(r.site_id.to_string()),
        node: Set(r.node.to_string()),
        counter: Set(r.counter),
        sent_at: Set(r.sent_at.to_string()),
        received_at: Set(r.received_at),
        report: Set(r.report.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest report of every node of every site of the organisation.
pub async fn latest<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<LatestReport>, StoreError> {
    Ok(site_report_latest::Entity::find()
        .filter(site_report_latest::Column::OrgId.eq(org))
        .order_by_asc(site_report_latest::Column::SiteId)
        .order_by_asc(site_report_latest::Column::Node)
        .all(db)
        .await?)
}

/// A site's kept reports received since `since`, newest first, at most `limit`.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    org: &str,
    site_id: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<StoredReport>, StoreError> {
    Ok(site_report::Entity::find()
        .filter(site_report::Column::OrgId.eq(org))
        .filter(site_report::Column::SiteId.eq(site_id))
        .filter(site_report::Column::ReceivedAt.gte(since))
        .order_by_desc(site_report::Column::ReceivedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Deletes the reports received before `before` (the newest report of each node stays, in
/// `site_report_latest`); returns how many went.
pub async fn purge<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(site_report::Entity::delete_many()
        .filter(site_report::Column::ReceivedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sets (or moves) when an event's content should be unlocked at every site.
pub async fn set_unlock_by<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    event_id: &str,
    unlock_by: DateTime<Utc>,
) -> Result<Scheduled, StoreError> {
    let row = control_room_schedule::ActiveModel {
        org_id: Set(actor.org_id.clone()),
        event_id: Set(event_id.to_string()),
        unlock_by: Set(unlock_by),
        set_by: Set(actor.username.clone()),
        set_at: Set(crate::now()),
    };
    use control_room_schedule::Column as S;
    control_room_schedule::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([S::OrgId, S::EventId])
                .update_columns([S::UnlockBy, S::SetBy, S::SetAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    crate::by_key(db, control_room_schedule::Entity::find_by_id((actor.org_id.clone(), event_id.to_string())))
        .await?
        .ok_or_else(|| StoreError::Corrupt("the schedule row just written is missing".into()))
}

/// The organisation's schedule, by unlock time.
pub async fn schedule<C: ConnectionTrait>(db: &C, org: &str) -> Result<Vec<Scheduled>, StoreError> {
    Ok(control_room_schedule::Entity::find()
        .filter(control_room_schedule::Column::OrgId.eq(org))
        .order_by_asc(control_room_schedule::Column::UnlockBy)
        .all(db)
        .await?)
}

/// Removes an event from the schedule; false when it was not there.
pub async fn unschedule<C: ConnectionTrait>(db: &C, org: &str, event_id: &str) -> Result<bool, StoreError> {
    Ok(control_room_schedule::Entity::delete_by_id((org.to_string(), event_id.to_string()))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming<'a>(counter: i64, length: i64, at: DateTime<Utc>) -> Incoming<'a> {
        Incoming {
            org_id: crate::DEFAULT_ORG,
            site_id: "SITE-1",
            node: "main",
            counter,
            sent_at: "2026-06-27T07:00:00Z",
            report: "{}",
            responses_length: length,
            received_at: at,
        }
    }

    #[tokio::test]
    async fn counters_only_grow_progress_is_tracked_and_old_reports_are_purged() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::connect(&crate::sqlite_url(&dir.path().join("bank.db"))).await.unwrap();
        crate::migrate_bank(&db).await.unwrap();
        let t0 = Utc::now() - chrono::Duration::hours(5);
        let at = |m: i64| t0 + chrono::Duration::minutes(m);
        accept(&db, incoming(10, 100, at(0))).await.unwrap();
        for (c, len, m) in [(10, 100, 1), (9, 100, 1)] {
            let e = accept(&db, incoming(c, len, at(m))).await.unwrap_err();
            assert!(matches!(&e, StoreError::Conflict(m) if m.contains("replayed")), "{e}");
        }
        accept(&db, incoming(11, 100, at(2))).await.unwrap();
        let l = &latest(&db, crate::DEFAULT_ORG).await.unwrap()[0];
        assert_eq!((l.counter, l.progress_at), (11, at(0)), "the chain did not grow: progress stays");
        accept(&db, incoming(12, 130, at(4 * 60))).await.unwrap();
        let l = &latest(&db, crate::DEFAULT_ORG).await.unwrap()[0];
        assert_eq!((l.counter, l.progress_at, l.responses_length), (12, at(4 * 60), 130));
        // Another node of the site keeps its own counter.
        let mut other = incoming(1, 0, at(4 * 60));
        other.node = "node-2";
        accept(&db, other).await.unwrap();
        assert_eq!(latest(&db, crate::DEFAULT_ORG).await.unwrap().len(), 2);
        let all =
            history(&db, crate::DEFAULT_ORG, "SITE-1", t0 - chrono::Duration::hours(1), 100).await.unwrap();
        assert_eq!(all.len(), 4);
        // Retention: the two reports older than two hours go; the newest of each node stays.
        assert_eq!(purge(&db, Utc::now() - chrono::Duration::hours(2)).await.unwrap(), 2);
        assert_eq!(history(&db, crate::DEFAULT_ORG, "SITE-1", t0, 100).await.unwrap().len(), 2);
        assert_eq!(latest(&db, crate::DEFAULT_ORG).await.unwrap().len(), 2);
    }
}
