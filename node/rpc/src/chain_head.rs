//! `chainHead_v1_*` of the new JSON-RPC interface (paritytech/json-rpc-interface-spec): follow
//! the chain (`initialized`, `newBlock`, `bestBlockChanged`, `finalized`), and read headers,
//! bodies, storage and runtime calls of the blocks the subscription has pinned.
//!
//! Every follow subscription keeps its pinned blocks; the node keeps all state (archive), so
//! pinning is bookkeeping only. Operations (`body`, `call`, `storage`) answer
//! `{"result":"started","operationId"}` and report on the follow subscription.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use codec::Encode;
use jsonrpsee::core::server::ConnectionId;
use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::{ErrorObjectOwned, SubscriptionId};
use jsonrpsee::{Extensions, PendingSubscriptionSink, RpcModule};
use lux_chain::ChainEvent;
use lux_io::StateBackend;
use lux_primitives::storage::{CODE, HEAP_PAGES};
use lux_primitives::H256;
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use crate::error::invalid_params;
use crate::server::to_message;
use crate::{Bytes, RpcContext};

/// Most follow subscriptions per connection (the spec asks for at least 2).
const MAX_FOLLOWS_PER_CONNECTION: usize = 4;
/// Most storage items one `chainHead_v1_storage` query returns for a descendants query.
const MAX_DESCENDANTS: usize = 100_000;

fn error(code: i32, message: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.to_string(), None::<()>)
}

fn invalid_block() -> ErrorObjectOwned {
    error(-32801, "Invalid block hash: the block is not pinned by this subscription")
}

/// What operations send to the follow task, for its client.
enum FollowMessage {
    Event(Value),
}

/// One follow subscription.
struct Follow {
    connection: ConnectionId,
    with_runtime: bool,
    pinned: HashSet<H256>,
    sender: UnboundedSender<FollowMessage>,
    next_operation: u64,
    stopped: HashSet<String>,
}

/// The follow subscriptions of all connections, by subscription id.
#[derive(Default)]
pub(crate) struct Follows(Mutex<HashMap<String, Follow>>);

impl Follows {
    /// Runs `f` on subscription `id` of `connection`, if it exists.
    fn with<R>(
        &self,
        id: &str,
        connection: ConnectionId,
        f: impl FnOnce(&mut Follow) -> R,
    ) -> Option<R> {
        let mut follows = self.0.lock();
        let follow = follows.get_mut(id).filter(|f| f.connection == connection)?;
        Some(f(follow))
    }
}

fn connection(ext: &Extensions) -> ConnectionId {
    ext.get::<ConnectionId>().copied().unwrap_or(ConnectionId(0))
}

fn subscription_key(id: &SubscriptionId<'_>) -> String {
    match id {
        SubscriptionId::Num(n) => n.to_string(),
        SubscriptionId::Str(s) => s.to_string(),
    }
}

/// The runtime of block `hash`, as the spec describes it.
fn runtime_json(ctx: &RpcContext, hash: &H256) -> Value {
    match ctx.chain.runtime_version(hash) {
        Ok(v) => {
            let apis: serde_json::Map<String, Value> = v
                .apis
                .iter()
                .map(|(id, version)| (format!("0x{}", hex::encode(id)), json!(version)))
                .collect();
            json!({
                "type": "valid",
                "spec": {
                    "specName": v.spec_name,
                    "implName": v.impl_name,
                    "specVersion": v.spec_version,
                    "implVersion": v.impl_version,
                    "transactionVersion": v.transaction_version,
                    "apis": apis,
                }
            })
        }
        Err(e) => json!({ "type": "invalid", "error": e.to_string() }),
    }
}

/// A `newBlock` event; `new_runtime` is sent only to subscriptions that asked for runtimes.
fn new_block(
    ctx: &RpcContext,
    hash: H256,
    parent: H256,
    runtime_changed: bool,
    with_runtime: bool,
) -> Value {
    let mut event = json!({ "event": "newBlock", "blockHash": hash, "parentBlockHash": parent });
    if with_runtime {
        event["newRuntime"] = if runtime_changed { runtime_json(ctx, &hash) } else { Value::Null };
    }
    event
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_subscription(
        "chainHead_v1_follow",
        "chainHead_v1_followEvent",
        "chainHead_v1_unfollow",
        |params, pending, ctx, ext| {
            let with_runtime: Result<bool, _> = params.one();
            follow(pending, ctx, with_runtime, connection(&ext))
        },
    )?;

    module.register_method("chainHead_v1_header", |params, ctx, ext| {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let hash: H256 = seq.next()?;
        let pinned = ctx.chain_head.with(&sub, connection(ext), |f| f.pinned.contains(&hash));
        match pinned {
            None => Ok(Value::Null),
            Some(false) => Err(invalid_block()),
            Some(true) => match ctx.chain.header(&hash) {
                Ok(Some(header)) => Ok(json!(Bytes(header.encode()))),
                _ => Err(invalid_block()),
            },
        }
    })?;

    module.register_async_method("chainHead_v1_body", |params, ctx, ext| async move {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let hash: H256 = seq.next()?;
        start_operation(ctx, &sub, connection(&ext), hash, false, move |ctx, id| {
            match ctx.chain.block(&hash) {
                Ok(Some(block)) => {
                    let value: Vec<Bytes> =
                        block.block.extrinsics.iter().map(|x| Bytes(x.encode())).collect();
                    vec![json!({ "event": "operationBodyDone", "operationId": id, "value": value })]
                }
                _ => vec![json!({ "event": "operationInaccessible", "operationId": id })],
            }
        })
    })?;

    module.register_async_method("chainHead_v1_call", |params, ctx, ext| async move {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let hash: H256 = seq.next()?;
        let function: String = seq.next()?;
        let call_parameters: String = seq.next()?;
        let input = parse_hex(&call_parameters)?;
        start_operation(ctx, &sub, connection(&ext), hash, true, move |ctx, id| {
            match ctx.chain.call(&hash, &function, &input) {
                Ok(output) => vec![json!({ "event": "operationCallDone", "operationId": id, "output": Bytes(output) })],
                Err(e) => vec![json!({ "event": "operationError", "operationId": id, "error": e.to_string() })],
            }
        })
    })?;

    module.register_async_method("chainHead_v1_storage", |params, ctx, ext| async move {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let hash: H256 = seq.next()?;
        let items: Vec<StorageQuery> = seq.next()?;
        let child_trie: Option<String> = seq.optional_next()?;
        start_operation(ctx, &sub, connection(&ext), hash, false, move |ctx, id| {
            // There are no child tries: their items are all absent.
            let items = if child_trie.is_some() { Vec::new() } else { items };
            let mut events = Vec::new();
            match storage_items(ctx, &hash, &items) {
                Ok(found) if found.is_empty() => {}
                Ok(found) => events.push(
                    json!({ "event": "operationStorageItems", "operationId": id, "items": found }),
                ),
                Err(e) => {
                    return vec![
                        json!({ "event": "operationError", "operationId": id, "error": e }),
                    ];
                }
            }
            events.push(json!({ "event": "operationStorageDone", "operationId": id }));
            events
        })
        .map(|mut v| {
            v["discardedItems"] = json!(0);
            v
        })
    })?;

    module.register_method("chainHead_v1_continue", |params, ctx, ext| {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let _operation: String = seq.next()?;
        // Storage operations never wait for `continue`: they report everything at once.
        ctx.chain_head.with(&sub, connection(ext), |_| ());
        Ok::<_, ErrorObjectOwned>(Value::Null)
    })?;

    module.register_method("chainHead_v1_stopOperation", |params, ctx, ext| {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let operation: String = seq.next()?;
        ctx.chain_head.with(&sub, connection(ext), |f| f.stopped.insert(operation));
        Ok::<_, ErrorObjectOwned>(Value::Null)
    })?;

    module.register_method("chainHead_v1_unpin", |params, ctx, ext| {
        let mut seq = params.sequence();
        let sub: String = seq.next()?;
        let hashes: OneOrMany = seq.next()?;
        let hashes = match hashes {
            OneOrMany::One(h) => vec![h],
            OneOrMany::Many(hs) => hs,
        };
        let unique: HashSet<H256> = hashes.iter().copied().collect();
        if unique.len() != hashes.len() {
            return Err(error(-32804, "Duplicate hashes"));
        }
        let result = ctx.chain_head.with(&sub, connection(ext), |f| {
            if !hashes.iter().all(|h| f.pinned.contains(h)) {
                return Err(invalid_block());
            }
            for h in &hashes {
                f.pinned.remove(h);
            }
            Ok(())
        });
        match result {
            Some(Err(e)) => Err(e),
            _ => Ok(Value::Null),
        }
    })?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(H256),
    Many(Vec<H256>),
}

#[derive(Clone, Deserialize)]
struct StorageQuery {
    key: String,
    #[serde(rename = "type")]
    kind: String,
}

fn parse_hex(s: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(digits).map_err(|e| invalid_params(format!("invalid hex: {e}")))
}

/// The items a storage query returns: `value` and `hash` for one key, `descendantsValues` and
/// `descendantsHashes` for every key under it. Missing keys give no item.
fn storage_items(
    ctx: &RpcContext,
    at: &H256,
    queries: &[StorageQuery],
) -> Result<Vec<Value>, String> {
    let state = ctx.chain.state_at(at).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for query in queries {
        let key = parse_hex(&query.key).map_err(|e| e.message().to_string())?;
        let hashed = |value: &[u8]| Bytes(lux_primitives::hashing::blake2_256(value).to_vec());
        match query.kind.as_str() {
            "value" | "hash" => {
                if let Some(value) = state.storage(&key).map_err(|e| e.to_string())? {
                    let field = if query.kind == "value" {
                        json!(Bytes(value))
                    } else {
                        json!(hashed(&value))
                    };
                    items.push(json!({ "key": Bytes(key.clone()), query.kind.clone(): field }));
                }
            }
            "descendantsValues" | "descendantsHashes" => {
                let keys =
                    state.keys_paged(&key, MAX_DESCENDANTS, None).map_err(|e| e.to_string())?;
                for k in keys {
                    if let Some(value) = state.storage(&k).map_err(|e| e.to_string())? {
                        let item = if query.kind == "descendantsValues" {
                            json!({ "key": Bytes(k), "value": Bytes(value) })
                        } else {
                            json!({ "key": Bytes(k), "hash": hashed(&value) })
                        };
                        items.push(item);
                    }
                }
            }
            // Merkle values are not offered: no item.
            _ => {}
        }
    }
    Ok(items)
}

/// Starts an operation on pinned block `hash` of subscription `sub`: answers
/// `{"result":"started","operationId"}` and sends `run`'s events on the subscription.
fn start_operation<F>(
    ctx: Arc<RpcContext>,
    sub: &str,
    connection: ConnectionId,
    hash: H256,
    needs_runtime: bool,
    run: F,
) -> Result<Value, ErrorObjectOwned>
where
    F: FnOnce(&RpcContext, &str) -> Vec<Value> + Send + 'static,
{
    let started = ctx.chain_head.with(sub, connection, |f| {
        if needs_runtime && !f.with_runtime {
            return Err(error(
                -32802,
                "The follow subscription was started with withRuntime false",
            ));
        }
        if !f.pinned.contains(&hash) {
            return Err(invalid_block());
        }
        f.next_operation += 1;
        Ok((f.next_operation.to_string(), f.sender.clone()))
    });
    let (id, sender) = match started {
        None => return Err(error(-32602, "Invalid follow subscription")),
        Some(result) => result?,
    };
    let operation = id.clone();
    let sub = sub.to_string();
    tokio::task::spawn_blocking(move || {
        let events = run(&ctx, &operation);
        let stopped =
            ctx.chain_head.with(&sub, connection, |f| f.stopped.remove(&operation)).unwrap_or(true);
        if !stopped {
            for event in events {
                let _ = sender.send(FollowMessage::Event(event));
            }
        }
    });
    Ok(json!({ "result": "started", "operationId": id }))
}

async fn follow(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    with_runtime: Result<bool, ErrorObjectOwned>,
    connection: ConnectionId,
) -> SubscriptionResult {
    let with_runtime = match with_runtime {
        Ok(w) => w,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let follows_of_connection =
        ctx.chain_head.0.lock().values().filter(|f| f.connection == connection).count();
    if follows_of_connection >= MAX_FOLLOWS_PER_CONNECTION {
        pending.reject(error(-32800, "Reached the limit of follow subscriptions")).await;
        return Ok(());
    }
    let mut events = ctx.chain.subscribe();
    let Ok(sink) = pending.accept().await else { return Ok(()) };
    let key = subscription_key(&sink.subscription_id());
    let (sender, mut messages) = unbounded_channel();
    let info = ctx.chain.info();

    // The finalized block and its canonical descendants, pinned and announced.
    let mut initial = vec![(info.finalized_hash, None)];
    for number in info.finalized_number + 1..=info.best_number {
        if let Ok(Some(hash)) = ctx.chain.hash(number) {
            initial.push((hash, ctx.chain.header(&hash).ok().flatten().map(|h| h.parent_hash)));
        }
    }
    let mut announced: HashSet<H256> = initial.iter().map(|(h, _)| *h).collect();
    ctx.chain_head.0.lock().insert(
        key.clone(),
        Follow {
            connection,
            with_runtime,
            pinned: announced.clone(),
            sender,
            next_operation: 0,
            stopped: HashSet::new(),
        },
    );
    let mut initialized =
        json!({ "event": "initialized", "finalizedBlockHashes": [info.finalized_hash] });
    if with_runtime {
        initialized["finalizedBlockRuntime"] = runtime_json(&ctx, &info.finalized_hash);
    }
    let mut out = vec![initialized];
    let code_hash = |hash: &H256| {
        ctx.chain.state_at(hash).ok().and_then(|s| s.storage_hash(CODE).ok().flatten())
    };
    let mut previous_code = code_hash(&info.finalized_hash);
    for (hash, parent) in initial.iter().skip(1) {
        let code = code_hash(hash);
        let changed = code != previous_code;
        previous_code = code;
        out.push(new_block(&ctx, *hash, parent.unwrap_or_default(), changed, with_runtime));
    }
    // Always tell the best block, even when it is the finalized one (clients wait for it).
    out.push(json!({ "event": "bestBlockChanged", "bestBlockHash": info.best_hash }));
    let mut finalized_number = info.finalized_number;

    'outer: for value in out {
        if send(&sink, &value).await.is_err() {
            break 'outer;
        }
    }
    loop {
        let value = tokio::select! {
            _ = sink.closed() => break,
            message = messages.recv() => match message {
                Some(FollowMessage::Event(value)) => value,
                None => break,
            },
            event = events.recv() => match event {
                Ok(ChainEvent::Imported(block)) => {
                    let parent = block.header.parent_hash;
                    if announced.contains(&block.hash) || !announced.contains(&parent) {
                        continue;
                    }
                    announced.insert(block.hash);
                    ctx.chain_head.with(&key, connection, |f| f.pinned.insert(block.hash));
                    let changed = block.changes.iter().any(|(k, _)| k.as_slice() == CODE || k.as_slice() == HEAP_PAGES);
                    let announce = new_block(&ctx, block.hash, parent, changed, with_runtime);
                    if send(&sink, &announce).await.is_err() {
                        break;
                    }
                    if !block.is_new_best {
                        continue;
                    }
                    json!({ "event": "bestBlockChanged", "bestBlockHash": block.hash })
                }
                Ok(ChainEvent::Finalized(finalized)) => {
                    if finalized.header.number <= finalized_number {
                        continue;
                    }
                    finalized_number = finalized.header.number;
                    let hashes: Vec<H256> =
                        finalized.newly_finalized.iter().filter(|h| announced.contains(h)).copied().collect();
                    json!({ "event": "finalized", "finalizedBlockHashes": hashes, "prunedBlockHashes": [] })
                }
                // The subscription could not keep up: it ends, as the spec prescribes.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => {
                    let _ = send(&sink, &json!({ "event": "stop" })).await;
                    break;
                }
            },
        };
        if send(&sink, &value).await.is_err() {
            break;
        }
    }
    ctx.chain_head.0.lock().remove(&key);
    Ok(())
}

async fn send(sink: &jsonrpsee::SubscriptionSink, value: &Value) -> Result<(), ()> {
    let message = to_message(value).map_err(|_| ())?;
    sink.send(message).await.map_err(|_| ())
}
