//! Hash chains over the response log and the audit log (docs/formats.md, "Hash chains").
//!
//! Each row has its place in its chain (`chain_seq` 1, 2, …), the previous row's hash
//! (`prev_hash`; 32 zero bytes before the first row) and its own `hash =
//! SHA-256(prev_hash ‖ canonical bytes of the row)`, both stored as hex. Changing, inserting or
//! deleting a row breaks the link to the next row (or, at the end, no longer reaches the head the
//! server holds and the signed result file carries). Only the single writer appends, so each chain
//! has one total order and its head lives in the writer's memory: no query per answer.
//!
//! This module is the pure part: the canonical bytes and the links. Storage is in
//! [`crate::store::chains`].

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

/// The two chains a delivery server keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Responses,
    Audit,
}

impl Chain {
    pub const ALL: [Chain; 2] = [Chain::Responses, Chain::Audit];

    pub fn name(self) -> &'static str {
        match self {
            Chain::Responses => "responses",
            Chain::Audit => "audit",
        }
    }

    /// The first field of every row's canonical bytes: a row of one chain can never pass for a
    /// row of the other.
    fn tag(self) -> &'static str {
        match self {
            Chain::Responses => "khaothi-chain/1 responses",
            Chain::Audit => "khaothi-chain/1 audit",
        }
    }
}

/// How long a chain is and the hash of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub length: u64,
    pub hash: [u8; 32],
}

impl Head {
    pub const EMPTY: Head = Head { length: 0, hash: [0; 32] };

    pub fn hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// Links the next row (given its canonical bytes for `self.length + 1`) and moves the head.
    pub fn append(&mut self, canonical: &[u8]) -> Link {
        let hash = link_hash(&self.hash, canonical);
        let link = Link { chain_seq: self.length as i64 + 1, prev_hash: self.hex(), hash: hex::encode(hash) };
        *self = Head { length: self.length + 1, hash };
        link
    }

    pub fn to_result_head(self) -> khaothi_package::result_file::ChainHead {
        khaothi_package::result_file::ChainHead { length: self.length, head: self.hex() }
    }
}

/// What a row stores about its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub chain_seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Both chains' heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heads {
    pub responses: Head,
    pub audit: Head,
}

impl Heads {
    pub fn get(&self, c: Chain) -> Head {
        match c {
            Chain::Responses => self.responses,
            Chain::Audit => self.audit,
        }
    }

    pub fn to_result_heads(self) -> khaothi_package::result_file::ChainHeads {
        khaothi_package::result_file::ChainHeads {
            responses: self.responses.to_result_head(),
            audit: self.audit.to_result_head(),
        }
    }
}

pub fn link_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().into()
}

/// Stored times have microsecond precision (PostgreSQL's); rows are hashed with the time as
/// stored, so the writer rounds before hashing and inserting.
pub fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Length-prefixed fields: 8 bytes big-endian length, then the bytes; an absent value is the
/// length `u64::MAX` with no bytes. Integers are decimal text; times are microseconds since
/// 1970-01-01 UTC, decimal.
struct Canonical(Vec<u8>);

impl Canonical {
    fn new(chain: Chain, chain_seq: i64) -> Self {
        let mut c = Canonical(Vec::with_capacity(160));
        c.text(chain.tag());
        c.int(chain_seq);
        c
    }

    fn text(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(&(s.len() as u64).to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => {
                self.0.extend_from_slice(&u64::MAX.to_be_bytes());
                self
            }
        }
    }

    fn int(&mut self, n: i64) -> &mut Self {
        self.text(&n.to_string())
    }

    fn time(&mut self, t: DateTime<Utc>) -> &mut Self {
        self.int(t.timestamp_micros())
    }
}

/// A response row's canonical bytes: tag, chain_seq, candidate_id, epoch, seq, item_id, value,
/// received_at.
pub fn response_bytes(
    chain_seq: i64,
    candidate_id: &str,
    epoch: i64,
    seq: i64,
    item_id: &str,
    value: &str,
    received_at: DateTime<Utc>,
) -> Vec<u8> {
    let mut c = Canonical::new(Chain::Responses, chain_seq);
    c.text(candidate_id).int(epoch).int(seq).text(item_id).text(value).time(received_at);
    c.0
}

/// An audit row's canonical bytes: tag, chain_seq, event_id (or absent), actor, action, detail, at.
pub fn audit_bytes(
    chain_seq: i64,
    event_id: Option<&str>,
    actor: &str,
    action: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Vec<u8> {
    let mut c = Canonical::new(Chain::Audit, chain_seq);
    c.opt(event_id).text(actor).text(action).text(detail).time(at);
    c.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_depend_on_every_field_and_on_the_previous_row() {
        let t = stored_time(Utc::now());
        let base = response_bytes(1, "c1", 1, 1, "SC1", "\"A\"", t);
        for other in [
            response_bytes(2, "c1", 1, 1, "SC1", "\"A\"", t),
            response_bytes(1, "c2", 1, 1, "SC1", "\"A\"", t),
            response_bytes(1, "c1", 2, 1, "SC1", "\"A\"", t),
            response_bytes(1, "c1", 1, 2, "SC1", "\"A\"", t),
            response_bytes(1, "c1", 1, 1, "SC2", "\"A\"", t),
            response_bytes(1, "c1", 1, 1, "SC1", "\"B\"", t),
            response_bytes(1, "c1", 1, 1, "SC1", "\"A\"", t + chrono::Duration::microseconds(1)),
            // Bytes moved from one field to the next.
            response_bytes(1, "c", 1, 1, "1SC1", "\"A\"", t),
        ] {
            assert_ne!(base, other);
        }
        assert_ne!(audit_bytes(1, None, "a", "b", "{}", t), audit_bytes(1, Some(""), "a", "b", "{}", t));
        let mut h = Head::EMPTY;
        let first = h.append(&base);
        assert_eq!(first.chain_seq, 1);
        assert_eq!(first.prev_hash, "0".repeat(64));
        let second = h.append(&base);
        assert_eq!(second.prev_hash, first.hash);
        assert_ne!(second.hash, first.hash, "the same row at another place hashes differently");
        assert_eq!(h.length, 2);
        assert_eq!(h.hex(), second.hash);
    }
}
