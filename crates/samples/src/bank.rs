//! From templates to one subject's bank: quotas by kind, stimulus groups, enemy pairs, ids in topic
//! order, review statuses and plausible IRT parameters.

use std::collections::HashSet;

use khaothi_domain::interchange::AnswerRecord;
use khaothi_domain::{IrtModelKind, IrtParams, ItemKind, ItemRecord, Level, ReviewStatus, StatementRecord};
use rand::seq::SliceRandom;
use rand::{Rng as _, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde::Serialize;

use crate::draft::{Body, Draft, Group, KeyCheck, Rng};
use crate::taxonomy::SubjectTaxonomy;

/// A template for one item; `None` when the drawn parameters gave no clean item.
pub type Single = fn(&mut Rng) -> Option<Draft>;
/// Two items on one setting that give each other away: they become enemies.
pub type Pair = fn(&mut Rng) -> Option<[Draft; 2]>;
/// A stimulus and the items delivered with it.
pub type GroupGen = fn(&mut Rng) -> Option<Group>;

/// Every template of one subject, by kind.
pub struct Templates {
    pub single_choice: &'static [Single],
    pub true_false: &'static [Single],
    pub short_answer: &'static [Single],
    pub pairs: &'static [Pair],
    pub groups: &'static [GroupGen],
}

/// Shares of the pool by kind, close to the THPT paper (18 / 4 / 6 for most subjects) but with
/// more part II and III items than a paper so that blueprints have room.
const SHARE_TRUE_FALSE: f64 = 0.20;
const SHARE_SHORT_ANSWER: f64 = 0.25;
/// Each enemy-pair template is used this many times.
const PAIR_ROUNDS: usize = 2;
/// Draws a template may fail in a row (repeated stem, no clean option set) before it is retired.
const MAX_MISSES: usize = 40;

/// A stimulus as written to `stimuli.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StimulusRecord {
    pub id: String,
    pub subject: String,
    pub title: String,
    pub text: String,
}

/// One subject's generated bank.
#[derive(Debug, Clone)]
pub struct SubjectBank {
    pub taxonomy: &'static SubjectTaxonomy,
    pub items: Vec<ItemRecord>,
    pub stimuli: Vec<StimulusRecord>,
    /// Key recomputations by item index (tests only read them).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) checks: Vec<Option<KeyCheck>>,
    /// Items of enemy-pair templates (one gives the other away), by index.
    pub(crate) paired: HashSet<usize>,
}

enum Unit {
    /// One item and the template it came from (kind and position in the subject's list): siblings
    /// of one template are near-copies with other numbers, and become enemies.
    Single(Draft, (usize, usize)),
    Pair([Draft; 2]),
    Group(Group),
}

impl Unit {
    /// What makes an item a repeat of another: the same stem (and shared text) with the same set of
    /// options or statements, in any order.
    fn keys(&self) -> Vec<String> {
        let shared = match self {
            Unit::Group(g) => g.text.as_str(),
            _ => "",
        };
        self.drafts()
            .iter()
            .map(|d| {
                let mut parts: Vec<String> = match &d.body {
                    Body::Choice { options, .. } => options.clone(),
                    Body::TrueFalse { statements, .. } => statements.iter().map(|s| s.0.clone()).collect(),
                    Body::Short { .. } => Vec::new(),
                };
                parts.sort();
                format!("{shared}\u{1f}{}\u{1f}{}", d.stem, parts.join("\u{1f}"))
            })
            .collect()
    }

    fn drafts(&self) -> Vec<&Draft> {
        match self {
            Unit::Single(d, _) => vec![d],
            Unit::Pair(p) => p.iter().collect(),
            Unit::Group(g) => g.drafts.iter().collect(),
        }
    }
}

fn kind_of(body: &Body) -> ItemKind {
    match body {
        Body::Choice { .. } => ItemKind::SingleChoice,
        Body::TrueFalse { .. } => ItemKind::TrueFalseGroup,
        Body::Short { .. } => ItemKind::ShortAnswer,
    }
}

/// Generates `n` items (a few more when a stimulus group overshoots) for one subject.
pub fn generate_subject(
    tax: &'static SubjectTaxonomy,
    templates: &Templates,
    n: usize,
    seed: u64,
) -> SubjectBank {
    let mut rng = Rng::seed_from_u64(seed);
    let mut stems: HashSet<String> = HashSet::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut fresh = |keys: Vec<String>, stems: &mut HashSet<String>| {
        let ok = keys.iter().all(|k| !stems.contains(k));
        if ok {
            stems.extend(keys);
        }
        ok
    };
    let mut count = [0usize; 3];
    let add_counts = |u: &Unit, count: &mut [usize; 3]| {
        for d in u.drafts() {
            count[kind_index(kind_of(&d.body))] += 1;
        }
    };
    for g in templates.groups {
        if let Some(unit) = retry(&mut rng, |r| g(r).map(Unit::Group), &mut stems, &mut fresh) {
            add_counts(&unit, &mut count);
            units.push(unit);
        }
    }
    for _ in 0..PAIR_ROUNDS {
        for p in templates.pairs {
            if let Some(unit) = retry(&mut rng, |r| p(r).map(Unit::Pair), &mut stems, &mut fresh) {
                add_counts(&unit, &mut count);
                units.push(unit);
            }
        }
    }
    let tf_target = (n as f64 * SHARE_TRUE_FALSE).round() as usize;
    let sa_target = (n as f64 * SHARE_SHORT_ANSWER).round() as usize;
    let sc_target = n.saturating_sub(tf_target + sa_target);
    let quotas = [
        (templates.single_choice, sc_target.saturating_sub(count[0])),
        (templates.true_false, tf_target.saturating_sub(count[1])),
        (templates.short_answer, sa_target.saturating_sub(count[2])),
    ];
    for (kind, (pool, quota)) in quotas.into_iter().enumerate() {
        let mut live: Vec<(usize, Single)> = pool.iter().copied().enumerate().collect();
        live.shuffle(&mut rng);
        let mut made = 0;
        while made < quota && !live.is_empty() {
            let mut retired = Vec::new();
            for (i, &(at, t)) in live.iter().enumerate() {
                if made == quota {
                    break;
                }
                let single = |r: &mut Rng| t(r).map(|d| Unit::Single(d, (kind, at)));
                match retry(&mut rng, single, &mut stems, &mut fresh) {
                    Some(unit) => {
                        units.push(unit);
                        made += 1;
                    }
                    None => retired.push(i),
                }
            }
            for i in retired.into_iter().rev() {
                live.remove(i);
            }
        }
    }
    assemble(tax, units, &mut rng)
}

fn kind_index(k: ItemKind) -> usize {
    match k {
        // The samples are THPT papers and draw no multiple-response units.
        ItemKind::SingleChoice | ItemKind::MultipleResponse => 0,
        ItemKind::TrueFalseGroup => 1,
        ItemKind::ShortAnswer => 2,
    }
}

/// Draws from a template until it gives a unit whose stems are all new.
fn retry(
    rng: &mut Rng,
    mut draw: impl FnMut(&mut Rng) -> Option<Unit>,
    stems: &mut HashSet<String>,
    fresh: &mut impl FnMut(Vec<String>, &mut HashSet<String>) -> bool,
) -> Option<Unit> {
    for _ in 0..MAX_MISSES {
        if let Some(u) = draw(rng)
            && fresh(u.keys(), stems)
        {
            return Some(u);
        }
    }
    None
}

/// Orders units by topic (a bank browsed by id reads chapter by chapter), assigns ids, statuses,
/// IRT parameters, stimulus ids and enemies.
fn assemble(tax: &'static SubjectTaxonomy, mut units: Vec<Unit>, rng: &mut Rng) -> SubjectBank {
    units.sort_by_key(|u| topic_order(tax, u.drafts()[0].topic));
    let mut items = Vec::new();
    let mut checks = Vec::new();
    let mut stimuli = Vec::new();
    let mut siblings: std::collections::BTreeMap<(usize, usize), Vec<usize>> = Default::default();
    let mut paired = HashSet::new();
    for unit in units {
        let status = draw_status(rng);
        let (drafts, stimulus, pair) = match unit {
            Unit::Single(d, template) => {
                siblings.entry(template).or_default().push(items.len());
                (vec![d], None, false)
            }
            Unit::Pair(p) => (p.to_vec(), None, true),
            Unit::Group(g) => {
                let id = format!("ST-{}-{:02}", tax.id_prefix, stimuli.len() + 1);
                stimuli.push(StimulusRecord {
                    id: id.clone(),
                    subject: tax.subject.to_string(),
                    title: g.title,
                    text: g.text,
                });
                (g.drafts, Some(id), false)
            }
        };
        let first = items.len();
        for d in drafts {
            let id = format!("{}-{:04}", tax.id_prefix, items.len() + 1);
            checks.push(d.check.clone());
            items.push(record(tax, id, d, stimulus.clone(), status, rng));
        }
        if pair {
            paired.extend([first, first + 1]);
            let (a, b) = (items[first].id.clone(), items[first + 1].id.clone());
            items[first].enemies.push(b);
            items[first + 1].enemies.push(a);
        }
    }
    // One template filled with other numbers is one question asked twice: its items are enemies
    // of each other, so no paper carries two of them (what near-duplicate search would suggest,
    // confirmed here at the source).
    for group in siblings.values() {
        for &a in group {
            let others: Vec<String> =
                group.iter().filter(|&&b| b != a).map(|&b| items[b].id.clone()).collect();
            items[a].enemies.extend(others);
        }
    }
    SubjectBank { taxonomy: tax, items, stimuli, checks, paired }
}

fn topic_order(tax: &SubjectTaxonomy, topic: &str) -> usize {
    tax.topics.iter().position(|(c, _)| *c == topic).unwrap_or(usize::MAX)
}

/// Mostly approved, so that the exam board can assemble; some still in the review workflow.
fn draw_status(rng: &mut Rng) -> ReviewStatus {
    match rng.random_range(0..100) {
        0..=6 => ReviewStatus::Draft,
        7..=14 => ReviewStatus::InReview,
        _ => ReviewStatus::Approved,
    }
}

fn record(
    tax: &SubjectTaxonomy,
    id: String,
    d: Draft,
    stimulus: Option<String>,
    status: ReviewStatus,
    rng: &mut Rng,
) -> ItemRecord {
    let kind = kind_of(&d.body);
    let mut rec = ItemRecord {
        id,
        subject: tax.subject.to_string(),
        grade: 12,
        topic: d.topic.to_string(),
        level: d.level,
        kind,
        stem: d.stem,
        stimulus,
        status: Some(status),
        ..Default::default()
    };
    match d.body {
        Body::Choice { options, key } => {
            rec.options = Some(options);
            rec.key = Some(((b'A' + key as u8) as char).to_string());
            rec.irt = Some(dichotomous_irt(d.level, false, rng));
        }
        Body::TrueFalse { statements, keys } => {
            let levels: Vec<Level> = statements.iter().map(|s| s.1).collect();
            rec.statements = Some(
                statements
                    .into_iter()
                    .map(|(text, level)| StatementRecord::Full { text, level: Some(level) })
                    .collect(),
            );
            rec.keys = Some(keys);
            rec.irt = Some(group_irt(&levels, rng));
        }
        Body::Short { accepted } => {
            rec.answer = Some(if accepted.len() == 1 {
                AnswerRecord::One(accepted[0].clone())
            } else {
                AnswerRecord::Many(accepted)
            });
            rec.irt = Some(dichotomous_irt(d.level, true, rng));
        }
    }
    rec
}

/// Difficulty centre by level: `biet` items are easy for most candidates, `van_dung_cao` only for
/// the strongest.
fn level_b(level: Level) -> f64 {
    match level {
        Level::Biet => -1.3,
        Level::Hieu => -0.4,
        Level::VanDung => 0.5,
        Level::VanDungCao => 1.4,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn lognormal(rng: &mut Rng, median: f64, sd: f64) -> f64 {
    let z: f64 = Normal::new(0.0, sd).expect("valid sd").sample(rng);
    median * z.exp()
}

/// 2PL for constructed answers (a short answer cannot be guessed, and writing a number is harder
/// than recognising it); 3PL with `c` near 0.2 for about a third of the single-choice items.
fn dichotomous_irt(level: Level, short_answer: bool, rng: &mut Rng) -> IrtParams {
    let a = round2(lognormal(rng, 1.1, 0.25).clamp(0.45, 2.4));
    let shift = if short_answer { 0.35 } else { 0.0 };
    let b: f64 = Normal::new(level_b(level) + shift, 0.45).expect("valid").sample(rng);
    let b = round2(b.clamp(-3.0, 3.0));
    if !short_answer && rng.random_bool(0.3) {
        let c = round2(rng.random_range(0.12..0.28));
        IrtParams {
            model: Some(IrtModelKind::ThreePl),
            a: Some(a),
            b: Some(b),
            c: Some(c),
            ..Default::default()
        }
    } else {
        IrtParams { model: Some(IrtModelKind::TwoPl), a: Some(a), b: Some(b), ..Default::default() }
    }
}

/// GPCM for a true/false group scored 0–4: the first step is easy (chance alone gets two of four
/// statements right), the last needs every statement, so it sits near the hardest statement.
fn group_irt(levels: &[Level], rng: &mut Rng) -> IrtParams {
    let a = round2(lognormal(rng, 0.9, 0.2).clamp(0.4, 2.0));
    let mut bs: Vec<f64> = levels.iter().map(|&l| level_b(l)).collect();
    bs.sort_by(f64::total_cmp);
    let centre = bs.iter().sum::<f64>() / bs.len() as f64;
    let noise = Normal::new(0.0, 0.15).expect("valid");
    let offsets = [-1.8, -0.7, 0.3, 1.3];
    let thresholds = offsets
        .iter()
        .zip(&bs)
        .map(|(o, b)| round2(centre + o + 0.3 * (b - centre) + noise.sample(rng)))
        .collect();
    IrtParams {
        model: Some(IrtModelKind::Gpcm),
        a: Some(a),
        thresholds: Some(thresholds),
        ..Default::default()
    }
}

impl SubjectBank {
    /// `<subject>.jsonl`: one item a line.
    pub fn items_jsonl(&self) -> String {
        lines(&self.items)
    }

    /// The stimulus lines of this subject.
    pub fn stimuli_jsonl(&self) -> String {
        lines(&self.stimuli)
    }
}

pub(crate) fn lines<T: Serialize>(xs: &[T]) -> String {
    let mut out = String::new();
    for x in xs {
        out.push_str(&serde_json::to_string(x).expect("plain data serialises"));
        out.push('\n');
    }
    out
}
