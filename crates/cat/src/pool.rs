//! The item pool of an adaptive test: every item with its IRT model and what content balancing
//! needs (topic, level, kind, stimulus, enemies), and its Sympson–Hetter exposure parameter.
//! Serialisable (it travels in the exam package); the derived index is rebuilt on load.

use std::collections::HashMap;

use khaothi_domain::{Item, ItemKind, Level};
use khaothi_irt::ItemModel;
use serde::{Deserialize, Serialize};

use crate::error::{CatError, Result};

/// Most items a pool may hold (bounds what an outsider can make the engine do).
pub const MAX_POOL_ITEMS: usize = 20_000;

/// One pool item. JSON (one line of a pool file, docs/formats.md "CAT pool (JSONL)"):
/// `{"id":"T-001","kind":"single_choice","topic":"12.1.2","level":"hieu","irt":{"model":"2pl","a":1.2,"b":-0.3}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolItem {
    pub id: String,
    #[serde(default)]
    pub kind: ItemKind,
    /// Dot-separated topic code (blueprint rows match whole-segment prefixes).
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub level: Level,
    /// A `true_false_group`'s statement levels (blueprint rows counting `statements`); empty: every
    /// statement at `level`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statement_levels: Vec<Level>,
    /// Items sharing a stimulus (passage) are given together, in pool order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stimulus: Option<String>,
    /// Items never to be given in one test with this one (symmetric).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
    /// The item's response model (single choice 2PL/3PL/Rasch; a true/false group GPCM/GRM 0–4).
    pub irt: ItemModel,
    /// Sympson–Hetter parameter: the probability that the item, once selected, is given. 1 = no
    /// control.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub exposure_k: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// An item left out of a pool, named, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolWarning {
    pub item: String,
    pub message: String,
}

/// A validated pool. Serialises as `{"items": [PoolItem…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PoolSpec", into = "PoolSpec")]
pub struct Pool {
    items: Vec<PoolItem>,
    /// Item index by id.
    index: HashMap<String, usize>,
    /// Selection units: one item, or every item of one stimulus (pool order).
    units: Vec<Vec<usize>>,
    /// Unit of each item.
    unit_of: Vec<usize>,
    /// Enemy items of each item (indices, symmetric).
    enemies_of: Vec<Vec<usize>>,
}

/// The serialised form of a [`Pool`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub items: Vec<PoolItem>,
}

impl TryFrom<PoolSpec> for Pool {
    type Error = CatError;
    fn try_from(s: PoolSpec) -> Result<Pool> {
        Pool::new(s.items)
    }
}

impl From<Pool> for PoolSpec {
    fn from(p: Pool) -> PoolSpec {
        PoolSpec { items: p.items }
    }
}

impl Pool {
    /// Validates and indexes `items`: ids unique and non-empty, models valid and fit for the kind
    /// (a true/false group needs a polytomous model, any other kind a dichotomous one),
    /// `exposure_k` in (0, 1], at most [`MAX_POOL_ITEMS`].
    pub fn new(items: Vec<PoolItem>) -> Result<Pool> {
        let _ = items;
        unimplemented!()
    }

    /// The pool of bank items: items without usable IRT parameters (or with a model unfit for
    /// their kind) are left out, each with a warning naming it.
    pub fn from_bank_items(items: &[Item]) -> Result<(Pool, Vec<PoolWarning>)> {
        let _ = items;
        unimplemented!()
    }

    /// Reads a pool file: JSON Lines, each line either a [`PoolItem`] or a bank item record as
    /// `khaothi export` writes it (recognised by its `stem`); bank items without parameters are
    /// left out with a warning. Blank lines are skipped; errors name the line.
    pub fn from_jsonl(text: &str) -> Result<(Pool, Vec<PoolWarning>)> {
        let _ = text;
        unimplemented!()
    }

    /// The pool with new Sympson–Hetter parameters (ids not in `k` keep theirs).
    pub fn with_exposure(&self, k: &HashMap<String, f64>) -> Result<Pool> {
        let _ = k;
        unimplemented!()
    }

    pub fn items(&self) -> &[PoolItem] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The index of an item id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The 10-point score of ability θ (documented in docs/cat.md): the expected share of the
    /// pool's maximum score at θ, times 10, rounded to 0.01 — the IRT domain score (Bock, Thissen
    /// & Zimowski, 1997) on the whole pool, so it means "the share of this pool's content the
    /// candidate is expected to master", independent of which items were given.
    pub fn score10(&self, theta: f64) -> f64 {
        let _ = theta;
        unimplemented!()
    }
}
