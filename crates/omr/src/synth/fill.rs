//! Filling a sheet like candidates do: most questions with one clean pencil mark, some left blank,
//! some with two marks, some with a mark rubbed out (leaving 30–50 % of its darkness, with the
//! eraser's streaks) — and the truth of every key.

use std::collections::BTreeMap;

use image::GrayImage;
use rand::Rng;

use crate::layout::{Layout, Meaning};
use crate::reading::AnswerValue;

/// What a correct reader must say about a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// This value, unflagged (or flagged, which costs accuracy but is never wrong).
    Answer(AnswerValue),
    /// Nothing: no answer and no flag needed.
    Blank,
    /// A double mark or an erasure: the key must be flagged.
    Flag,
}

/// Every key's truth, and the number of bubbles of the keys that were filled cleanly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Truth {
    pub keys: BTreeMap<String, Expect>,
    /// The bubbles (indices into the layout's) marked cleanly, and those rubbed out.
    pub marked: Vec<usize>,
    pub erased: Vec<usize>,
}

/// One slot's plan: the values marked cleanly, and the values erased.
#[derive(Default, Clone)]
struct Plan {
    marked: Vec<char>,
    erased: Vec<char>,
}

/// Fills `img` (the sheet at `px_per_mm`, unrotated) for the given candidate and version numbers.
pub fn fill(
    img: &mut GrayImage,
    layout: &Layout,
    px_per_mm: f64,
    candidate: &str,
    version: &str,
    rng: &mut impl Rng,
) -> Truth {
    // key → slot → options (value char, bubble index).
    let mut keys: BTreeMap<String, BTreeMap<u32, Vec<(char, usize)>>> = BTreeMap::new();
    for (i, b) in layout.bubbles.iter().enumerate() {
        let (slot, c) = slot_of(&b.meaning);
        keys.entry(b.meaning.key()).or_default().entry(slot).or_default().push((c, i));
    }
    let mut truth = Truth::default();
    for (key, slots) in &keys {
        let (plans, expect) = plan_key(key, slots, candidate, version, rng);
        for (slot, plan) in plans {
            for (c, i) in &slots[&slot] {
                let b = &layout.bubbles[*i];
                if plan.marked.contains(c) {
                    pencil(img, b.x * px_per_mm, b.y * px_per_mm, b.r * px_per_mm, false, rng);
                    truth.marked.push(*i);
                } else if plan.erased.contains(c) {
                    pencil(img, b.x * px_per_mm, b.y * px_per_mm, b.r * px_per_mm, true, rng);
                    truth.erased.push(*i);
                }
            }
        }
        truth.keys.insert(key.clone(), expect);
    }
    truth
}

fn slot_of(m: &Meaning) -> (u32, char) {
    match *m {
        Meaning::Number { digit, value, .. } => (digit, char::from(b'0' + value)),
        Meaning::Choice { value, .. } => (0, value),
        Meaning::Statement { statement, value, .. } => {
            (u32::from(statement) - u32::from('a'), if value { 'T' } else { 'F' })
        }
        Meaning::Character { column, value, .. } => (column, value),
    }
}

fn pick(options: &[(char, usize)], rng: &mut impl Rng) -> char {
    options[rng.random_range(0..options.len())].0
}

/// What to mark in each slot of `key`, and the truth.
fn plan_key(
    key: &str,
    slots: &BTreeMap<u32, Vec<(char, usize)>>,
    candidate: &str,
    version: &str,
    rng: &mut impl Rng,
) -> (BTreeMap<u32, Plan>, Expect) {
    let mut plans: BTreeMap<u32, Plan> = slots.keys().map(|&s| (s, Plan::default())).collect();
    if key == "candidate" || key == "version" {
        let number = if key == "candidate" { candidate } else { version };
        // One candidate in twenty leaves số báo danh to the QR code.
        if key == "candidate" && rng.random_bool(0.05) {
            return (plans, Expect::Answer(AnswerValue::Text(number.into())));
        }
        for (slot, c) in number.chars().enumerate() {
            if let Some(p) = plans.get_mut(&(slot as u32)) {
                p.marked.push(c);
            }
        }
        return (plans, Expect::Answer(AnswerValue::Text(number.into())));
    }
    let roll: f64 = rng.random();
    if roll < 0.06 {
        return (plans, Expect::Blank);
    }
    let value = if key.starts_with("III.") {
        short_answer(slots, &mut plans, rng)
    } else {
        choices(key, slots, &mut plans, rng)
    };
    let spoil = *slots.keys().nth(rng.random_range(0..slots.len())).unwrap_or(&0);
    let options = &slots[&spoil];
    let plan = plans.entry(spoil).or_default();
    if roll < 0.11 {
        // A second mark beside the first (or alone in an empty column: then two in the slot).
        let others: Vec<char> = options.iter().map(|o| o.0).filter(|c| !plan.marked.contains(c)).collect();
        plan.marked.push(others[rng.random_range(0..others.len())]);
        if plan.marked.len() < 2 {
            let more: Vec<char> = others.iter().copied().filter(|c| !plan.marked.contains(c)).collect();
            plan.marked.push(more[rng.random_range(0..more.len())]);
        }
        return (plans, Expect::Flag);
    }
    if roll < 0.16 {
        let others: Vec<char> = options.iter().map(|o| o.0).filter(|c| !plan.marked.contains(c)).collect();
        plan.erased.push(others[rng.random_range(0..others.len())]);
        return (plans, Expect::Flag);
    }
    (plans, Expect::Answer(value))
}

/// A PHẦN I letter or a PHẦN II row of Đúng/Sai (a statement left blank now and then).
fn choices(
    key: &str,
    slots: &BTreeMap<u32, Vec<(char, usize)>>,
    plans: &mut BTreeMap<u32, Plan>,
    rng: &mut impl Rng,
) -> AnswerValue {
    if key.starts_with("I.") {
        let c = pick(&slots[&0], rng);
        plans.entry(0).or_default().marked.push(c);
        return AnswerValue::Text(c.to_string());
    }
    let mut row = Vec::new();
    for (&slot, options) in slots {
        if rng.random_bool(0.05) {
            row.push(None);
            continue;
        }
        let c = pick(options, rng);
        plans.entry(slot).or_default().marked.push(c);
        row.push(Some(c == 'T'));
    }
    if row.iter().all(Option::is_none) {
        plans.entry(0).or_default().marked.push('T');
        row[0] = Some(true);
    }
    AnswerValue::Statements(row)
}

/// A PHẦN III number written from the left: `-1,5`, `12`, `0,25`, `2024`.
fn short_answer(
    slots: &BTreeMap<u32, Vec<(char, usize)>>,
    plans: &mut BTreeMap<u32, Plan>,
    rng: &mut impl Rng,
) -> AnswerValue {
    let digit = |rng: &mut dyn rand::RngCore| char::from(b'0' + (rng.next_u32() % 10) as u8);
    let text: String = match rng.random_range(0..5) {
        0 => format!("-{},{}", digit(rng), digit(rng)),
        1 => format!("{}{}", digit(rng), digit(rng)),
        2 => format!("{},{}{}", digit(rng), digit(rng), digit(rng)),
        3 => (0..4).map(|_| digit(rng)).collect(),
        _ => digit(rng).to_string(),
    };
    for (column, c) in text.chars().enumerate() {
        if slots.get(&(column as u32)).is_some_and(|o| o.iter().any(|o| o.0 == c)) {
            plans.entry(column as u32).or_default().marked.push(c);
        }
    }
    AnswerValue::Text(text)
}

/// A pencil mark on the bubble at (cx, cy) px of radius r px: a slightly off-centre, slightly
/// uneven graphite disk; erased, it keeps 30–50 % of its darkness in streaks.
fn pencil(img: &mut GrayImage, cx: f64, cy: f64, r: f64, erased: bool, rng: &mut impl Rng) {
    let rr = r * rng.random_range(0.85..1.05);
    let (ox, oy) = (rng.random_range(-0.12..0.12) * r, rng.random_range(-0.12..0.12) * r);
    let (cx, cy) = (cx + ox, cy + oy);
    let base: f64 = rng.random_range(35.0..100.0);
    let keep: f64 = if erased { rng.random_range(0.30..0.50) } else { 1.0 };
    let (w, h) = (img.width() as i64, img.height() as i64);
    for py in (cy - rr - 1.0) as i64..=(cy + rr + 1.0) as i64 {
        // The eraser leaves bands: each row keeps a different share of the graphite.
        let row_keep = if erased { (keep * rng.random_range(0.4..1.6)).min(0.9) } else { 1.0 };
        for px in (cx - rr - 1.0) as i64..=(cx + rr + 1.0) as i64 {
            if !(0..w).contains(&px) || !(0..h).contains(&py) {
                continue;
            }
            let d = ((px as f64 + 0.5 - cx).powi(2) + (py as f64 + 0.5 - cy).powi(2)).sqrt();
            let cover = (rr - d + 0.5).clamp(0.0, 1.0);
            if cover <= 0.0 {
                continue;
            }
            let grain = rng.random_range(-18.0..18.0);
            let dark = (255.0 - (base + grain)) * row_keep * cover;
            let p = img.get_pixel_mut(px as u32, py as u32);
            // Graphite darkens what is under it (the printed ring and label too).
            p.0[0] = (f64::from(p.0[0]) * (1.0 - dark / 255.0)).round().clamp(0.0, 255.0) as u8;
        }
    }
}
