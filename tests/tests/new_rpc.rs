//! The new JSON-RPC interface (paritytech/json-rpc-interface-spec) as a client sees it:
//! `chainHead_v1_*` with its events and operations, `chainSpec_v1_*`, `transaction_v1_*`,
//! `transactionWatch_v1_*`; plus `state_getMetadata` and `state_queryStorageAt`.

use std::time::Duration;

use codec::{Decode, Encode};
use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT, SubscriptionKind};
use jsonrpsee::rpc_params;
use jsonrpsee::types::SubscriptionId;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use lux_primitives::{AccountId20, Header, RuntimeVersion, H256, LUX};
use lux_rpc_client::{account_storage_key, sign_extrinsic};
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{wait_for, NodeOptions, TestNode};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("hex string").trim_start_matches("0x")).expect("hex")
}

async fn next(sub: &mut Subscription<Value>) -> Value {
    tokio::time::timeout(TIMEOUT, sub.next())
        .await
        .expect("event in time")
        .expect("open")
        .expect("json")
}

fn sub_id(sub: &Subscription<Value>) -> String {
    match sub.kind() {
        SubscriptionKind::Subscription(SubscriptionId::Str(s)) => s.to_string(),
        SubscriptionKind::Subscription(SubscriptionId::Num(n)) => n.to_string(),
        other => panic!("not a subscription: {other:?}"),
    }
}

/// Reads follow events until one matches `operation` and is its final event.
async fn operation_events(sub: &mut Subscription<Value>, operation: &Value) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next(sub).await;
        if event.get("operationId") != Some(operation) {
            continue;
        }
        let kind = event["event"].as_str().unwrap_or_default().to_string();
        events.push(event);
        if kind != "operationStorageItems" && kind != "operationWaitingForContinue" {
            return events;
        }
    }
}

fn error_code<T: std::fmt::Debug>(r: Result<T, jsonrpsee::core::ClientError>) -> i32 {
    match r {
        Err(jsonrpsee::core::ClientError::Call(e)) => e.code(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

async fn ws(node: &TestNode) -> WsClient {
    WsClientBuilder::default().build(node.ws_url()).await.expect("ws")
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_head_follow_and_operations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(2, TIMEOUT).await;
    let rpc = ws(&node).await;
    let mut follow: Subscription<Value> = rpc
        .subscribe("chainHead_v1_follow", rpc_params![true], "chainHead_v1_unfollow")
        .await
        .expect("follow");
    let sub = sub_id(&follow);

    let initialized = next(&mut follow).await;
    assert_eq!(initialized["event"], "initialized");
    let finalized: H256 =
        serde_json::from_value(initialized["finalizedBlockHashes"][0].clone()).expect("hash");
    let runtime = &initialized["finalizedBlockRuntime"];
    assert_eq!(runtime["type"], "valid");
    assert_eq!(runtime["spec"]["specName"], "luxtensor");
    assert_eq!(
        runtime["spec"]["apis"]["0xdf6acb689907609b"], 4,
        "apis is an object of id -> version"
    );
    // New blocks are announced (with their parent) and the best block is always reported.
    let mut saw_best = false;
    let mut announced = Vec::new();
    while !saw_best || announced.is_empty() {
        let event = next(&mut follow).await;
        match event["event"].as_str() {
            Some("newBlock") => {
                assert!(event["parentBlockHash"].is_string());
                assert!(
                    event.get("newRuntime").is_some(),
                    "present (null) when following with runtime"
                );
                announced.push(event["blockHash"].clone());
            }
            Some("bestBlockChanged") => saw_best = true,
            _ => {}
        }
    }

    let header: Value =
        rpc.request("chainHead_v1_header", rpc_params![&sub, finalized]).await.expect("header");
    let header = Header::decode(&mut &unhex(&header)[..]).expect("SCALE header");
    assert_eq!(header.hash(), finalized);

    let started: Value = rpc
        .request("chainHead_v1_call", rpc_params![&sub, finalized, "Core_version", ""])
        .await
        .expect("call");
    assert_eq!(started["result"], "started");
    let done = operation_events(&mut follow, &started["operationId"]).await;
    assert_eq!(done[0]["event"], "operationCallDone");
    let version =
        RuntimeVersion::decode(&mut &unhex(&done[0]["output"])[..]).expect("RuntimeVersion");
    assert_eq!(version.spec_name, "luxtensor");

    let alice = AccountId20(lux_keys::dev_account("alice").expect("alice").address());
    let prefix = lux_primitives::twox::storage_prefix(b"System", b"Account");
    let queries = serde_json::json!([
        { "key": hex(&account_storage_key(&alice)), "type": "value" },
        { "key": hex(&account_storage_key(&alice)), "type": "hash" },
        { "key": hex(&prefix), "type": "descendantsValues" },
        { "key": "0x1234", "type": "value" },
    ]);
    let started: Value = rpc
        .request("chainHead_v1_storage", rpc_params![&sub, finalized, queries, Value::Null])
        .await
        .expect("storage");
    assert_eq!(started["result"], "started");
    let events = operation_events(&mut follow, &started["operationId"]).await;
    assert_eq!(events.last().expect("done")["event"], "operationStorageDone");
    let items: Vec<&Value> =
        events.iter().filter_map(|e| e["items"].as_array()).flatten().collect();
    assert!(items
        .iter()
        .any(|i| i["value"].is_string() && i["key"] == hex(&account_storage_key(&alice))));
    assert!(items.iter().any(|i| i["hash"].is_string()));
    assert!(
        items
            .iter()
            .filter(|i| i["key"].as_str().is_some_and(|k| k.starts_with(&hex(&prefix))))
            .count()
            >= 7
    );
    assert!(items.iter().all(|i| i["key"] != "0x1234"), "missing keys give no item");

    let started: Value =
        rpc.request("chainHead_v1_body", rpc_params![&sub, finalized]).await.expect("body");
    let done = operation_events(&mut follow, &started["operationId"]).await;
    assert_eq!(done[0]["event"], "operationBodyDone");
    assert!(!done[0]["value"].as_array().expect("extrinsics").is_empty(), "the timestamp inherent");

    // Unpinning: once, then the block is unknown to the subscription.
    let _: Value =
        rpc.request("chainHead_v1_unpin", rpc_params![&sub, finalized]).await.expect("unpin");
    assert_eq!(
        error_code(
            rpc.request::<Value, _>("chainHead_v1_unpin", rpc_params![&sub, finalized]).await
        ),
        -32801
    );
    assert_eq!(
        error_code(
            rpc.request::<Value, _>("chainHead_v1_header", rpc_params![&sub, finalized]).await
        ),
        -32801
    );
    let second: H256 = serde_json::from_value(announced[0].clone()).expect("hash");
    assert_eq!(
        error_code(
            rpc.request::<Value, _>("chainHead_v1_unpin", rpc_params![&sub, vec![second, second]])
                .await
        ),
        -32804
    );
    // An unknown subscription gives null for a header.
    let none: Value =
        rpc.request("chainHead_v1_header", rpc_params!["nope", finalized]).await.expect("null");
    assert!(none.is_null());

    // Without runtime: no call operations.
    let mut plain: Subscription<Value> = rpc
        .subscribe("chainHead_v1_follow", rpc_params![false], "chainHead_v1_unfollow")
        .await
        .expect("follow");
    let plain_sub = sub_id(&plain);
    let init = next(&mut plain).await;
    assert!(init.get("finalizedBlockRuntime").is_none());
    let hash = init["finalizedBlockHashes"][0].clone();
    assert_eq!(
        error_code(
            rpc.request::<Value, _>(
                "chainHead_v1_call",
                rpc_params![&plain_sub, hash, "Core_version", "0x"]
            )
            .await
        ),
        -32802
    );
    // Finalization is reported.
    let finalized_event = loop {
        let event = next(&mut follow).await;
        if event["event"] == "finalized" {
            break event;
        }
    };
    assert!(!finalized_event["finalizedBlockHashes"].as_array().expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_spec_transactions_and_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let rpc = ws(&node).await;
    // polkadot-api routes on `rpc_methods`: a group it does not see there, it emulates with the
    // legacy methods.
    let methods: Value = rpc.request("rpc_methods", rpc_params![]).await.expect("rpc_methods");
    let methods: Vec<&str> =
        methods["methods"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
    for required in [
        "chainHead_v1_follow",
        "chainHead_v1_call",
        "chainHead_v1_storage",
        "chainSpec_v1_genesisHash",
        "transaction_v1_broadcast",
        "transactionWatch_v1_submitAndWatch",
        "state_getMetadata",
        "state_queryStorageAt",
    ] {
        assert!(methods.contains(&required), "rpc_methods lacks {required}");
    }
    let name: String = rpc.request("chainSpec_v1_chainName", rpc_params![]).await.expect("name");
    assert_eq!(name, "LuxTensor Development");
    let genesis: H256 =
        rpc.request("chainSpec_v1_genesisHash", rpc_params![]).await.expect("genesis");
    let legacy: H256 = rpc.request("chain_getBlockHash", rpc_params![0]).await.expect("hash");
    assert_eq!(genesis, legacy);
    let properties: Value =
        rpc.request("chainSpec_v1_properties", rpc_params![]).await.expect("properties");
    assert_eq!(properties["tokenDecimals"], 18);

    let metadata: Value = rpc.request("state_getMetadata", rpc_params![]).await.expect("metadata");
    let metadata = frame_metadata::RuntimeMetadataPrefixed::decode(&mut &unhex(&metadata)[..])
        .expect("metadata");
    assert!(matches!(metadata.1, frame_metadata::RuntimeMetadata::V14(_)));

    let client = node.client().await;
    let alice = lux_keys::dev_account("alice").expect("alice");
    let context = client.signing_context().await.expect("context");
    let transfer = |dest: u8, nonce| {
        let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
            dest: AccountId20([dest; 20]),
            value: LUX,
        });
        hex(&sign_extrinsic(&alice, call, nonce, 0, &context).encode())
    };

    let mut watch: Subscription<Value> = rpc
        .subscribe(
            "transactionWatch_v1_submitAndWatch",
            rpc_params![transfer(0x71, 0)],
            "transactionWatch_v1_unwatch",
        )
        .await
        .expect("watch");
    assert_eq!(next(&mut watch).await["event"], "validated");
    let included = next(&mut watch).await;
    assert_eq!(included["event"], "bestChainBlockIncluded");
    assert_eq!(included["block"]["index"], 1, "after the timestamp inherent");
    let finalized = next(&mut watch).await;
    assert_eq!(finalized["event"], "finalized");
    assert_eq!(finalized["block"], included["block"]);

    let mut bad: Subscription<Value> = rpc
        .subscribe(
            "transactionWatch_v1_submitAndWatch",
            rpc_params!["0x1234"],
            "transactionWatch_v1_unwatch",
        )
        .await
        .expect("watch");
    assert_eq!(next(&mut bad).await["event"], "invalid");

    let id: String = rpc
        .request("transaction_v1_broadcast", rpc_params![transfer(0x72, 1)])
        .await
        .expect("broadcast");
    let dest = AccountId20([0x72; 20]);
    wait_for("the broadcast transfer", TIMEOUT, || async {
        (client.free_balance(&dest).await.ok()? == LUX).then_some(())
    })
    .await;
    let _: Value = rpc.request("transaction_v1_stop", rpc_params![&id]).await.expect("stop");
    assert_eq!(
        error_code(rpc.request::<Value, _>("transaction_v1_stop", rpc_params![&id]).await),
        -32602
    );

    let key = hex(&account_storage_key(&dest));
    let at: Value =
        rpc.request("state_queryStorageAt", rpc_params![vec![key.clone()]]).await.expect("query");
    assert_eq!(at[0]["changes"][0][0], key);
    assert!(at[0]["changes"][0][1].is_string());
}
