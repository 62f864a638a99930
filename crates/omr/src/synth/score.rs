//! Scoring a reading against its truth: what the accuracy test and the benchmark count.

use crate::layout::Layout;
use crate::reading::{AnswerValue, SheetReading};

use super::fill::{Expect, Truth};

/// Counts over many sheets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub sheets: usize,
    /// Keys filled cleanly (one clear mark per slot, or the number fields), and their bubbles.
    pub clean_keys: usize,
    pub clean_bubbles: usize,
    /// … read right without a flag, and their bubbles.
    pub clean_right: usize,
    pub clean_bubbles_right: usize,
    /// … flagged although clean (a person looks; never wrong, but costs accuracy).
    pub clean_flagged: usize,
    /// Keys left blank and read as blank (or flagged).
    pub blank_keys: usize,
    pub blank_right: usize,
    /// Double marks and erasures, and how many of them were flagged.
    pub must_flag: usize,
    pub must_flag_flagged: usize,
    /// Answers (or numbers) reported without a flag that differ from the truth. Must be 0.
    pub wrong_unflagged: usize,
    /// Sheets whose QR code was not decoded, and sheets whose marks were not found.
    pub qr_unread: usize,
    pub marks_not_found: usize,
    /// The keys behind `wrong_unflagged` and the double marks and erasures left unflagged
    /// (`sheet index/key: what was read`), for the benchmark's report.
    pub missed: Vec<String>,
}

impl Tally {
    pub fn add(&mut self, layout: &Layout, truth: &Truth, reading: &SheetReading) {
        self.sheets += 1;
        let flagged = |key: &str| reading.flags.iter().any(|f| f.key == key || f.key == "sheet");
        self.qr_unread += usize::from(reading.flags.iter().any(|f| f.key == "qr"));
        self.marks_not_found += usize::from(reading.flags.iter().any(|f| f.key == "sheet"));
        for (key, expect) in &truth.keys {
            let got: Option<AnswerValue> = match key.as_str() {
                "candidate" => reading.candidate.clone().map(AnswerValue::Text),
                "version" => reading.version.clone().map(AnswerValue::Text),
                _ => reading.answers.get(key).cloned(),
            };
            let bubbles = layout.bubbles.iter().filter(|b| b.meaning.key() == *key).count();
            match expect {
                Expect::Answer(v) => {
                    self.clean_keys += 1;
                    self.clean_bubbles += bubbles;
                    if flagged(key) {
                        self.clean_flagged += 1;
                    } else if got.as_ref() == Some(v) {
                        self.clean_right += 1;
                        self.clean_bubbles_right += bubbles;
                    } else {
                        self.wrong_unflagged += 1;
                        self.missed.push(format!("{}/{key}: {got:?}, truth {v:?}", self.sheets - 1));
                    }
                }
                Expect::Blank => {
                    self.blank_keys += 1;
                    if flagged(key) || got.is_none() {
                        self.blank_right += 1;
                    } else {
                        self.wrong_unflagged += 1;
                        self.missed.push(format!("{}/{key}: {got:?}, truth blank", self.sheets - 1));
                    }
                }
                Expect::Flag => {
                    self.must_flag += 1;
                    if flagged(key) {
                        self.must_flag_flagged += 1;
                    } else {
                        self.wrong_unflagged += usize::from(got.is_some());
                        self.missed.push(format!("{}/{key}: {got:?}, truth spoilt", self.sheets - 1));
                    }
                }
            }
        }
    }

    /// Share of the clean keys' bubbles read right.
    pub fn clean_accuracy(&self) -> f64 {
        self.clean_bubbles_right as f64 / self.clean_bubbles.max(1) as f64
    }
}
