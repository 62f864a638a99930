//! What a failed assembly tells the board: the findings and the diagnosis built from them. Plain
//! data, apart from the search that fills it in (module `diagnose`), so the crate's error can
//! carry it without depending on the solver.

use serde::Serialize;

use crate::pool::Exclusions;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Blueprint key, e.g. `matrix[3].van_dung`.
    pub rule: String,
    pub line: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} (line {l}): {}", self.rule, self.message),
            None => write!(f, "{}: {}", self.rule, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Which assembly failed: "one form", or "form 3 of 4" after earlier forms were placed.
    pub stage: String,
    pub eligible_items: usize,
    pub excluded: Exclusions,
    /// Sections and cells whose demand exceeds what the pool can supply.
    pub shortages: Vec<Finding>,
    /// Rules that cannot all hold together (irreducible when `conflict_complete`).
    pub conflict: Vec<Finding>,
    /// Every test of the deletion filter ended with a proof (not a time limit).
    pub conflict_complete: bool,
    pub notes: Vec<String>,
}

impl Diagnosis {
    /// One line for error messages.
    pub fn summary(&self) -> String {
        if let Some(s) = self.shortages.first() {
            return s.message.clone();
        }
        if !self.conflict.is_empty() {
            let rules: Vec<&str> = self.conflict.iter().map(|f| f.rule.as_str()).collect();
            return format!("these rules cannot all hold together: {}", rules.join(", "));
        }
        self.notes.first().cloned().unwrap_or_else(|| "no forms meet every rule".into())
    }

    /// The full explanation, for a person.
    pub fn to_text(&self) -> String {
        let mut out = format!("The blueprint cannot be met ({}).\n", self.stage);
        if !self.shortages.is_empty() {
            out.push_str("Not enough items:\n");
            for s in &self.shortages {
                out.push_str(&format!("  - {s}\n"));
            }
        }
        if !self.conflict.is_empty() {
            out.push_str(if self.conflict_complete {
                "These rules cannot all hold together (dropping or relaxing any one of them would make forms possible):\n"
            } else {
                "These rules cannot all hold together (the search ran out of time; the set may not be minimal):\n"
            });
            for c in &self.conflict {
                out.push_str(&format!("  - {c}\n"));
            }
        }
        out.push_str(&format!("The pool has {} usable items.\n", self.eligible_items));
        for s in self.excluded.sentences() {
            out.push_str(&format!("  - {s}\n"));
        }
        for n in &self.notes {
            out.push_str(&format!("{n}\n"));
        }
        out
    }
}
