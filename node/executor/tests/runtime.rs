//! The real runtime wasm on the executor: genesis, block building and execution, the same
//! block executed natively and in wasm, and failures that must be errors, not crashes.

use std::collections::BTreeMap;
use std::sync::Arc;

use codec::{Decode, Encode};
use lux_executor::{
    Between, ExecutorConfig, ExecutorError, RuntimeCode, SharedBackend, WasmExecutor,
};
use lux_io::{Ext, Externalities, InMemoryBackend, OverlayedChanges, StateVersion};
use lux_primitives::consensus::PreDigest;
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::transaction::{ApplyExtrinsicResult, TransactionSource};
use lux_primitives::{AccountId20, Digest, Header, H256, LUX};
use lux_rpc_client::{sign_extrinsic, SigningContext};
use luxtensor_runtime::genesis_config_presets::{dev, get_preset, DEV_PRESET};
use luxtensor_runtime::{Block, RuntimeCall, UncheckedExtrinsic, VERSION, WASM_BINARY};

const PARENT: H256 = H256([0x42; 32]);

fn wasm() -> &'static [u8] {
    WASM_BINARY.expect("the runtime wasm is built by build.rs")
}

fn executor() -> Arc<WasmExecutor> {
    WasmExecutor::new(ExecutorConfig::default()).expect("executor")
}

fn ext_on(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Ext<SharedBackend> {
    Ext::new(Arc::new(InMemoryBackend::new(storage)) as SharedBackend, OverlayedChanges::new())
}

/// The dev genesis state, built by the wasm runtime's `GenesisBuilder_build_state`.
fn genesis(executor: &WasmExecutor) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut storage = BTreeMap::new();
    storage.insert(b":code".to_vec(), wasm().to_vec());
    let mut ext = ext_on(storage.clone());
    let config = get_preset(Some(DEV_PRESET)).expect("preset");
    let result: Result<(), String> = executor
        .call_decode(
            &mut ext,
            &RuntimeCode::from_bytes(wasm(), None),
            "GenesisBuilder_build_state",
            &config.encode(),
        )
        .expect("call succeeds");
    result.expect("genesis builds");
    let (_, overlay) = ext.into_parts();
    for (k, v) in overlay.into_changes() {
        match v {
            Some(v) => storage.insert(k, v),
            None => storage.remove(&k),
        };
    }
    storage
}

/// What transactions of these tests sign: block 1's parent stands in for the genesis hash.
fn signing_context() -> SigningContext {
    SigningContext {
        genesis_hash: PARENT,
        spec_version: VERSION.spec_version,
        transaction_version: VERSION.transaction_version,
    }
}

fn transfer(from: &str, to: [u8; 20], value: u128, nonce: u32) -> UncheckedExtrinsic {
    let pair = lux_keys::dev_account(from).expect("dev account");
    let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
        dest: AccountId20(to),
        value,
    });
    sign_extrinsic(&pair, call, nonce, 0, &signing_context())
}

fn new_header() -> Header {
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot: 1 }.to_digest_item());
    Header {
        parent_hash: PARENT,
        number: 1,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest,
    }
}

/// Starts block 1 on `genesis` and applies its inherents, as the node's block builder does.
fn start_block(
    executor: &WasmExecutor,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> (Ext<SharedBackend>, RuntimeCode, Vec<UncheckedExtrinsic>) {
    let code = RuntimeCode::from_bytes(wasm(), None);
    let mut ext = ext_on(genesis.clone());
    executor
        .call(&mut ext, &code, "Core_initialize_block", &new_header().encode())
        .expect("initialize");
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &1_000u64);
    let inherents: Vec<UncheckedExtrinsic> = executor
        .call_decode(&mut ext, &code, "BlockBuilder_inherent_extrinsics", &data.encode())
        .expect("inherents");
    for xt in &inherents {
        apply(executor, &mut ext, &code, xt).expect("valid").expect("dispatch ok");
    }
    (ext, code, inherents)
}

fn apply(
    executor: &WasmExecutor,
    ext: &mut Ext<SharedBackend>,
    code: &RuntimeCode,
    xt: &UncheckedExtrinsic,
) -> ApplyExtrinsicResult {
    executor.call_decode(ext, code, "BlockBuilder_apply_extrinsic", &xt.encode()).expect("apply")
}

/// Builds block 1 through the wasm runtime, as the node's block builder does.
fn build_block(
    executor: &WasmExecutor,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    txs: &[UncheckedExtrinsic],
) -> (Block, [u8; 32]) {
    let (mut ext, code, mut extrinsics) = start_block(executor, genesis);
    for xt in txs {
        apply(executor, &mut ext, &code, xt).expect("valid").expect("dispatch ok");
        extrinsics.push(xt.clone());
    }
    let header: Header = executor
        .call_decode(&mut ext, &code, "BlockBuilder_finalize_block", &[])
        .expect("finalize");
    let root = ext.storage_root(StateVersion::V1).expect("root");
    (Block { header, extrinsics }, root)
}

#[test]
fn version_matches_the_native_runtime() {
    let version =
        executor().runtime_version(&RuntimeCode::from_bytes(wasm(), None)).expect("version");
    assert_eq!(version, VERSION);
}

#[test]
fn same_block_same_state_root_native_and_wasm() {
    let executor = executor();
    let genesis = genesis(&executor);
    let txs: Vec<_> = (0..20).map(|n| transfer("alice", [n as u8 + 1; 20], LUX, n)).collect();
    let (block, built_root) = build_block(&executor, &genesis, &txs);
    assert_eq!(block.header.state_root, H256(built_root));

    // Executed in wasm on a fresh copy of genesis.
    let mut wasm_ext = ext_on(genesis.clone());
    executor
        .call(
            &mut wasm_ext,
            &RuntimeCode::from_bytes(wasm(), None),
            "Core_execute_block",
            &block.encode(),
        )
        .expect("wasm execution");
    let wasm_root = wasm_ext.storage_root(StateVersion::V1).expect("root");

    // Executed natively, through the same Host API, on another copy.
    let mut native_ext = ext_on(genesis);
    let native = lux_io::set_and_run_with_externalities(&mut native_ext, || {
        luxtensor_runtime::apis::dispatch("Core_execute_block", &block.encode())
    });
    native.expect("method exists").expect("decodes");
    let native_root = native_ext.storage_root(StateVersion::V1).expect("root");

    assert_eq!(wasm_root, built_root);
    assert_eq!(native_root, built_root);
    assert_eq!(
        wasm_ext.overlay().changes().collect::<Vec<_>>(),
        native_ext.overlay().changes().collect::<Vec<_>>()
    );
}

#[test]
fn invalid_block_is_an_error_and_the_executor_keeps_working() {
    let executor = executor();
    let genesis = genesis(&executor);
    let (mut block, _) = build_block(&executor, &genesis, &[transfer("alice", dev::BOB, LUX, 0)]);
    block.header.state_root = H256::repeat_byte(7);
    let code = RuntimeCode::from_bytes(wasm(), None);
    let err = executor
        .call(&mut ext_on(genesis.clone()), &code, "Core_execute_block", &block.encode())
        .expect_err("wrong state root");
    match err {
        ExecutorError::Panicked(message) => assert!(message.contains("state root"), "{message}"),
        other => panic!("expected a panic, got {other:?}"),
    }
    // Garbage input and unknown functions are errors too.
    let err = executor.call(
        &mut ext_on(genesis.clone()),
        &code,
        "BlockBuilder_apply_extrinsic",
        &[1, 2, 3],
    );
    assert!(matches!(err, Err(ExecutorError::Panicked(m)) if m.contains("Bad input data")));
    let err = executor.call(&mut ext_on(genesis.clone()), &code, "Nope_nothing", &[]);
    assert!(matches!(err, Err(ExecutorError::MethodNotFound(_))));
    // Still works.
    assert!(executor.runtime_version(&code).is_ok());
}

#[test]
fn invalid_code_is_an_error() {
    let executor = executor();
    let err = executor.runtime_version(&RuntimeCode::from_bytes(&b"not wasm"[..], None));
    assert!(matches!(&err, Err(ExecutorError::InvalidCode(_))), "{err:?}");
    // A valid module that imports a function the host does not provide.
    let module = wat_module_importing_unknown();
    let err = executor.runtime_version(&RuntimeCode::from_bytes(module, None));
    assert!(
        matches!(&err, Err(ExecutorError::InvalidCode(m)) if m.contains("ext_unknown")),
        "{err:?}"
    );
}

/// `(module (import "env" "ext_unknown" (func)))` in binary form.
fn wat_module_importing_unknown() -> Vec<u8> {
    let mut m = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    m.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type section: () -> ()
    let name = b"ext_unknown";
    let mut import = vec![0x01, 0x03, b'e', b'n', b'v', name.len() as u8];
    import.extend(name);
    import.extend([0x00, 0x00]);
    m.push(0x02);
    m.push(import.len() as u8);
    m.extend(import);
    m
}

#[test]
fn compiled_modules_are_cached_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ExecutorConfig { cache_dir: Some(dir.path().to_path_buf()), ..Default::default() };
    let code = RuntimeCode::from_bytes(wasm(), None);
    WasmExecutor::new(config.clone()).expect("executor").runtime_version(&code).expect("version");
    // The module and its metadata.
    let mut files: Vec<_> =
        std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert_eq!(files.len(), 2);
    let written = |path: &std::path::Path| std::fs::metadata(path).expect("file").modified().ok();
    let times: Vec<_> = files.iter().map(|p| written(p)).collect();
    // A new executor loads it from disk (it writes nothing); a corrupt file, the module or
    // its metadata, is ignored and replaced.
    WasmExecutor::new(config.clone()).expect("executor").runtime_version(&code).expect("from disk");
    assert_eq!(files.iter().map(|p| written(p)).collect::<Vec<_>>(), times);
    for path in &files {
        std::fs::write(path, b"garbage").expect("write");
        WasmExecutor::new(config.clone()).expect("executor").runtime_version(&code).expect("again");
        assert_ne!(std::fs::read(path).expect("rewritten"), b"garbage");
    }
}

#[test]
fn a_compiler_process_that_fails_or_writes_nothing_leaves_the_compiling_to_the_node() {
    // `false` fails; `true` succeeds without writing the cache: either way the node
    // compiles the code itself, caches it, and runs it.
    for program in ["false", "true"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = ExecutorConfig {
            cache_dir: Some(dir.path().to_path_buf()),
            compiler: Some(lux_executor::CompilerCommand { program: program.into(), args: vec![] }),
            ..Default::default()
        };
        let code = RuntimeCode::from_bytes(wasm(), None);
        let executor = WasmExecutor::new(config).expect("executor");
        executor.runtime_version(&code).expect("compiled here");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2, "{program}");
    }
}

#[test]
fn set_code_reads_the_new_version_through_the_host() {
    // sudo(set_code(same wasm)) must fail with SpecVersionNeedsToIncrease: this runs
    // `ext_misc_runtime_version`, which compiles the given code and calls its Core_version.
    let executor = executor();
    let genesis = genesis(&executor);
    let (mut ext, code, _) = start_block(&executor, &genesis);
    let alice = lux_keys::dev_account("alice").expect("alice");
    let call = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
        call: Box::new(RuntimeCall::System(pallet_system::Call::set_code {
            code: wasm().to_vec(),
        })),
    });
    let xt = sign_extrinsic(&alice, call, 0, 0, &signing_context());
    apply(&executor, &mut ext, &code, &xt).expect("valid").expect("sudo succeeds");
    let events = ext.storage(&events_key()).expect("backend").expect("events exist");
    let events = Vec::<luxtensor_runtime::EventRecord>::decode(&mut &events[..]).expect("decode");
    let sudid = events.iter().find_map(|r| match &r.event {
        luxtensor_runtime::RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result }) => {
            Some(*sudo_result)
        }
        _ => None,
    });
    match sudid {
        Some(Err(lux_primitives::dispatch::DispatchError::Module(m))) => {
            assert_eq!((m.index, m.error[0]), (0, 1), "System::SpecVersionNeedsToIncrease")
        }
        other => panic!("unexpected sudo result {other:?}"),
    }
}

fn events_key() -> Vec<u8> {
    lux_primitives::twox::storage_prefix(b"System", b"Events").to_vec()
}

/// An Ethereum transaction from a dev account, signed as a wallet signs it.
fn eth_transaction(from: &str, tx: alloy_consensus::TypedTransaction) -> UncheckedExtrinsic {
    use alloy_consensus::SignableTransaction;
    use alloy_eips::eip2718::Encodable2718;
    let pair = lux_keys::dev_account(from).expect("dev account");
    let hash = tx.signature_hash();
    let sig = pair.sign_prehashed(&hash.0);
    let signature = alloy_primitives::Signature::from_bytes_and_parity(&sig[..64], sig[64] == 1);
    let envelope = alloy_consensus::TxEnvelope::from(tx.into_signed(signature));
    let call = pallet_ethereum::Call::transact { transaction: envelope.encoded_2718() };
    UncheckedExtrinsic::new_unsigned(RuntimeCall::Ethereum(call))
}

/// A contract that stores its call's first word in slot 0 and logs it with topic 1 (runtime
/// code `PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE PUSH1 0 MSTORE PUSH1 1 PUSH1 32 PUSH1 0
/// LOG1 STOP`, behind init code that returns it).
const STORE_AND_LOG: &str = "6012600c60003960126000f360003580600055600052600160206000a100";

#[test]
fn ethereum_transactions_execute_the_same_natively_and_in_wasm() {
    use alloy_consensus::{TxEip1559, TxLegacy, TypedTransaction};
    use alloy_primitives::{Address, Bytes, TxKind, U256};
    use lux_primitives::ethereum::{EthAccount, EthReceipt};

    let executor = executor();
    let genesis = genesis(&executor);
    let alice = AccountId20(dev::ALICE);
    let bob = lux_keys::dev_account("bob").expect("bob").address();
    let recipient = [0x77; 20];
    let base_fee = luxtensor_runtime::configs::MIN_BASE_FEE_PER_GAS;
    let chain_id = luxtensor_runtime::genesis_config_presets::DEV_CHAIN_ID;
    let init = hex::decode(STORE_AND_LOG).expect("hex");
    let contract = Address::from(alice.0).create(0);
    let mut word = [0u8; 32];
    word[31] = 42;
    let txs = vec![
        // Alice deploys the contract (legacy, EIP-155).
        eth_transaction(
            "alice",
            TypedTransaction::Legacy(TxLegacy {
                chain_id: Some(chain_id),
                nonce: 0,
                gas_price: base_fee,
                gas_limit: 200_000,
                to: TxKind::Create,
                value: U256::ZERO,
                input: Bytes::from(init),
            }),
        ),
        // Bob sends 1 LUX to a new account (EIP-1559, with a tip).
        eth_transaction(
            "bob",
            TypedTransaction::Eip1559(TxEip1559 {
                chain_id,
                nonce: 0,
                gas_limit: 21_000,
                max_fee_per_gas: base_fee * 2,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(Address::from(recipient)),
                value: U256::from(LUX),
                ..Default::default()
            }),
        ),
        // Alice calls the contract, with her next nonce.
        eth_transaction(
            "alice",
            TypedTransaction::Eip1559(TxEip1559 {
                chain_id,
                nonce: 1,
                gas_limit: 100_000,
                max_fee_per_gas: base_fee,
                max_priority_fee_per_gas: 0,
                to: TxKind::Call(contract),
                input: Bytes::from(word.to_vec()),
                ..Default::default()
            }),
        ),
    ];
    let (block, built_root) = build_block(&executor, &genesis, &txs);

    let mut wasm_ext = ext_on(genesis.clone());
    let code = RuntimeCode::from_bytes(wasm(), None);
    executor.call(&mut wasm_ext, &code, "Core_execute_block", &block.encode()).expect("wasm");
    let mut native_ext = ext_on(genesis);
    lux_io::set_and_run_with_externalities(&mut native_ext, || {
        luxtensor_runtime::apis::dispatch("Core_execute_block", &block.encode())
    })
    .expect("method exists")
    .expect("decodes");
    let wasm_root = wasm_ext.storage_root(StateVersion::V1).expect("root");
    assert_eq!(wasm_root, built_root);
    assert_eq!(native_ext.storage_root(StateVersion::V1).expect("root"), built_root);

    // The receipts: all three succeeded, with the gas Ethereum charges for them.
    let receipts: Vec<EthReceipt> = executor
        .call_decode(&mut wasm_ext, &code, "EthereumApi_current_receipts", &[])
        .expect("receipts");
    assert_eq!(receipts.len(), 3);
    assert!(receipts.iter().all(|r| r.status), "{receipts:?}");
    assert_eq!(receipts[0].contract_address, Some(AccountId20(contract.0 .0)));
    assert_eq!(receipts[1].gas_used, 21_000);
    assert_eq!(receipts[2].logs.len(), 1);
    assert_eq!(receipts[2].logs[0].data, word.to_vec());
    assert_eq!(receipts[2].cumulative_gas_used, receipts.iter().map(|r| r.gas_used).sum::<u64>());
    assert_eq!(receipts.iter().map(|r| r.transaction_index).collect::<Vec<_>>(), [0, 1, 2]);

    // The state: the recipient has 1 LUX, Bob paid it and 21 000 gas at the effective price,
    // the contract stored the word, and the nonces moved for both kinds of transaction.
    let account = |ext: &mut Ext<SharedBackend>, who: [u8; 20]| -> EthAccount {
        executor
            .call_decode(ext, &code, "EthereumApi_account", &AccountId20(who).encode())
            .expect("account")
    };
    assert_eq!(account(&mut wasm_ext, recipient).balance, LUX.into());
    let bob_after = account(&mut wasm_ext, bob);
    let price = base_fee + 1_000_000_000;
    assert_eq!(
        bob_after.balance,
        (luxtensor_runtime::genesis_config_presets::DEV_ENDOWMENT - LUX - 21_000 * price).into()
    );
    assert_eq!(bob_after.nonce, 1);
    assert_eq!(account(&mut wasm_ext, dev::ALICE).nonce, 2);
    let slot: H256 = executor
        .call_decode(
            &mut wasm_ext,
            &code,
            "EthereumApi_storage_at",
            &(AccountId20(contract.0 .0), H256::zero()).encode(),
        )
        .expect("storage");
    assert_eq!(slot, H256(word));
}

#[test]
fn a_block_holds_its_whole_gas_limit_of_ethereum_transfers() {
    use alloy_consensus::{TxEip1559, TypedTransaction};
    use alloy_primitives::{Address, TxKind, U256};
    use lux_primitives::transaction::{InvalidTransaction, TransactionValidityError};

    // 30 million gas holds 1,428 transfers of 21,000 gas, as on Ethereum: the weight of each
    // is its gas, the system's base extrinsic weight included, not added on top.
    let executor = executor();
    let genesis = genesis(&executor);
    let senders = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];
    let gas_limit = luxtensor_runtime::configs::BLOCK_GAS_LIMIT;
    let fits = gas_limit / 21_000;
    assert_eq!(fits, 1_428);
    let transfer = |n: u64| {
        eth_transaction(
            senders[n as usize % senders.len()],
            TypedTransaction::Eip1559(TxEip1559 {
                chain_id: luxtensor_runtime::genesis_config_presets::DEV_CHAIN_ID,
                nonce: n / senders.len() as u64,
                gas_limit: 21_000,
                max_fee_per_gas: luxtensor_runtime::configs::MIN_BASE_FEE_PER_GAS,
                to: TxKind::Call(Address::from([0x77; 20])),
                value: U256::from(1u8),
                ..Default::default()
            }),
        )
    };
    let (mut ext, code, _) = start_block(&executor, &genesis);
    for n in 0..fits {
        apply(&executor, &mut ext, &code, &transfer(n)).expect("fits").expect("dispatch ok");
    }
    assert_eq!(
        apply(&executor, &mut ext, &code, &transfer(fits)),
        Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources))
    );
    let _: Header = executor
        .call_decode(&mut ext, &code, "BlockBuilder_finalize_block", &[])
        .expect("finalize");
    let info: Option<lux_primitives::ethereum::EthBlockInfo> = executor
        .call_decode(&mut ext, &code, "EthereumApi_current_block", &[])
        .expect("block info");
    let info = info.expect("the block's Ethereum facts");
    assert_eq!((info.gas_limit, info.gas_used), (gas_limit, fits * 21_000));
}

/// `EthereumApi_call` of precompile `address` with `data`, in wasm and natively: both agree.
fn precompile_call(
    executor: &WasmExecutor,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    address: u16,
    data: Vec<u8>,
) -> lux_primitives::ethereum::EthCallResult {
    use lux_primitives::ethereum::{EthCallRequest, EthCallResult};
    let mut to = [0u8; 20];
    to[18..].copy_from_slice(&address.to_be_bytes());
    let request = EthCallRequest {
        from: Some(AccountId20(dev::ALICE)),
        to: Some(AccountId20(to)),
        data,
        value: Default::default(),
        gas: Some(1_000_000),
        gas_price: None,
        max_fee_per_gas: None,
        max_priority_fee_per_gas: None,
        nonce: None,
        access_list: Vec::new(),
    };
    let input = (request, false).encode();
    let code = RuntimeCode::from_bytes(wasm(), None);
    let wasm: Result<EthCallResult, String> = executor
        .call_decode(&mut ext_on(genesis.clone()), &code, "EthereumApi_call", &input)
        .expect("wasm call");
    let native = lux_io::set_and_run_with_externalities(&mut ext_on(genesis.clone()), || {
        luxtensor_runtime::apis::dispatch("EthereumApi_call", &input)
    })
    .expect("method exists")
    .expect("runs");
    let native = <Result<EthCallResult, String>>::decode(&mut &native[..]).expect("decodes");
    assert_eq!(wasm, native, "precompile {address:#x}: wasm and native agree");
    wasm.expect("the call runs")
}

#[test]
fn bn254_and_modexp_precompiles_run_on_the_host_with_ethereum_results() {
    use lux_primitives::ethereum::EthCallStatus;
    let executor = executor();
    let genesis = genesis(&executor);
    let word = |hex_str: &str| {
        let bytes = hex::decode(hex_str).expect("hex");
        let mut word = vec![0u8; 32 - bytes.len()];
        word.extend(bytes);
        word
    };
    let g1 = [word("01"), word("02")].concat();
    // BN254's field modulus minus 2: the y of -G1.
    let neg_g1 =
        [word("01"), word("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45")]
            .concat();
    // G2's generator, imaginary parts first (EIP-197).
    let g2 = [
        word("198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"),
        word("1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"),
        word("090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"),
        word("12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"),
    ]
    .concat();
    // 2·G1, from the addition and from the multiplication.
    let doubled = [
        word("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"),
        word("15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"),
    ]
    .concat();
    let added = precompile_call(&executor, &genesis, 6, [g1.clone(), g1.clone()].concat());
    assert_eq!(added.status, EthCallStatus::Success);
    assert_eq!(added.output, doubled);
    let multiplied = precompile_call(&executor, &genesis, 7, [g1.clone(), word("02")].concat());
    assert_eq!(multiplied.output, doubled);
    // e(G1, G2) · e(-G1, G2) = 1; e(G1, G2)² ≠ 1.
    let pairing = precompile_call(
        &executor,
        &genesis,
        8,
        [g1.clone(), g2.clone(), neg_g1, g2.clone()].concat(),
    );
    assert_eq!(pairing.output, word("01"));
    let pairing =
        precompile_call(&executor, &genesis, 8, [g1.clone(), g2.clone(), g1.clone(), g2].concat());
    assert_eq!(pairing.output, word("00"));
    // modexp (on the host too): 3^5 mod 7 = 5, and an RSA-sized one agrees natively.
    let small = [word("01"), word("01"), word("01"), vec![3, 5, 7]].concat();
    assert_eq!(precompile_call(&executor, &genesis, 5, small).output, vec![5]);
    let big =
        [word("0100"), word("20"), word("0100"), vec![0xfe; 256], vec![0xab; 32], vec![0xfd; 256]]
            .concat();
    let big = precompile_call(&executor, &genesis, 5, big);
    assert_eq!((big.status, big.output.len()), (EthCallStatus::Success, 256));
    // A point off the curve halts the precompile (all its gas is spent).
    let off_curve = [word("01"), word("03")].concat();
    let refused = precompile_call(&executor, &genesis, 6, [off_curve, g1].concat());
    assert!(matches!(refused.status, EthCallStatus::Halt(_)), "{refused:?}");
}

#[test]
fn sha256_p256_kzg_and_bls12_381_precompiles_run_on_the_host_with_ethereum_results() {
    use lux_primitives::ethereum::EthCallStatus;
    let executor = executor();
    let genesis = genesis(&executor);
    let bytes = |hex_str: &str| hex::decode(hex_str).expect("hex");
    // sha256("abc").
    let sha = precompile_call(&executor, &genesis, 2, b"abc".to_vec());
    assert_eq!(
        sha.output,
        bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );

    // KZG point evaluation: a correct proof of c-kzg-4844's test vectors
    // (verify_kzg_proof_case_correct_proof_4_4); its versioned hash is 0x01 ++ sha256(C)[1..].
    let commitment = bytes(
        "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7",
    );
    let mut versioned = precompile_call(&executor, &genesis, 2, commitment.clone()).output;
    versioned[0] = 1;
    let z = bytes("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
    let y = bytes("1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9");
    let proof = bytes(
        "a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c",
    );
    let input =
        [versioned.clone(), z.clone(), y.clone(), commitment.clone(), proof.clone()].concat();
    let evaluated = precompile_call(&executor, &genesis, 0x0a, input);
    assert_eq!(evaluated.status, EthCallStatus::Success);
    // FIELD_ELEMENTS_PER_BLOB and the BLS modulus.
    assert_eq!(
        evaluated.output,
        bytes(concat!(
            "0000000000000000000000000000000000000000000000000000000000001000",
            "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
        ))
    );
    let mut wrong_y = y.clone();
    wrong_y[31] ^= 1;
    let refused = precompile_call(
        &executor,
        &genesis,
        0x0a,
        [versioned, z, wrong_y, commitment, proof].concat(),
    );
    assert!(
        matches!(&refused.status, EthCallStatus::Halt(reason) if reason.contains("verifying blob kzg proof failed")),
        "{refused:?}"
    );

    // BLS12-381: G1 + G1 = G1 MSM by 2; e(G1, G2) · e(-G1, G2) = 1, e(G1, G2)² ≠ 1.
    let fp = |hex_str: &str| [vec![0u8; 16], bytes(hex_str)].concat();
    let g1x = "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
    let g1 = [
        fp(g1x),
        fp("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"),
    ]
    .concat();
    // -G1: p - y.
    let neg_g1 = [
        fp(g1x),
        fp("114d1d6855d545a8aa7d76c8cf2e21f267816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca"),
    ]
    .concat();
    let g2 = [
        fp("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
        fp("13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"),
        fp("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
        fp("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"),
    ]
    .concat();
    let mut two = vec![0u8; 32];
    two[31] = 2;
    let added = precompile_call(&executor, &genesis, 0x0b, [g1.clone(), g1.clone()].concat());
    assert_eq!(added.status, EthCallStatus::Success);
    assert_eq!(added.output.len(), 128);
    let multiplied = precompile_call(&executor, &genesis, 0x0c, [g1.clone(), two.clone()].concat());
    assert_eq!(multiplied.output, added.output);
    let added2 = precompile_call(&executor, &genesis, 0x0d, [g2.clone(), g2.clone()].concat());
    let multiplied2 = precompile_call(&executor, &genesis, 0x0e, [g2.clone(), two].concat());
    assert_eq!((added2.output.len(), &multiplied2.output), (256, &added2.output));
    let pairing = precompile_call(
        &executor,
        &genesis,
        0x0f,
        [g1.clone(), g2.clone(), neg_g1, g2.clone()].concat(),
    );
    let mut one = vec![0u8; 32];
    one[31] = 1;
    assert_eq!(pairing.output, one);
    let squared = precompile_call(
        &executor,
        &genesis,
        0x0f,
        [g1.clone(), g2.clone(), g1.clone(), g2].concat(),
    );
    assert_eq!(squared.output, vec![0u8; 32]);
    let mapped = precompile_call(&executor, &genesis, 0x10, fp(&format!("00{}", "ab".repeat(47))));
    assert_eq!((mapped.status, mapped.output.len()), (EthCallStatus::Success, 128));
    let mapped2 = precompile_call(
        &executor,
        &genesis,
        0x11,
        [fp(&format!("00{}", "ab".repeat(47))), fp(&format!("00{}", "cd".repeat(47)))].concat(),
    );
    assert_eq!((mapped2.status, mapped2.output.len()), (EthCallStatus::Success, 256));
    // A G1 point off the curve halts with revm's reason, as it would in wasm.
    let mut off_curve = g1.clone();
    off_curve[127] ^= 1;
    let refused =
        precompile_call(&executor, &genesis, 0x0b, [off_curve.clone(), g1.clone()].concat());
    assert!(
        matches!(&refused.status, EthCallStatus::Halt(reason) if reason.contains("not on curve")),
        "{refused:?}"
    );
    // An MSM reads its pairs in order, so the first bad pair gives the reason: a point off the
    // curve (found by the host) before a bad padding (found in wasm), and the other way round.
    let mut bad_padding = g1.clone();
    bad_padding[0] = 1;
    let mut scalar = vec![0u8; 32];
    scalar[31] = 3;
    let halt_of = |pairs: Vec<&Vec<u8>>| {
        let input: Vec<u8> =
            pairs.into_iter().flat_map(|point| [point.clone(), scalar.clone()].concat()).collect();
        match precompile_call(&executor, &genesis, 0x0c, input).status {
            EthCallStatus::Halt(reason) => reason,
            other => panic!("the MSM should halt: {other:?}"),
        }
    };
    assert!(halt_of(vec![&g1, &off_curve, &bad_padding]).contains("not on curve"));
    assert!(
        halt_of(vec![&g1, &bad_padding, &off_curve]).contains("top bytes of input are not zero")
    );

    // P-256 (EIP-7951): Wycheproof's first valid ecdsa_secp256r1_sha256 vector.
    let msg = bytes("bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023");
    let r = bytes("2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18");
    let s = bytes("4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76");
    let qx = bytes("2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838");
    let qy = bytes("c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e");
    let verified = precompile_call(
        &executor,
        &genesis,
        0x100,
        [msg.clone(), r.clone(), s.clone(), qx.clone(), qy.clone()].concat(),
    );
    assert_eq!(verified.output, one);
    let mut other = msg;
    other[0] ^= 1;
    let unverified = precompile_call(&executor, &genesis, 0x100, [other, r, s, qx, qy].concat());
    assert_eq!((unverified.status, unverified.output), (EthCallStatus::Success, vec![]));
}

/// Builds block 1 in one session whose instance carries on between calls (as the node's block
/// builder does) or is reset before each; returns the block, its root and the instances made.
fn build_in_session(
    executor: &WasmExecutor,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    txs: &[UncheckedExtrinsic],
    between: Between,
) -> (Header, [u8; 32], u64) {
    let code = RuntimeCode::from_bytes(wasm(), None);
    let mut session =
        executor.session(ext_on(genesis.clone()), &code).map_err(|f| f.0).expect("session");
    session.set_between(between);
    session.call("Core_initialize_block", &new_header().encode()).expect("initialize");
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &1_000u64);
    let inherents: Vec<UncheckedExtrinsic> = Decode::decode(
        &mut &session.call("BlockBuilder_inherent_extrinsics", &data.encode()).expect("inherents")
            [..],
    )
    .expect("decodes");
    for xt in inherents.iter().chain(txs) {
        let output = session.call("BlockBuilder_apply_extrinsic", &xt.encode()).expect("apply");
        let result = ApplyExtrinsicResult::decode(&mut &output[..]).expect("decodes");
        result.expect("valid").expect("dispatch ok");
    }
    let output = session.call("BlockBuilder_finalize_block", &[]).expect("finalize");
    let header = Header::decode(&mut &output[..]).expect("header");
    let instances = session.instances();
    let root = session.into_ext().storage_root(StateVersion::V1).expect("root");
    (header, root, instances)
}

#[test]
fn an_instance_that_carries_on_between_calls_builds_the_same_block() {
    let executor = executor();
    let genesis = genesis(&executor);
    let txs: Vec<_> = (0..200).map(|n| transfer("alice", [n as u8 + 1; 20], LUX, n)).collect();
    let (reset, reset_root, _) = build_in_session(&executor, &genesis, &txs, Between::Reset);
    let (carried, carried_root, instances) =
        build_in_session(&executor, &genesis, &txs, Between::Continue);
    assert_eq!(carried, reset);
    assert_eq!(carried_root, reset_root);
    assert_eq!(H256(carried_root), carried.state_root);
    assert_eq!(instances, 1, "every call ran in the first instance");
}

#[test]
fn an_instance_that_carries_on_frees_each_calls_input_and_output() {
    let executor = executor();
    let genesis = genesis(&executor);
    let code = RuntimeCode::from_bytes(wasm(), None);
    let mut session = executor.session(ext_on(genesis), &code).map_err(|f| f.0).expect("session");
    session.set_between(Between::Continue);
    // 4,000 calls with 128 KiB of input each: 500 MiB if the buffers stayed allocated, twice
    // what the heap may grow to, so a leak would run out of memory and need new instances.
    let pair = lux_keys::dev_account("alice").expect("dev account");
    let remark = RuntimeCall::System(pallet_system::Call::remark { remark: vec![7; 128 * 1024] });
    let xt = sign_extrinsic(&pair, remark, 0, 0, &signing_context());
    let input = (TransactionSource::External, &xt, PARENT).encode();
    // Each validation's changes are rolled back, as the pool's are.
    let mut validate = || {
        session.ext_mut().overlay_mut().start_transaction();
        let output = session.call("TaggedTransactionQueue_validate_transaction", &input);
        session.ext_mut().overlay_mut().rollback_to_depth(0);
        output.expect("validates")
    };
    let first = validate();
    for _ in 1..4_000 {
        assert_eq!(validate(), first, "every call sees what the first saw");
    }
    assert_eq!(session.instances(), 1);
}
