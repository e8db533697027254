//! `luxtensor try-runtime`: a dry run of a runtime upgrade on a copy of a live chain's state,
//! before anyone votes for it.
//!
//! It copies the state at a block over RPC (or, with `--base-path`, from a stopped node's
//! database), then, with the candidate code in `:code` and nothing written back to the chain:
//! 1. checks the candidate's version against the chain's (readable, same `spec_name`, higher
//!    `spec_version`), as `system.setCode` will;
//! 2. runs every pallet's migrations (`TryRuntime_on_runtime_upgrade`), then runs them again
//!    on the result: the second run must change nothing;
//! 3. builds the next block on the new code, as its author will: the first block of a new
//!    version runs the migrations, the inherents, then the transactions waiting in the
//!    node's pool;
//!
//! and prints the weight used, the time taken, the storage items changed and the resulting
//! state roots. Any trap, failed check or refused inherent makes it exit with an error.

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use codec::{Decode, Encode};
use lux_db::{Database, DatabaseConfig};
use lux_executor::{ExecutorConfig, RuntimeCode, SharedBackend, WasmExecutor};
use lux_io::{Ext, InMemoryBackend, OverlayedChanges, StateBackend, StateVersion};
use lux_primitives::consensus::PreDigest;
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::transaction::ApplyExtrinsicResult;
use lux_primitives::weight::WEIGHT_REF_TIME_PER_MILLIS;
use lux_primitives::{Digest, Header, OpaqueExtrinsic, Weight, H256};
use lux_rpc_client::{rpc_params, LuxClient};
use serde_json::Value;

use crate::cli::TryRuntimeCmd;
use crate::commands::CmdResult;

/// Keys fetched per `state_getKeysPaged` call (the server's maximum).
const KEYS_PER_PAGE: u32 = 1000;
/// Values fetched per `state_queryStorageAt` call.
const VALUES_PER_CALL: usize = 500;

/// Why the dry run failed.
#[derive(Debug, thiserror::Error)]
pub enum TryRuntimeError {
    /// The candidate is not acceptable.
    #[error("the candidate fails the {check} check: {reason}")]
    Check {
        /// Which check.
        check: &'static str,
        /// Why.
        reason: String,
    },
    /// Talking to the node failed.
    #[error("RPC: {0}")]
    Rpc(String),
    /// Reading the node's database failed.
    #[error("database: {0}")]
    Database(String),
}

fn check(check: &'static str, reason: impl ToString) -> TryRuntimeError {
    TryRuntimeError::Check { check, reason: reason.to_string() }
}

fn rpc(e: impl ToString) -> TryRuntimeError {
    TryRuntimeError::Rpc(e.to_string())
}

fn database(e: impl ToString) -> TryRuntimeError {
    TryRuntimeError::Database(e.to_string())
}

/// Where the chain is read: a node over RPC, or the database of a stopped node.
enum Source {
    Rpc(LuxClient),
    Database(Arc<Database>),
}

impl Source {
    async fn open(cmd: &TryRuntimeCmd, executor: &WasmExecutor) -> Result<Self, Box<dyn Error>> {
        let Some(base_path) = &cmd.base_path else {
            return Ok(Self::Rpc(LuxClient::connect(&cmd.rpc_url).await.map_err(rpc)?));
        };
        let chain = cmd.chain.as_deref().ok_or("--base-path needs --chain")?;
        let spec = crate::commands::load_spec(chain, executor)?;
        let path = base_path.join("chains").join(&spec.id).join("db");
        if !path.is_dir() {
            return Err(format!("no database of chain {:?} at {}", spec.id, path.display()).into());
        }
        let db = Database::open(&path, &DatabaseConfig::default()).map_err(|e| match e {
            e if e.is_locked() => database(format!(
                "{} is in use by a running node: stop it, or use --rpc-url",
                path.display()
            )),
            other => database(other),
        })?;
        Ok(Self::Database(db))
    }

    /// The block `at` (the best block if `None`): its hash and header.
    async fn block(&self, at: Option<H256>) -> Result<(H256, Header), TryRuntimeError> {
        let hash = match (at, self) {
            (Some(at), _) => at,
            (None, Self::Rpc(client)) => {
                client.request("chain_getBlockHash", rpc_params![]).await.map_err(rpc)?
            }
            (None, Self::Database(db)) => {
                db.best_hash().map_err(database)?.ok_or_else(|| database("no best block"))?
            }
        };
        let unknown = || format!("the node does not know block {hash:?}");
        let header = match self {
            Self::Rpc(client) => {
                client.header(Some(hash)).await.map_err(rpc)?.ok_or_else(|| rpc(unknown()))?
            }
            Self::Database(db) => {
                db.header(&hash).map_err(database)?.ok_or_else(|| database(unknown()))?
            }
        };
        Ok((hash, header))
    }

    /// The whole state after block `at`, key by key.
    async fn storage(
        &self,
        at: H256,
        header: &Header,
    ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, TryRuntimeError> {
        match self {
            Self::Rpc(client) => snapshot(client, at).await,
            Self::Database(db) => {
                // A local database needs no paging: every key in one walk of the trie.
                let state = db.state_at(header.state_root);
                let keys = state.keys_paged(b"", usize::MAX, None).map_err(database)?;
                let mut storage = BTreeMap::new();
                for key in keys {
                    let value = state
                        .storage(&key)
                        .map_err(database)?
                        .ok_or_else(|| database("a listed key has no value"))?;
                    storage.insert(key, value);
                }
                Ok(storage)
            }
        }
    }

    /// The transactions waiting in the node's pool (none for a database).
    async fn pending(&self) -> Result<Vec<OpaqueExtrinsic>, TryRuntimeError> {
        let Self::Rpc(client) = self else { return Ok(Vec::new()) };
        let pending: Vec<String> =
            client.request("author_pendingExtrinsics", rpc_params![]).await.map_err(rpc)?;
        Ok(pending
            .iter()
            .filter_map(|x| hex::decode(x.trim_start_matches("0x")).ok())
            .filter_map(|bytes| OpaqueExtrinsic::decode(&mut &bytes[..]).ok())
            .collect())
    }
}

/// Runs the dry run the command describes.
pub async fn run(cmd: TryRuntimeCmd) -> CmdResult {
    let code =
        std::fs::read(&cmd.code).map_err(|e| format!("cannot read {}: {e}", cmd.code.display()))?;
    if !code.starts_with(b"\0asm") {
        return Err(check("wasm", "the file is not a wasm module").into());
    }
    let executor = WasmExecutor::new(ExecutorConfig::default())?;
    let source = Source::open(&cmd, &executor).await?;
    let at = match cmd.at.as_deref() {
        Some(at) => {
            let bytes = hex::decode(at.trim_start_matches("0x"))
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| format!("--at {at}: not a block hash (0x and 64 hex digits)"))?;
            Some(H256(bytes))
        }
        None => None,
    };
    let (at, parent) = source.block(at).await?;

    let started = Instant::now();
    let mut storage = source.storage(at, &parent).await?;
    let bytes: usize = storage.iter().map(|(k, v)| k.len() + v.len()).sum();
    let copied = started.elapsed();
    let current_code = storage
        .get(lux_primitives::storage::CODE)
        .ok_or_else(|| check("version", "the chain's state has no :code"))?;
    let current = executor
        .runtime_version(&RuntimeCode::from_bytes(current_code.clone(), None))
        .map_err(|e| check("version", format!("the chain's own runtime: {e}")))?;

    let candidate = RuntimeCode::from_bytes(code.clone(), None);
    let started = Instant::now();
    let version = executor.runtime_version(&candidate).map_err(|e| check("version", e))?;
    println!(
        "candidate: {} {} (0x{}, {} KiB, compiled in {})",
        version.spec_name,
        version.spec_version,
        hex::encode(&candidate.hash[..8]),
        code.len() / 1024,
        millis(started.elapsed())
    );
    if version.spec_name != current.spec_name {
        return Err(check(
            "version",
            format!(
                "spec_name {} differs from the chain's {}",
                version.spec_name, current.spec_name
            ),
        )
        .into());
    }
    if version.spec_version <= current.spec_version {
        return Err(check(
            "version",
            format!(
                "spec_version {} is not above the chain's {}",
                version.spec_version, current.spec_version
            ),
        )
        .into());
    }
    println!(
        "ok  version: {} {} -> {}",
        current.spec_name, current.spec_version, version.spec_version
    );

    println!(
        "state of #{} (0x{}): {} items, {} KiB, copied in {}",
        parent.number,
        hex::encode(&at.0[..8]),
        storage.len(),
        bytes / 1024,
        millis(copied)
    );
    storage.insert(lux_primitives::storage::CODE.to_vec(), code);
    let state = InMemoryBackend::new(storage);

    // The migrations, twice.
    let (first, after_first) = migrate(&executor, &candidate, state.clone(), "migrations")?;
    let (second, after_second) =
        migrate(&executor, &candidate, after_first.clone(), "migrations, again")?;
    if second.changed > 0 || second.root != first.root {
        return Err(check(
            "idempotence",
            format!(
                "running the migrations again changed {} items (state root {:?} -> {:?})",
                second.changed, first.root, second.root
            ),
        )
        .into());
    }
    drop(after_second);
    println!("ok  migrations run again change nothing");

    // The next block, on the new code, with the pool's transactions.
    let pending = source.pending().await?;
    next_block(&executor, &candidate, state, &parent, at, &pending)?;
    println!("the candidate can be installed");
    Ok(())
}

/// What one run changed.
struct Outcome {
    changed: usize,
    root: H256,
}

fn migrate(
    executor: &WasmExecutor,
    code: &RuntimeCode,
    state: InMemoryBackend,
    what: &str,
) -> Result<(Outcome, InMemoryBackend), Box<dyn std::error::Error>> {
    let backend: SharedBackend = Arc::new(state.clone());
    let mut ext = Ext::new(backend, OverlayedChanges::new());
    let started = Instant::now();
    let (used, max): (Weight, Weight) = executor
        .call_decode(&mut ext, code, "TryRuntime_on_runtime_upgrade", &1u8.encode())
        .map_err(|e| check("migrations", e))?;
    let took = started.elapsed();
    let changes = ext.into_storage_changes(StateVersion::V1)?;
    let outcome = Outcome { changed: changes.changes.len(), root: H256(changes.root) };
    println!(
        "ok  {what}: weight {} of a block's {}, {} storage items changed, {}, state root {:?}",
        weight(used),
        weight(max),
        outcome.changed,
        millis(took),
        outcome.root
    );
    let mut state = state;
    state.apply(changes.changes.iter().map(|(k, v)| (&k[..], v.as_deref())));
    Ok((outcome, state))
}

fn next_block(
    executor: &WasmExecutor,
    code: &RuntimeCode,
    state: InMemoryBackend,
    parent: &Header,
    parent_hash: H256,
    pending: &[OpaqueExtrinsic],
) -> CmdResult {
    let timestamp_key = lux_primitives::twox::storage_prefix(b"Timestamp", b"Now");
    let parent_time = state
        .storage_map()
        .get(&timestamp_key[..])
        .and_then(|v| u64::decode(&mut &v[..]).ok())
        .unwrap_or(0);
    let backend: SharedBackend = Arc::new(state);
    let mut session = executor
        .session(Ext::new(backend, OverlayedChanges::new()), code)
        .map_err(|failure| failure.0)?;
    let slot_duration: u64 = decode(session.call("LuxConsensusApi_slot_duration", &[]))
        .map_err(|e| check("next block", e))?;
    let parent_slot = PreDigest::find(parent).map_or(0, |p| p.slot());
    let mut digest = Digest::default();
    digest
        .push(PreDigest::Secondary { authority_index: 0, slot: parent_slot + 1 }.to_digest_item());
    let header = Header {
        parent_hash,
        number: parent.number + 1,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest,
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &now.max(parent_time + slot_duration));

    let started = Instant::now();
    session
        .call("Core_initialize_block", &header.encode())
        .map_err(|e| check("next block (initialization and migrations)", e))?;
    let inherents: Vec<OpaqueExtrinsic> =
        decode(session.call("BlockBuilder_inherent_extrinsics", &data.encode()))
            .map_err(|e| check("next block (inherents)", e))?;
    for (i, xt) in inherents.iter().enumerate() {
        let result: ApplyExtrinsicResult =
            decode(session.call("BlockBuilder_apply_extrinsic", &xt.encode()))
                .map_err(|e| check("next block (inherents)", e))?;
        if !matches!(result, Ok(Ok(()))) {
            return Err(check("next block (inherents)", format!("inherent {i}: {result:?}")).into());
        }
    }
    let (mut applied, mut failed, mut refused) = (0, 0, 0);
    for xt in pending {
        session.ext_mut().overlay_mut().start_transaction();
        let result: ApplyExtrinsicResult =
            decode(session.call("BlockBuilder_apply_extrinsic", &xt.encode()))
                .map_err(|e| check("next block (transactions)", e))?;
        match result {
            Ok(outcome) => {
                session.ext_mut().overlay_mut().commit_transaction()?;
                if outcome.is_ok() {
                    applied += 1;
                } else {
                    failed += 1;
                }
            }
            Err(_) => {
                session.ext_mut().overlay_mut().rollback_transaction()?;
                refused += 1;
            }
        }
    }
    let header: Header = decode(session.call("BlockBuilder_finalize_block", &[]))
        .map_err(|e| check("next block (finalization)", e))?;
    let took = started.elapsed();
    let weight_key = lux_primitives::twox::storage_prefix(b"System", b"BlockWeight");
    // System.BlockWeight is cleared at the next block's start, so it still holds this one's.
    let used = session
        .ext()
        .overlay()
        .get(&weight_key)
        .flatten()
        .and_then(|v| <[Weight; 3]>::decode(&mut &v[..]).ok())
        .map_or(Weight::ZERO, |[n, o, m]| n.saturating_add(o).saturating_add(m));
    let changes = session.into_ext().into_storage_changes(StateVersion::V1)?;
    println!(
        "ok  block #{} on the new code: inherents {}, {} of {} pool transactions applied ({} failed, {} refused), weight {}, {} storage items changed, {}, state root {:?}",
        header.number,
        inherents.len(),
        applied + failed,
        pending.len(),
        failed,
        refused,
        weight(used),
        changes.changes.len(),
        millis(took),
        header.state_root
    );
    Ok(())
}

/// The whole state at `at`, key by key.
async fn snapshot(
    client: &LuxClient,
    at: H256,
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, TryRuntimeError> {
    let mut keys: Vec<String> = Vec::new();
    loop {
        let start = keys.last().cloned();
        let page: Vec<String> = client
            .request("state_getKeysPaged", rpc_params!["0x", KEYS_PER_PAGE, start, at])
            .await
            .map_err(rpc)?;
        let done = page.len() < KEYS_PER_PAGE as usize;
        keys.extend(page);
        if done {
            break;
        }
    }
    let mut storage = BTreeMap::new();
    for chunk in keys.chunks(VALUES_PER_CALL) {
        let sets: Vec<Value> =
            client.request("state_queryStorageAt", rpc_params![chunk, at]).await.map_err(rpc)?;
        for set in sets {
            let Some(changes) = set.get("changes").and_then(Value::as_array) else { continue };
            for change in changes {
                let (Some(key), Some(value)) =
                    (change.get(0).and_then(Value::as_str), change.get(1).and_then(Value::as_str))
                else {
                    continue;
                };
                let key = hex::decode(key.trim_start_matches("0x")).map_err(rpc)?;
                let value = hex::decode(value.trim_start_matches("0x")).map_err(rpc)?;
                storage.insert(key, value);
            }
        }
    }
    Ok(storage)
}

fn decode<R: Decode>(output: Result<Vec<u8>, lux_executor::ExecutorError>) -> Result<R, String> {
    let output = output.map_err(|e| e.to_string())?;
    R::decode(&mut &output[..]).map_err(|e| e.to_string())
}

fn weight(w: Weight) -> String {
    format!("{:.3} ms", w.ref_time as f64 / WEIGHT_REF_TIME_PER_MILLIS as f64)
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
