/// What can go wrong when building the sample set.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error("item {0} has no usable IRT parameters to simulate responses from")]
    Parameters(String),
    #[error("simulating responses: {0}")]
    Simulation(String),
    #[error("the sample set needs at least {min} items per subject, got {got}")]
    TooFewItems { min: usize, got: usize },
}
