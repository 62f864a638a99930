//! The review workflow `draft → in_review → approved → retired`, with rejection back to draft.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    #[default]
    Draft,
    InReview,
    Approved,
    Retired,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [Self::Draft, Self::InReview, Self::Approved, Self::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status after `action`, or why the action is not allowed from here.
    pub fn apply(self, action: ReviewAction) -> Result<ReviewStatus, TransitionError> {
        use ReviewAction as A;
        use ReviewStatus as S;
        match (self, action) {
            (S::Draft, A::Submit) => Ok(S::InReview),
            (S::InReview, A::Approve) => Ok(S::Approved),
            (S::InReview, A::Reject) => Ok(S::Draft),
            (S::Approved | S::Draft | S::InReview, A::Retire) => Ok(S::Retired),
            (from, action) => Err(TransitionError { from, action }),
        }
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    Submit,
    Approve,
    Reject,
    Retire,
}

impl ReviewAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Retire => "retire",
        }
    }
}

/// An illegal review transition, explained in the reviewer's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.explain())]
pub struct TransitionError {
    pub from: ReviewStatus,
    pub action: ReviewAction,
}

impl TransitionError {
    fn explain(&self) -> String {
        use ReviewAction as A;
        use ReviewStatus as S;
        let why = match (self.from, self.action) {
            (S::InReview, A::Submit) => "it is already waiting for review",
            (S::Approved, A::Submit) => "it is already approved; edit it to make a new draft version",
            (S::Retired, _) => "it is retired; retired versions are kept for history only",
            (S::Draft, A::Approve | A::Reject) => {
                "only an item submitted for review can be approved or rejected"
            }
            (S::Approved, A::Approve | A::Reject) => "it has already been approved",
            _ => "that transition is not part of the workflow",
        };
        format!("cannot {} an item that is {}: {}", self.action.as_str(), self.from, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_allows_only_the_documented_transitions() {
        use ReviewAction as A;
        use ReviewStatus as S;
        let legal = [
            (S::Draft, A::Submit, S::InReview),
            (S::InReview, A::Approve, S::Approved),
            (S::InReview, A::Reject, S::Draft),
            (S::Approved, A::Retire, S::Retired),
            (S::Draft, A::Retire, S::Retired),
            (S::InReview, A::Retire, S::Retired),
        ];
        for from in S::ALL {
            for action in [A::Submit, A::Approve, A::Reject, A::Retire] {
                let expected = legal.iter().find(|(f, a, _)| *f == from && *a == action).map(|t| t.2);
                match (from.apply(action), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e),
                    (Err(err), None) => assert!(err.to_string().starts_with("cannot")),
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }
}
