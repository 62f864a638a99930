use crate::blueprint::BlueprintError;
use crate::diagnosis::Diagnosis;

/// Everything that can stop an assembly. The infeasible case carries the diagnosis in the board's
/// terms, so callers (CLI, bank job) can show it without knowing the model.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    #[error(transparent)]
    Blueprint(#[from] BlueprintError),
    #[error("the blueprint cannot be met: {}", .0.summary())]
    Infeasible(Box<Diagnosis>),
    #[error("form {form} lists item {item}, which is not among the items given")]
    UnknownItem { form: String, item: String },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the solver found no {what} within the time limit ({seconds:.1} s); raise the time limit")]
    NoSolutionInTime { what: String, seconds: f64 },
    #[error("the solver failed: {0}")]
    Solver(String),
    #[error("the {0} solver is not compiled into this build (cargo feature `{0}`)")]
    SolverUnavailable(&'static str),
}
