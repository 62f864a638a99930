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
        hex32(&self.hash)
    }

    /// Links the next row (given its canonical bytes for `self.length + 1`) and moves the head.
    pub fn append(&mut self, canonical: &[u8]) -> Link {
        let hash = link_hash(&self.hash, canonical);
        let link = Link { chain_seq: self.length as i64 + 1, prev_hash: self.hex(), hash: hex32(&hash) };
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

/// Lower-case hex of a hash, as `hex::encode` writes it, from a table into one allocation (the
/// writer encodes two per stored answer; `hex::encode` goes a `char` at a time).
pub fn hex32(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    String::from_utf8(out.to_vec()).expect("hex digits are ASCII")
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

    /// Decimal text, as `n.to_string()` writes it, without allocating (four per stored answer).
    fn int(&mut self, n: i64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = n.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if n < 0 {
            at -= 1;
            digits[at] = b'-';
        }
        let text = &digits[at..];
        self.0.extend_from_slice(&(text.len() as u64).to_be_bytes());
        self.0.extend_from_slice(text);
        self
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

    proptest::proptest! {
        /// The canonical bytes' integers are `to_string`'s decimal text, and hashes `hex::encode`'s
        /// lower-case hex: rows stored before the hand-written encoders link exactly as before.
        #[test]
        fn integers_and_hashes_are_encoded_as_before(n in proptest::num::i64::ANY, hash in proptest::array::uniform32(0u8..)) {
            let mut c = Canonical(Vec::new());
            c.int(n);
            let mut expected = Canonical(Vec::new());
            expected.text(&n.to_string());
            proptest::prop_assert_eq!(c.0, expected.0);
            proptest::prop_assert_eq!(hex32(&hash), hex::encode(hash));
        }
    }

    #[test]
    fn integer_edges_are_encoded_as_before() {
        for n in [0, -1, 9, 10, -10, i64::MAX, i64::MIN] {
            let (mut c, mut e) = (Canonical(Vec::new()), Canonical(Vec::new()));
            c.int(n);
            e.text(&n.to_string());
            assert_eq!(c.0, e.0, "{n}");
        }
    }
}
