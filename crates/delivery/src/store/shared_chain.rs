//! The hash chains when several nodes write one database (issue 18 §1): one chain per table
//! through the database rather than one per node. Each writer's transaction takes a
//! transaction-scoped advisory lock first and links from the heads as stored, so commits of
//! different nodes link one after the other, and a node that died mid-commit leaves nothing (its
//! transaction rolled back, the lock released). Result files and `verify-chains` keep their one
//! chain per table. The price: group commits of different nodes serialise on the lock (measured
//! in docs/benchmarks.md).

use sea_orm::{ConnectionTrait, DbErr};

use super::chains::stored_head;
use crate::chain::{Chain, Heads};

/// The advisory lock key of the chains ("chain" in ASCII).
pub const CHAIN_LOCK: i64 = 0x63_6861_696e;

/// Inside a writer's transaction: waits for the chains, then the heads as stored.
pub async fn lock_heads(txn: &impl ConnectionTrait) -> Result<Heads, DbErr> {
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})")).await?;
    stored_heads(txn).await
}

/// The heads as committed (every row up to them is in the database, whichever node wrote it).
pub async fn stored_heads(db: &impl ConnectionTrait) -> Result<Heads, DbErr> {
    Ok(Heads {
        responses: stored_head(db, Chain::Responses).await?,
        audit: stored_head(db, Chain::Audit).await?,
    })
}
