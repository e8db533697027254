//! RPC metrics with Substrate's names: `substrate_rpc_calls_started`,
//! `substrate_rpc_calls_finished` (counters, with OpenMetrics' `_total` suffix) and
//! `substrate_rpc_calls_time` (a histogram in microseconds), labelled by `protocol` (`http` or
//! `ws`) and `method`. Names a stranger calls that the server does not serve are counted under
//! `method="unknown"`, so nobody can grow the label set.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use jsonrpsee::core::middleware::{Batch, BatchEntry, Notification, Request, RpcServiceT};
use jsonrpsee::server::MethodResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::http_layer::Transport;
use crate::server::RpcService;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    protocol: &'static str,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FinishedLabels {
    protocol: &'static str,
    method: String,
    is_error: &'static str,
}

/// Histogram buckets, in microseconds: 5 µs to 60 s.
const TIME_BUCKETS_US: [f64; 12] = [
    5.0,
    25.0,
    100.0,
    500.0,
    1_000.0,
    5_000.0,
    25_000.0,
    100_000.0,
    500_000.0,
    1_000_000.0,
    10_000_000.0,
    60_000_000.0,
];

/// The server's RPC metrics; register them with [`RpcMetrics::register`] and give them to the
/// server in [`crate::RpcConfig::metrics`].
#[derive(Clone, Debug)]
pub struct RpcMetrics {
    started: Family<CallLabels, Counter>,
    finished: Family<FinishedLabels, Counter>,
    time: Family<CallLabels, Histogram>,
}

impl RpcMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            started: Family::default(),
            finished: Family::default(),
            time: Family::new_with_constructor(|| Histogram::new(TIME_BUCKETS_US)),
        };
        registry.register(
            "substrate_rpc_calls_started",
            "Number of received RPC calls (unique un-batched requests)",
            metrics.started.clone(),
        );
        registry.register(
            "substrate_rpc_calls_finished",
            "Number of processed RPC calls (unique un-batched requests)",
            metrics.finished.clone(),
        );
        registry.register(
            "substrate_rpc_calls_time",
            "Total time [μs] of processed RPC calls",
            metrics.time.clone(),
        );
        metrics
    }
}

/// The metrics layer of the RPC middleware.
#[derive(Clone)]
pub(crate) struct Metered<S> {
    pub(crate) service: S,
    pub(crate) metrics: RpcMetrics,
    /// The methods the server serves.
    pub(crate) methods: Arc<HashSet<String>>,
}

impl<S> Metered<S> {
    fn labels(&self, extensions: &jsonrpsee::types::Extensions, method: &str) -> CallLabels {
        let protocol = extensions.get::<Transport>().copied().unwrap_or(Transport::Http).label();
        let method =
            if self.methods.contains(method) { method.to_string() } else { "unknown".into() };
        CallLabels { protocol, method }
    }

    fn finished(&self, labels: CallLabels, started: Instant, is_error: bool) {
        let micros = started.elapsed().as_secs_f64() * 1e6;
        self.metrics.time.get_or_create(&labels).observe(micros);
        let CallLabels { protocol, method } = labels;
        let is_error = if is_error { "true" } else { "false" };
        self.metrics.finished.get_or_create(&FinishedLabels { protocol, method, is_error }).inc();
    }
}

impl<S> RpcServiceT for Metered<S>
where
    S: RpcService,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl std::future::Future<Output = Self::MethodResponse> + Send + 'a {
        let this = self.clone();
        let labels = self.labels(request.extensions(), request.method_name());
        self.metrics.started.get_or_create(&labels).inc();
        let started = Instant::now();
        async move {
            let response = this.service.call(request).await;
            this.finished(labels, started, response.is_error());
            response
        }
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl std::future::Future<Output = Self::BatchResponse> + Send + 'a {
        // Each call of a batch counts as a call, with the batch's time, and as an error only
        // when the whole batch fails.
        let extensions = batch.extensions().clone();
        let labels: Vec<CallLabels> = batch
            .iter()
            .filter_map(|entry| match entry {
                Ok(BatchEntry::Call(request)) => {
                    Some(self.labels(&extensions, request.method_name()))
                }
                _ => None,
            })
            .collect();
        for labels in &labels {
            self.metrics.started.get_or_create(labels).inc();
        }
        let this = self.clone();
        let started = Instant::now();
        async move {
            let response = this.service.batch(batch).await;
            for labels in labels {
                this.finished(labels, started, response.is_error());
            }
            response
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl std::future::Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(notification)
    }
}
