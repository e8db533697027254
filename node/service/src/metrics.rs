//! Prometheus metrics (`GET /metrics`), with `prometheus-client` and served by hyper.
//!
//! Where a metric means what one of Substrate's means, it has Substrate's name, so Substrate's
//! Grafana dashboards and alerts work unchanged: `substrate_block_height{status}`,
//! `substrate_ready_transactions_number`, `substrate_sub_libp2p_peers_count`,
//! `substrate_block_verification_and_import_time`, `substrate_proposer_block_constructed`,
//! `substrate_proposer_number_of_transactions`, `substrate_finality_grandpa_round`,
//! `substrate_build_info`, `substrate_node_roles`, `substrate_process_start_time_seconds`,
//! the RPC metrics of [`lux_rpc::RpcMetrics`], and the standard `process_*` metrics. Metrics of
//! LuxTensor's own start with `luxtensor_`. Counters carry OpenMetrics' `_total` suffix
//! (`prometheus-client` writes OpenMetrics text, which Prometheus reads natively).
//!
//! Values that are read rather than counted (heights, pool sizes, peers, the database's size
//! and the process's CPU, memory and descriptors) are read at scrape time by [`NodeCollector`].

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use lux_chain::Chain;
use lux_rpc::NetworkStatus;
use lux_txpool::Pool;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::status::Counters;

/// Metrics the node's tasks update as things happen.
#[derive(Clone)]
pub(crate) struct NodeMetrics {
    /// Checking and importing a block from the network, in seconds.
    pub import_time: Histogram,
    /// Building a block, in seconds.
    pub proposer_time: Histogram,
    /// Transactions in the last block built.
    pub proposer_transactions: Gauge,
    /// The finality voter's current round.
    pub finality_round: Gauge,
}

impl NodeMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Self {
        // 1 ms to ~33 s.
        let times = || Histogram::new(exponential_buckets(0.001, 2.0, 16));
        let metrics = Self {
            import_time: times(),
            proposer_time: times(),
            proposer_transactions: Gauge::default(),
            finality_round: Gauge::default(),
        };
        registry.register(
            "substrate_block_verification_and_import_time",
            "Time taken to verify and import blocks from the network, in seconds",
            metrics.import_time.clone(),
        );
        registry.register(
            "substrate_proposer_block_constructed",
            "Time taken to build a block, in seconds",
            metrics.proposer_time.clone(),
        );
        registry.register(
            "substrate_proposer_number_of_transactions",
            "Transactions in the last block this node built",
            metrics.proposer_transactions.clone(),
        );
        registry.register(
            "substrate_finality_grandpa_round",
            "The finality voter's current round",
            metrics.finality_round.clone(),
        );
        metrics
    }
}

/// What the node is, for `substrate_build_info` and `substrate_node_roles`.
#[derive(Debug)]
pub(crate) struct BuildInfo {
    /// The node's name (`--name`).
    pub name: String,
    /// The chain's id.
    pub chain: String,
    /// Whether the node authors blocks.
    pub validator: bool,
}

/// Reads, at each scrape, the values that are states rather than events.
pub(crate) struct NodeCollector {
    pub chain: Arc<Chain>,
    pub pool: Arc<Pool>,
    pub network: Arc<dyn NetworkStatus>,
    /// The block and transaction counts the status line also shows.
    pub counters: Arc<Counters>,
    /// The database directory, whose files' sizes add up to the database's size.
    pub database: PathBuf,
    pub build: BuildInfo,
    /// When the process started, in seconds since the Unix epoch.
    pub started: f64,
}

impl std::fmt::Debug for NodeCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCollector").field("build", &self.build).finish_non_exhaustive()
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl Into<f64>,
) -> std::fmt::Result {
    let gauge = ConstGauge::new(value.into());
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    let counter = ConstCounter::new(value);
    counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)
}

fn labelled_gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(&[(&str, &str)], f64)],
) -> std::fmt::Result {
    let mut metric =
        encoder.encode_descriptor(name, help, None, ConstGauge::new(0.0).metric_type())?;
    for (labels, value) in values {
        let labels: Vec<(String, String)> =
            labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ConstGauge::new(*value).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for NodeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let info = self.chain.info();
        labelled_gauges(
            &mut encoder,
            "substrate_block_height",
            "Block height info of the chain",
            &[
                (&[("status", "best")], f64::from(info.best_number)),
                (&[("status", "finalized")], f64::from(info.finalized_number)),
            ],
        )?;
        counter(
            &mut encoder,
            "luxtensor_imported_blocks",
            "Blocks imported since the node started",
            self.counters.blocks.load(Ordering::Relaxed),
        )?;
        counter(
            &mut encoder,
            "luxtensor_transactions",
            "Transactions in blocks that became best since the node started",
            self.counters.transactions.load(Ordering::Relaxed),
        )?;
        let pool = self.pool.status();
        gauge(
            &mut encoder,
            "substrate_ready_transactions_number",
            "Number of transactions in the ready queue",
            pool.ready as f64,
        )?;
        gauge(
            &mut encoder,
            "luxtensor_future_transactions_number",
            "Number of transactions waiting for an earlier nonce",
            pool.future as f64,
        )?;
        gauge(
            &mut encoder,
            "luxtensor_validating_transactions_number",
            "Number of submitted transactions waiting for validation",
            pool.queued as f64,
        )?;
        gauge(
            &mut encoder,
            "substrate_sub_libp2p_peers_count",
            "Number of connected peers",
            self.network.peers() as f64,
        )?;
        gauge(
            &mut encoder,
            "substrate_sub_libp2p_is_major_syncing",
            "Whether the node is catching up with its peers",
            if self.network.is_syncing() { 1.0 } else { 0.0 },
        )?;
        gauge(
            &mut encoder,
            "luxtensor_database_size_bytes",
            "Size of the database's files on disk, in bytes",
            directory_size(&self.database) as f64,
        )?;
        labelled_gauges(
            &mut encoder,
            "substrate_build_info",
            "A metric with a constant '1' value labeled by name, version and chain",
            &[(
                &[
                    ("name", &self.build.name),
                    ("version", env!("CARGO_PKG_VERSION")),
                    ("chain", &self.build.chain),
                ],
                1.0,
            )],
        )?;
        // Substrate's role bits: 1 full node, 4 authority.
        gauge(
            &mut encoder,
            "substrate_node_roles",
            "The roles the node is running as",
            if self.build.validator { 4.0 } else { 1.0 },
        )?;
        gauge(
            &mut encoder,
            "substrate_process_start_time_seconds",
            "Number of seconds between the UNIX epoch and the moment the process started",
            self.started,
        )?;
        process::encode(&mut encoder, self.started)
    }
}

/// The total size of the files under `dir`.
fn directory_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => directory_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The standard `process_*` metrics, read from `/proc/self` (Linux; elsewhere only the start
/// time). Written here because `prometheus-client` has no process collector, and the few
/// fields needed do not warrant a `/proc` parsing crate.
mod process {
    use super::*;

    pub(super) fn encode(encoder: &mut DescriptorEncoder, started: f64) -> std::fmt::Result {
        gauge(
            encoder,
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds",
            started,
        )?;
        let Some(stat) = read_stat() else { return Ok(()) };
        let cpu = ConstCounter::new(stat.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            None,
            cpu.metric_type(),
        )?)?;
        gauge(
            encoder,
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            stat.resident_bytes as f64,
        )?;
        gauge(
            encoder,
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes",
            stat.virtual_bytes as f64,
        )?;
        gauge(
            encoder,
            "process_threads",
            "Number of OS threads in the process",
            stat.threads as f64,
        )?;
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            gauge(
                encoder,
                "process_open_fds",
                "Number of open file descriptors",
                fds.count() as f64,
            )?;
        }
        if let Some(max) = max_fds() {
            gauge(
                encoder,
                "process_max_fds",
                "Maximum number of open file descriptors",
                max as f64,
            )?;
        }
        Ok(())
    }

    pub(super) struct Stat {
        pub cpu_seconds: f64,
        pub virtual_bytes: u64,
        pub resident_bytes: u64,
        pub threads: u64,
    }

    /// `/proc/self/stat`: fields 14–15 (CPU ticks), 20 (threads), 23 (virtual bytes) and 24
    /// (resident pages), counted from 1; the command name (field 2) may hold spaces, so
    /// fields are counted after its closing parenthesis.
    pub(super) fn read_stat() -> Option<Stat> {
        let text = std::fs::read_to_string("/proc/self/stat").ok()?;
        let after_name = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // `fields[0]` is field 3 (the state).
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
        // SAFETY: sysconf only reads a configuration value.
        let (ticks, page) =
            unsafe { (libc::sysconf(libc::_SC_CLK_TCK), libc::sysconf(libc::_SC_PAGESIZE)) };
        let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
        let page = if page > 0 { page as u64 } else { 4096 };
        Some(Stat {
            cpu_seconds: (field(14)? + field(15)?) as f64 / ticks,
            threads: field(20)?,
            virtual_bytes: field(23)?,
            resident_bytes: field(24)? * page,
        })
    }

    fn max_fds() -> Option<u64> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse().ok()
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_seconds() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default()
}

/// The content type of OpenMetrics text.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `registry` on `listener` (`GET /metrics`) until the task is dropped. Each connection
/// is served by hyper on its own task.
pub(crate) async fn serve(listener: TcpListener, registry: Arc<Registry>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else { continue };
        let registry = registry.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let registry = registry.clone();
                async move { Ok::<_, Infallible>(respond(&request, &registry)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

fn respond(request: &Request<Incoming>, registry: &Registry) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        Response::builder()
            .status(status)
            .header(hyper::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_default()
    };
    if request.uri().path() != "/metrics" {
        return reply(StatusCode::NOT_FOUND, "text/plain", "Not found: try /metrics\n".into());
    }
    if request.method() != hyper::Method::GET && request.method() != hyper::Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", String::new());
    }
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, registry) {
        Ok(()) => reply(StatusCode::OK, OPENMETRICS, body),
        Err(_) => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", String::new()),
    }
}
