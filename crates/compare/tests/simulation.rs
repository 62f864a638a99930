//! A small run of the planted-drift simulation (the benchmark is examples/drift.rs): the funnel
//! with robust over-dispersion finds large drifting schools and leaves the rest alone.

mod sim;

#[test]
fn planted_drift_is_found_in_large_schools_without_false_flags() {
    let mut t = sim::Tally::default();
    for seed in 1..=3 {
        t.add(sim::run(&sim::Setup::default(), seed));
    }
    assert!(t.planted_large >= 10, "{t:?}");
    let found = sim::Tally::rate(t.found_large, t.planted_large);
    let false_rate = sim::Tally::rate(t.false_flags, t.clean);
    assert!(found >= 0.8, "large drifting schools found: {found} ({t:?})");
    assert!(false_rate <= 0.03, "false flags: {false_rate} ({t:?})");
}

#[test]
fn with_no_drift_planted_almost_nothing_is_flagged() {
    // With no drift planted, almost nothing is flagged: the limits hold the natural spread.
    let setup = sim::Setup { planted_share: 0.0, ..Default::default() };
    let t = sim::run(&setup, 7);
    assert!(sim::Tally::rate(t.false_flags, t.clean) <= 0.02, "{t:?}");
}
