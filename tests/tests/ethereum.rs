//! The Ethereum JSON-RPC of a dev node, driven as an Ethereum client drives it: transactions
//! built and signed with alloy (the dev key of Alith, our account 0 "alice"), sent raw, found
//! pending then mined, with geth-shaped receipts and blocks; balances move exactly; a contract
//! is deployed, called (`eth_call`, reverts as code 3), estimated, and its logs found by
//! `eth_getLogs`, filters and subscriptions; unknown methods and batches answer as geth's do;
//! receipts outlive state pruning and restarts.

use std::time::Duration;

use alloy_consensus::{SignableTransaction, TxEip1559, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, TxKind, U256};
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::core::params::BatchRequestBuilder;
use jsonrpsee::http_client::HttpClientBuilder;
use jsonrpsee::rpc_params;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use luxtensor_tests::{wait_for, NodeOptions, TestNode};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Alith's private key: our dev account 0, "alice".
const ALITH_KEY: &str = "5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";
const ALITH: &str = "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac";
/// A topic the test contract logs.
const TOPIC: [u8; 32] = [0xaa; 32];

fn signing_key() -> k256::ecdsa::SigningKey {
    let key = hex::decode(ALITH_KEY).expect("hex");
    k256::ecdsa::SigningKey::from_slice(&key).expect("valid key")
}

/// Signs `tx` with Alith's key; the EIP-2718 bytes.
fn sign<T: SignableTransaction<alloy_primitives::Signature>>(tx: T) -> Vec<u8>
where
    alloy_consensus::Signed<T>: Encodable2718,
{
    let (signature, recovery_id) =
        signing_key().sign_prehash_recoverable(tx.signature_hash().as_slice()).expect("signs");
    tx.into_signed(alloy_primitives::Signature::from((signature, recovery_id))).encoded_2718()
}

fn hex_of(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn quantity(value: &Value) -> u128 {
    let text = value.as_str().unwrap_or_else(|| panic!("a quantity, got {value}"));
    let digits = text.strip_prefix("0x").expect("0x prefix");
    assert!(digits == "0" || !digits.starts_with('0'), "leading zero in {text}");
    u128::from_str_radix(digits, 16).expect("hex quantity")
}

fn keccak(bytes: &[u8]) -> String {
    hex_of(&lux_primitives::hashing::keccak_256(bytes))
}

async fn call(rpc: &WsClient, method: &str, params: jsonrpsee::core::params::ArrayParams) -> Value {
    rpc.request(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
}

async fn call_error(
    rpc: &WsClient,
    method: &str,
    params: jsonrpsee::core::params::ArrayParams,
) -> ErrorObjectOwned {
    match rpc.request::<Value, _>(method, params).await {
        Err(jsonrpsee::core::ClientError::Call(error)) => error,
        other => panic!("{method}: expected an error, got {other:?}"),
    }
}

async fn wait_for_receipt(rpc: &WsClient, hash: &str) -> Value {
    wait_for(&format!("the receipt of {hash}"), TIMEOUT, || async {
        let receipt: Value =
            rpc.request("eth_getTransactionReceipt", rpc_params![hash]).await.ok()?;
        (!receipt.is_null()).then_some(receipt)
    })
    .await
}

async fn balance(rpc: &WsClient, address: &str, block: Value) -> u128 {
    quantity(&call(rpc, "eth_getBalance", rpc_params![address, block]).await)
}

/// A contract that logs `TOPIC` when called without data, and reverts with
/// `Error("nope")` when called with any.
fn test_contract() -> (Vec<u8>, Vec<u8>) {
    let mut runtime = vec![0x36, 0x60, 0x2b, 0x57, 0x7f]; // CALLDATASIZE PUSH1 43 JUMPI PUSH32
    runtime.extend_from_slice(&TOPIC);
    runtime.extend_from_slice(&[0x60, 0x00, 0x60, 0x00, 0xa1, 0x00]); // LOG1(0, 0, topic) STOP
                                                                      // 43: JUMPDEST; CODECOPY(0, 56, 100); REVERT(0, 100)
    runtime.extend_from_slice(&[0x5b, 0x60, 0x64, 0x60, 0x38, 0x60, 0x00, 0x39]);
    runtime.extend_from_slice(&[0x60, 0x64, 0x60, 0x00, 0xfd]);
    assert_eq!(runtime.len(), 56);
    let mut revert = vec![0x08, 0xc3, 0x79, 0xa0];
    revert.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
    revert.extend_from_slice(&U256::from(4).to_be_bytes::<32>());
    let mut text = b"nope".to_vec();
    text.resize(32, 0);
    revert.extend_from_slice(&text);
    runtime.extend_from_slice(&revert);
    // Init code: CODECOPY(0, 11, len); RETURN(0, len).
    let len = runtime.len() as u8;
    let mut init = vec![0x60, len, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3];
    init.extend_from_slice(&runtime);
    (init, runtime)
}

#[tokio::test(flavor = "multi_thread")]
async fn ethereum_clients_send_transfer_deploy_call_and_find_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(1, TIMEOUT).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");

    // Node facts.
    let chain_id = quantity(&call(&rpc, "eth_chainId", rpc_params![]).await) as u64;
    let net_version: String =
        call(&rpc, "net_version", rpc_params![]).await.as_str().expect("string").into();
    assert_eq!(net_version, chain_id.to_string());
    // The dev node runs without networking: it listens for no peers.
    assert_eq!(call(&rpc, "net_listening", rpc_params![]).await, json!(false));
    assert_eq!(call(&rpc, "eth_accounts", rpc_params![]).await, json!([]));
    assert_eq!(call(&rpc, "eth_syncing", rpc_params![]).await, json!(false));
    let version = call(&rpc, "web3_clientVersion", rpc_params![]).await;
    assert!(version.as_str().is_some_and(|v| v.starts_with("luxtensor/v")), "{version}");
    assert_eq!(
        call(&rpc, "web3_sha3", rpc_params!["0x68656c6c6f20776f726c64"]).await,
        json!("0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad")
    );
    let genesis = call(&rpc, "eth_getBlockByNumber", rpc_params!["earliest", false]).await;
    assert_eq!(genesis["number"], "0x0");
    assert_eq!(genesis["transactions"], json!([]));
    assert!(genesis["baseFeePerGas"].is_string(), "genesis shows the chain's base fee");
    assert_eq!(
        call(&rpc, "eth_getBlockByNumber", rpc_params!["0xffffff", false]).await,
        Value::Null
    );

    // An EIP-1559 transfer to a fresh account.
    let recipient = Address::repeat_byte(0x77);
    let recipient_hex = hex_of(recipient.as_slice());
    let value: u128 = 3_000_000_000_000_000_000;
    let nonce =
        quantity(&call(&rpc, "eth_getTransactionCount", rpc_params![ALITH, "pending"]).await);
    let gas_price = quantity(&call(&rpc, "eth_gasPrice", rpc_params![]).await);
    let tip = quantity(&call(&rpc, "eth_maxPriorityFeePerGas", rpc_params![]).await);
    let estimate = call(
        &rpc,
        "eth_estimateGas",
        rpc_params![json!({ "from": ALITH, "to": recipient_hex, "value": format!("{value:#x}") })],
    )
    .await;
    assert_eq!(quantity(&estimate), 21_000);
    let transfer = TxEip1559 {
        chain_id,
        nonce: nonce as u64,
        gas_limit: 21_000,
        max_fee_per_gas: gas_price * 2,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(recipient),
        value: U256::from(value),
        access_list: Default::default(),
        input: Default::default(),
    };
    let raw = sign(transfer);
    let hash = call(&rpc, "eth_sendRawTransaction", rpc_params![hex_of(&raw)]).await;
    assert_eq!(hash, json!(keccak(&raw)));
    let hash = hash.as_str().expect("hash").to_string();
    let seen = call(&rpc, "eth_getTransactionByHash", rpc_params![hash.clone()]).await;
    assert_eq!(seen["hash"], json!(hash), "found pending or mined");
    assert_eq!(seen["from"], ALITH);

    let receipt = wait_for_receipt(&rpc, &hash).await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["transactionHash"], json!(hash));
    assert_eq!(receipt["from"], ALITH);
    assert_eq!(receipt["to"], json!(recipient_hex));
    assert_eq!(receipt["gasUsed"], "0x5208");
    assert_eq!(receipt["type"], "0x2");
    assert_eq!(receipt["contractAddress"], Value::Null);
    assert_eq!(receipt["logs"], json!([]));
    let block_hash = receipt["blockHash"].clone();
    let number = receipt["blockNumber"].clone();
    let price = quantity(&receipt["effectiveGasPrice"]);

    let block = call(&rpc, "eth_getBlockByHash", rpc_params![block_hash.clone(), true]).await;
    assert_eq!(block["hash"], block_hash);
    assert_eq!(block["number"], number);
    let index = quantity(&receipt["transactionIndex"]) as usize;
    let mined = &block["transactions"][index];
    assert_eq!(mined["hash"], json!(hash));
    assert_eq!(mined["blockHash"], block_hash);
    assert_eq!(mined["from"], ALITH);
    assert_eq!(quantity(&mined["gasPrice"]), price);
    assert_eq!(quantity(&mined["value"]), value);
    let base_fee = quantity(&block["baseFeePerGas"]);
    assert_eq!(price, (base_fee + tip).min(gas_price * 2), "base fee plus tip, under the cap");
    assert_ne!(
        block["transactionsRoot"],
        json!("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
    );
    let by_number = call(&rpc, "eth_getBlockByNumber", rpc_params![number.clone(), false]).await;
    assert_eq!(by_number["hash"], block_hash);
    assert!(by_number["transactions"].as_array().expect("hashes").contains(&json!(hash)));
    let count =
        call(&rpc, "eth_getBlockTransactionCountByHash", rpc_params![block_hash.clone()]).await;
    assert!(quantity(&count) >= 1);
    let by_index = call(
        &rpc,
        "eth_getTransactionByBlockNumberAndIndex",
        rpc_params![number.clone(), format!("{index:#x}")],
    )
    .await;
    assert_eq!(by_index["hash"], json!(hash));
    let receipts = call(&rpc, "eth_getBlockReceipts", rpc_params![number.clone()]).await;
    assert_eq!(receipts[index], receipt);

    // Balances: the recipient has the value; Alith paid it and the fee (getting the tip back
    // when she authored the block).
    assert_eq!(balance(&rpc, &recipient_hex, number.clone()).await, value);
    let alith_after = balance(&rpc, ALITH, number.clone()).await;
    let mut paid = value + 21_000 * price;
    if block["miner"] == ALITH {
        paid -= 21_000 * (price - base_fee);
    }
    let previous = format!("{:#x}", quantity(&number) - 1);
    assert_eq!(balance(&rpc, ALITH, json!(previous)).await - alith_after, paid);
    assert_eq!(
        quantity(&call(&rpc, "eth_getTransactionCount", rpc_params![ALITH, number.clone()]).await),
        nonce + 1
    );

    // The same transaction again: its nonce is used.
    let again = call_error(&rpc, "eth_sendRawTransaction", rpc_params![hex_of(&raw)]).await;
    assert_eq!(again.code(), -32000);
    assert!(again.message() == "nonce too low" || again.message() == "already known", "{again:?}");
    let unsupported = call_error(&rpc, "eth_sendRawTransaction", rpc_params!["0x05c0"]).await;
    assert_eq!(
        (unsupported.code(), unsupported.message()),
        (-32000, "transaction type not supported")
    );

    // A contract: deployed by a legacy (EIP-155) transaction.
    let (init, runtime) = test_contract();
    let deploy = TxLegacy {
        chain_id: Some(chain_id),
        nonce: nonce as u64 + 1,
        gas_price: gas_price * 2,
        gas_limit: 200_000,
        to: TxKind::Create,
        value: U256::ZERO,
        input: init.into(),
    };
    let deploy_hash =
        call(&rpc, "eth_sendRawTransaction", rpc_params![hex_of(&sign(deploy))]).await;
    let deployed = wait_for_receipt(&rpc, deploy_hash.as_str().expect("hash")).await;
    assert_eq!(deployed["status"], "0x1");
    assert_eq!(deployed["type"], "0x0");
    assert_eq!(deployed["to"], Value::Null);
    let contract = deployed["contractAddress"].as_str().expect("created").to_string();
    let code = call(&rpc, "eth_getCode", rpc_params![contract.clone(), "latest"]).await;
    assert_eq!(code, json!(hex_of(&runtime)));
    let slot = call(&rpc, "eth_getStorageAt", rpc_params![contract.clone(), "0x0", "latest"]).await;
    assert_eq!(slot, json!(format!("0x{}", "0".repeat(64))));

    // Calls: success returns the output; a revert is code 3 with its reason and data.
    let ok = call(&rpc, "eth_call", rpc_params![json!({ "to": contract }), "latest"]).await;
    assert_eq!(ok, json!("0x"));
    let reverted = call_error(
        &rpc,
        "eth_call",
        rpc_params![json!({ "to": contract, "input": "0x01" }), "latest"],
    )
    .await;
    assert_eq!(reverted.code(), 3);
    assert_eq!(reverted.message(), "execution reverted: nope");
    let data: String =
        serde_json::from_str(reverted.data().expect("revert data").get()).expect("hex");
    assert_eq!(data, hex_of(&runtime[56..]));
    let estimate_revert = call_error(
        &rpc,
        "eth_estimateGas",
        rpc_params![json!({ "from": ALITH, "to": contract, "data": "0x01" })],
    )
    .await;
    assert_eq!(estimate_revert.code(), 3);
    let gas = quantity(
        &call(&rpc, "eth_estimateGas", rpc_params![json!({ "from": ALITH, "to": contract })]).await,
    );
    assert!(gas > 21_000 && gas < 60_000, "estimate {gas}");

    // Logs: a filter and a subscription installed before the logging transaction see it.
    let filter = call(
        &rpc,
        "eth_newFilter",
        rpc_params![json!({ "address": contract, "topics": [hex_of(&TOPIC)] })],
    )
    .await;
    let block_filter = call(&rpc, "eth_newBlockFilter", rpc_params![]).await;
    let mut logs_sub = rpc
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["logs", json!({ "address": contract })],
            "eth_unsubscribe",
        )
        .await
        .expect("logs subscription");
    let mut heads = rpc
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .expect("newHeads subscription");
    let ping = TxEip1559 {
        chain_id,
        nonce: nonce as u64 + 2,
        gas_limit: gas as u64,
        max_fee_per_gas: gas_price * 2,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(contract.parse().expect("address")),
        value: U256::ZERO,
        access_list: Default::default(),
        input: Default::default(),
    };
    let ping_hash = call(&rpc, "eth_sendRawTransaction", rpc_params![hex_of(&sign(ping))]).await;
    let pinged = wait_for_receipt(&rpc, ping_hash.as_str().expect("hash")).await;
    assert_eq!(pinged["status"], "0x1");
    let logs = pinged["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 1);
    let log = &logs[0];
    assert_eq!(log["address"], json!(contract));
    assert_eq!(log["topics"], json!([hex_of(&TOPIC)]));
    assert_eq!(log["data"], "0x");
    assert_eq!(log["logIndex"], "0x0");
    assert_eq!(log["removed"], false);
    assert_eq!(log["transactionHash"], ping_hash);
    let at = pinged["blockNumber"].clone();
    let found = call(
        &rpc,
        "eth_getLogs",
        rpc_params![json!({ "fromBlock": at, "toBlock": at, "address": contract, "topics": [[hex_of(&TOPIC)]] })],
    )
    .await;
    assert_eq!(found, json!([log]));
    let by_hash =
        call(&rpc, "eth_getLogs", rpc_params![json!({ "blockHash": pinged["blockHash"] })]).await;
    assert!(by_hash.as_array().expect("logs").contains(log));
    let other_topic = call(
        &rpc,
        "eth_getLogs",
        rpc_params![json!({ "fromBlock": "0x0", "topics": [hex_of(&[0xbb; 32])] })],
    )
    .await;
    assert_eq!(other_topic, json!([]));
    let changes = call(&rpc, "eth_getFilterChanges", rpc_params![filter.clone()]).await;
    assert_eq!(changes, json!([log]));
    assert_eq!(call(&rpc, "eth_getFilterChanges", rpc_params![filter.clone()]).await, json!([]));
    assert_eq!(call(&rpc, "eth_getFilterLogs", rpc_params![filter.clone()]).await, json!([log]));
    let new_blocks = call(&rpc, "eth_getFilterChanges", rpc_params![block_filter]).await;
    assert!(new_blocks.as_array().expect("hashes").contains(&pinged["blockHash"]));
    assert_eq!(call(&rpc, "eth_uninstallFilter", rpc_params![filter.clone()]).await, json!(true));
    assert_eq!(call(&rpc, "eth_uninstallFilter", rpc_params![filter]).await, json!(false));
    let streamed = tokio::time::timeout(TIMEOUT, logs_sub.next())
        .await
        .expect("a log in time")
        .expect("open")
        .expect("decodes");
    assert_eq!(&streamed, log);
    let head = tokio::time::timeout(TIMEOUT, heads.next())
        .await
        .expect("a head in time")
        .expect("open")
        .expect("decodes");
    assert!(
        head["number"].is_string() && head["hash"].is_string() && head["transactions"].is_null()
    );

    // Fee history over the last blocks.
    let history =
        call(&rpc, "eth_feeHistory", rpc_params!["0x4", "latest", json!([25.0, 75.0])]).await;
    assert_eq!(history["baseFeePerGas"].as_array().map(Vec::len), Some(5));
    assert_eq!(history["gasUsedRatio"].as_array().map(Vec::len), Some(4));
    assert_eq!(history["reward"].as_array().map(Vec::len), Some(4));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_methods_and_batches_answer_as_geth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    let unknown = call_error(&rpc, "eth_frobnicate", rpc_params![]).await;
    assert_eq!(unknown.code(), -32601);
    assert_eq!(unknown.message(), "the method eth_frobnicate does not exist/is not available");
    // Substrate's namespaces keep jsonrpsee's words (polkadot-api looks for them).
    let substrate = call_error(&rpc, "state_frobnicate", rpc_params![]).await;
    assert_eq!((substrate.code(), substrate.message()), (-32601, "Method not found"));

    let http = HttpClientBuilder::default().build(node.http_url()).expect("http client");
    let mut batch = BatchRequestBuilder::new();
    batch.insert("eth_chainId", rpc_params![]).expect("param");
    batch.insert("eth_blockNumber", rpc_params![]).expect("param");
    batch.insert("eth_frobnicate", rpc_params![]).expect("param");
    batch.insert("eth_getBalance", rpc_params![ALITH, "latest"]).expect("param");
    let answers: Vec<_> =
        http.batch_request::<Value>(batch).await.expect("batch").into_iter().collect();
    assert_eq!(answers.len(), 4);
    assert!(answers[0].as_ref().is_ok_and(|id| id.as_str().is_some_and(|s| s.starts_with("0x"))));
    assert!(answers[1].is_ok());
    let refused = answers[2].as_ref().expect_err("unknown method");
    assert_eq!(refused.message(), "the method eth_frobnicate does not exist/is not available");
    assert!(answers[3].as_ref().is_ok_and(|b| quantity(b) > 0), "Alith is funded");
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_outlive_state_pruning_and_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options =
        NodeOptions { args: vec!["--state-pruning".into(), "4".into()], ..Default::default() };
    let (hash, receipt) = {
        let mut node = TestNode::dev(dir.path(), options.clone()).await;
        let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
        let chain_id = quantity(&call(&rpc, "eth_chainId", rpc_params![]).await) as u64;
        let gas_price = quantity(&call(&rpc, "eth_gasPrice", rpc_params![]).await);
        let transfer = TxEip1559 {
            chain_id,
            nonce: quantity(
                &call(&rpc, "eth_getTransactionCount", rpc_params![ALITH, "pending"]).await,
            ) as u64,
            gas_limit: 21_000,
            max_fee_per_gas: gas_price * 2,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(Address::repeat_byte(0x66)),
            value: U256::from(5u64),
            access_list: Default::default(),
            input: Default::default(),
        };
        let hash = call(&rpc, "eth_sendRawTransaction", rpc_params![hex_of(&sign(transfer))]).await;
        let hash = hash.as_str().expect("hash").to_string();
        let receipt = wait_for_receipt(&rpc, &hash).await;
        // The block's state goes once a block 4 above it is final; its receipt stays.
        let number = receipt["blockNumber"].clone();
        let error = wait_for("the block's state to be pruned", TIMEOUT, || async {
            let balance: Result<Value, _> =
                rpc.request("eth_getBalance", rpc_params![ALITH, number.clone()]).await;
            match balance {
                Err(jsonrpsee::core::ClientError::Call(error)) => Some(error),
                _ => None,
            }
        })
        .await;
        assert_eq!(error.code(), -32000);
        assert!(error.message().contains("State already discarded"), "{error:?}");
        assert_eq!(
            call(&rpc, "eth_getTransactionReceipt", rpc_params![hash.clone()]).await,
            receipt
        );
        node.stop();
        (hash, receipt)
    };
    let node = TestNode::dev(dir.path(), options).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    assert_eq!(call(&rpc, "eth_getTransactionReceipt", rpc_params![hash.clone()]).await, receipt);
    let block =
        call(&rpc, "eth_getBlockByHash", rpc_params![receipt["blockHash"].clone(), true]).await;
    let index = quantity(&receipt["transactionIndex"]) as usize;
    assert_eq!(block["transactions"][index]["hash"], json!(hash));
    assert_eq!(block["transactions"][index]["from"], ALITH);
    // New blocks are indexed after the restart.
    let restarted_at = quantity(&call(&rpc, "eth_blockNumber", rpc_params![]).await);
    wait_for("a new block after the restart", TIMEOUT, || async {
        let number: Value = rpc.request("eth_blockNumber", rpc_params![]).await.ok()?;
        (quantity(&number) > restarted_at).then_some(())
    })
    .await;
}
