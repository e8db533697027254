//! Conformance with the Ethereum state tests (`GeneralStateTests` of ethereum/tests).
//!
//! Each fixture gives a pre-state, a block environment, a transaction (with several data, gas
//! and value choices) and, for each fork and choice, the post-state root and the hash of the
//! logs. The runner writes the pre-state into the test runtime's storage (`System.Account`,
//! `EVM.AccountCodes`, `EVM.AccountStorages`), runs the transaction through
//! [`Pallet::execute_in`] (the pallet's own state access and write-back, in the fork the
//! fixture was filled for), rebuilds the Ethereum state trie from the storage the pallet left,
//! and compares its root and the logs' hash with the fixture's. A transaction the fixture
//! expects to be refused must be refused and leave the state as it was.
//!
//! A representative subset is vendored in `pallets/evm/tests/state` and runs with the unit
//! tests; `ETHEREUM_STATE_TESTS=<dir>` runs every fixture under `<dir>` instead (for example
//! the `GeneralStateTests` folder of an ethereum/tests checkout; see
//! `scripts/ethereum-state-tests.sh`).
//!
//! Fixtures outside what the chain can represent are skipped and counted, never passed:
//! balances above `u128` (the native balance type), nonces above `u32` (the native nonce
//! type), and blob transactions (refused by the chain).

use crate::mock::Test;
use crate::{
    account, AccountCodes, AccountCodesMetadata, AccountStorages, CodeMetadata, Fees, Message,
    Pallet, TxKind,
};
use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, H256, U256 as NativeU256};
use revm::context::BlockEnv;
use revm::primitives::hardfork::SpecId;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fork whose post-states are checked, and the rules it runs under.
const FORK: (&str, SpecId) = ("Cancun", SpecId::CANCUN);

/// Why a fixture case cannot run on this chain.
#[derive(Debug)]
enum Skip {
    /// The balances add up to more than `u128` (the total issuance cannot).
    BalanceAboveU128,
    /// The fixture creates a contract where an account has storage but neither code nor
    /// nonce (EIP-7610's collision), a state no transaction can reach; revm does not check
    /// storage for collisions, and its own runner and reth's skip these fixtures too.
    StorageCollision,
    NonceAboveU32,
    BlobTransaction,
    PriceAboveU128,
    FieldAboveU256,
}

/// A case that ran and disagreed with the fixture.
#[derive(Debug)]
struct Failure {
    case: String,
    reason: String,
}

#[derive(Default, Debug)]
struct Tally {
    passed: usize,
    skipped: BTreeMap<String, usize>,
    failures: Vec<Failure>,
}

fn hex_bytes(value: &Value) -> Vec<u8> {
    let text = value.as_str().unwrap_or_default();
    let text = text.strip_prefix(":raw ").unwrap_or(text);
    hex::decode(text.trim_start_matches("0x")).unwrap_or_else(|e| panic!("hex {text}: {e}"))
}

fn u256(value: &Value) -> U256 {
    try_u256(value).unwrap_or_else(|| panic!("number {value}"))
}

/// A number of the fixture, `None` above 256 bits (`:bigint`, in tests of invalid encodings).
fn try_u256(value: &Value) -> Option<U256> {
    let text = value.as_str().unwrap_or("0x0");
    let text = text.strip_prefix(":bigint ").unwrap_or(text).trim_start_matches("0x");
    if text.is_empty() {
        return Some(U256::ZERO);
    }
    U256::from_str_radix(text, 16).ok()
}

fn u64_of(value: &Value) -> u64 {
    u64::try_from(u256(value)).expect("u64")
}

fn address_of(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("address {text}: {e}"))
}

fn native(address: &Address) -> AccountId20 {
    account(address)
}

/// Writes the fixture's pre-state and block into the runtime's storage.
fn write_pre_state(pre: &serde_json::Map<String, Value>, env: &Value) -> Result<(), Skip> {
    let mut issuance: u128 = 0;
    for (address, state) in pre {
        let who = native(&address_of(address));
        let balance =
            u128::try_from(u256(&state["balance"])).map_err(|_| Skip::BalanceAboveU128)?;
        issuance = issuance.checked_add(balance).ok_or(Skip::BalanceAboveU128)?;
        let nonce = u32::try_from(u256(&state["nonce"])).map_err(|_| Skip::NonceAboveU32)?;

        pallet_system::Account::insert(
            who,
            pallet_system::AccountInfo {
                nonce,
                providers: 1,
                data: pallet_system::AccountData { free: balance, ..Default::default() },
                ..Default::default()
            },
        );
        let code = hex_bytes(&state["code"]);
        if !code.is_empty() {
            AccountCodesMetadata::insert(
                who,
                CodeMetadata { size: code.len() as u64, hash: H256(keccak256(&code).0) },
            );
            AccountCodes::insert(who, code);
        }
        for (slot, value) in state["storage"].as_object().into_iter().flatten() {
            let value = u256(value);
            if !value.is_zero() {
                let slot = H256(u256(&Value::String(slot.clone())).to_be_bytes::<32>());
                AccountStorages::insert(who, slot, H256(value.to_be_bytes::<32>()));
            }
        }
    }
    // BLOCKHASH in the state tests is keccak256 of the block number in decimal.
    let number = u32::try_from(u64_of(&env["currentNumber"])).expect("block number");
    for past in number.saturating_sub(256)..number {
        pallet_system::BlockHash::insert(past, H256(keccak256(past.to_string()).0));
    }
    pallet_system::Pallet::<Test>::initialize(number, H256::zero(), &Default::default());
    crate::ChainId::put(1);
    Ok(())
}

/// The fixture's block environment.
fn block_env(env: &Value) -> BlockEnv {
    let mut block = BlockEnv {
        number: u256(&env["currentNumber"]),
        beneficiary: address_of(env["currentCoinbase"].as_str().expect("coinbase")),
        timestamp: u256(&env["currentTimestamp"]),
        gas_limit: u64_of(&env["currentGasLimit"]),
        basefee: env.get("currentBaseFee").map(u64_of).unwrap_or_default(),
        difficulty: u256(&env["currentDifficulty"]),
        prevrandao: env.get("currentRandom").map(|r| B256::from(u256(r).to_be_bytes::<32>())),
        ..Default::default()
    };
    block.set_blob_excess_gas_and_price(
        env.get("currentExcessBlobGas").map(u64_of).unwrap_or_default(),
        revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
    );
    block
}

/// The message of the case `indexes` of the fixture's transaction.
fn message(tx: &Value, indexes: &Value) -> Result<Message, Skip> {
    if tx.get("blobVersionedHashes").is_some() {
        return Err(Skip::BlobTransaction);
    }
    let index = |name: &str| indexes[name].as_u64().expect("index") as usize;
    let (d, g, v) = (index("data"), index("gas"), index("value"));
    let access_list = tx.get("accessLists").and_then(|lists| lists.get(d)).filter(|l| !l.is_null());
    let number = |value: &Value| try_u256(value).ok_or(Skip::FieldAboveU256);
    let price = |name: &str| -> Result<Option<u128>, Skip> {
        tx.get(name)
            .map(|p| u128::try_from(number(p)?).map_err(|_| Skip::PriceAboveU128))
            .transpose()
    };
    let (fees, tx_type) = match price("maxFeePerGas")? {
        Some(max_fee_per_gas) => {
            (Fees { max_fee_per_gas, max_priority_fee_per_gas: price("maxPriorityFeePerGas")? }, 2)
        }
        None => (
            Fees {
                max_fee_per_gas: price("gasPrice")?.unwrap_or_default(),
                max_priority_fee_per_gas: None,
            },
            u8::from(access_list.is_some()),
        ),
    };
    let to = tx["to"].as_str().unwrap_or_default();
    let value = number(&tx["value"][v])?;
    let gas_limit = u64::try_from(number(&tx["gasLimit"][g])?).map_err(|_| Skip::FieldAboveU256)?;
    let nonce = u64::try_from(number(&tx["nonce"])?).map_err(|_| Skip::NonceAboveU32)?;
    Ok(Message {
        caller: native(&address_of(tx["sender"].as_str().expect("sender"))),
        kind: if to.is_empty() { TxKind::Create } else { TxKind::Call(address_of(to)) },
        value: NativeU256::from_big_endian(&value.to_be_bytes::<32>()),
        data: hex_bytes(&tx["data"][d]),
        gas_limit,
        fees: Some(fees),
        nonce: Some(nonce),
        access_list: access_list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|item| {
                let address = native(&address_of(item["address"].as_str().expect("address")));
                let keys = item["storageKeys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|k| H256(u256(k).to_be_bytes::<32>()))
                    .collect();
                (address, keys)
            })
            .collect(),
        tx_type,
    })
}

/// The Ethereum state root of the runtime's accounts, code and contract storage.
fn state_root() -> B256 {
    let accounts = pallet_system::Account::iter().map(|(who, info)| {
        let storage = AccountStorages::iter_prefix(who)
            .map(|(slot, value)| (B256::from(slot.0), U256::from_be_bytes(value.0)));
        let trie_account = alloy_trie::TrieAccount {
            nonce: u64::from(info.nonce),
            balance: U256::from(info.data.free),
            storage_root: alloy_trie::root::storage_root_unhashed(storage.collect::<Vec<_>>()),
            code_hash: AccountCodesMetadata::get(who)
                .map(|m| B256::from(m.hash.0))
                .unwrap_or(alloy_trie::KECCAK_EMPTY),
        };
        (Address::from(who.0), trie_account)
    });
    alloy_trie::root::state_root_unhashed(accounts.collect::<Vec<_>>())
}

/// keccak256 of the RLP list of the logs (the state tests' `logs`).
fn logs_hash(logs: &[lux_primitives::ethereum::EthLog]) -> B256 {
    let logs: Vec<Log> = logs
        .iter()
        .map(|log| {
            Log::new_unchecked(
                Address::from(log.address.0),
                log.topics.iter().map(|t| B256::from(t.0)).collect(),
                Bytes::from(log.data.clone()),
            )
        })
        .collect();
    let mut out = Vec::new();
    alloy_rlp::encode_list(&logs, &mut out);
    keccak256(out)
}

/// The fixtures of [`Skip::StorageCollision`].
const STORAGE_COLLISION_FIXTURES: [&str; 10] = [
    "RevertInCreateInInit_Paris.json",
    "RevertInCreateInInit.json",
    "dynamicAccountOverwriteEmpty.json",
    "dynamicAccountOverwriteEmpty_Paris.json",
    "RevertInCreateInInitCreate2Paris.json",
    "create2collisionStorage.json",
    "RevertInCreateInInitCreate2.json",
    "create2collisionStorageParis.json",
    "InitCollision.json",
    "InitCollisionParis.json",
];

/// Runs every case of one fixture file for [`FORK`].
fn run_file(path: &Path, tally: &mut Tally) {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if STORAGE_COLLISION_FIXTURES.contains(&file_name) {
        *tally.skipped.entry(format!("{:?}", Skip::StorageCollision)).or_default() += 1;
        return;
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let fixtures: serde_json::Map<String, Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    for (name, fixture) in fixtures {
        let Some(posts) = fixture["post"].get(FORK.0).and_then(Value::as_array) else {
            continue;
        };
        for (i, post) in posts.iter().enumerate() {
            let case = format!("{}::{name}[{i}]", path.display());
            let mut ext = TestExternalities::default();
            let outcome = ext.execute_with(|| {
                let pre = fixture["pre"].as_object().expect("pre");
                write_pre_state(pre, &fixture["env"])?;
                let message = message(&fixture["transaction"], &post["indexes"])?;
                let result = Pallet::<Test>::execute_in(
                    FORK.1,
                    block_env(&fixture["env"]),
                    message,
                    None,
                    true,
                    None,
                );
                Ok::<_, Skip>((result, state_root()))
            });
            let (result, root) = match outcome {
                Ok(ran) => ran,
                Err(skip) => {
                    *tally.skipped.entry(format!("{skip:?}")).or_default() += 1;
                    continue;
                }
            };
            let expected_root = B256::from(u256(&post["hash"]).to_be_bytes::<32>());
            let expected_logs = B256::from(u256(&post["logs"]).to_be_bytes::<32>());
            let expects_refusal = post.get("expectException").is_some();
            let logs = result.as_ref().map(|o| logs_hash(&o.logs)).unwrap_or(logs_hash(&[]));
            let reason = match (&result, expects_refusal) {
                (Ok(_), true) => {
                    Some(format!("ran, but the fixture expects {}", post["expectException"]))
                }
                (Err(e), false) => Some(format!("refused: {e:?}")),
                _ if root != expected_root => {
                    Some(format!("state root {root} instead of {expected_root} ({result:?})"))
                }
                _ if logs != expected_logs => {
                    Some(format!("logs hash {logs} instead of {expected_logs}"))
                }
                _ => None,
            };
            match reason {
                Some(reason) => tally.failures.push(Failure { case, reason }),
                None => tally.passed += 1,
            }
        }
    }
}

fn fixture_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixture_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
}

#[test]
fn ethereum_state_tests() {
    let dir = std::env::var_os("ETHEREUM_STATE_TESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("state"));
    let mut files = Vec::new();
    fixture_files(&dir, &mut files);
    assert!(!files.is_empty(), "no fixtures under {dir:?}");
    let mut tally = Tally::default();
    for file in &files {
        run_file(file, &mut tally);
    }
    println!(
        "Ethereum state tests ({}) under {dir:?}: {} files, {} cases passed, skipped {:?}, {} failed",
        FORK.0,
        files.len(),
        tally.passed,
        tally.skipped,
        tally.failures.len()
    );
    for failure in tally.failures.iter().take(50) {
        println!("FAILED {}: {}", failure.case, failure.reason);
    }
    assert!(tally.passed > 0, "no case ran");
    assert!(tally.failures.is_empty(), "{} state-test cases failed", tally.failures.len());
}
