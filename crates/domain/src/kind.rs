//! The item kinds, apart from items: the IRT parameters check themselves against a kind, and an
//! item holds parameters, so the kind sits below both.

use serde::{Deserialize, Serialize};

/// The item kinds of the 2025 THPT format (parts I, II, III).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    #[default]
    SingleChoice,
    TrueFalseGroup,
    ShortAnswer,
}

impl ItemKind {
    pub const ALL: [ItemKind; 3] = [Self::SingleChoice, Self::TrueFalseGroup, Self::ShortAnswer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleChoice => "single_choice",
            Self::TrueFalseGroup => "true_false_group",
            Self::ShortAnswer => "short_answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
