//! `/metrics` in the Prometheus text format (version 0.0.4) for both services (issue 18 §4).
//!
//! Each service owns one [`Metrics`]: a registry whose families are named `khaothi_…` and carry a
//! constant `service` label, so the two services of `khaothi demo` (one process) stay apart and a
//! scrape of either names its source. Every family is registered when the service starts, so the
//! first scrape lists them all (plain counters and gauges at zero; labelled families with their
//! HELP and TYPE lines). The route needs no login; it answers only addresses on the configured
//! allow-list (default: loopback), because counts of logins and answers are operational data.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, State};
use axum::http::{Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The route, method and status of one HTTP request (the route as declared, `/api/v1/items/{id}`,
/// never the raw path: label values stay few).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub method: String,
    pub status: String,
}

/// Request latency buckets: 1 ms to ~16 s.
pub fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Work a scrape does before the families are written: gauges read at that moment (the
/// database pools, counts the database holds).
pub type Refresh =
    Box<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;

/// A service's registry, the HTTP families every service has, and who may read them.
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RouteLabels, Counter>,
    pub http_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Failed sign-ins (wrong password, unknown or inactive account), staff and candidates.
    pub login_failures: Counter,
    allow: AllowList,
    refresh: Vec<Refresh>,
}

/// Registers a service's own families before the registry is frozen into [`Metrics`].
pub struct MetricsBuilder {
    registry: Registry,
    refresh: Vec<Refresh>,
}

impl MetricsBuilder {
    /// `service`: `bank` or `delivery`, the constant label of every family.
    pub fn new(service: &str) -> Self {
        let labels = [(std::borrow::Cow::Borrowed("service"), std::borrow::Cow::Owned(service.to_string()))];
        Self {
            registry: Registry::with_prefix_and_labels("khaothi", labels.into_iter()),
            refresh: Vec::new(),
        }
    }

    pub fn registry(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Runs `f` at every scrape, before the families are written.
    pub fn on_scrape(&mut self, f: Refresh) {
        self.refresh.push(f);
    }

    pub fn finish(mut self, allow: AllowList) -> Arc<Metrics> {
        let http_requests = Family::<RouteLabels, Counter>::default();
        let http_seconds = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        self.registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            http_requests.clone(),
        );
        self.registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route, method and status",
            http_seconds.clone(),
        );
        // A labelled family without a series is left out of a scrape; these two series exist in
        // every service, so the families are listed (at zero) before any traffic.
        for route in ["/healthz", "/metrics"] {
            let labels = RouteLabels { route: route.into(), method: "GET".into(), status: "200".into() };
            let _ = http_requests.get_or_create(&labels);
            let _ = http_seconds.get_or_create(&labels);
        }
        let login_failures = Counter::default();
        self.registry.register("login_failures", "Failed sign-ins", login_failures.clone());
        Arc::new(Metrics {
            registry: self.registry,
            http_requests,
            http_seconds,
            login_failures,
            allow,
            refresh: self.refresh,
        })
    }
}

/// `pool`: which pool (`main`, or delivery's `read` and `write`); `state`: `idle` or `in_use`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub pool: &'static str,
    pub state: &'static str,
}

/// Registers `khaothi_db_pool_connections{pool,state}` for the given connections, read at every
/// scrape from the connection pools themselves.
#[cfg(feature = "sea-orm")]
pub fn register_pools(builder: &mut MetricsBuilder, pools: Vec<(&'static str, sea_orm::DatabaseConnection)>) {
    use prometheus_client::metrics::gauge::Gauge;
    let family = Family::<PoolLabels, Gauge>::default();
    for (pool, _) in &pools {
        for state in ["idle", "in_use"] {
            let _ = family.get_or_create(&PoolLabels { pool, state });
        }
    }
    builder.registry().register(
        "db_pool_connections",
        "Database pool connections by pool and state (idle or in use)",
        family.clone(),
    );
    let pools = Arc::new(pools);
    builder.on_scrape(Box::new(move || {
        let (family, pools) = (family.clone(), pools.clone());
        Box::pin(async move {
            for (pool, db) in pools.iter() {
                if let Some((size, idle)) = pool_size(db) {
                    let idle = i64::try_from(idle).unwrap_or(i64::MAX);
                    family.get_or_create(&PoolLabels { pool, state: "idle" }).set(idle);
                    family.get_or_create(&PoolLabels { pool, state: "in_use" }).set(i64::from(size) - idle);
                }
            }
        })
    }));
}

/// The pool's open connections and how many of them are idle.
#[cfg(feature = "sea-orm")]
fn pool_size(db: &sea_orm::DatabaseConnection) -> Option<(u32, usize)> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            Some((p.size(), p.num_idle()))
        }
        sea_orm::DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            Some((p.size(), p.num_idle()))
        }
        _ => None,
    }
}

impl Metrics {
    /// Runs the scrape-time refreshes ([`MetricsBuilder::on_scrape`]).
    pub async fn refresh(&self) {
        for f in &self.refresh {
            f().await;
        }
    }

    /// The text exposition of every family.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Addresses that may read `/metrics`: single addresses or CIDR blocks (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, PartialEq)]
pub struct AllowList(Vec<(IpAddr, u8)>);

impl AllowList {
    /// Parses the configuration's list; an error names the entry.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                parse_block(e).ok_or_else(|| format!("metrics_allow: `{e}` is not an address or CIDR block"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.0.iter().any(|(net, bits)| in_block(ip, *net, *bits))
    }
}

/// The default allow-list: this machine only.
pub fn loopback() -> Vec<String> {
    vec!["127.0.0.0/8".into(), "::1".into()]
}

fn parse_block(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => (a.trim().parse::<IpAddr>().ok()?, Some(b.trim().parse::<u8>().ok()?)),
        None => (entry.trim().parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Adds `GET /metrics` and counts every request of `router` (call it before
/// [`crate::with_service_layers`], so the route is known).
pub fn instrument<S: Clone + Send + Sync + 'static>(router: Router<S>, metrics: Arc<Metrics>) -> Router<S> {
    let scrape = Router::new().route("/metrics", axum::routing::get(scrape)).with_state(metrics.clone());
    router.merge(scrape).layer(axum::middleware::from_fn_with_state(metrics, track))
}

async fn track(State(metrics): State<Arc<Metrics>>, req: Request<Body>, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = RouteLabels {
        route: route.unwrap_or_else(|| "unmatched".into()),
        method,
        status: res.status().as_u16().to_string(),
    };
    metrics.http_requests.get_or_create(&labels).inc();
    metrics.http_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    res
}

async fn scrape(State(metrics): State<Arc<Metrics>>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    if !metrics.allow.allows(peer.ip()) {
        return crate::ApiError::Forbidden(format!(
            "{} is not on the metrics allow-list (metrics_allow in the configuration)",
            peer.ip()
        ))
        .into_response();
    }
    metrics.refresh().await;
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics.render())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_takes_addresses_and_blocks() {
        let list = AllowList::parse(&["10.0.0.0/8".into(), "192.168.1.7".into(), "::1".into()]).unwrap();
        assert!(list.allows("10.20.30.40".parse().unwrap()));
        assert!(list.allows("192.168.1.7".parse().unwrap()));
        assert!(!list.allows("192.168.1.8".parse().unwrap()));
        assert!(list.allows("::1".parse().unwrap()));
        assert!(list.allows("::ffff:10.1.1.1".parse().unwrap()), "IPv4-mapped addresses count as IPv4");
        assert!(!list.allows("2001:db8::1".parse().unwrap()));
        let e = AllowList::parse(&["10.0.0.0/33".into()]).unwrap_err();
        assert!(e.contains("10.0.0.0/33"), "{e}");
        assert!(AllowList::parse(&["nonsense".into()]).is_err());
    }

    #[test]
    fn every_family_is_listed_before_any_traffic() {
        let mut b = MetricsBuilder::new("bank");
        let jobs = Counter::<u64>::default();
        b.registry().register("jobs", "Jobs run", jobs.clone());
        let m = b.finish(AllowList::parse(&loopback()).unwrap());
        assert!(m.render().contains("khaothi_jobs_total{service=\"bank\"} 0"));
        let text = m.render();
        assert!(text.contains("# TYPE khaothi_login_failures_total counter"), "{text}");
        assert!(text.contains("khaothi_login_failures_total{service=\"bank\"} 0"), "{text}");
        assert!(text.contains("# TYPE khaothi_http_requests_total counter"), "{text}");
        assert!(text.contains("# TYPE khaothi_http_request_duration_seconds histogram"), "{text}");
        assert!(
            text.contains("khaothi_http_requests_total{service=\"bank\",route=\"/metrics\",method=\"GET\",status=\"200\"} 0"),
            "{text}"
        );
    }
}
