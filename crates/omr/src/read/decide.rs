//! From bubble states to answers and flags, key by key. One rule everywhere: a slot (a question in
//! PHẦN I, a statement in PHẦN II, a column in PHẦN III, a digit of a number) takes the value of its
//! one filled bubble; none filled is blank; two filled, or any doubtful bubble, flags the whole key
//! for a person — the reader never picks between marks.

use std::collections::BTreeMap;

use super::measure::{EMPTY, FILLED, Measured, State};
use crate::layout::{Bubble, Meaning, NumberField};
use crate::reading::{AnswerValue, FlagReason};

/// What one key's bubbles say.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyReading {
    /// Nothing marked (an unanswered question; a number field left blank).
    Blank,
    /// A clear reading, with its confidence (0–1).
    Value(AnswerValue, f64),
    /// A person must decide; `proposed` is the reading if the doubtful marks counted as they lean.
    Flagged { reason: FlagReason, proposed: Option<AnswerValue> },
}

/// A slot's value as a character: a letter, a digit, `-`/`,`, or `T`/`F` for Đúng/Sai.
fn slot_char(m: &Meaning) -> char {
    match *m {
        Meaning::Number { value, .. } => char::from(b'0' + value),
        Meaning::Choice { value, .. } | Meaning::Character { value, .. } => value,
        Meaning::Statement { value, .. } => {
            if value {
                'T'
            } else {
                'F'
            }
        }
    }
}

/// Which slot of its key a bubble is in.
fn slot_index(m: &Meaning) -> u32 {
    match *m {
        Meaning::Number { digit, .. } => digit,
        Meaning::Choice { .. } => 0,
        Meaning::Statement { statement, .. } => u32::from(statement) - u32::from('a'),
        Meaning::Character { column, .. } => column,
    }
}

/// One slot: `Ok(Some(c))` one mark, `Ok(None)` blank, `Err((reason, lean))` for a person.
type Slot = Result<Option<char>, (FlagReason, Option<char>)>;

fn read_slot(options: &[(char, Measured)]) -> Slot {
    let filled: Vec<char> = options.iter().filter(|o| o.1.state == State::Filled).map(|o| o.0).collect();
    let doubtful: Vec<&(char, Measured)> =
        options.iter().filter(|o| matches!(o.1.state, State::Faint | State::Erased)).collect();
    if filled.len() > 1 {
        return Err((FlagReason::DoubleMark, None));
    }
    if let Some(worst) = doubtful.iter().max_by(|a, b| a.1.fill.total_cmp(&b.1.fill)) {
        let reason = if doubtful.iter().any(|o| o.1.state == State::Erased) {
            FlagReason::Erasure
        } else {
            FlagReason::FaintMark
        };
        let lean = match (filled.first(), doubtful.len()) {
            (Some(&c), _) => Some(c),
            (None, 1) => Some(worst.0),
            _ => None,
        };
        return Err((reason, lean));
    }
    Ok(filled.first().copied())
}

/// How far a bubble is from the doubtful band: 1 for a full mark or a clean blank.
fn clarity(fill: f64) -> f64 {
    if fill >= FILLED {
        ((fill - FILLED) / (0.75 - FILLED)).clamp(0.0, 1.0)
    } else {
        ((EMPTY - fill) / EMPTY).clamp(0.0, 1.0)
    }
}

/// Every key's reading, keyed `candidate`, `version`, `I.n`, `II.n`, `III.n`.
pub fn read_keys(bubbles: &[Bubble], measured: &[Measured]) -> BTreeMap<String, KeyReading> {
    // key → slot → options; and the key's kind (the first bubble's meaning).
    let mut keys: BTreeMap<String, (Meaning, BTreeMap<u32, Vec<(char, Measured)>>, f64)> = BTreeMap::new();
    for (b, m) in bubbles.iter().zip(measured) {
        let entry = keys.entry(b.meaning.key()).or_insert_with(|| (b.meaning, BTreeMap::new(), 1.0));
        entry.1.entry(slot_index(&b.meaning)).or_default().push((slot_char(&b.meaning), *m));
        entry.2 = entry.2.min(clarity(m.fill));
    }
    keys.into_iter().map(|(key, (kind, slots, conf))| (key, read_key(&kind, &slots, conf))).collect()
}

fn read_key(kind: &Meaning, slots: &BTreeMap<u32, Vec<(char, Measured)>>, conf: f64) -> KeyReading {
    let width = slots.keys().max().map_or(0, |m| m + 1) as usize;
    let mut values: Vec<Option<char>> = vec![None; width];
    let mut leans: Vec<Option<char>> = vec![None; width];
    let mut worst: Option<FlagReason> = None;
    for (&i, options) in slots {
        match read_slot(options) {
            Ok(v) => (values[i as usize], leans[i as usize]) = (v, v),
            Err((reason, lean)) => {
                leans[i as usize] = lean;
                worst = Some(match (worst, reason) {
                    (Some(FlagReason::DoubleMark), _) | (_, FlagReason::DoubleMark) => FlagReason::DoubleMark,
                    (Some(FlagReason::Erasure), _) | (_, FlagReason::Erasure) => FlagReason::Erasure,
                    _ => FlagReason::FaintMark,
                });
            }
        }
    }
    if let Some(reason) = worst {
        return KeyReading::Flagged { reason, proposed: value_of(kind, &leans).ok().flatten() };
    }
    match value_of(kind, &values) {
        Ok(Some(v)) => KeyReading::Value(v, (conf * 1000.0).round() / 1000.0),
        Ok(None) => KeyReading::Blank,
        Err((reason, proposed)) => KeyReading::Flagged { reason, proposed },
    }
}

/// The key's value from its slots; an incomplete number or a malformed short answer is an error
/// carrying what was read.
fn value_of(
    kind: &Meaning,
    slots: &[Option<char>],
) -> Result<Option<AnswerValue>, (FlagReason, Option<AnswerValue>)> {
    if slots.iter().all(Option::is_none) {
        return Ok(None);
    }
    let text = || slots.iter().map(|c| c.unwrap_or(' ')).collect::<String>().trim().to_string();
    match kind {
        Meaning::Choice { .. } => Ok(slots[0].map(|c| AnswerValue::Text(c.to_string()))),
        Meaning::Statement { .. } => {
            Ok(Some(AnswerValue::Statements(slots.iter().map(|c| c.map(|c| c == 'T')).collect())))
        }
        Meaning::Number { field: NumberField::Candidate | NumberField::Version, .. } => {
            if slots.iter().any(Option::is_none) {
                Err((FlagReason::IncompleteNumber, Some(AnswerValue::Text(text()))))
            } else {
                Ok(Some(AnswerValue::Text(text())))
            }
        }
        Meaning::Character { .. } => {
            let t = text();
            if is_short_answer(&t) {
                Ok(Some(AnswerValue::Text(t)))
            } else {
                Err((FlagReason::InvalidShortAnswer, Some(AnswerValue::Text(t))))
            }
        }
    }
}

/// A short answer as THPT writes it: an optional minus, digits, optionally a comma and digits; no
/// gap between columns.
pub fn is_short_answer(t: &str) -> bool {
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut parts = body.split(',');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    parts.next().is_none() && digits(int) && frac.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(state: State) -> Measured {
        let fill = match state {
            State::Filled => 0.8,
            State::Empty => 0.0,
            _ => 0.3,
        };
        Measured { fill, texture: 0.0, state }
    }

    #[test]
    fn one_mark_reads_two_marks_or_a_doubt_flag() {
        use State::*;
        assert_eq!(read_slot(&[('A', m(Empty)), ('B', m(Filled)), ('C', m(Empty))]), Ok(Some('B')));
        assert_eq!(read_slot(&[('A', m(Empty)), ('B', m(Empty))]), Ok(None));
        assert_eq!(read_slot(&[('A', m(Filled)), ('B', m(Filled))]), Err((FlagReason::DoubleMark, None)));
        assert_eq!(read_slot(&[('A', m(Erased)), ('B', m(Filled))]), Err((FlagReason::Erasure, Some('B'))));
        assert_eq!(read_slot(&[('A', m(Faint)), ('B', m(Empty))]), Err((FlagReason::FaintMark, Some('A'))));
    }

    #[test]
    fn short_answers_follow_the_thpt_form() {
        for ok in ["-1,5", "12", "0,25", "1234", "-3"] {
            assert!(is_short_answer(ok), "{ok}");
        }
        for bad in ["1 5", ",5", "1,", "-", "1,2,3", "", "--1"] {
            assert!(!is_short_answer(bad), "{bad}");
        }
    }
}
