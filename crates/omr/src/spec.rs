//! What a sheet must hold, taken from a form's version: how many questions in each part (PHẦN I
//! single choice, PHẦN II true/false groups with their statement counts, PHẦN III short answers)
//! and how many digits the số báo danh and mã đề have. Only the parts the form has are printed.

use khaothi_domain::form::{Version, VersionKey};

use crate::OmrError;

/// The THPT sheet's capacity: PHẦN I 40 questions, PHẦN II 8 groups of up to 4 statements,
/// PHẦN III 6 short answers of 4 characters.
pub const MAX_PART_I: u32 = 40;
pub const MAX_PART_II: usize = 8;
pub const MAX_STATEMENTS: u32 = 4;
pub const MAX_PART_III: u32 = 6;
/// Digits of số báo danh on the THPT sheet; a candidate list with longer all-digit numbers widens it.
pub const DEFAULT_CANDIDATE_DIGITS: u32 = 6;
pub const MAX_NUMBER_DIGITS: u32 = 10;

/// The sheet's content, independent of who fills it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSpec {
    pub form: String,
    pub version: String,
    /// Number of PHẦN I questions.
    pub part_i: u32,
    /// Statements of each PHẦN II question, in printed order.
    pub part_ii: Vec<u32>,
    /// Number of PHẦN III questions.
    pub part_iii: u32,
    pub candidate_digits: u32,
    pub version_digits: u32,
}

impl SheetSpec {
    /// The sheet of `version`: its items counted by kind in delivery order (the order of the
    /// printed paper, numbered per part).
    pub fn from_version(version: &Version, candidate_digits: u32) -> Result<Self, OmrError> {
        let mut spec = SheetSpec {
            form: version.form_id.clone(),
            version: version.code.clone(),
            part_i: 0,
            part_ii: Vec::new(),
            part_iii: 0,
            candidate_digits,
            version_digits: version.code.chars().count() as u32,
        };
        for id in &version.items {
            match version.keys.get(id) {
                Some(VersionKey::SingleChoice(_)) => spec.part_i += 1,
                Some(VersionKey::TrueFalseGroup(statements)) => spec.part_ii.push(statements.len() as u32),
                Some(VersionKey::ShortAnswer(_)) => spec.part_iii += 1,
                None => {
                    return Err(OmrError::Unsupported(format!(
                        "item {id} has no key in version {}",
                        version.code
                    )));
                }
            }
        }
        spec.check()?;
        Ok(spec)
    }

    /// Refuses what the one-page sheet cannot hold.
    pub fn check(&self) -> Result<(), OmrError> {
        let too_many = |what: &str, n: usize, max: usize| {
            Err(OmrError::Unsupported(format!("{what}: {n} (the sheet holds at most {max})")))
        };
        if self.part_i > MAX_PART_I {
            return too_many("PHẦN I questions", self.part_i as usize, MAX_PART_I as usize);
        }
        if self.part_ii.len() > MAX_PART_II {
            return too_many("PHẦN II questions", self.part_ii.len(), MAX_PART_II);
        }
        if let Some(&n) = self.part_ii.iter().find(|&&n| n == 0 || n > MAX_STATEMENTS) {
            return too_many("statements in a PHẦN II question", n as usize, MAX_STATEMENTS as usize);
        }
        if self.part_iii > MAX_PART_III {
            return too_many("PHẦN III questions", self.part_iii as usize, MAX_PART_III as usize);
        }
        if !self.version.chars().all(|c| c.is_ascii_digit()) || self.version_digits == 0 {
            return Err(OmrError::Unsupported(format!("version code {:?} is not all digits", self.version)));
        }
        for (what, n) in
            [("số báo danh digits", self.candidate_digits), ("mã đề digits", self.version_digits)]
        {
            if n == 0 || n > MAX_NUMBER_DIGITS {
                return too_many(what, n as usize, MAX_NUMBER_DIGITS as usize);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use khaothi_domain::{Choice, ShortAnswerKey};

    use super::*;

    fn version(keys: Vec<VersionKey>) -> Version {
        let items: Vec<String> = (0..keys.len()).map(|i| format!("Q{i}")).collect();
        Version {
            code: "0101".into(),
            form_id: "F1".into(),
            keys: items.iter().cloned().zip(keys).collect::<BTreeMap<_, _>>(),
            items,
            options: BTreeMap::new(),
        }
    }

    #[test]
    fn parts_are_counted_by_kind() {
        let sa = ShortAnswerKey { accepted: vec!["1,5".into()], tolerance: None };
        let v = version(vec![
            VersionKey::SingleChoice(Choice::A),
            VersionKey::SingleChoice(Choice::B),
            VersionKey::TrueFalseGroup(vec![true, false, true, true]),
            VersionKey::ShortAnswer(sa),
        ]);
        let spec = SheetSpec::from_version(&v, 6).unwrap();
        assert_eq!((spec.part_i, spec.part_ii.clone(), spec.part_iii), (2, vec![4], 1));
        assert_eq!(spec.version_digits, 4);
    }

    #[test]
    fn a_form_larger_than_the_sheet_is_refused() {
        let v = version(vec![VersionKey::SingleChoice(Choice::A); 41]);
        let err = SheetSpec::from_version(&v, 6).unwrap_err().to_string();
        assert!(err.contains("PHẦN I questions: 41"), "{err}");
    }
}
