use serde::Serialize;

/// One problem with one field. `field` is a JSON path into the interchange record (`options[2]`,
/// `irt.a`) so an author can find the mistake without reading code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Every problem found, not just the first: authors fix a whole item in one pass.
    #[error("invalid item{}: {}", .item.as_deref().map(|i| format!(" {i}")).unwrap_or_default(), join(.errors))]
    Invalid { item: Option<String>, errors: Vec<FieldError> },
    #[error("{0}")]
    Encoding(String),
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
