//! Per-connection rate limiting of RPC calls (`--rpc-rate-limit`, calls per minute), as
//! Substrate's node offers it.
//!
//! Every call, and every call inside a batch, takes one token from its connection's bucket
//! (GCRA, `governor`): a connection may burst up to the per-minute figure, then gets one call
//! per `60 s / limit`. A call that finds the bucket empty waits for its turn when the turn
//! comes within [`MAX_DELAY`], which smooths short bursts the way Substrate's delay does;
//! otherwise it is answered at once with error -32999 "RPC rate limit exceeded", so a flooding
//! client holds no server resources while it waits. Other connections are not affected.
//!
//! The bucket is keyed by jsonrpsee's connection id, which names the TCP connection: a
//! WebSocket session, or an HTTP keep-alive connection across its requests. Buckets of idle
//! connections (full again) are dropped every [`PRUNE_EVERY`] calls.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use jsonrpsee::core::middleware::{
    Batch, BatchEntry, BatchEntryErr, Notification, Request, RpcServiceT,
};
use jsonrpsee::server::{ConnectionId, MethodResponse};
use jsonrpsee::types::ErrorObjectOwned;

use crate::server::RpcService;

/// The longest a call waits for its connection's next token before it is refused.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// How often (in calls) the buckets of idle connections are dropped.
const PRUNE_EVERY: u32 = 1024;

/// The error code of a refused call (Substrate's).
pub const RATE_LIMITED: i32 = -32999;

/// The call budget of every connection, shared by the server's connections.
pub(crate) struct RateLimiter {
    buckets: DefaultKeyedRateLimiter<ConnectionId>,
    calls: AtomicU32,
}

impl RateLimiter {
    /// `per_minute` calls per minute per connection, in bursts of up to `per_minute`.
    pub(crate) fn new(per_minute: NonZeroU32) -> Self {
        Self {
            buckets: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            calls: AtomicU32::new(0),
        }
    }

    /// Waits for a token of `connection`'s bucket, or refuses when none comes in time.
    async fn admit(&self, connection: ConnectionId) -> Result<(), ErrorObjectOwned> {
        if self.calls.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
        let deadline = Instant::now() + MAX_DELAY;
        loop {
            let wait = match self.buckets.check_key(&connection) {
                Ok(()) => return Ok(()),
                Err(not_until) => not_until.wait_time_from(self.buckets.clock().now()),
            };
            // Another call of the same connection may take the token first: try again then,
            // until the deadline.
            if Instant::now() + wait > deadline {
                return Err(rate_limited(wait));
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// The refusal of a call over the limit, with the wait before the next token.
fn rate_limited(wait: Duration) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        RATE_LIMITED,
        "RPC rate limit exceeded",
        Some(format!("retry in {} ms", wait.as_millis().max(1))),
    )
}

/// The rate-limiting layer of the RPC middleware (present only with `--rpc-rate-limit`).
#[derive(Clone)]
pub(crate) struct RateLimit<S> {
    pub(crate) service: S,
    pub(crate) limiter: Arc<RateLimiter>,
}

fn connection_of(extensions: &jsonrpsee::types::Extensions) -> ConnectionId {
    // The server sets it on every request; a missing one shares the default bucket.
    extensions.get::<ConnectionId>().copied().unwrap_or_default()
}

impl<S> RpcServiceT for RateLimit<S>
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
        async move {
            match this.limiter.admit(connection_of(request.extensions())).await {
                Ok(()) => this.service.call(request).await,
                Err(error) => MethodResponse::error(request.id, error),
            }
        }
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl std::future::Future<Output = Self::BatchResponse> + Send + 'a {
        let this = self.clone();
        async move {
            let connection = connection_of(batch.extensions());
            for entry in batch.iter_mut() {
                let Ok(BatchEntry::Call(request)) = entry else { continue };
                if let Err(error) = this.limiter.admit(connection).await {
                    *entry = Err(BatchEntryErr::new(request.id.clone(), error));
                }
            }
            this.service.batch(batch).await
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl std::future::Future<Output = Self::NotificationResponse> + Send + 'a {
        let this = self.clone();
        async move {
            // A notification has no answer to carry a refusal: one over the limit is dropped.
            match this.limiter.admit(connection_of(notification.extensions())).await {
                Ok(()) => this.service.notification(notification).await,
                Err(_) => MethodResponse::notification(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_gets_its_burst_then_is_refused_and_others_are_not() {
        let limiter = RateLimiter::new(NonZeroU32::new(6).expect("non-zero"));
        let (a, b) = (ConnectionId(1), ConnectionId(2));
        for _ in 0..6 {
            limiter.admit(a).await.expect("within the burst");
        }
        // The next token comes in 10 s, beyond the delay a call may wait.
        let refused = limiter.admit(a).await.expect_err("over the limit");
        assert_eq!(refused.code(), RATE_LIMITED);
        assert!(format!("{refused:?}").contains("retry in"), "{refused:?}");
        limiter.admit(b).await.expect("another connection has its own budget");
    }

    #[tokio::test]
    async fn a_call_whose_turn_is_near_waits_for_it() {
        // 600 a minute: one token every 100 ms.
        let limiter = RateLimiter::new(NonZeroU32::new(600).expect("non-zero"));
        let connection = ConnectionId(7);
        for _ in 0..600 {
            limiter.admit(connection).await.expect("within the burst");
        }
        let started = Instant::now();
        limiter.admit(connection).await.expect("waits for the next token");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(50), "waited {waited:?}");
    }
}
