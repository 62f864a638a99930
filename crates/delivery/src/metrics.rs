//! The delivery server's own `/metrics` families (beside khaothi_http::metrics' HTTP and login
//! families): the live websockets, the answers and how fast they are acknowledged, and the
//! single writer's batches. Registered at start, so the first scrape lists them all.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use khaothi_http::metrics::MetricsBuilder;

/// `kind`: `candidate` or `proctor`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SocketLabels {
    pub kind: &'static str,
}

/// `outcome`: `acknowledged`, or the refusal's error code (`not_saved`, `deadline_passed`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AnswerLabels {
    pub outcome: String,
}

pub struct DeliveryMetrics {
    pub sockets: Family<SocketLabels, Gauge>,
    pub answers: Family<AnswerLabels, Counter>,
    /// From the answer frame's arrival to its acknowledgement's departure.
    pub ack_seconds: Histogram,
    /// Rows per group commit, and how long each commit took.
    pub writer_batch_rows: Histogram,
    pub writer_commit_seconds: Histogram,
}

impl DeliveryMetrics {
    pub fn register(builder: &mut MetricsBuilder) -> Self {
        let m = Self {
            sockets: Family::default(),
            answers: Family::default(),
            ack_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            writer_batch_rows: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            writer_commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
        };
        for kind in ["candidate", "proctor"] {
            let _ = m.sockets.get_or_create(&SocketLabels { kind });
        }
        let _ = m.answers.get_or_create(&AnswerLabels { outcome: "acknowledged".into() });
        let r = builder.registry();
        r.register("websocket_connections", "Open websockets by kind", m.sockets.clone());
        r.register(
            "answers",
            "Answers received, by outcome (acknowledged or the refusal's code)",
            m.answers.clone(),
        );
        r.register(
            "ack_latency_seconds",
            "Answer frame received to acknowledgement sent",
            m.ack_seconds.clone(),
        );
        r.register(
            "writer_batch_rows",
            "Rows per group commit of the single writer",
            m.writer_batch_rows.clone(),
        );
        r.register("writer_commit_seconds", "Duration of each group commit", m.writer_commit_seconds.clone());
        m
    }

    pub fn answer(&self, outcome: &str) {
        self.answers.get_or_create(&AnswerLabels { outcome: outcome.to_string() }).inc();
    }
}

/// Counts one open websocket while it lives (the gauge goes down however the socket ends).
pub struct OpenSocket(Gauge);

impl DeliveryMetrics {
    pub fn open_socket(&self, kind: &'static str) -> OpenSocket {
        let g = self.sockets.get_or_create(&SocketLabels { kind }).clone();
        g.inc();
        OpenSocket(g)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}
