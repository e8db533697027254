//! Installed filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
//! polled with `eth_getFilterChanges`): each remembers where its last poll stopped; one not
//! polled for five minutes is removed, as in geth.
//!
//! Block and log filters report the canonical blocks after the last one reported, up to
//! "latest" (a reorg below that point is not reported again, and logs of retracted blocks are
//! not reported as removed: subscriptions do that). Pending-transaction filters report every
//! Ethereum transaction the pool announced as ready since the last poll (the announcements
//! `newPendingTransactions` follows), including those already in a block by then, as geth's
//! do; a filter more than the announcement channel's capacity (16,384) behind loses the oldest.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_primitives::H256;
use lux_txpool::ReadyTx;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::broadcast::{self, error::TryRecvError};

use super::error::{EthError, EthResult};
use super::index::EthIndex;
use super::logs::{bound, logs_in_range, run_query, FilterParams, LogQuery, LogRange};
use super::pool::ethereum_transaction;
use crate::RpcContext;

/// A filter not polled for this long is removed.
pub(crate) const FILTER_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Most filters installed at once.
const MAX_FILTERS: usize = 10_000;

/// What a filter reports.
#[derive(Clone, Debug)]
pub(crate) enum FilterKind {
    /// Hashes of new blocks; the next one to report.
    Blocks { next: u32 },
    /// Matching logs of new blocks; the next block to read.
    Logs { query: LogQuery, next: u32 },
    /// Hashes of transactions new in the pool: the pool's announcements not yet polled.
    PendingTransactions { ready: Arc<Mutex<broadcast::Receiver<ReadyTx>>> },
}

struct Installed {
    kind: FilterKind,
    last_poll: Instant,
}

/// The installed filters, by id.
#[derive(Default)]
pub(crate) struct Filters(Mutex<HashMap<String, Installed>>);

impl Filters {
    /// Installs a filter; returns its id (16 random bytes in hex, as geth's ids).
    pub fn install(&self, kind: FilterKind, now: Instant) -> EthResult<String> {
        let mut filters = self.0.lock();
        expire(&mut filters, now);
        if filters.len() >= MAX_FILTERS {
            return Err(EthError::server("too many filters installed"));
        }
        let id = format!("0x{}", hex::encode(rand::random::<[u8; 16]>()));
        filters.insert(id.clone(), Installed { kind, last_poll: now });
        Ok(id)
    }

    /// Removes a filter; whether it existed.
    pub fn uninstall(&self, id: &str, now: Instant) -> bool {
        let mut filters = self.0.lock();
        expire(&mut filters, now);
        filters.remove(id).is_some()
    }

    /// Polls filter `id`: `poll` gets its state, may advance it, and answers.
    pub fn poll<R>(
        &self,
        id: &str,
        now: Instant,
        poll: impl FnOnce(&mut FilterKind) -> EthResult<R>,
    ) -> EthResult<R> {
        let mut kind = {
            let mut filters = self.0.lock();
            expire(&mut filters, now);
            let installed = filters.get_mut(id).ok_or_else(not_found)?;
            installed.last_poll = now;
            installed.kind.clone()
        };
        // Polls read the chain without holding the lock; the filter keeps the state of the
        // poll that answered last.
        let answer = poll(&mut kind)?;
        if let Some(installed) = self.0.lock().get_mut(id) {
            installed.kind = kind;
        }
        Ok(answer)
    }

    /// A filter's state, without counting as a poll of its changes.
    pub fn get(&self, id: &str, now: Instant) -> EthResult<FilterKind> {
        let mut filters = self.0.lock();
        expire(&mut filters, now);
        let installed = filters.get_mut(id).ok_or_else(not_found)?;
        installed.last_poll = now;
        Ok(installed.kind.clone())
    }
}

fn not_found() -> EthError {
    EthError::server("filter not found")
}

fn expire(filters: &mut HashMap<String, Installed>, now: Instant) {
    filters.retain(|_, f| now.saturating_duration_since(f.last_poll) < FILTER_TIMEOUT);
}

/// What filter `kind` reports since its last poll, advancing it.
fn changes(ctx: &RpcContext, kind: &mut FilterKind) -> EthResult<Value> {
    let index = &ctx.eth.index;
    let (_, latest) = index.latest()?;
    match kind {
        FilterKind::Blocks { next } => {
            let mut hashes = Vec::new();
            for number in *next..=latest {
                hashes.extend(index.chain().hash(number)?);
            }
            *next = (*next).max(latest + 1);
            to_json(hashes)
        }
        FilterKind::Logs { query, next } => {
            let logs = new_logs(index, query, *next, latest)?;
            *next = (*next).max(latest + 1);
            to_json(logs)
        }
        FilterKind::PendingTransactions { ready } => to_json(announced(&mut ready.lock())),
    }
}

/// The hashes of the Ethereum transactions among the pool's announcements waiting in `ready`.
fn announced(ready: &mut broadcast::Receiver<ReadyTx>) -> Vec<H256> {
    let mut hashes = Vec::new();
    loop {
        match ready.try_recv() {
            Ok(tx) => {
                if let Some((hash, _)) = ethereum_transaction(&tx.data) {
                    hashes.push(hash);
                }
            }
            Err(TryRecvError::Lagged(missed)) => {
                tracing::debug!(target: "rpc", "a pending-transaction filter missed {missed}");
            }
            Err(TryRecvError::Empty | TryRecvError::Closed) => return hashes,
        }
    }
}

fn to_json(value: impl serde::Serialize) -> EthResult<Value> {
    serde_json::to_value(value).map_err(|e| EthError::server(e.to_string()))
}

/// The logs a log filter reports for the blocks `next..=latest` (within its own range).
fn new_logs(
    index: &EthIndex,
    query: &LogQuery,
    next: u32,
    latest: u32,
) -> EthResult<Vec<super::json::RpcLog>> {
    let LogRange::Blocks { from, to } = query.range else { return Ok(Vec::new()) };
    let from = bound(index, from, latest)?.max(next);
    let to = bound(index, to, latest)?.min(latest);
    if from > to {
        return Ok(Vec::new());
    }
    logs_in_range(index, from, to, &query.filter)
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_newFilter", |params, ctx, _| {
        let query = params.one::<FilterParams>()?.into_query()?;
        let (_, latest) = ctx.eth.index.latest()?;
        let kind = FilterKind::Logs { query, next: latest + 1 };
        Ok::<_, ErrorObjectOwned>(ctx.eth.filters.install(kind, Instant::now())?)
    })?;
    module.register_blocking_method("eth_newBlockFilter", |_, ctx, _| {
        let (_, latest) = ctx.eth.index.latest()?;
        let kind = FilterKind::Blocks { next: latest + 1 };
        Ok::<_, ErrorObjectOwned>(ctx.eth.filters.install(kind, Instant::now())?)
    })?;
    module.register_blocking_method("eth_newPendingTransactionFilter", |_, ctx, _| {
        let ready = Arc::new(Mutex::new(ctx.pool.import_notification_stream()));
        let kind = FilterKind::PendingTransactions { ready };
        Ok::<_, ErrorObjectOwned>(ctx.eth.filters.install(kind, Instant::now())?)
    })?;
    module.register_blocking_method("eth_getFilterChanges", |params, ctx, _| {
        let id: String = params.one()?;
        let changes = ctx.eth.filters.poll(&id, Instant::now(), |kind| changes(&ctx, kind))?;
        Ok::<_, ErrorObjectOwned>(changes)
    })?;
    module.register_blocking_method("eth_getFilterLogs", |params, ctx, _| {
        let id: String = params.one()?;
        let FilterKind::Logs { query, .. } = ctx.eth.filters.get(&id, Instant::now())? else {
            return Err(EthError::server("filter not found").into());
        };
        Ok::<_, ErrorObjectOwned>(run_query(&ctx.eth.index, &query)?)
    })?;
    module.register_method("eth_uninstallFilter", |params, ctx, _| {
        let id: String = params.one()?;
        Ok::<_, ErrorObjectOwned>(ctx.eth.filters.uninstall(&id, Instant::now()))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_expire_five_minutes_after_their_last_poll() {
        let filters = Filters::default();
        let start = Instant::now();
        let id = filters.install(FilterKind::Blocks { next: 1 }, start).expect("installed");
        assert!(id.starts_with("0x") && id.len() == 34);
        let polled = start + Duration::from_secs(200);
        let next = filters
            .poll(&id, polled, |kind| {
                let FilterKind::Blocks { next } = kind else { panic!("a block filter") };
                *next = 7;
                Ok(*next)
            })
            .expect("alive");
        assert_eq!(next, 7);
        // 299 s after the last poll it is still there, with its state; at 300 s it is gone.
        let state = filters.get(&id, polled + Duration::from_secs(299)).expect("alive");
        assert!(matches!(state, FilterKind::Blocks { next: 7 }));
        let late = polled + Duration::from_secs(299) + FILTER_TIMEOUT;
        assert_eq!(
            filters.poll(&id, late, |_| Ok(())).err().map(|e| e.to_string()).as_deref(),
            Some("filter not found")
        );
        assert!(!filters.uninstall(&id, late));
    }

    #[test]
    fn uninstalled_filters_are_gone() {
        let filters = Filters::default();
        let now = Instant::now();
        let (_announce, ready) = broadcast::channel(1);
        let ready = Arc::new(Mutex::new(ready));
        let id =
            filters.install(FilterKind::PendingTransactions { ready }, now).expect("installed");
        let other = filters.install(FilterKind::Blocks { next: 0 }, now).expect("installed");
        assert_ne!(id, other);
        assert!(filters.uninstall(&id, now));
        assert!(!filters.uninstall(&id, now));
        assert!(filters.get(&id, now).is_err());
        assert!(filters.get(&other, now).is_ok());
    }
}
