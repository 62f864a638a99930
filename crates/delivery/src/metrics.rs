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
    /// `answers{outcome="acknowledged"}` itself (the same counter as in the family), counted
    /// without the family's lock and a new label string on every answer.
    pub acknowledged: Counter,
    /// From the answer frame's arrival to its acknowledgement's departure.
    pub ack_seconds: Histogram,
    /// Rows per group commit, and how long each commit took.
    pub writer_batch_rows: Histogram,
    pub writer_commit_seconds: Histogram,
    /// The login gate's places now (`state::admission`: paced by the acks).
    pub admission_places: Gauge,
    /// Control-room reports by outcome (`sent`, `failed`; crate::control_room).
    pub site_reports: Family<AnswerLabels, Counter>,
}

impl DeliveryMetrics {
    pub fn register(builder: &mut MetricsBuilder) -> Self {
        let answers = Family::<AnswerLabels, Counter>::default();
        let acknowledged = answers.get_or_create(&AnswerLabels { outcome: "acknowledged".into() }).clone();
        let m = Self {
            sockets: Family::default(),
            answers,
            acknowledged,
            ack_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            writer_batch_rows: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            writer_commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            admission_places: Gauge::default(),
            site_reports: Family::default(),
        };
        for outcome in ["sent", "failed"] {
            let _ = m.site_reports.get_or_create(&AnswerLabels { outcome: outcome.into() });
        }
        for kind in ["candidate", "proctor"] {
            let _ = m.sockets.get_or_create(&SocketLabels { kind });
        }
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
        r.register(
            "admission_places",
            "Candidate logins that may be in progress at once now (paced by the acknowledgements)",
            m.admission_places.clone(),
        );
        r.register(
            "site_reports",
            "Reports sent to the bank's control room, by outcome (sent or failed)",
            m.site_reports.clone(),
        );
        m
    }

    pub fn report(&self, outcome: &str) {
        self.site_reports.get_or_create(&AnswerLabels { outcome: outcome.to_string() }).inc();
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

/// `status`: an event's status (`created`, `packaged`, `open`, `scored`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub status: &'static str,
}

/// Registers `khaothi_events{status}`: the site's events by status, counted at every scrape.
pub fn register_events(builder: &mut MetricsBuilder, read: sea_orm::DatabaseConnection) {
    use crate::store::events::EventStatus;
    const ALL: [EventStatus; 4] =
        [EventStatus::Created, EventStatus::Packaged, EventStatus::Open, EventStatus::Scored];
    let family = Family::<EventLabels, Gauge>::default();
    for s in ALL {
        let _ = family.get_or_create(&EventLabels { status: s.as_str() });
    }
    builder.registry().register("events", "Exam events on this server, by status", family.clone());
    builder.on_scrape(Box::new(move || {
        let (family, read) = (family.clone(), read.clone());
        Box::pin(async move {
            let Ok(events) = crate::store::events::all(&read).await else { return };
            for s in ALL {
                let n = events.iter().filter(|e| e.status == s.as_str()).count();
                family
                    .get_or_create(&EventLabels { status: s.as_str() })
                    .set(i64::try_from(n).unwrap_or(i64::MAX));
            }
        })
    }));
}
