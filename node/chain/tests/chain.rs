//! The chain with the real runtime: genesis, building and importing blocks, forks and reorgs,
//! finality, and invalid blocks that must leave no trace.

use std::time::{Duration, Instant};

use lux_chain::{BlockOrigin, BuildLimits, Chain, ChainError, ChainEvent, ListFeed};
use lux_chain_spec::ChainSpec;
use lux_consensus::{seal_header, PreDigest};
use lux_db::{Database, DatabaseConfig};
use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::{Digest, Header, OpaqueExtrinsic, Sr25519Public, H256};

fn new_chain(dir: &std::path::Path) -> Chain {
    let executor = WasmExecutor::new(ExecutorConfig::default()).expect("executor");
    let genesis = ChainSpec::builtin("dev", &executor)
        .expect("spec")
        .genesis_storage(&executor)
        .expect("storage");
    let db = Database::open(dir, &DatabaseConfig::default()).expect("db");
    Chain::open(db, executor, &genesis).expect("chain")
}

/// Builds and seals an empty block on `parent` in `slot`.
fn block(
    chain: &Chain,
    parent: H256,
    slot: u64,
) -> (Header, Vec<OpaqueExtrinsic>, lux_io::StorageChanges) {
    block_with(chain, parent, slot, Vec::new())
}

/// Builds and seals a block of `transactions` on `parent` in `slot`.
fn block_with(
    chain: &Chain,
    parent: H256,
    slot: u64,
    transactions: Vec<OpaqueExtrinsic>,
) -> (Header, Vec<OpaqueExtrinsic>, lux_io::StorageChanges) {
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot }.to_digest_item());
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &(slot * 1_000));
    let limits = BuildLimits {
        deadline: Instant::now() + Duration::from_secs(10),
        max_transactions: transactions.len(),
    };
    let built = chain
        .build_block(&parent, digest, &data, &mut ListFeed::new(transactions), limits)
        .expect("builds");
    let alice = lux_keys::dev_session_key("alice").expect("alice");
    let header = seal_header(built.header, &Sr25519Public(alice.public()), &alice).expect("seal");
    (header, built.body, built.changes)
}

#[test]
fn forks_reorgs_and_finality() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    let genesis = chain.info().genesis_hash;
    let mut events = chain.subscribe();

    let (a1, a1_body, a1_changes) = block(&chain, genesis, 1);
    let imported = chain
        .import(a1.clone(), a1_body, None, Some(a1_changes), BlockOrigin::Own, false)
        .expect("a1");
    assert!(imported.is_new_best);
    // A competing block at the same height is executed but does not become best.
    let (b1, b1_body, _) = block(&chain, genesis, 2);
    let imported =
        chain.import(b1.clone(), b1_body, None, None, BlockOrigin::External, false).expect("b1");
    assert!(!imported.is_new_best);
    assert_eq!(chain.info().best_hash, a1.hash());
    // Extending the fork makes it the best chain.
    let (b2, b2_body, _) = block(&chain, b1.hash(), 3);
    let imported =
        chain.import(b2.clone(), b2_body, None, None, BlockOrigin::External, false).expect("b2");
    let route = imported.route.clone().expect("reorg route");
    assert_eq!(route.retracted, vec![a1.hash()]);
    assert_eq!(route.enacted, vec![b1.hash(), b2.hash()]);
    assert_eq!(chain.hash(1).expect("read"), Some(b1.hash()));

    chain.finalize(&b2.hash(), None).expect("finalize");
    assert_eq!(chain.info().finalized_number, 2);
    assert!(chain.finalize(&a1.hash(), None).is_ok(), "already below the finalized height: no-op");
    let mut finalized = None;
    while let Ok(event) = events.try_recv() {
        if let ChainEvent::Finalized(f) = event {
            finalized = Some(f);
        }
    }
    assert_eq!(finalized.expect("finality event").newly_finalized, vec![b1.hash(), b2.hash()]);

    // Reopening keeps everything.
    drop(chain);
    let chain = new_chain(dir.path());
    let info = chain.info();
    assert_eq!((info.best_hash, info.finalized_hash), (b2.hash(), b2.hash()));
}

#[test]
fn our_block_on_a_fork_finality_left_while_it_was_built_is_refused_and_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    let genesis = chain.info().genesis_hash;
    let (a1, a1_body, a1_changes) = block(&chain, genesis, 1);
    chain.import(a1.clone(), a1_body, None, Some(a1_changes), BlockOrigin::Own, false).expect("a1");
    let (b1, b1_body, _) = block(&chain, genesis, 2);
    chain.import(b1.clone(), b1_body, None, None, BlockOrigin::External, false).expect("b1");
    // The author builds on its best block a1; meanwhile finality picks the sibling b1.
    let (a2, a2_body, a2_changes) = block(&chain, a1.hash(), 3);
    chain.finalize(&b1.hash(), None).expect("finalize b1");
    let err = chain.import(a2.clone(), a2_body, None, Some(a2_changes), BlockOrigin::Own, false);
    assert!(matches!(err, Err(ChainError::StatePruned(p)) if p == a1.hash()), "{err:?}");
    assert!(chain.header(&a2.hash()).expect("read").is_none(), "not stored, so never announced");
    assert_eq!(chain.info().best_hash, b1.hash());
    // So the author can still fill its slot on the finalized chain.
    let (b2, b2_body, b2_changes) = block(&chain, b1.hash(), 3);
    let imported = chain
        .import(b2.clone(), b2_body, None, Some(b2_changes), BlockOrigin::Own, false)
        .expect("b2");
    assert!(imported.is_new_best);
}

#[test]
fn invalid_blocks_are_refused_and_leave_no_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    let genesis = chain.info().genesis_hash;
    let (good, body, _) = block(&chain, genesis, 1);

    // Tampering with the header breaks either the seal check done by consensus or, as here
    // for the executed import, the state root.
    let mut wrong_root = good.clone();
    wrong_root.state_root = H256::repeat_byte(1);
    let err = chain.import(wrong_root, body.clone(), None, None, BlockOrigin::External, false);
    assert!(matches!(err, Err(ChainError::InvalidBlock(_))), "{err:?}");
    let mut unknown_parent = good.clone();
    unknown_parent.parent_hash = H256::repeat_byte(2);
    assert!(matches!(
        chain.import(unknown_parent, body.clone(), None, None, BlockOrigin::External, false),
        Err(ChainError::UnknownParent(_))
    ));
    let mut garbage_body = body.clone();
    garbage_body.push(OpaqueExtrinsic(vec![1, 2, 3]));
    assert!(chain
        .import(good.clone(), garbage_body, None, None, BlockOrigin::External, false)
        .is_err());
    assert_eq!(chain.info().best_number, 0, "nothing was imported");
    assert!(chain.header(&good.hash()).expect("read").is_none());

    // The untampered block still imports.
    chain.import(good.clone(), body, None, None, BlockOrigin::External, true).expect("imports");
    assert_eq!(chain.info().finalized_hash, good.hash());
    assert!(
        chain.import(good, Vec::new(), None, None, BlockOrigin::External, false).is_err(),
        "twice"
    );
}

#[test]
fn finality_on_another_fork_moves_the_best_to_that_forks_heaviest_block() {
    // The node's fork choice is the consensus crate's `BlockTree`: when finality lands on a
    // block off the best chain, the best becomes the heaviest block built on it (what the
    // seeded simulation checks), not the finalized block itself.
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    let genesis = chain.info().genesis_hash;
    let import = |parent: H256, slot: u64| {
        let (header, body, _) = block(&chain, parent, slot);
        chain
            .import(header.clone(), body, None, None, BlockOrigin::External, false)
            .expect("imports");
        header.hash()
    };
    // a1 <- a2 <- a3 (best) and b1 <- b2.
    let a1 = import(genesis, 1);
    let a2 = import(a1, 3);
    let a3 = import(a2, 5);
    let b1 = import(genesis, 2);
    let b2 = import(b1, 4);
    assert_eq!(chain.info().best_hash, a3);
    chain.finalize(&b1, None).expect("finalize");
    let info = chain.info();
    assert_eq!((info.finalized_hash, info.best_hash, info.best_number), (b1, b2, 2));
    assert_eq!(chain.hash(2).expect("read"), Some(b2));
    // Blocks on the abandoned fork no longer count; the finalized fork grows.
    let b3 = import(b2, 6);
    assert_eq!(chain.info().best_hash, b3);
    // Reopening: the best chain loads into the tree again.
    drop(chain);
    let chain = new_chain(dir.path());
    assert_eq!(chain.info().best_hash, b3);
    let (b4, body, _) = block(&chain, b3, 7);
    let imported =
        chain.import(b4.clone(), body, None, None, BlockOrigin::External, false).expect("b4");
    assert!(imported.is_new_best);
}

/// A transfer from alice with `nonce`, valid in `era` from the block `birth`; and the
/// (signature, message) pair its execution recovers.
fn transfer(
    chain: &Chain,
    nonce: u32,
    era: lux_primitives::Era,
    birth: H256,
) -> (OpaqueExtrinsic, lux_executor::SignedMessage) {
    use lux_primitives::extrinsic::{signing_message, Implicit};
    let alice = lux_keys::dev_account("alice").expect("alice");
    let version = luxtensor_runtime::VERSION;
    let call =
        luxtensor_runtime::RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
            dest: lux_primitives::AccountId20([0xee; 20]),
            value: lux_primitives::LUX,
        });
    let extra = lux_primitives::SignedExtra { era, nonce, tip: 0 };
    let implicit = Implicit {
        spec_version: version.spec_version,
        transaction_version: version.transaction_version,
        genesis_hash: chain.info().genesis_hash,
        era_block_hash: birth,
    };
    let message = signing_message(&call, &extra, &implicit);
    let signature = alice.sign(&message);
    let tx = luxtensor_runtime::UncheckedExtrinsic::new_signed(
        call,
        lux_primitives::AccountId20(alice.address()),
        lux_primitives::EthereumSignature(signature),
        extra,
    );
    let encoded = OpaqueExtrinsic::from_encoded(&codec::Encode::encode(&tx)).expect("extrinsic");
    (encoded, (signature, lux_primitives::hashing::keccak_256(&message)))
}

/// An importing node recovers a block's signatures on helper threads while the block executes,
/// from the list the runtime gives on the parent's state. The list is what execution checks,
/// also for block 1 (the genesis state does not know its own hash) and for transactions born at
/// the parent block, as wallets sign them (the parent's state does not know its own hash).
#[test]
fn the_signatures_listed_for_import_are_the_ones_execution_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    let genesis = chain.info().genesis_hash;
    let immortal = lux_primitives::Era::Immortal;
    let (first, second) =
        (transfer(&chain, 0, immortal, genesis), transfer(&chain, 1, immortal, genesis));
    let (one, body, changes) = block_with(&chain, genesis, 1, vec![first.0, second.0]);
    assert_eq!(body.len(), 3, "the timestamp and both transfers");
    let mut unsealed = one.clone();
    unsealed.take_seal();
    assert_eq!(chain.listed_signatures(&unsealed, &body).expect("lists"), vec![first.1, second.1]);
    chain.import(one.clone(), body, None, Some(changes), BlockOrigin::Own, false).expect("imports");

    let born_at_one = lux_primitives::Era::mortal(64, 1);
    let mortal = [2, 3].map(|nonce| transfer(&chain, nonce, born_at_one, one.hash()));
    let (two, body, _) =
        block_with(&chain, one.hash(), 2, mortal.iter().map(|(tx, _)| tx.clone()).collect());
    assert_eq!(body.len(), 3, "the timestamp and both mortal transfers");
    let mut unsealed = two.clone();
    unsealed.take_seal();
    let expected: Vec<_> = mortal.iter().map(|(_, signed)| *signed).collect();
    assert_eq!(chain.listed_signatures(&unsealed, &body).expect("lists"), expected);
    chain.import(two, body, None, None, BlockOrigin::External, false).expect("imports");
}

#[test]
fn authors_wait_for_blocks_announced_for_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = new_chain(dir.path());
    assert!(chain.wait_for_imports(Duration::ZERO), "nothing on its way in");
    // A block queued behind another import holds no lock yet, but is on its way in.
    let pending = chain.announce_import();
    assert!(!chain.wait_for_imports(Duration::from_millis(20)), "the block is still pending");
    std::thread::scope(|s| {
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(pending);
        });
        assert!(chain.wait_for_imports(Duration::from_secs(30)), "done once it is imported");
    });
}
