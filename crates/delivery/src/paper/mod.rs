//! Paper rooms (issue 22 §3–4, docs/protocol.md "Paper rooms"): answer sheets read from scans
//! enter the response log as the candidate's answers, through the single writer and the hash
//! chains, and are scored, exported and signed like any answer.
//!
//! - [`read`]: the reader's JSON (`khaothi omr read`) as the ingest route takes it;
//! - [`print`]: a room's answer sheets as one PDF, from the console;
//! - [`scans`]: scans uploaded as images, read by the server against [`printed`]'s layouts;
//! - [`numbering`]: part + printed number → the version's item, values checked as the websocket's;
//! - [`ingest`]: a sheet → answers with provenance, its flagged marks → the review queue;
//! - [`review`]: the queue and a person's decisions;
//! - [`identity`]: sheets held until a person names their candidate;
//! - [`rooms`]: the proctor's switch of a room to paper (room log, biên bản, audit);
//! - [`http`]: the routes.
//!
//! The override rule: paper answers are written in the paper epoch ([`PAPER_EPOCH`]), above every
//! computer epoch, so for an item marked on the sheet the sheet's answer is the newest and wins;
//! an item left blank on paper writes nothing, so the computer's answer (if any) stays.

pub mod http;
pub mod identity;
pub mod ingest;
pub mod numbering;
pub mod print;
pub mod printed;
pub mod read;
pub mod review;
pub mod rooms;
pub mod scans;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::Mutex;

use crate::store::entity::{incident, response};

/// The epoch of every answer written from paper: above any computer epoch (one per login), so a
/// paper answer is always the newest of its item. Shown as such in the raw export.
pub const PAPER_EPOCH: i64 = 1_000_000_000;

/// The room log's action for a room switched to paper.
pub const PAPER_ACTION: &str = "paper";

/// Paper writes are made one at a time: each takes the next `seq` of its candidate's paper epoch,
/// and a sheet's duplicate check must see the sheet before it.
static PAPER_WRITES: Mutex<()> = Mutex::const_new(());

/// When and by whom a room was switched to paper, from its room log.
pub async fn switched(db: &impl ConnectionTrait, room_id: &str) -> Result<Option<incident::Model>, DbErr> {
    incident::Entity::find()
        .filter(incident::Column::RoomId.eq(room_id))
        .filter(incident::Column::Action.eq(PAPER_ACTION))
        .order_by_asc(incident::Column::Id)
        .one(db)
        .await
}

/// The next free `seq` of a candidate's paper epoch.
async fn next_seq(db: &impl ConnectionTrait, candidate_id: &str) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = response::Entity::find()
        .select_only()
        .column_as(response::Column::Seq.max(), "max")
        .filter(response::Column::CandidateId.eq(candidate_id))
        .filter(response::Column::Epoch.eq(PAPER_EPOCH))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// Where each paper answer of an event came from: (candidate id, seq in the paper epoch) → the
/// sheet (the QR code's sheet id, else the stored sheet's id), for the raw export.
pub async fn sheets_of_answers(
    db: &impl ConnectionTrait,
    event_id: &str,
) -> Result<std::collections::HashMap<(String, i64), String>, DbErr> {
    use crate::store::paper::{answer, sheet};
    let sheets: std::collections::HashMap<String, String> = sheet::Entity::find()
        .filter(sheet::Column::EventId.eq(event_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s.sheet_id.unwrap_or(s.id)))
        .collect();
    if sheets.is_empty() {
        return Ok(Default::default());
    }
    let mut out = std::collections::HashMap::new();
    let ids: Vec<String> = sheets.keys().cloned().collect();
    for chunk in ids.chunks(500) {
        for a in answer::Entity::find().filter(answer::Column::Sheet.is_in(chunk.to_vec())).all(db).await? {
            if let Some(label) = sheets.get(&a.sheet) {
                out.insert((a.candidate_id, a.seq), label.clone());
            }
        }
    }
    Ok(out)
}
