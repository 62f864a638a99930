//! The hash chains in storage: the heads the writer starts from, the one-time linking of rows
//! written before the chains existed, and [`verify_chain`], which walks a chain and names the
//! first broken row.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::entity::{audit_log, response};
use crate::chain::{Chain, Head, Heads, audit_bytes, link_hash, response_bytes};

/// Rows read per query while verifying.
const PAGE: u64 = 5000;

/// The heads of both chains as stored (the last row of each), after linking any rows written
/// before the chains existed.
pub async fn load_heads(db: &impl ConnectionTrait) -> Result<Heads, DbErr> {
    let mut heads = Heads {
        responses: stored_head(db, Chain::Responses).await?,
        audit: stored_head(db, Chain::Audit).await?,
    };
    if heads.responses.length == 0 {
        link_unchained_responses(db, &mut heads.responses).await?;
    }
    if heads.audit.length == 0 {
        link_unchained_audit(db, &mut heads.audit).await?;
    }
    Ok(heads)
}

pub(super) async fn stored_head(db: &impl ConnectionTrait, chain: Chain) -> Result<Head, DbErr> {
    let last = match chain {
        Chain::Responses => response::Entity::find()
            .order_by_desc(response::Column::ChainSeq)
            .one(db)
            .await?
            .map(|r| (r.chain_seq, r.hash)),
        Chain::Audit => audit_log::Entity::find()
            .order_by_desc(audit_log::Column::ChainSeq)
            .one(db)
            .await?
            .map(|r| (r.chain_seq, r.hash)),
    };
    match last {
        Some((seq, hash)) if seq > 0 => {
            let mut h = [0u8; 32];
            hex::decode_to_slice(&hash, &mut h).map_err(|_| {
                DbErr::Custom(format!(
                    "the {} chain's last row (chain_seq {seq}) has an unreadable hash; run `khaothi delivery verify-chains`",
                    chain.name()
                ))
            })?;
            Ok(Head { length: seq as u64, hash: h })
        }
        _ => Ok(Head::EMPTY),
    }
}

/// Rows from before the chains (chain_seq 0) are linked once, in the order they were written,
/// and only while the chain is empty: a row that appears later without a link stays unlinked and
/// the verifier reports it.
async fn link_unchained_responses(db: &impl ConnectionTrait, head: &mut Head) -> Result<(), DbErr> {
    let rows = response::Entity::find()
        .filter(response::Column::ChainSeq.eq(0))
        .order_by_asc(response::Column::ReceivedAt)
        .order_by_asc(response::Column::CandidateId)
        .order_by_asc(response::Column::Epoch)
        .order_by_asc(response::Column::Seq)
        .all(db)
        .await?;
    for r in rows {
        let bytes = response_bytes(
            head.length as i64 + 1,
            &r.candidate_id,
            r.epoch,
            r.seq,
            &r.item_id,
            &r.value,
            r.received_at,
        );
        let link = head.append(&bytes);
        let mut am = r.into_active_model();
        am.chain_seq = Set(link.chain_seq);
        am.prev_hash = Set(link.prev_hash);
        am.hash = Set(link.hash);
        am.update(db).await?;
    }
    Ok(())
}

async fn link_unchained_audit(db: &impl ConnectionTrait, head: &mut Head) -> Result<(), DbErr> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.eq(0))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    for r in rows {
        let bytes =
            audit_bytes(head.length as i64 + 1, r.event_id.as_deref(), &r.actor, &r.action, &r.detail, r.at);
        let link = head.append(&bytes);
        let mut am = r.into_active_model();
        am.chain_seq = Set(link.chain_seq);
        am.prev_hash = Set(link.prev_hash);
        am.hash = Set(link.hash);
        am.update(db).await?;
    }
    Ok(())
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainReport {
    pub chain: &'static str,
    pub ok: bool,
    /// Rows verified in order from the first (all of them when `ok`).
    pub length: u64,
    /// Hash of the last verified row (hex).
    pub head: String,
    /// The first problem found, if any.
    pub broken: Option<ChainBreak>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainBreak {
    /// The chain position where the problem is.
    pub chain_seq: i64,
    /// The row in the table's own terms (audit id, or candidate/epoch/seq of a response).
    pub row: Option<String>,
    pub problem: String,
}

/// One stored row as the verifier sees it.
struct Row {
    chain_seq: i64,
    label: String,
    prev_hash: String,
    hash: String,
    canonical: Vec<u8>,
}

async fn page(db: &impl ConnectionTrait, chain: Chain, after: i64) -> Result<Vec<Row>, DbErr> {
    match chain {
        Chain::Responses => {
            rows_after::<response::Entity>(db, response::Column::ChainSeq, after, |r: response::Model| Row {
                canonical: response_bytes(
                    r.chain_seq,
                    &r.candidate_id,
                    r.epoch,
                    r.seq,
                    &r.item_id,
                    &r.value,
                    r.received_at,
                ),
                label: format!("response of candidate {} epoch {} seq {}", r.candidate_id, r.epoch, r.seq),
                chain_seq: r.chain_seq,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .await
        }
        Chain::Audit => {
            rows_after::<audit_log::Entity>(db, audit_log::Column::ChainSeq, after, |r: audit_log::Model| {
                Row {
                    canonical: audit_bytes(
                        r.chain_seq,
                        r.event_id.as_deref(),
                        &r.actor,
                        &r.action,
                        &r.detail,
                        r.at,
                    ),
                    label: format!("audit row {} ({})", r.id, r.action),
                    chain_seq: r.chain_seq,
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                }
            })
            .await
        }
    }
}

/// The next page of a chained table: rows after `after` in chain order, as the verifier sees them.
async fn rows_after<E: EntityTrait>(
    db: &impl ConnectionTrait,
    chain_seq: E::Column,
    after: i64,
    row: impl Fn(E::Model) -> Row,
) -> Result<Vec<Row>, DbErr> {
    let found = E::find().filter(chain_seq.gt(after)).order_by_asc(chain_seq).limit(PAGE).all(db).await?;
    Ok(found.into_iter().map(row).collect())
}

async fn unlinked_row(db: &impl ConnectionTrait, chain: Chain) -> Result<Option<String>, DbErr> {
    Ok(match chain {
        Chain::Responses => response::Entity::find()
            .filter(response::Column::ChainSeq.lte(0))
            .one(db)
            .await?
            .map(|r| format!("response of candidate {} epoch {} seq {}", r.candidate_id, r.epoch, r.seq)),
        Chain::Audit => audit_log::Entity::find()
            .filter(audit_log::Column::ChainSeq.lte(0))
            .one(db)
            .await?
            .map(|r| format!("audit row {} ({})", r.id, r.action)),
    })
}

/// Rows at chain positions 1 to `upto` (a row copied into a position already used is counted).
async fn linked_rows(db: &impl ConnectionTrait, chain: Chain, upto: i64) -> Result<u64, DbErr> {
    match chain {
        Chain::Responses => {
            response::Entity::find().filter(response::Column::ChainSeq.between(1, upto)).count(db).await
        }
        Chain::Audit => {
            audit_log::Entity::find().filter(audit_log::Column::ChainSeq.between(1, upto)).count(db).await
        }
    }
}

/// Walks a chain from its first row. With `expected` (the head the running server holds, or one
/// a signed result file carries), rows missing at the end and a different head are caught too;
/// without it, only the stored rows can be checked against each other.
pub async fn verify_chain(
    db: &impl ConnectionTrait,
    chain: Chain,
    expected: Option<Head>,
) -> Result<ChainReport, DbErr> {
    let mut head = Head::EMPTY;
    let report = |head: Head, broken: Option<ChainBreak>| ChainReport {
        chain: chain.name(),
        ok: broken.is_none(),
        length: head.length,
        head: head.hex(),
        broken,
    };
    let stop = expected.map_or(i64::MAX, |e| e.length as i64);
    'walk: loop {
        let rows = page(db, chain, head.length as i64).await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            if r.chain_seq > stop {
                // Appended after the expected head was taken: not part of what is checked.
                break 'walk;
            }
            let want = head.length as i64 + 1;
            let problem = if r.chain_seq > want {
                Some(format!(
                    "chain position {want} is missing (deleted?): the next row is at {}",
                    r.chain_seq
                ))
            } else if r.chain_seq < want {
                Some(format!(
                    "a second row claims chain position {}: it was written outside the server",
                    r.chain_seq
                ))
            } else if r.prev_hash != head.hex() {
                Some(format!(
                    "prev_hash {} is not the hash of position {} ({}): a row before it was changed or replaced",
                    short(&r.prev_hash),
                    head.length,
                    short(&head.hex())
                ))
            } else {
                let hash = link_hash(&head.hash, &r.canonical);
                if hex::encode(hash) != r.hash {
                    Some("the row's content does not match its hash: the row was changed".to_string())
                } else {
                    head = Head { length: head.length + 1, hash };
                    None
                }
            };
            if let Some(problem) = problem {
                return Ok(report(head, Some(ChainBreak { chain_seq: want, row: Some(r.label), problem })));
            }
        }
    }
    if let Some(e) = expected {
        if head.length < e.length {
            let problem = format!(
                "the stored chain ends at position {} but the head is at {}: rows at the end were deleted",
                head.length, e.length
            );
            let at = head.length as i64 + 1;
            return Ok(report(head, Some(ChainBreak { chain_seq: at, row: None, problem })));
        }
        if head.hash != e.hash {
            let problem = format!(
                "the stored chain's hash at position {} is {}, the head is {}: the chain was rewritten",
                e.length,
                short(&head.hex()),
                short(&e.hex())
            );
            return Ok(report(head, Some(ChainBreak { chain_seq: e.length as i64, row: None, problem })));
        }
    }
    if let Some(label) = unlinked_row(db, chain).await? {
        let problem = "the row is not linked into the chain: it was written outside the server".to_string();
        return Ok(report(head, Some(ChainBreak { chain_seq: 0, row: Some(label), problem })));
    }
    let rows = linked_rows(db, chain, head.length as i64).await?;
    if rows != head.length {
        let problem = format!(
            "{rows} rows hold chain positions 1 to {} but the chain links {}: rows share a position",
            head.length, head.length
        );
        return Ok(report(head, Some(ChainBreak { chain_seq: head.length as i64, row: None, problem })));
    }
    Ok(report(head, None))
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(16)]
}
