//! The item kinds, apart from items: the IRT parameters check themselves against a kind, and an
//! item holds parameters, so the kind sits below both.

use serde::{Deserialize, Serialize};

/// The item kinds of the 2025 THPT format (parts I, II, III), and `multiple_response` (several
/// correct options), which QTI packages from other systems bring in. THPT papers have no
/// multiple-response part and delivery does not score it yet, so assembly leaves it out
/// ([`ItemKind::is_thpt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    #[default]
    SingleChoice,
    TrueFalseGroup,
    ShortAnswer,
    MultipleResponse,
}

impl ItemKind {
    pub const ALL: [ItemKind; 4] =
        [Self::SingleChoice, Self::TrueFalseGroup, Self::ShortAnswer, Self::MultipleResponse];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleChoice => "single_choice",
            Self::TrueFalseGroup => "true_false_group",
            Self::ShortAnswer => "short_answer",
            Self::MultipleResponse => "multiple_response",
        }
    }

    /// Whether the kind is one of the THPT paper's three parts, which assembly and delivery serve.
    pub fn is_thpt(self) -> bool {
        !matches!(self, Self::MultipleResponse)
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
