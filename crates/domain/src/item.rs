//! Items as the bank stores them and the assembler and delivery server consume them.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::irt::IrtParams;
pub use crate::kind::ItemKind;
use crate::review::ReviewStatus;

/// Cognitive level: the 2018 curriculum's three levels, plus `van_dung_cao` of the older scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Biet,
    Hieu,
    VanDung,
    VanDungCao,
}

impl Level {
    pub const ALL: [Level; 4] = [Self::Biet, Self::Hieu, Self::VanDung, Self::VanDungCao];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Biet => "biet",
            Self::Hieu => "hieu",
            Self::VanDung => "van_dung",
            Self::VanDungCao => "van_dung_cao",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An option letter of a `single_choice` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Choice {
    A,
    B,
    C,
    D,
}

impl Choice {
    pub const ALL: [Choice; 4] = [Self::A, Self::B, Self::C, Self::D];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    pub fn letter(self) -> char {
        (b'A' + self as u8) as char
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "A" | "a" => Some(Self::A),
            "B" | "b" => Some(Self::B),
            "C" | "c" => Some(Self::C),
            "D" | "d" => Some(Self::D),
            _ => None,
        }
    }
}

/// A statement of a `true_false_group`. THPT blueprints count part II by statement level, so a
/// statement may carry its own level; `None` means the item's level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// Accepted answers of a `short_answer` item, already normalised (`.` → `,`, trimmed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortAnswerKey {
    pub accepted: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

impl ShortAnswerKey {
    /// The comparison rule of docs/formats.md: trim, map `.` to `,`, then exact match against any
    /// accepted string, or numeric match within the tolerance when one is set.
    pub fn accepts(&self, response: &str) -> bool {
        let r = normalise_short_answer(response);
        if self.accepted.contains(&r) {
            return true;
        }
        if let (Some(tol), Some(x)) = (self.tolerance, parse_decimal_comma(&r)) {
            return self
                .accepted
                .iter()
                .filter_map(|a| parse_decimal_comma(a))
                .any(|k| (k - x).abs() <= tol + 1e-12);
        }
        false
    }
}

/// Trim and map the decimal point to the Vietnamese decimal comma.
pub fn normalise_short_answer(s: &str) -> String {
    s.trim().replace('.', ",")
}

fn parse_decimal_comma(s: &str) -> Option<f64> {
    s.replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Checks the THPT part III answer box: at most 4 characters from digits, `-` and `,`, forming a
/// number (an optional leading `-`, digits, at most one decimal comma with digits on both sides).
pub fn check_short_answer_key(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n == 0 {
        return Err("is empty".into());
    }
    if n > 4 {
        return Err(format!("\"{s}\" has {n} characters; the THPT answer box holds at most 4"));
    }
    if let Some(bad) = s.chars().find(|c| !(c.is_ascii_digit() || *c == '-' || *c == ',')) {
        return Err(format!("\"{s}\" contains '{bad}'; only digits, '-' and ',' are allowed"));
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.split(',');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let ok = !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && parts.next().is_none()
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    if ok { Ok(()) } else { Err(format!("\"{s}\" is not a number such as 12, -3 or 0,5")) }
}

/// How a `multiple_response` item turns the options a candidate ticked into a share of its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResponseScoring {
    /// Full points when exactly the correct options are ticked, nothing otherwise.
    #[default]
    AllOrNothing,
    /// Each correct option ticked earns `1/k` (k = the number of correct options), each wrong
    /// option ticked takes `1/k` away, and the share never goes below 0 (docs/formats.md).
    Partial,
}

impl ResponseScoring {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllOrNothing => "all_or_nothing",
            Self::Partial => "partial",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::AllOrNothing, Self::Partial].into_iter().find(|r| r.as_str() == s)
    }

    /// The share (0–1) of a `multiple_response` item's points that `ticked` earns against `keys`
    /// (one flag per option each). A ticked list of another length earns nothing.
    pub fn share(self, keys: &[bool], ticked: &[bool]) -> f64 {
        if keys.len() != ticked.len() {
            return 0.0;
        }
        match self {
            Self::AllOrNothing => f64::from(u8::from(keys == ticked)),
            Self::Partial => {
                let correct = keys.iter().filter(|k| **k).count();
                if correct == 0 {
                    return 0.0;
                }
                let hits = keys.iter().zip(ticked).filter(|(k, t)| **k && **t).count();
                let wrong = keys.iter().zip(ticked).filter(|(k, t)| !**k && **t).count();
                (hits as f64 - wrong as f64).max(0.0) / correct as f64
            }
        }
    }
}

/// Bounds of a `multiple_response` item's options: QTI items from other systems have 2–10.
pub const MULTIPLE_RESPONSE_OPTIONS: std::ops::RangeInclusive<usize> = 2..=10;

/// What a candidate answers, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemBody {
    SingleChoice {
        options: Vec<String>,
        key: Choice,
    },
    TrueFalseGroup {
        statements: Vec<Statement>,
        keys: Vec<bool>,
    },
    ShortAnswer {
        answer: ShortAnswerKey,
    },
    /// Several options may be correct: `keys` holds one flag per option.
    MultipleResponse {
        options: Vec<String>,
        keys: Vec<bool>,
        #[serde(default)]
        scoring: ResponseScoring,
    },
}

impl ItemBody {
    pub fn kind(&self) -> ItemKind {
        match self {
            Self::SingleChoice { .. } => ItemKind::SingleChoice,
            Self::TrueFalseGroup { .. } => ItemKind::TrueFalseGroup,
            Self::ShortAnswer { .. } => ItemKind::ShortAnswer,
            Self::MultipleResponse { .. } => ItemKind::MultipleResponse,
        }
    }
}

/// One version of an item, validated. The bank adds identity, authorship and history around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub subject: String,
    pub grade: u8,
    pub topic: String,
    pub level: Level,
    pub stem: String,
    #[serde(flatten)]
    pub body: ItemBody,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stimulus: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
    pub status: ReviewStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irt: Option<IrtParams>,
    /// Whether versions (mã đề) may permute the options; off for "all of the above" style options.
    pub shuffle_options: bool,
    /// Media referenced by the item (bank media ids or file names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<String>,
    /// Past exposure (forms that used the item) until delivery records it.
    #[serde(default)]
    pub uses: u32,
    /// A worked solution (Markdown with LaTeX), as Word and LaTeX papers carry under `Lời giải`. It
    /// reveals the key, so it follows the keys' confidentiality: redacted views leave it out and an
    /// exam package never carries it in its content section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
}

impl Item {
    pub fn kind(&self) -> ItemKind {
        self.body.kind()
    }

    /// Level of each scored unit: the item itself, or each statement of a true/false group.
    pub fn unit_levels(&self) -> Vec<Level> {
        match &self.body {
            ItemBody::TrueFalseGroup { statements, .. } => {
                statements.iter().map(|s| s.level.unwrap_or(self.level)).collect()
            }
            _ => vec![self.level],
        }
    }

    /// Every validation rule of DESIGN §3 that needs no outside knowledge; all problems reported.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_id(&self.id, "id", &mut errors);
        if self.subject.is_empty()
            || !self.subject.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.push(FieldError::new(
                "subject",
                format!(
                    "\"{}\" is not a subject code (lowercase letters, digits, _), e.g. toan",
                    self.subject
                ),
            ));
        }
        if !(1..=12).contains(&self.grade) {
            errors.push(FieldError::new("grade", format!("must be 1–12, got {}", self.grade)));
        }
        if !is_topic_code(&self.topic) {
            errors.push(FieldError::new(
                "topic",
                format!("\"{}\" is not a curriculum code: dot-separated segments such as 12.1.2", self.topic),
            ));
        }
        if self.stem.trim().is_empty() {
            errors.push(FieldError::new("stem", "is empty"));
        }
        match &self.body {
            ItemBody::SingleChoice { options, .. } => {
                if options.len() != 4 {
                    errors.push(FieldError::new(
                        "options",
                        format!("a single_choice item has exactly 4 options (A–D), got {}", options.len()),
                    ));
                }
                for (i, o) in options.iter().enumerate() {
                    if o.trim().is_empty() {
                        errors.push(FieldError::new(format!("options[{i}]"), "is empty"));
                    }
                }
            }
            ItemBody::TrueFalseGroup { statements, keys } => {
                if statements.len() != 4 {
                    errors.push(FieldError::new(
                        "statements",
                        format!(
                            "a true_false_group has exactly 4 statements (a–d), got {}",
                            statements.len()
                        ),
                    ));
                }
                if keys.len() != 4 {
                    errors.push(FieldError::new(
                        "keys",
                        format!("a true_false_group has exactly 4 boolean keys, got {}", keys.len()),
                    ));
                }
                for (i, s) in statements.iter().enumerate() {
                    if s.text.trim().is_empty() {
                        errors.push(FieldError::new(format!("statements[{i}]"), "is empty"));
                    }
                }
            }
            ItemBody::ShortAnswer { answer } => check_short_answer(answer, &mut errors),
            ItemBody::MultipleResponse { options: o, keys: k, .. } => {
                check_multiple_response(o, k, &mut errors)
            }
        }
        if let Some(s) = &self.stimulus {
            check_id(s, "stimulus", &mut errors);
        }
        check_solution(self.solution.as_deref(), &mut errors);
        for (i, e) in self.enemies.iter().enumerate() {
            check_id(e, &format!("enemies[{i}]"), &mut errors);
            if *e == self.id {
                errors.push(FieldError::new(format!("enemies[{i}]"), "an item cannot be its own enemy"));
            }
        }
        if let Some(irt) = &self.irt {
            irt.validate(self.kind(), &mut errors);
        }
        errors
    }
}

/// At least one accepted answer, each fitting the THPT answer box; a non-negative tolerance.
fn check_short_answer(answer: &ShortAnswerKey, errors: &mut Vec<FieldError>) {
    if answer.accepted.is_empty() {
        errors.push(FieldError::new("answer", "needs at least one accepted answer"));
    }
    for (i, a) in answer.accepted.iter().enumerate() {
        if let Err(e) = check_short_answer_key(a) {
            let field =
                if answer.accepted.len() == 1 { "answer".to_string() } else { format!("answer[{i}]") };
            errors.push(FieldError::new(field, e));
        }
    }
    if let Some(t) = answer.tolerance
        && !(t.is_finite() && t >= 0.0)
    {
        errors.push(FieldError::new("tolerance", "must be a non-negative number"));
    }
}

/// 2–10 options, one key flag per option, at least one option correct.
fn check_multiple_response(options: &[String], keys: &[bool], errors: &mut Vec<FieldError>) {
    if !MULTIPLE_RESPONSE_OPTIONS.contains(&options.len()) {
        errors.push(FieldError::new(
            "options",
            format!("a multiple_response item has 2 to 10 options, got {}", options.len()),
        ));
    }
    for (i, o) in options.iter().enumerate() {
        if o.trim().is_empty() {
            errors.push(FieldError::new(format!("options[{i}]"), "is empty"));
        }
    }
    if keys.len() != options.len() {
        errors.push(FieldError::new(
            "keys",
            format!("needs one true/false per option ({}), got {}", options.len(), keys.len()),
        ));
    } else if !keys.contains(&true) {
        errors.push(FieldError::new("keys", "at least one option must be correct"));
    }
}

/// A solution, when given, has text: an empty one is a mistake of the file, not "no solution".
fn check_solution(solution: Option<&str>, errors: &mut Vec<FieldError>) {
    if solution.is_some_and(|s| s.trim().is_empty()) {
        errors.push(FieldError::new("solution", "is empty: leave the field out when there is no solution"));
    }
}

fn check_id(id: &str, field: &str, errors: &mut Vec<FieldError>) {
    if id.trim().is_empty() {
        errors.push(FieldError::new(field, "is empty"));
    } else if id.chars().count() > 128 {
        errors.push(FieldError::new(field, "is longer than 128 characters"));
    } else if id.chars().any(|c| c.is_control() || c == '/' || c.is_whitespace()) {
        errors.push(FieldError::new(
            field,
            format!("\"{id}\" may not contain spaces, '/' or control characters"),
        ));
    }
}

/// A curriculum code: dot-separated non-empty segments of ASCII letters and digits (`12.1.2`).
pub fn is_topic_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Topic prefixes match whole segments: `12.1` covers `12.1` and `12.1.2`, not `12.10`.
pub fn topic_has_prefix(topic: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('.');
    prefix.is_empty()
        || topic == prefix
        || (topic.starts_with(prefix) && topic.as_bytes().get(prefix.len()) == Some(&b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_answer_keys_follow_the_thpt_box() {
        for ok in ["12", "-3", "0,5", "-1,5", "1234", "0"] {
            assert!(check_short_answer_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12345", "1.5", "a", ",5", "5,", "1,2,3", "--1", "-"] {
            assert!(check_short_answer_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_answer_matching_maps_point_to_comma() {
        let key = ShortAnswerKey { accepted: vec!["0,5".into(), "1,5".into()], tolerance: None };
        assert!(key.accepts(" 0.5 "));
        assert!(key.accepts("1,5"));
        assert!(!key.accepts("0,50"));
        let tol = ShortAnswerKey { accepted: vec!["3,14".into()], tolerance: Some(0.01) };
        assert!(tol.accepts("3.15"));
        assert!(!tol.accepts("3.16"));
    }

    #[test]
    fn multiple_response_shares() {
        let keys = [true, false, true, false];
        let all = ResponseScoring::AllOrNothing;
        let part = ResponseScoring::Partial;
        assert_eq!(all.share(&keys, &[true, false, true, false]), 1.0);
        assert_eq!(all.share(&keys, &[true, false, false, false]), 0.0);
        assert_eq!(all.share(&keys, &[true, true, true, false]), 0.0);
        assert_eq!(part.share(&keys, &[true, false, true, false]), 1.0);
        assert_eq!(part.share(&keys, &[true, false, false, false]), 0.5);
        assert_eq!(part.share(&keys, &[true, true, false, false]), 0.0);
        assert_eq!(part.share(&keys, &[true, true, true, false]), 0.5);
        assert_eq!(part.share(&keys, &[false, true, false, true]), 0.0, "never below 0");
        assert_eq!(part.share(&keys, &[true, true, true, true]), 0.0);
        assert_eq!(part.share(&keys, &[true]), 0.0, "another length earns nothing");
        assert_eq!(ResponseScoring::parse("partial"), Some(part));
    }

    #[test]
    fn topic_prefixes_match_segments() {
        assert!(topic_has_prefix("12.1.2", "12.1"));
        assert!(topic_has_prefix("12.1", "12.1"));
        assert!(!topic_has_prefix("12.10", "12.1"));
        assert!(topic_has_prefix("12.10", ""));
        assert!(is_topic_code("12.1.2"));
        assert!(!is_topic_code("12..1"));
    }
}
