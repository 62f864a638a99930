//! The error a service's start-up ends with: a sentence for the operator (which file, which
//! setting, which address), printed by the CLI and nothing more.

/// A start-up failure, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

impl From<String> for StartError {
    fn from(s: String) -> Self {
        Self(s)
    }
}
