//! Helpers for the crate's unit tests.

/// The size of the future `f` returns, without calling it (no state to build): memory held per
/// connection or per waiting request is bounded by tests with it.
pub fn future_size<A, F: std::future::Future>(_: impl FnOnce(A) -> F) -> usize {
    std::mem::size_of::<F>()
}
