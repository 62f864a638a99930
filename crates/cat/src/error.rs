//! The crate's one error type.

/// Everything the engine refuses, in words a board (or the delivery server's log) can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatError {
    /// The pool is unusable as given (duplicate id, bad parameters, a model unfit for the kind…).
    #[error("pool: {0}")]
    Pool(String),
    /// The design contradicts itself or the pool (e.g. a length above the pool's size).
    #[error("design: {0}")]
    Design(String),
    /// The state names an item the pool does not have, a score above the item's maximum, or an
    /// item twice.
    #[error("state: {0}")]
    State(String),
    /// The shadow test's MILP could not be solved (infeasible from the items given so far, or
    /// the solver failed or ran out of time).
    #[error("shadow test: {0}")]
    Shadow(String),
    /// A simulation or exposure-calibration request out of bounds.
    #[error("simulation: {0}")]
    Simulation(String),
}

pub type Result<T> = std::result::Result<T, CatError>;
