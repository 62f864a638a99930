//! The bank's own `/metrics` families (beside khaothi_http::metrics' HTTP and login families):
//! control-room reports by outcome, calibration and assembly job durations. Registered at start,
//! so the first scrape lists them all.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use khaothi_http::metrics::MetricsBuilder;

/// `outcome`: `accepted`, or the refusal's error code (`report_replayed`, `unknown_site`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

/// `outcome` of a job: its final status (`done`, `failed`; assembly also `infeasible`). A
/// cancelled calibration counts as `done`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub outcome: &'static str,
}

fn job_histogram() -> Histogram {
    // 10 ms to ~3 h.
    Histogram::new(exponential_buckets(0.01, 2.0, 21))
}

pub struct BankMetrics {
    pub site_reports: Family<OutcomeLabels, Counter>,
    pub calibration_seconds: Family<JobLabels, Histogram, fn() -> Histogram>,
    pub assembly_seconds: Family<JobLabels, Histogram, fn() -> Histogram>,
}

impl BankMetrics {
    pub fn register(builder: &mut MetricsBuilder) -> Self {
        let m = Self {
            site_reports: Family::default(),
            calibration_seconds: Family::new_with_constructor(job_histogram as fn() -> Histogram),
            assembly_seconds: Family::new_with_constructor(job_histogram as fn() -> Histogram),
        };
        let _ = m.site_reports.get_or_create(&OutcomeLabels { outcome: "accepted".into() });
        for outcome in ["done", "failed"] {
            let _ = m.calibration_seconds.get_or_create(&JobLabels { outcome });
        }
        for outcome in ["done", "infeasible", "failed"] {
            let _ = m.assembly_seconds.get_or_create(&JobLabels { outcome });
        }
        let r = builder.registry();
        r.register(
            "site_reports",
            "Control-room reports received from delivery sites, by outcome (accepted or the refusal's code)",
            m.site_reports.clone(),
        );
        r.register(
            "calibration_job_seconds",
            "Duration of calibration jobs, by outcome",
            m.calibration_seconds.clone(),
        );
        r.register(
            "assembly_job_seconds",
            "Duration of assembly jobs, by outcome",
            m.assembly_seconds.clone(),
        );
        m
    }

    /// Records a job's duration under its outcome.
    pub fn job(
        &self,
        family: &Family<JobLabels, Histogram, fn() -> Histogram>,
        outcome: &'static str,
        took: std::time::Duration,
    ) {
        family.get_or_create(&JobLabels { outcome }).observe(took.as_secs_f64());
    }

    pub fn report(&self, outcome: &str) {
        self.site_reports.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }
}
