//! The writer's answers: each linked into the response chain, then inserted with statements of a
//! few fixed shapes (the hot path of every commit; [`super`] runs the batch).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait, Set, Statement,
};

use crate::chain::{Heads, response_bytes, stored_time};
use crate::store::entity::response;

/// An answer to append to the response log.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub candidate_id: String,
    pub epoch: i64,
    pub seq: i64,
    pub item_id: String,
    /// The answer's JSON text.
    pub value: String,
    pub received_at: DateTime<Utc>,
}

/// An answer's response-log row: the answer, its stored time and its link in the response chain.
pub(super) struct AnswerRow<'a> {
    answer: &'a NewAnswer,
    at: DateTime<Utc>,
    link: crate::chain::Link,
}

impl AnswerRow<'_> {
    /// The row's values in the table's column order (as [`insert_sql`] names them); the link's
    /// hashes move into them (the answer's texts stay in the batch for a retry).
    fn into_values(self) -> [sea_orm::Value; 9] {
        let a = self.answer;
        [
            a.candidate_id.clone().into(),
            a.epoch.into(),
            a.seq.into(),
            a.item_id.clone().into(),
            a.value.clone().into(),
            self.at.into(),
            self.link.chain_seq.into(),
            self.link.prev_hash.into(),
            self.link.hash.into(),
        ]
    }
}

/// The response-log rows of `answers`, linked into the response chain in order. With `seen`
/// (the retry), an answer whose (candidate, epoch, seq) is in it (stored already, or earlier in
/// the batch) is left out; without, every answer is linked.
pub(super) fn link_answers<'a>(
    answers: Vec<&'a NewAnswer>,
    mut seen: Option<HashSet<(&'a str, i64, i64)>>,
    heads: &mut Heads,
) -> Vec<AnswerRow<'a>> {
    let mut rows = Vec::with_capacity(answers.len());
    for a in answers {
        if let Some(seen) = seen.as_mut()
            && !seen.insert((a.candidate_id.as_str(), a.epoch, a.seq))
        {
            continue;
        }
        let at = stored_time(a.received_at);
        let n = heads.responses.length as i64 + 1;
        let link = heads.responses.append(&response_bytes(
            n,
            &a.candidate_id,
            a.epoch,
            a.seq,
            &a.item_id,
            &a.value,
            at,
        ));
        rows.push(AnswerRow { answer: a, at, link });
    }
    rows
}

/// Rows per answer `INSERT`, largest first: a batch goes in as chunks of these sizes (37 rows:
/// 32 + 4 + 1), so the writer runs a handful of statements whose SQL never changes and the
/// driver's statement cache keeps each compiled. One statement per batch of whatever size (as
/// before) built a new SQL text and a new sea-query tree of boxed values for every commit, and
/// SQLite compiled each size again once the cache had turned over; one statement per row would
/// cost a round trip to the driver's thread per answer. SQLite allows 32,766 parameters per
/// statement (9 per row), PostgreSQL 65,535.
const SHAPES: [usize; 9] = [256, 128, 64, 32, 16, 8, 4, 2, 1];

/// The SQL of the answer insert for each of [`SHAPES`], built once for the backend.
pub(super) struct AnswerInsert {
    backend: DbBackend,
    sql: Vec<String>,
}

impl AnswerInsert {
    pub(super) fn new(backend: DbBackend) -> Self {
        let sql = SHAPES.iter().map(|&n| insert_sql(backend, n)).collect();
        Self { backend, sql }
    }

    /// Inserts the rows, skipping any already stored; the number inserted.
    pub(super) async fn run(
        &self,
        txn: &DatabaseTransaction,
        rows: Vec<AnswerRow<'_>>,
    ) -> Result<u64, DbErr> {
        let mut inserted = 0;
        let mut left = rows.len();
        let mut rows = rows.into_iter();
        while let Some(shape) = next_shape(left) {
            let values = rows.by_ref().take(SHAPES[shape]).flat_map(AnswerRow::into_values);
            let stmt = Statement::from_sql_and_values(self.backend, self.sql[shape].clone(), values);
            inserted += txn.execute_raw(stmt).await?.rows_affected();
            left -= SHAPES[shape];
        }
        Ok(inserted)
    }
}

/// The index in [`SHAPES`] of the next statement for `left` rows still to insert (`None`: done).
fn next_shape(left: usize) -> Option<usize> {
    SHAPES.iter().position(|&n| n <= left)
}

/// sea-orm's own multi-row insert of `n` rows (so the SQL is exactly what `insert_many` would
/// send), kept as text; the values are bound at each use.
fn insert_sql(backend: DbBackend, n: usize) -> String {
    let row = response::ActiveModel {
        candidate_id: Set(String::new()),
        epoch: Set(0),
        seq: Set(0),
        item_id: Set(String::new()),
        value: Set(String::new()),
        received_at: Set(DateTime::<Utc>::UNIX_EPOCH),
        chain_seq: Set(0),
        prev_hash: Set(String::new()),
        hash: Set(String::new()),
    };
    response::Entity::insert_many(std::iter::repeat_n(row, n))
        .on_conflict(
            OnConflict::columns([
                response::Column::CandidateId,
                response::Column::Epoch,
                response::Column::Seq,
            ])
            .do_nothing()
            .to_owned(),
        )
        .build(backend)
        .sql
}

/// The (candidate, epoch, seq) of `answers` already in the response log (the rare path: only
/// after an insert found a duplicate).
pub(super) async fn stored_keys<'a>(
    txn: &impl sea_orm::ConnectionTrait,
    answers: &[&'a NewAnswer],
) -> Result<HashSet<(&'a str, i64, i64)>, DbErr> {
    let mut ids: Vec<&str> = answers.iter().map(|a| a.candidate_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut stored: HashSet<(String, i64, i64)> = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i64, i64)> = response::Entity::find()
            .select_only()
            .column(response::Column::CandidateId)
            .column(response::Column::Epoch)
            .column(response::Column::Seq)
            .filter(response::Column::CandidateId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        stored.extend(rows);
    }
    Ok(answers
        .iter()
        .filter(|a| stored.contains(&(a.candidate_id.clone(), a.epoch, a.seq)))
        .map(|a| (a.candidate_id.as_str(), a.epoch, a.seq))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_goes_in_as_few_fixed_shapes_covering_every_row() {
        for n in 0..2000usize {
            let (mut left, mut sizes) = (n, Vec::new());
            while let Some(i) = next_shape(left) {
                sizes.push(SHAPES[i]);
                left -= SHAPES[i];
            }
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
            // Below the largest shape, one statement per set bit of n.
            if n < 256 {
                assert_eq!(sizes.len(), n.count_ones() as usize);
            }
        }
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = AnswerInsert::new(backend).sql;
            assert!(sql[SHAPES.len() - 1].contains("ON CONFLICT"), "{}", sql[SHAPES.len() - 1]);
            for (s, n) in sql.iter().zip(SHAPES) {
                assert_eq!(s.matches("(").count(), n + 2, "{n} rows: {s}");
            }
        }
    }
}
