//! The server: one port for HTTP and WebSocket, request limits, CORS, geth's answer to an
//! unknown Ethereum method, and the helper that turns chain events into subscription
//! notifications.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use futures::future::{ready, Either};
use jsonrpsee::core::middleware::{
    Batch, BatchEntry, BatchEntryErr, Notification, Request, RpcServiceBuilder, RpcServiceT,
};
use jsonrpsee::server::{
    BatchRequestConfig, MethodResponse, PingConfig, RandomStringIdProvider, Server, ServerConfig,
    ServerHandle,
};
use jsonrpsee::types::error::METHOD_NOT_FOUND_CODE;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use lux_chain::ChainEvent;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::http_layer::HttpLayer;
use crate::metrics::Metered;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::{RpcContext, RpcMetrics, RpcServerError};

/// Server settings.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Largest request accepted, in bytes.
    pub max_request_bytes: u32,
    /// Largest response sent, in bytes.
    pub max_response_bytes: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Most subscriptions per connection.
    pub max_subscriptions_per_connection: u32,
    /// Most calls in one batch.
    pub max_batch_len: u32,
    /// Allowed browser origins (`None`: any).
    pub cors: Option<Vec<String>>,
    /// Which methods are served.
    pub methods: RpcMethods,
    /// Most calls per minute per connection (`None`: no limit), see [`crate::rate_limit`].
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Where to count calls, if metrics are kept.
    pub metrics: Option<RpcMetrics>,
}

/// Which methods the server offers, as Substrate's `--rpc-methods`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RpcMethods {
    /// Unsafe methods only when listening on localhost alone.
    #[default]
    Auto,
    /// Safe methods only.
    Safe,
    /// All methods, unsafe ones (the session-key methods) included, whatever the address.
    Unsafe,
}

impl RpcMethods {
    /// Whether a server on `addr` serves unsafe methods.
    pub fn allows_unsafe(self, addr: &SocketAddr) -> bool {
        match self {
            Self::Auto => addr.ip().is_loopback(),
            Self::Safe => false,
            Self::Unsafe => true,
        }
    }
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 9944)),
            max_request_bytes: 15 * 1024 * 1024,
            max_response_bytes: 15 * 1024 * 1024,
            max_connections: 100,
            max_subscriptions_per_connection: 1024,
            max_batch_len: 256,
            cors: None,
            methods: RpcMethods::Auto,
            rate_limit: None,
            metrics: None,
        }
    }
}

/// A running server; dropping it stops the server.
pub struct RpcServerHandle {
    handle: ServerHandle,
    /// The Ethereum indexer the server started, if the node did not give it a running one.
    indexer: Option<tokio::task::JoinHandle<()>>,
    /// The address it listens on.
    pub local_addr: SocketAddr,
}

impl RpcServerHandle {
    /// Stops the server.
    pub fn stop(self) {
        let _ = self.handle.stop();
    }
}

impl Drop for RpcServerHandle {
    fn drop(&mut self) {
        let _ = self.handle.stop();
        if let Some(indexer) = &self.indexer {
            indexer.abort();
        }
    }
}

/// Starts the server with every method.
pub async fn start_server(
    config: RpcConfig,
    mut ctx: RpcContext,
) -> Result<RpcServerHandle, RpcServerError> {
    ctx.deny_unsafe = !config.methods.allows_unsafe(&config.addr);
    let indexer = ctx.eth.index.start();
    let module = build_module(ctx).map_err(|e| RpcServerError::Register(e.to_string()))?;
    let methods: Arc<HashSet<String>> =
        Arc::new(module.method_names().map(str::to_string).collect());
    let cors = match &config.cors {
        None => CorsLayer::new().allow_origin(Any).allow_headers(Any).allow_methods(Any),
        Some(origins) => {
            let origins = origins.iter().filter_map(|o| o.parse().ok()).collect::<Vec<_>>();
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_headers(Any)
                .allow_methods(Any)
        }
    };
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        // Subscription ids are random strings: the new JSON-RPC interface passes them back as
        // handles, so they must not be guessable.
        .set_id_provider(RandomStringIdProvider::new(16))
        // Keep idle WebSocket connections alive (polkadot-api drops silent ones after 40 s).
        .enable_ws_ping(PingConfig::new().ping_interval(std::time::Duration::from_secs(20)))
        .build();
    let limiter = config.rate_limit.map(|per_minute| Arc::new(RateLimiter::new(per_minute)));
    let metered = config.metrics.clone().map(|metrics| {
        let methods = methods.clone();
        tower::layer::layer_fn(move |service| Metered {
            service,
            metrics: metrics.clone(),
            methods: methods.clone(),
        })
    });
    let rpc_middleware = RpcServiceBuilder::new()
        .option_layer(metered)
        .option_layer(limiter.map(|limiter| {
            tower::layer::layer_fn(move |service| RateLimit { service, limiter: limiter.clone() })
        }))
        .layer_fn(move |service| GethMethodNotFound { service, methods: methods.clone() });
    let server = Server::builder()
        .set_config(server_config)
        .set_http_middleware(
            tower::ServiceBuilder::new()
                .layer(cors)
                .layer(HttpLayer { max: config.max_request_bytes }),
        )
        .set_rpc_middleware(rpc_middleware)
        .build(config.addr)
        .await
        .map_err(|error| RpcServerError::Bind { addr: config.addr, error })?;
    let local_addr =
        server.local_addr().map_err(|error| RpcServerError::Bind { addr: config.addr, error })?;
    let handle = server.start(module);
    Ok(RpcServerHandle { handle, indexer, local_addr })
}

fn build_module(
    ctx: RpcContext,
) -> Result<RpcModule<RpcContext>, jsonrpsee::core::RegisterMethodError> {
    let mut module = RpcModule::new(ctx);
    crate::system::register(&mut module)?;
    crate::chain::register(&mut module)?;
    crate::state::register(&mut module)?;
    crate::author::register(&mut module)?;
    crate::chain_head::register(&mut module)?;
    crate::spec_v1::register(&mut module)?;
    crate::eth::register(&mut module)?;
    crate::system::register_rpc_methods(&mut module)?;
    Ok(module)
}

/// What LuxTensor's RPC middleware layers wrap: a jsonrpsee service answering each call,
/// batch and notification with one response.
pub(crate) trait RpcService:
    RpcServiceT<
        MethodResponse = MethodResponse,
        BatchResponse = MethodResponse,
        NotificationResponse = MethodResponse,
    > + Send
    + Sync
    + Clone
    + 'static
{
}

impl<S> RpcService for S where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static
{
}

/// Answers a call to an Ethereum method the node does not serve as geth does (-32601 "the
/// method X does not exist/is not available"), in batches too. Other unknown methods keep
/// jsonrpsee's "Method not found", which polkadot-api looks for.
#[derive(Clone)]
struct GethMethodNotFound<S> {
    service: S,
    methods: Arc<HashSet<String>>,
}

impl<S> GethMethodNotFound<S> {
    fn refusal(&self, method: &str) -> Option<ErrorObjectOwned> {
        (crate::eth::is_ethereum_method(method) && !self.methods.contains(method)).then(|| {
            ErrorObjectOwned::owned(
                METHOD_NOT_FOUND_CODE,
                format!("the method {method} does not exist/is not available"),
                None::<()>,
            )
        })
    }
}

impl<S> RpcServiceT for GethMethodNotFound<S>
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
        match self.refusal(request.method_name()) {
            Some(error) => Either::Left(ready(MethodResponse::error(request.id, error))),
            None => Either::Right(self.service.call(request)),
        }
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl std::future::Future<Output = Self::BatchResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let refused = match entry {
                Ok(BatchEntry::Call(request)) => self
                    .refusal(request.method_name())
                    .map(|error| BatchEntryErr::new(request.id.clone(), error)),
                _ => None,
            };
            if let Some(refused) = refused {
                *entry = Err(refused);
            }
        }
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl std::future::Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(notification)
    }
}

/// A JSON value as a subscription notification.
pub(crate) fn to_message(value: &impl Serialize) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(SubscriptionMessage::from(serde_json::value::to_raw_value(value)?))
}

/// Accepts a subscription, sends `initial`, then whatever `map` makes of each chain event from
/// `events`, until the client unsubscribes or disconnects. Callers subscribe to `events` before
/// computing `initial`, so no block falls between the two. `map` may read state (it runs where
/// blocking is allowed).
pub(crate) async fn forward_events<F>(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    mut events: tokio::sync::broadcast::Receiver<ChainEvent>,
    initial: Vec<Value>,
    mut map: F,
) where
    F: FnMut(&RpcContext, &ChainEvent) -> Vec<Value> + Send,
{
    let Ok(sink) = pending.accept().await else { return };
    for value in initial {
        let Ok(message) = to_message(&value) else { return };
        if sink.send(message).await.is_err() {
            return;
        }
    }
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => event,
        };
        let event = match event {
            Ok(event) => event,
            // A slow client missed some events; keep going with the next ones.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let values = tokio::task::block_in_place(|| map(&ctx, &event));
        for value in values {
            let Ok(message) = to_message(&value) else { return };
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }
}
