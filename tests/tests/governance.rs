//! Governance and a live runtime upgrade on the local testnet, with real processes, driven over
//! RPC as a user would:
//!
//! - a root-track referendum proposing `System.authorize_upgrade(blake2_256(next wasm))`,
//!   submitted with its decision deposit and voted aye by three accounts, passes and is
//!   enacted; while it is decided, vote-locked funds cannot be transferred;
//! - a second referendum, supported by one small vote only, is rejected at the end of its
//!   decision period and its proposal never runs;
//! - before the upgrade, `System.set_code` through sudo refuses the running runtime (same
//!   `spec_version`) and bytes that are no wasm, and `apply_authorized_upgrade` refuses code
//!   that is not the authorized one (the pool refuses it unsigned, the chain signed);
//! - anyone (Dave) applies the authorized code: every node runs the next `spec_version` without a
//!   restart, the sudo pallet's migration ran exactly once in the first block of the new code,
//!   and the new runtime's new call (`Sudo.force_remove_key`) works;
//! - finality goes on through the upgrade on every node, and a node started afterwards syncs
//!   from genesis across the upgrade block and runs the next version.

use std::time::Duration;

use codec::{Compact, Decode, Encode};
use lux_keys::EthereumPair;
use lux_primitives::dispatch::DispatchError;
use lux_primitives::extrinsic::{signing_message, Implicit};
use lux_primitives::hashing::{blake2_128, blake2_256};
use lux_primitives::twox::storage_prefix;
use lux_primitives::{AccountId20, Era, EthereumSignature, SignedExtra, H256, LUX};
use lux_rpc_client::{sign_extrinsic, Inclusion, LuxClient, TxOutcome};
use luxtensor_runtime::{RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use luxtensor_tests::{local_testnet, wait_for, TestNode, UPGRADE_TIMEOUT};

const TIMEOUT: Duration = Duration::from_secs(60);
/// The running runtime's `spec_version`, and the test runtimes' (one ahead).
const CURRENT: u32 = luxtensor_runtime::SPEC_VERSION;
const NEXT: u32 = CURRENT + 1;

/// Pallet indices in the runtime.
const SUDO: u8 = 5;
const CONVICTION_VOTING: u8 = 9;
const REFERENDA: u8 = 10;
/// The system pallet's error indices.
const SPEC_VERSION_NEEDS_TO_INCREASE: u8 = 1;
const NOT_WASM: u8 = 9;

fn dev(name: &str) -> EthereumPair {
    lux_keys::dev_account(name).expect("dev account")
}

fn id(pair: &EthereumPair) -> AccountId20 {
    AccountId20(pair.address())
}

/// The call of the running runtime (`CURRENT`) with this encoding: it must decode and encode back
/// to the same bytes, so a wrong hand-made encoding fails here and not on chain. (The calls of
/// the referenda and conviction-voting pallets are written as bytes, as a wallet would: this
/// crate does not depend on those pallets.)
fn call(encoded: Vec<u8>) -> RuntimeCall {
    let call = RuntimeCall::decode(&mut &encoded[..]).expect("a call of this runtime");
    assert_eq!(call.encode(), encoded, "{call:?} encodes back to its bytes");
    call
}

/// `Referenda.submit` on the root track: `proposal` inline, enacted one block after approval
/// (the track's minimum enactment period applies).
fn submit_referendum(proposal: &RuntimeCall) -> RuntimeCall {
    // proposal_origin: OriginCaller::system(RawOrigin::Root); proposal: Bounded::Inline.
    let mut encoded = vec![REFERENDA, 0, 0x00, 0x00, 0x01];
    proposal.encode().encode_to(&mut encoded);
    // enactment_moment: DispatchTime::After(1).
    encoded.push(0x01);
    1u32.encode_to(&mut encoded);
    call(encoded)
}

/// `Referenda.place_decision_deposit`.
fn place_decision_deposit(index: u32) -> RuntimeCall {
    call([vec![REFERENDA, 1], index.encode()].concat())
}

/// `ConvictionVoting.vote`: aye, `Locked1x`, with `balance`.
fn vote_aye(index: u32, balance: u128) -> RuntimeCall {
    // AccountVote::Standard { vote: aye | Locked1x, balance }.
    let vote = [vec![0x00, 0x80 | 1], balance.encode()].concat();
    call([vec![CONVICTION_VOTING, 0], Compact(index).encode(), vote].concat())
}

/// `Sudo.sudo(inner)`.
fn sudo(inner: &RuntimeCall) -> RuntimeCall {
    RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(inner.clone()) })
}

fn set_code(code: &[u8]) -> RuntimeCall {
    RuntimeCall::System(pallet_system::Call::set_code { code: code.to_vec() })
}

fn apply_authorized_upgrade(code: &[u8]) -> RuntimeCall {
    RuntimeCall::System(pallet_system::Call::apply_authorized_upgrade { code: code.to_vec() })
}

/// The results of the `Sudo.Sudid` events among `events`.
fn sudo_results(events: &[RuntimeEvent]) -> Vec<Result<(), DispatchError>> {
    events
        .iter()
        .filter_map(|event| match event {
            RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result }) => Some(*sudo_result),
            _ => None,
        })
        .collect()
}

/// Whether `result` is the system pallet's error `index`.
fn is_system_error(result: &Result<(), DispatchError>, index: u8) -> bool {
    matches!(result, Err(DispatchError::Module(m)) if m.index == 0 && m.error[0] == index)
}

/// Submits the encoded extrinsics `xts` at once and waits until finalized blocks include them
/// all; returns how each went, in order.
///
/// Finalized, not just in a best block: while an upgrade's code is compiled, authoring takes
/// longer than a slot and competing blocks at one height are common; one seen as best may be
/// discarded (with its state) when another is finalized.
async fn submit_until_final(client: &LuxClient, xts: &[Vec<u8>]) -> Vec<Inclusion> {
    let finalized_number = || async {
        let head: H256 =
            client.request("chain_getFinalizedHead", jsonrpsee::rpc_params![]).await.ok()?;
        Some(client.header(Some(head)).await.ok()??.number)
    };
    let mut next = finalized_number().await.expect("finalized head") + 1;
    let hashes: Vec<H256> = xts.iter().map(|xt| H256(blake2_256(xt))).collect();
    futures::future::join_all(xts.iter().map(|xt| async move {
        let hex = format!("0x{}", hex::encode(xt));
        let submitted: H256 = client
            .request("author_submitExtrinsic", jsonrpsee::rpc_params![hex])
            .await
            .expect("the pool accepts the extrinsic");
        submitted
    }))
    .await;
    let mut blocks: Vec<Option<H256>> = vec![None; xts.len()];
    let deadline = std::time::Instant::now() + TIMEOUT;
    while blocks.iter().any(Option::is_none) {
        assert!(std::time::Instant::now() < deadline, "not finalized after {TIMEOUT:?}");
        let finalized = finalized_number().await.unwrap_or(0);
        while next <= finalized {
            let block: H256 = client
                .request("chain_getBlockHash", jsonrpsee::rpc_params![next])
                .await
                .expect("a finalized block");
            for xt in client.block_extrinsics(block).await.expect("its extrinsics") {
                let hash = H256(blake2_256(&xt));
                if let Some(i) = hashes.iter().position(|h| *h == hash) {
                    blocks[i] = Some(block);
                }
            }
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    futures::future::join_all(hashes.iter().zip(blocks).map(|(hash, block)| async move {
        client.inclusion(*hash, block.expect("found")).await.expect("its outcome")
    }))
    .await
}

/// Signs `calls` from `pair` with consecutive nonces, submits them at once and waits until
/// each is included in a finalized block; returns how each went, in order.
async fn send_all(
    client: &LuxClient,
    pair: &EthereumPair,
    calls: Vec<RuntimeCall>,
) -> Vec<Inclusion> {
    let context = client.signing_context().await.expect("signing context");
    let nonce = client.next_index(&id(pair)).await.expect("nonce");
    let xts: Vec<Vec<u8>> = (nonce..)
        .zip(calls)
        .map(|(nonce, call)| sign_extrinsic(pair, call, nonce, 0, &context).encode())
        .collect();
    submit_until_final(client, &xts).await
}

/// A call as raw bytes: one the test's runtime (`CURRENT`) does not know.
struct RawCall(Vec<u8>);

impl Encode for RawCall {
    fn size_hint(&self) -> usize {
        self.0.len()
    }
    fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
        dest.write(&self.0);
    }
}

/// Signs the raw `call` from `pair` for the runtime the node runs now, submits it and waits
/// until a finalized block includes it.
async fn send_raw(client: &LuxClient, pair: &EthereumPair, call: Vec<u8>) -> Inclusion {
    let context = client.signing_context().await.expect("signing context");
    let nonce = client.next_index(&id(pair)).await.expect("nonce");
    let extra = SignedExtra { era: Era::Immortal, nonce, tip: 0 };
    let implicit = Implicit {
        spec_version: context.spec_version,
        transaction_version: context.transaction_version,
        genesis_hash: context.genesis_hash,
        era_block_hash: context.genesis_hash,
    };
    let call = RawCall(call);
    let signature = EthereumSignature(pair.sign(&signing_message(&call, &extra, &implicit)));
    let xt = lux_primitives::UncheckedExtrinsic::new_signed(call, id(pair), signature, extra);
    submit_until_final(client, &[xt.encode()]).await.remove(0)
}

/// The `spec_version` of the runtime at block `at`.
async fn spec_version_at(client: &LuxClient, at: H256) -> u32 {
    client.runtime_version_at(at).await.expect("version").spec_version
}

/// The raw value at storage `key` at block `at` (the best block for `None`).
async fn storage(client: &LuxClient, key: &[u8], at: Option<H256>) -> Option<Vec<u8>> {
    let key = format!("0x{}", hex::encode(key));
    let value: Option<String> =
        client.request("state_getStorage", jsonrpsee::rpc_params![key, at]).await.expect("rpc");
    value.map(|v| hex::decode(v.trim_start_matches("0x")).expect("hex"))
}

/// The decoded value at storage `key` at block `at`.
async fn value<T: Decode>(client: &LuxClient, key: &[u8], at: Option<H256>) -> Option<T> {
    let bytes = storage(client, key, at).await?;
    Some(T::decode(&mut &bytes[..]).expect("the value decodes"))
}

/// `prefix(pallet, item) ++ blake2_128(key) ++ key`: a `Blake2_128Concat` map key.
fn map_key(pallet: &[u8], item: &[u8], key: &[u8]) -> Vec<u8> {
    [storage_prefix(pallet, item).as_slice(), &blake2_128(key), key].concat()
}

fn sudo_key() -> Vec<u8> {
    storage_prefix(b"Sudo", b"Key").to_vec()
}

fn sudo_storage_version() -> Vec<u8> {
    storage_prefix(b"Sudo", b":__STORAGE_VERSION__:").to_vec()
}

fn referendum_info(index: u32) -> Vec<u8> {
    map_key(b"Referenda", b"ReferendumInfoFor", &index.encode())
}

/// The `ReferendumInfo` variant of referendum `index` at `at`: 0 ongoing, 1 approved.
async fn referendum_state(client: &LuxClient, index: u32, at: H256) -> u8 {
    storage(client, &referendum_info(index), Some(at)).await.expect("the referendum exists")[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referendum_authorizes_an_upgrade_anyone_applies_live_with_a_once_only_migration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let alice_node = &nodes[0];
    let client = alice_node.client().await;
    let (alice, bob, charlie, dave) = (dev("alice"), dev("bob"), dev("charlie"), dev("dave"));
    let current_code = luxtensor_runtime::WASM_BINARY.expect("the runtime wasm is built");
    let read =
        |path: Option<&str>| std::fs::read(path.expect("test runtimes built")).expect("wasm");
    let next_code = read(luxtensor_runtime::UPGRADE_TEST_WASM_PATH);
    let other_code = read(luxtensor_runtime::UPGRADE_TRAP_WASM_PATH);
    let code_hash = H256(blake2_256(&next_code));
    assert_ne!(H256(blake2_256(&other_code)), code_hash);

    // Before: runtime `CURRENT`; the sudo key is a bare account, at storage version 0.
    alice_node.wait_for_block(1, TIMEOUT).await;
    assert_eq!(client.runtime_version().await.expect("version").spec_version, CURRENT);
    assert_eq!(storage(&client, &sudo_key(), None).await, Some(id(&alice).0.to_vec()));
    assert_eq!(value::<u16>(&client, &sudo_storage_version(), None).await, Some(0));

    // Alice submits the referendum.
    let count = storage_prefix(b"Referenda", b"ReferendumCount");
    let index = value::<u32>(&client, &count, None).await.unwrap_or(0);
    let authorize = RuntimeCall::System(pallet_system::Call::authorize_upgrade { code_hash });
    // A second referendum, which only Eve supports (1 000 LUX: far below the support curve),
    // proposes to set Ferdie's balance to 1 LUX; it must be rejected and change nothing.
    let ferdie = id(&dev("ferdie"));
    let ferdie_free = client.free_balance(&ferdie).await.expect("balance");
    let set_balance = RuntimeCall::Balances(pallet_balances::Call::force_set_balance {
        who: ferdie,
        new_free: LUX,
    });
    let submitted = send_all(
        &client,
        &alice,
        vec![submit_referendum(&authorize), submit_referendum(&set_balance)],
    )
    .await;
    for inclusion in &submitted {
        assert_eq!(inclusion.outcome, TxOutcome::Success);
    }
    let unsupported = index + 1;
    let eve = dev("eve");

    // Alice places the decision deposit and votes, Bob and Charlie vote: 500 000 LUX aye, over
    // the track's 5% support. Bob's vote (300 000 LUX) locks more than his 100 000 LUX bond,
    // and right after it he tries to send all but 250 000 LUX. Meanwhile sudo tries to set
    // the running runtime's own code, then bytes that are no wasm.
    let bob_free = client.free_balance(&id(&bob)).await.expect("balance");
    let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
        dest: id(&dev("eve")),
        value: bob_free - 250_000 * LUX,
    });
    let (by_alice, by_bob, by_charlie, by_eve) = tokio::join!(
        send_all(
            &client,
            &alice,
            vec![
                place_decision_deposit(index),
                vote_aye(index, 100_000 * LUX),
                place_decision_deposit(unsupported),
                sudo(&set_code(current_code)),
                sudo(&set_code(b"definitely not a wasm module")),
            ],
        ),
        send_all(&client, &bob, vec![vote_aye(index, 300_000 * LUX), transfer]),
        send_all(&client, &charlie, vec![vote_aye(index, 100_000 * LUX)]),
        send_all(&client, &eve, vec![vote_aye(unsupported, 1_000 * LUX)]),
    );
    for inclusion in by_alice.iter().chain(&by_bob[..1]).chain(&by_charlie).chain(&by_eve) {
        assert_eq!(inclusion.outcome, TxOutcome::Success, "{:?}", inclusion.events);
    }
    let same_version = sudo_results(&by_alice[3].events);
    assert!(is_system_error(&same_version[0], SPEC_VERSION_NEEDS_TO_INCREASE), "{same_version:?}");
    let not_wasm = sudo_results(&by_alice[4].events);
    assert!(is_system_error(&not_wasm[0], NOT_WASM), "{not_wasm:?}");

    // The transfer is included, in the referendum's decision, and fails: the vote's lock holds
    // the funds (the bond's alone would not).
    let moved = &by_bob[1];
    match &moved.outcome {
        TxOutcome::Failed(reason) => assert_eq!(reason, "Balances.LiquidityRestrictions"),
        TxOutcome::Success => panic!("vote-locked funds were transferred"),
    }
    assert_eq!(referendum_state(&client, index, moved.block_hash).await, 0, "ongoing");
    let locks_key = map_key(b"Balances", b"Locks", &id(&bob).0);
    let locks: Vec<pallet_balances::BalanceLock> =
        value(&client, &locks_key, Some(moved.block_hash)).await.expect("locks");
    let lock = |lock_id: &[u8; 8]| locks.iter().find(|l| &l.id == lock_id).map(|l| l.amount);
    assert_eq!(lock(b"pyconvot"), Some(300_000 * LUX));
    assert_eq!(lock(b"staking "), Some(100_000 * LUX));

    // The referendum passes and its proposal is enacted as root: the upgrade is authorized.
    let authorized_key = storage_prefix(b"System", b"AuthorizedUpgrade");
    let authorized_at = wait_for("the upgrade's authorization", TIMEOUT, || async {
        let (_, finalized) = alice_node.finalized().await;
        let authorization: pallet_system::CodeUpgradeAuthorization =
            value(&client, &authorized_key, Some(finalized)).await?;
        Some((authorization, finalized))
    })
    .await;
    let expected = pallet_system::CodeUpgradeAuthorization { code_hash, check_version: true };
    assert_eq!(authorized_at.0, expected);
    assert_eq!(referendum_state(&client, index, authorized_at.1).await, 1, "approved");

    // Other code is refused: by the pool when unsigned, by the chain (Unauthorized) when signed.
    let unsigned = UncheckedExtrinsic::new_unsigned(apply_authorized_upgrade(&other_code));
    let refused = client.submit(&unsigned).await;
    let Err(lux_rpc_client::ClientError::Rpc(jsonrpsee::core::ClientError::Call(error))) = &refused
    else {
        panic!("the pool did not refuse an unauthorized unsigned upgrade: {refused:?}");
    };
    // 1010: invalid transaction (InvalidTransaction::Call).
    assert_eq!(error.code(), 1010, "{error:?}");

    // Dave sends other code, then the authorized code.
    let by_dave = send_all(
        &client,
        &dave,
        vec![apply_authorized_upgrade(&other_code), apply_authorized_upgrade(&next_code)],
    )
    .await;
    assert_eq!(by_dave[0].outcome, TxOutcome::Failed("System.Unauthorized".into()));
    let applied = &by_dave[1];
    assert_eq!(applied.outcome, TxOutcome::Success);
    assert!(applied.events.contains(&RuntimeEvent::System(pallet_system::Event::CodeUpdated)));
    let upgrade_block =
        client.header(Some(applied.block_hash)).await.expect("rpc").expect("header").number;
    assert_eq!(storage(&client, &authorized_key, Some(applied.block_hash)).await, None);
    println!("upgraded at block #{upgrade_block}");

    // Every node runs `NEXT` from the next block, without a restart.
    futures::future::join_all(nodes.iter().map(|node| async move {
        let client = node.client().await;
        wait_for("the next spec_version", UPGRADE_TIMEOUT, || async {
            (client.runtime_version().await.ok()?.spec_version == NEXT).then_some(())
        })
        .await
    }))
    .await;

    // A node started now syncs from genesis across the upgrade (started while finality is
    // awaited below).
    let bootnode = alice_node.p2p_address().await;
    let args: Vec<String> =
        ["--chain", "local", "--listen-addr", "/ip4/127.0.0.1/tcp/0", "--bootnodes", &bootnode]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let late_path = dir.path().join("late");
    let late_start = TestNode::start(&late_path, &args);

    // Finality goes on past the upgrade on every node.
    let finality = futures::future::join_all(nodes.iter().map(|node| async move {
        wait_for("finality past the upgrade", UPGRADE_TIMEOUT, || async {
            (node.finalized().await.0 >= upgrade_block + 3).then_some(())
        })
        .await
    }));
    let (late, _) = tokio::join!(late_start, finality);
    assert_eq!(
        alice_node.block_hash(upgrade_block).await,
        Some(applied.block_hash),
        "the block that applied the upgrade is final"
    );

    // The new runtime took over in the next block, and its migration ran there.
    let first_new = alice_node.block_hash(upgrade_block + 1).await.expect("next block");
    let before = alice_node.block_hash(upgrade_block - 1).await.expect("previous block");
    assert_eq!(spec_version_at(&client, before).await, CURRENT);
    assert_eq!(spec_version_at(&client, first_new).await, NEXT);
    let last_upgrade = storage_prefix(b"System", b"LastRuntimeUpgrade");
    let version_at =
        |at| value::<pallet_system::LastRuntimeUpgradeInfo>(&client, &last_upgrade, at);
    assert_eq!(version_at(Some(applied.block_hash)).await.expect("recorded").spec_version, CURRENT);
    assert_eq!(version_at(Some(first_new)).await.expect("recorded").spec_version, NEXT);
    let key_before = storage(&client, &sudo_key(), Some(applied.block_hash)).await;
    assert_eq!(key_before, Some(id(&alice).0.to_vec()));
    let key_info = storage(&client, &sudo_key(), Some(first_new)).await.expect("a key");
    assert_eq!(key_info.len(), 24, "KeyInfo {{ account, since }}");
    assert_eq!(&key_info[..20], &id(&alice).0);
    let since = u32::decode(&mut &key_info[20..]).expect("since");
    assert_eq!(since, upgrade_block + 1);
    let version_key = sudo_storage_version();
    assert_eq!(value::<u16>(&client, &version_key, Some(applied.block_hash)).await, Some(0));
    assert_eq!(value::<u16>(&client, &version_key, Some(first_new)).await, Some(1));

    // It ran once: blocks later the key is as the migration left it.
    let later = wait_for("six more final blocks", TIMEOUT, || async {
        let (number, hash) = alice_node.finalized().await;
        (number >= upgrade_block + 6).then_some(hash)
    })
    .await;
    assert_eq!(storage(&client, &sudo_key(), Some(later)).await, Some(key_info));
    assert_eq!(value::<u16>(&client, &version_key, Some(later)).await, Some(1));
    assert_eq!(version_at(Some(later)).await.expect("recorded").spec_version, NEXT);

    // The new call works: sudo dispatches `Sudo.force_remove_key` (call 5) as root.
    let removed = send_raw(&client, &alice, vec![SUDO, 0, SUDO, 5]).await;
    assert_eq!(removed.outcome, TxOutcome::Success);
    assert_eq!(sudo_results(&removed.events), vec![Ok(())]);
    let key_removed = RuntimeEvent::Sudo(pallet_sudo::Event::KeyRemoved);
    let key_removed = removed.events.contains(&key_removed);
    assert!(key_removed, "KeyRemoved: {:?}", removed.events);
    assert_eq!(storage(&client, &sudo_key(), Some(removed.block_hash)).await, None);

    // The late node caught up across the upgrade block, runs `NEXT`, and agrees on the chain.
    let target = client.header(None).await.expect("rpc").expect("best").number;
    late.wait_for_block(target, UPGRADE_TIMEOUT).await;
    let late_client = late.client().await;
    assert_eq!(late_client.runtime_version().await.expect("version").spec_version, NEXT);
    for n in [upgrade_block, upgrade_block + 1] {
        assert_eq!(late.block_hash(n).await, alice_node.block_hash(n).await);
    }
    wait_for("finality past the upgrade on the late node", TIMEOUT, || async {
        (late.finalized().await.0 > upgrade_block).then_some(())
    })
    .await;

    // The referendum short of support is rejected when its decision period ends, and its
    // proposal never runs: Ferdie's balance is what it was.
    let rejected_at = wait_for("the unsupported referendum's rejection", TIMEOUT, || async {
        let (_, finalized) = alice_node.finalized().await;
        (referendum_state(&client, unsupported, finalized).await == 2).then_some(finalized)
    })
    .await;
    let account_key = lux_rpc_client::account_storage_key(&ferdie);
    let account: pallet_system::AccountInfo =
        value(&client, &account_key, Some(rejected_at)).await.expect("ferdie exists");
    assert_eq!(account.data.free, ferdie_free);
}
