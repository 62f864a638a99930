//! From items to the assembler's view of the pool: which items may be used, grouped into selection
//! units (a stimulus group is one unit: all or none), with each unit's coefficient in every
//! blueprint rule and its information at the θ points.

use std::collections::{BTreeMap, HashMap, HashSet};

use khaothi_domain::{Item, Level, ReviewStatus, topic_has_prefix};
use serde::Serialize;

use crate::blueprint::{Blueprint, Bounds, CountUnit, MatrixRow, Objective};
use crate::info::{ItemModel, model_of};

/// One matrix cell: a row and a level (`None` is the row's `total`).
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub row: usize,
    pub level: Option<Level>,
    pub bounds: Bounds,
}

impl Cell {
    /// "van_dung items in topic 12.4", in the board's words.
    pub fn describe(&self, bp: &Blueprint) -> String {
        let row = &bp.matrix[self.row];
        let level = self.level.map(|l| format!("{l} ")).unwrap_or_default();
        let kind = row.kind.map(|k| format!("{k} ")).unwrap_or_default();
        let what = match row.unit {
            CountUnit::Items => "items",
            CountUnit::Statements => "statements",
            CountUnit::Points => "points of items",
        };
        format!("{level}{kind}{what} in topic {}", row.topic)
    }
}

pub(crate) fn cells(bp: &Blueprint) -> Vec<Cell> {
    let mut out = Vec::new();
    for (r, row) in bp.matrix.iter().enumerate() {
        for (level, b) in &row.levels {
            out.push(Cell { row: r, level: Some(*level), bounds: *b });
        }
        if let Some(t) = row.total {
            out.push(Cell { row: r, level: None, bounds: t });
        }
    }
    out
}

/// An item's contribution to a cell.
pub(crate) fn cell_coefficient(bp: &Blueprint, row: &MatrixRow, level: Option<Level>, item: &Item) -> f64 {
    if row.kind.is_some_and(|k| k != item.kind()) || !topic_has_prefix(&item.topic, &row.topic) {
        return 0.0;
    }
    match row.unit {
        CountUnit::Items => level.is_none_or(|l| l == item.level) as u8 as f64,
        CountUnit::Statements => {
            item.unit_levels().iter().filter(|l| level.is_none_or(|x| x == **l)).count() as f64
        }
        CountUnit::Points => {
            let points = bp.section_of(item.kind()).map_or(0.0, |s| bp.sections[s].points);
            if level.is_none_or(|l| l == item.level) { points } else { 0.0 }
        }
    }
}

/// A selection unit: one item, or every eligible item of one stimulus.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// Indices into `Pool::items`, in the order the bank lists them.
    pub items: Vec<usize>,
    /// Items of each blueprint section.
    pub section_counts: Vec<u32>,
    /// Sparse (cell, coefficient).
    pub cells: Vec<(usize, f64)>,
    /// Information at each θ of the blueprint (empty without an information section).
    pub info: Vec<f64>,
    /// Σ difficulty of the unit's items (for `mean_b`).
    pub b_sum: f64,
    /// Further forms the unit may join under `exposure.max_uses` (None: no cap).
    pub uses_left: Option<u32>,
    pub has_enemies: bool,
}

/// What makes two units interchangeable for k-dominance: their sections, uses left and cell
/// coefficients (bit for bit).
pub(crate) type DominanceClass = (Vec<u32>, Option<u32>, Vec<(usize, u64)>);

impl Unit {
    pub fn len(&self) -> u32 {
        self.items.len() as u32
    }

    /// The unit's class of interchangeable units: single items without enemies with the same
    /// coefficient in every rule. `None` for a stimulus group or an item with enemies, which are
    /// always kept.
    pub(crate) fn dominance_class(&self) -> Option<DominanceClass> {
        if self.items.len() != 1 || self.has_enemies {
            return None;
        }
        Some((self.section_counts.clone(), self.uses_left, self.cell_bits()))
    }

    /// The unit's cell coefficients, bit for bit (a key for grouping units alike).
    pub(crate) fn cell_bits(&self) -> Vec<(usize, u64)> {
        self.cells.iter().map(|&(c, v)| (c, v.to_bits())).collect()
    }
}

/// Why items were left out, counted for the diagnosis.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Exclusions {
    pub other_subject: usize,
    pub not_approved: usize,
    pub no_section_for_kind: usize,
    /// Items of a kind THPT papers do not have (`multiple_response`, from QTI packages): delivery
    /// does not score them yet, so no blueprint may ask for them.
    pub kind_not_in_thpt: usize,
    pub not_calibrated: usize,
    pub difficulty_out_of_limits: usize,
    pub exposure_used_up: usize,
    /// Items of a stimulus group whose members are enemies of each other.
    pub enemies_within_stimulus: usize,
    /// Each item of the blueprint's subject that was left out, with the reason (the name of its
    /// counter above), so the board can see why an item it expected is not on a form.
    pub items: Vec<ExcludedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedItem {
    pub id: String,
    /// `not_approved`, `kind_not_in_thpt`, `no_section_for_kind`, `not_calibrated`, `difficulty_out_of_limits`,
    /// `exposure_used_up` or `enemies_within_stimulus`.
    pub reason: &'static str,
}

impl Exclusions {
    /// Counts the item under `reason` and lists it.
    fn exclude(&mut self, id: &str, reason: &'static str) {
        let counter = match reason {
            "not_approved" => &mut self.not_approved,
            "no_section_for_kind" => &mut self.no_section_for_kind,
            "kind_not_in_thpt" => &mut self.kind_not_in_thpt,
            "not_calibrated" => &mut self.not_calibrated,
            "difficulty_out_of_limits" => &mut self.difficulty_out_of_limits,
            "exposure_used_up" => &mut self.exposure_used_up,
            _ => &mut self.enemies_within_stimulus,
        };
        *counter += 1;
        self.items.push(ExcludedItem { id: id.to_string(), reason });
    }

    pub fn total(&self) -> usize {
        self.other_subject
            + self.not_approved
            + self.no_section_for_kind
            + self.kind_not_in_thpt
            + self.not_calibrated
            + self.difficulty_out_of_limits
            + self.exposure_used_up
            + self.enemies_within_stimulus
    }

    /// Sentences such as "12 items have no IRT parameters (not calibrated)".
    pub fn sentences(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |n: usize, what: &str| {
            if n > 0 {
                out.push(format!("{n} {} {what}", if n == 1 { "item" } else { "items" }));
            }
        };
        say(self.other_subject, "of another subject were left out");
        say(self.not_approved, "not approved (draft, in review or retired) were left out");
        say(self.no_section_for_kind, "of a kind no section asks for were left out");
        say(
            self.kind_not_in_thpt,
            "of a kind THPT papers do not have (multiple_response) were left out: delivery does not score it yet",
        );
        say(
            self.not_calibrated,
            "without IRT parameters (not calibrated) were left out: the blueprint has an information objective",
        );
        say(self.difficulty_out_of_limits, "outside difficulty.item_b were left out");
        say(self.exposure_used_up, "already used exposure.max_uses times were left out");
        say(self.enemies_within_stimulus, "in stimulus groups holding enemies of each other were left out");
        out
    }
}

/// The assembler's view of the pool.
#[derive(Debug)]
pub(crate) struct Pool<'a> {
    pub items: Vec<&'a Item>,
    pub units: Vec<Unit>,
    pub cells: Vec<Cell>,
    /// Pairs of units that may not share a form.
    pub enemy_pairs: Vec<(usize, usize)>,
    pub excluded: Exclusions,
    pub thetas: Vec<f64>,
}

impl<'a> Pool<'a> {
    pub fn new(bp: &Blueprint, all: &'a [Item], allow_unapproved: bool) -> Self {
        let (items, models, mut excluded) = eligible(bp, all, allow_unapproved);
        let thetas = bp.information.as_ref().map(|i| i.thetas.clone()).unwrap_or_default();
        let cells = cells(bp);
        let enemy_items = enemy_items(&items);
        let mut unit_of_item = vec![usize::MAX; items.len()];
        let mut units = Vec::new();
        let groups = stimulus_groups(bp, &items);
        for g in groups {
            let inner = g.iter().any(|a| g.iter().any(|b| enemy_items.contains(&(*a.min(b), *a.max(b)))));
            if inner {
                for &k in &g {
                    excluded.exclude(&items[k].id, "enemies_within_stimulus");
                }
                continue;
            }
            for &k in &g {
                unit_of_item[k] = units.len();
            }
            units.push(Unit::of(bp, &cells, &thetas, &items, &models, g));
        }
        let mut enemy_pairs = enemy_pairs(enemy_items, &unit_of_item);
        enemy_pairs.extend(same_passage_pairs(&items, &unit_of_item));
        enemy_pairs.sort_unstable();
        enemy_pairs.dedup();
        for &(a, b) in &enemy_pairs {
            units[a].has_enemies = true;
            units[b].has_enemies = true;
        }
        Pool { items, units, cells, enemy_pairs, excluded, thetas }
    }

    /// Units that can matter for an optimal solution of `forms` forms.
    ///
    /// Exact reduction by k-dominance: units that are single items without enemies and have the
    /// same coefficient in every rule are interchangeable; one whose information is at or below
    /// another's at every θ is dominated by it. If at least `forms × (section count)` units dominate
    /// a unit, some dominating unit is on no form in any solution that uses it, and swapping the
    /// two keeps every rule (including overlap and exposure) and does not lower any form's
    /// information — so the unit can be dropped. Applies to maximin without `mean_b`.
    pub fn candidates(&self, bp: &Blueprint, forms: u32) -> Vec<usize> {
        let reducible = bp.information.as_ref().is_some_and(|i| i.objective == Objective::Maximin)
            && bp.difficulty.as_ref().is_none_or(|d| d.mean_b.is_none());
        if !reducible {
            return (0..self.units.len()).collect();
        }
        let mut classes: HashMap<DominanceClass, Vec<usize>> = HashMap::new();
        let mut keep = Vec::new();
        for (u, unit) in self.units.iter().enumerate() {
            match unit.dominance_class() {
                Some(class) => classes.entry(class).or_default().push(u),
                None => keep.push(u),
            }
        }
        self.keep_undominated(bp, classes.values(), forms as usize, &mut keep);
        keep.sort_unstable();
        keep
    }

    /// The members of each class of interchangeable units (see [`Unit::dominance_class`]) that fewer
    /// than `forms × (section count)` other members dominate (information at or above theirs at
    /// every θ), pushed onto `keep`; the dominated ones can be dropped.
    pub(crate) fn keep_undominated<'c>(
        &self,
        bp: &Blueprint,
        classes: impl Iterator<Item = &'c Vec<usize>>,
        forms: usize,
        keep: &mut Vec<usize>,
    ) {
        for members in classes {
            let section = self.units[members[0]].section_counts.iter().position(|&n| n > 0).unwrap_or(0);
            let k = forms * bp.sections.get(section).map_or(0, |s| s.count) as usize;
            if members.len() <= k {
                keep.extend(members);
                continue;
            }
            // Sort by information at the first θ, best first: dominators come earlier.
            let mut sorted = members.clone();
            sorted.sort_by(|a, b| self.units[*b].info[0].total_cmp(&self.units[*a].info[0]).then(a.cmp(b)));
            for (pos, &j) in sorted.iter().enumerate() {
                let ij = &self.units[j].info;
                let dominators = sorted[..pos]
                    .iter()
                    .filter(|&&d| self.units[d].info.iter().zip(ij).all(|(x, y)| x >= y))
                    .take(k)
                    .count();
                if dominators < k {
                    keep.push(j);
                }
            }
        }
    }

    /// Distinct units and items available for a cell, as the diagnosis counts them.
    pub fn cell_supply(&self, c: usize) -> f64 {
        self.units.iter().flat_map(|u| u.cells.iter()).filter(|(cc, _)| *cc == c).map(|(_, v)| v).sum()
    }

    pub fn section_supply(&self, s: usize) -> u32 {
        self.units.iter().map(|u| u.section_counts[s]).sum()
    }
}

/// Information of one form at θ index `t`.
pub(crate) fn info_at(pool: &Pool, units: &[usize], t: usize) -> f64 {
    units.iter().map(|u| pool.units[*u].info[t]).sum()
}

/// Smallest information of one form over the θ points.
pub(crate) fn floor_of(pool: &Pool, units: &[usize]) -> f64 {
    (0..pool.thetas.len())
        .map(|t| units.iter().map(|u| pool.units[*u].info[t]).sum::<f64>())
        .fold(f64::INFINITY, f64::min)
}

/// Smallest information of any of `forms` over the θ points.
pub(crate) fn smallest_of(pool: &Pool, forms: &[Vec<usize>]) -> f64 {
    forms.iter().map(|u| floor_of(pool, u)).fold(f64::INFINITY, f64::min)
}

/// The lowest and the highest information of `forms` at θ index `t`.
fn range_at(pool: &Pool, forms: &[Vec<usize>], t: usize) -> (f64, f64) {
    forms
        .iter()
        .map(|u| info_at(pool, u, t))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)))
}

/// At each θ, the lowest and the highest information a form may have while staying within
/// `width` of every one of `forms`: (their highest − `width`, their lowest + `width`).
pub(crate) fn band_around(pool: &Pool, forms: &[Vec<usize>], width: f64) -> (Vec<f64>, Vec<f64>) {
    (0..pool.thetas.len())
        .map(|t| {
            let (lo, hi) = range_at(pool, forms, t);
            (hi - width, lo + width)
        })
        .unzip()
}

/// Largest difference between two forms' information at one θ point.
pub(crate) fn spread_of(pool: &Pool, forms: &[Vec<usize>]) -> f64 {
    (0..pool.thetas.len())
        .map(|t| {
            let (lo, hi) = range_at(pool, forms, t);
            hi - lo
        })
        .fold(0.0, f64::max)
}

/// The items the blueprint may use, with their models, and why the others were left out (the
/// first reason that applies).
fn eligible<'a>(
    bp: &Blueprint,
    all: &'a [Item],
    allow_unapproved: bool,
) -> (Vec<&'a Item>, Vec<Option<ItemModel>>, Exclusions) {
    let needs_info = bp.information.is_some();
    let mut excluded = Exclusions::default();
    let mut items = Vec::new();
    let mut models = Vec::new();
    for item in all {
        let model = model_of(item);
        let b = model.as_ref().map(ItemModel::difficulty);
        let reason = if item.subject != bp.subject {
            excluded.other_subject += 1;
            continue;
        } else if item.status == ReviewStatus::Retired
            || (!allow_unapproved && item.status != ReviewStatus::Approved)
        {
            "not_approved"
        } else if !item.kind().is_thpt() {
            "kind_not_in_thpt"
        } else if bp.section_of(item.kind()).is_none() {
            "no_section_for_kind"
        } else if needs_info && model.is_none() {
            "not_calibrated"
        } else if let Some(lim) = bp.difficulty.as_ref().and_then(|d| d.item_b)
            && !b.is_some_and(|b| lim.contains(b))
        {
            "difficulty_out_of_limits"
        } else if bp.difficulty.as_ref().is_some_and(|d| d.mean_b.is_some()) && b.is_none() {
            "difficulty_out_of_limits"
        } else if bp.exposure.as_ref().is_some_and(|e| item.uses >= e.max_uses) {
            "exposure_used_up"
        } else {
            items.push(item);
            models.push(model);
            continue;
        };
        excluded.exclude(&item.id, reason);
    }
    (items, models, excluded)
}

/// Stimulus groups (in first-appearance order) and single items, as indices into `items`. A
/// passage's items of one section are one group; with `stimulus_across_sections` all its items
/// are.
fn stimulus_groups(bp: &Blueprint, items: &[&Item]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<(&str, Option<usize>), usize> = HashMap::new();
    for (k, item) in items.iter().enumerate() {
        let section = if bp.stimulus_across_sections { None } else { bp.section_of(item.kind()) };
        match item.stimulus.as_deref().map(|s| (s, section)) {
            Some(s) => match group_of.get(&s) {
                Some(&g) => groups[g].push(k),
                None => {
                    group_of.insert(s, groups.len());
                    groups.push(vec![k]);
                }
            },
            None => groups.push(vec![k]),
        }
    }
    groups
}

/// Pairs of enemy items (smaller index first). Enemies are symmetric: either item naming the
/// other is enough.
fn enemy_items(items: &[&Item]) -> HashSet<(usize, usize)> {
    let index: HashMap<&str, usize> = items.iter().enumerate().map(|(k, i)| (i.id.as_str(), k)).collect();
    let mut pairs = HashSet::new();
    for (k, item) in items.iter().enumerate() {
        for e in &item.enemies {
            if let Some(&j) = index.get(e.as_str())
                && j != k
            {
                pairs.insert((k.min(j), k.max(j)));
            }
        }
    }
    pairs
}

/// Units fed by one passage in different sections: a passage feeds one item group per form, so
/// they are enemies (an item of one part must not give away another's answer). Empty when the
/// blueprint allows `stimulus_across_sections` (the passage's items are then one unit).
fn same_passage_pairs(items: &[&Item], unit_of_item: &[usize]) -> Vec<(usize, usize)> {
    let mut units_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, item) in items.iter().enumerate() {
        if let Some(s) = item.stimulus.as_deref()
            && unit_of_item[k] != usize::MAX
        {
            let units = units_of.entry(s).or_default();
            if !units.contains(&unit_of_item[k]) {
                units.push(unit_of_item[k]);
            }
        }
    }
    let mut pairs = Vec::new();
    for units in units_of.values() {
        for (x, &a) in units.iter().enumerate() {
            for &b in &units[x + 1..] {
                pairs.push((a.min(b), a.max(b)));
            }
        }
    }
    pairs
}

/// Enemy pairs of items lifted to distinct units, sorted, without repeats.
fn enemy_pairs(enemy_items: HashSet<(usize, usize)>, unit_of_item: &[usize]) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = enemy_items
        .into_iter()
        .filter_map(|(a, b)| {
            let (ua, ub) = (unit_of_item[a], unit_of_item[b]);
            (ua != usize::MAX && ub != usize::MAX && ua != ub).then_some((ua.min(ub), ua.max(ub)))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

impl Unit {
    /// The unit of the items `g` (indices into `items`): its counts per section and cell, its
    /// information at the θ points, its difficulty sum and the uses left of its most used item.
    fn of(
        bp: &Blueprint,
        cells: &[Cell],
        thetas: &[f64],
        items: &[&Item],
        models: &[Option<ItemModel>],
        g: Vec<usize>,
    ) -> Unit {
        let mut section_counts = vec![0u32; bp.sections.len()];
        let mut coef: BTreeMap<usize, f64> = BTreeMap::new();
        let mut info = vec![0.0; thetas.len()];
        let mut b_sum = 0.0;
        let mut uses_left: Option<u32> = None;
        for &k in &g {
            let item = items[k];
            if let Some(s) = bp.section_of(item.kind()) {
                section_counts[s] += 1;
            }
            for (c, cell) in cells.iter().enumerate() {
                let v = cell_coefficient(bp, &bp.matrix[cell.row], cell.level, item);
                if v != 0.0 {
                    *coef.entry(c).or_default() += v;
                }
            }
            if let Some(m) = &models[k] {
                for (t, theta) in thetas.iter().enumerate() {
                    info[t] += m.information(*theta);
                }
                b_sum += m.difficulty();
            }
            if let Some(e) = &bp.exposure {
                let left = e.max_uses.saturating_sub(item.uses);
                uses_left = Some(uses_left.map_or(left, |u| u.min(left)));
            }
        }
        Unit {
            items: g,
            section_counts,
            cells: coef.into_iter().collect(),
            info,
            b_sum,
            uses_left,
            has_enemies: false,
        }
    }
}
