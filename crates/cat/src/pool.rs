//! The item pool of an adaptive test: every item with its IRT model and what content balancing
//! needs (topic, level, kind, stimulus, enemies), and its Sympson–Hetter exposure parameter.
//! Serialisable (it travels in the exam package); the derived index is rebuilt on load.

use std::collections::HashMap;

use khaothi_domain::{Item, ItemBody, ItemKind, ItemRecord, Level};
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

impl PoolItem {
    /// Checks the item alone: id, parameters, model fit for the kind, exposure parameter.
    fn check(&self) -> std::result::Result<(), String> {
        if self.id.trim().is_empty() || self.id.len() > 200 {
            return Err("an item id must be 1–200 characters".into());
        }
        self.irt.validate()?;
        let tf = self.kind == ItemKind::TrueFalseGroup;
        if self.irt.kind().is_polytomous() != tf {
            return Err(if tf {
                format!(
                    "a true_false_group is scored 0–4 and needs a gpcm or grm model, not {}",
                    self.irt.kind()
                )
            } else {
                format!(
                    "a {} item is scored 0/1 and needs a rasch, 2pl or 3pl model, not {}",
                    self.kind,
                    self.irt.kind()
                )
            });
        }
        if !self.statement_levels.is_empty() && !tf {
            return Err("statement_levels apply to true_false_group items only".into());
        }
        if !(self.exposure_k > 0.0 && self.exposure_k <= 1.0) {
            return Err(format!("exposure_k must be in (0, 1], got {}", self.exposure_k));
        }
        if self.enemies.len() > 1000 {
            return Err("at most 1,000 enemies per item".into());
        }
        Ok(())
    }

    /// The item from a bank item; `Err` names why it cannot be in a pool.
    pub fn from_bank_item(item: &Item) -> std::result::Result<PoolItem, String> {
        let params = item.irt.as_ref().ok_or("no IRT parameters (not calibrated)")?;
        let irt = ItemModel::try_from(params).map_err(|e| format!("IRT parameters unusable: {e}"))?;
        let statement_levels = match &item.body {
            ItemBody::TrueFalseGroup { statements, .. } => {
                statements.iter().map(|s| s.level.unwrap_or(item.level)).collect()
            }
            _ => Vec::new(),
        };
        let p = PoolItem {
            id: item.id.clone(),
            kind: item.kind(),
            topic: item.topic.clone(),
            level: item.level,
            statement_levels,
            stimulus: item.stimulus.clone(),
            enemies: item.enemies.clone(),
            irt,
            exposure_k: 1.0,
        };
        p.check()?;
        Ok(p)
    }
}

impl Pool {
    /// Validates and indexes `items`: ids unique and non-empty, models valid and fit for the kind
    /// (a true/false group needs a polytomous model, any other kind a dichotomous one),
    /// `exposure_k` in (0, 1], at most [`MAX_POOL_ITEMS`].
    pub fn new(items: Vec<PoolItem>) -> Result<Pool> {
        if items.len() > MAX_POOL_ITEMS {
            return Err(CatError::Pool(format!(
                "{} items; a pool holds at most {MAX_POOL_ITEMS}",
                items.len()
            )));
        }
        let mut index = HashMap::with_capacity(items.len());
        for (k, it) in items.iter().enumerate() {
            it.check().map_err(|m| CatError::Pool(format!("item {}: {m}", it.id)))?;
            if index.insert(it.id.clone(), k).is_some() {
                return Err(CatError::Pool(format!("item {} appears twice", it.id)));
            }
        }
        let mut units: Vec<Vec<usize>> = Vec::new();
        let mut unit_of = vec![0; items.len()];
        let mut by_stimulus: HashMap<&str, usize> = HashMap::new();
        for (k, it) in items.iter().enumerate() {
            let u = match it.stimulus.as_deref() {
                Some(s) => *by_stimulus.entry(s).or_insert_with(|| {
                    units.push(Vec::new());
                    units.len() - 1
                }),
                None => {
                    units.push(Vec::new());
                    units.len() - 1
                }
            };
            units[u].push(k);
            unit_of[k] = u;
        }
        let mut enemies_of = vec![Vec::new(); items.len()];
        for (k, it) in items.iter().enumerate() {
            for e in &it.enemies {
                if let Some(&j) = index.get(e)
                    && j != k
                {
                    enemies_of[k].push(j);
                    enemies_of[j].push(k);
                }
            }
        }
        for e in &mut enemies_of {
            e.sort_unstable();
            e.dedup();
        }
        Ok(Pool { items, index, units, unit_of, enemies_of })
    }

    /// The pool of bank items: items without usable IRT parameters (or with a model unfit for
    /// their kind) are left out, each with a warning naming it.
    pub fn from_bank_items(items: &[Item]) -> Result<(Pool, Vec<PoolWarning>)> {
        let mut kept = Vec::with_capacity(items.len());
        let mut warnings = Vec::new();
        for item in items {
            match PoolItem::from_bank_item(item) {
                Ok(p) => kept.push(p),
                Err(message) => warnings.push(PoolWarning { item: item.id.clone(), message }),
            }
        }
        Ok((Pool::new(kept)?, warnings))
    }

    /// Reads a pool file: JSON Lines, each line either a [`PoolItem`] or a bank item record as
    /// `khaothi export` writes it (recognised by its `stem`); bank items without parameters are
    /// left out with a warning. Blank lines are skipped; errors name the line.
    pub fn from_jsonl(text: &str) -> Result<(Pool, Vec<PoolWarning>)> {
        let mut kept = Vec::new();
        let mut warnings = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if kept.len() + warnings.len() >= MAX_POOL_ITEMS {
                return Err(CatError::Pool(format!("more than {MAX_POOL_ITEMS} items")));
            }
            let bad = |m: String| CatError::Pool(format!("line {}: {m}", n + 1));
            let value: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            if value.get("stem").is_some() {
                let rec = ItemRecord::from_json_line(line).map_err(|e| bad(e.to_string()))?;
                let (item, _) = rec.into_item().map_err(|e| bad(e.to_string()))?;
                match PoolItem::from_bank_item(&item) {
                    Ok(p) => kept.push(p),
                    Err(message) => warnings.push(PoolWarning { item: item.id.clone(), message }),
                }
            } else {
                let p: PoolItem = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
                p.check().map_err(|m| bad(format!("item {}: {m}", p.id)))?;
                kept.push(p);
            }
        }
        Ok((Pool::new(kept)?, warnings))
    }

    /// The pool with new Sympson–Hetter parameters (ids not in `k` keep theirs).
    pub fn with_exposure(&self, k: &HashMap<String, f64>) -> Result<Pool> {
        let mut items = self.items.clone();
        for it in &mut items {
            if let Some(v) = k.get(&it.id) {
                it.exposure_k = *v;
            }
        }
        Pool::new(items)
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

    /// Stimulus units (items given together), as item indices in pool order.
    pub fn units(&self) -> &[Vec<usize>] {
        &self.units
    }

    /// The stimulus unit of item `k`.
    pub fn unit_of(&self, k: usize) -> usize {
        self.unit_of[k]
    }

    /// Enemies of item `k` (indices).
    pub fn enemies_of(&self, k: usize) -> &[usize] {
        &self.enemies_of[k]
    }

    /// The 10-point score of ability θ (documented in docs/cat.md): the expected share of the
    /// pool's maximum score at θ, times 10, rounded to 0.01 — the IRT domain score (Bock, Thissen
    /// & Zimowski, 1997) on the whole pool, so it means "the share of this pool's content the
    /// candidate is expected to master", independent of which items were given.
    pub fn score10(&self, theta: f64) -> f64 {
        let max: f64 = self.items.iter().map(|i| f64::from(i.irt.max_score())).sum();
        if max <= 0.0 || !theta.is_finite() {
            return 0.0;
        }
        let expected: f64 = self.items.iter().map(|i| i.irt.expected_score(theta)).sum();
        (1000.0 * expected / max).round() / 100.0
    }
}

#[cfg(test)]
mod tests;
