//! The JSON-RPC interface of a dev node, as clients see it: method names and aliases, JSON
//! shapes, read proofs that verify against the header's state root, and subscriptions.

use std::time::Duration;

use codec::{Decode, Encode};
use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use lux_primitives::{AccountId20, Header, RuntimeVersion, H256, LUX};
use lux_rpc_client::{account_storage_key, sign_extrinsic};
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{http_request, NodeOptions, TestNode};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("hex string").trim_start_matches("0x")).expect("hex")
}

async fn next<T: serde::de::DeserializeOwned>(sub: &mut Subscription<T>) -> T {
    tokio::time::timeout(TIMEOUT, sub.next())
        .await
        .expect("notification in time")
        .expect("subscription open")
        .expect("decodes")
}

#[tokio::test(flavor = "multi_thread")]
async fn system_chain_and_state_methods_have_substrate_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(2, TIMEOUT).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");

    let name: String = rpc.request("system_name", rpc_params![]).await.expect("system_name");
    assert_eq!(name, "LuxTensor Node");
    let _: String = rpc.request("system_version", rpc_params![]).await.expect("system_version");
    let chain: String = rpc.request("system_chain", rpc_params![]).await.expect("system_chain");
    assert_eq!(chain, "LuxTensor Development");
    let chain_type: Value =
        rpc.request("system_chainType", rpc_params![]).await.expect("chainType");
    assert_eq!(chain_type, "Development");
    let properties: Value =
        rpc.request("system_properties", rpc_params![]).await.expect("properties");
    assert_eq!(properties["tokenSymbol"], "LUX");
    assert_eq!(properties["tokenDecimals"], 18);
    let health: Value = rpc.request("system_health", rpc_params![]).await.expect("health");
    assert_eq!(health["peers"], 0);
    assert_eq!(health["isSyncing"], false);
    let alice = AccountId20(lux_keys::dev_account("alice").expect("alice").address());
    let nonce: u32 = rpc
        .request("system_accountNextIndex", rpc_params![alice.to_string()])
        .await
        .expect("nonce");
    assert_eq!(nonce, 0);

    let methods: Value = rpc.request("rpc_methods", rpc_params![]).await.expect("rpc_methods");
    let methods: Vec<&str> =
        methods["methods"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
    for required in [
        "system_name",
        "system_version",
        "system_chain",
        "system_chainType",
        "system_properties",
        "system_health",
        "system_accountNextIndex",
        "rpc_methods",
        "chain_getHeader",
        "chain_getBlock",
        "chain_getBlockHash",
        "chain_getFinalizedHead",
        "chain_subscribeNewHeads",
        "chain_subscribeNewHead",
        "chain_subscribeFinalizedHeads",
        "chain_subscribeAllHeads",
        "state_getStorage",
        "state_getKeysPaged",
        "state_getRuntimeVersion",
        "state_call",
        "state_getReadProof",
        "state_subscribeStorage",
        "state_subscribeRuntimeVersion",
        "author_submitExtrinsic",
        "author_submitAndWatchExtrinsic",
        "author_pendingExtrinsics",
    ] {
        assert!(methods.contains(&required), "rpc_methods lacks {required}");
    }

    let genesis: H256 = rpc.request("chain_getBlockHash", rpc_params![0]).await.expect("hash");
    let hashes: Vec<Option<H256>> =
        rpc.request("chain_getBlockHash", rpc_params![vec![0, 1, 999_999]]).await.expect("list");
    assert_eq!(hashes[0], Some(genesis));
    assert!(hashes[1].is_some());
    assert_eq!(hashes[2], None);
    let by_hex: Option<H256> =
        rpc.request("chain_getBlockHash", rpc_params!["0x1"]).await.expect("hex number");
    assert_eq!(by_hex, hashes[1]);
    let header: Value =
        rpc.request("chain_getHeader", rpc_params![hashes[1]]).await.expect("header");
    assert_eq!(header["number"], "0x1");
    assert_eq!(header["parentHash"], serde_json::to_value(genesis).expect("json"));
    assert!(header["digest"]["logs"].as_array().expect("logs").len() >= 2, "pre-digest and seal");
    let block: Value = rpc.request("chain_getBlock", rpc_params![hashes[1]]).await.expect("block");
    let extrinsics = block["block"]["extrinsics"].as_array().expect("extrinsics");
    assert_eq!(extrinsics.len(), 1, "the timestamp inherent");
    assert!(block["justifications"].is_null());
    let missing: Option<Value> =
        rpc.request("chain_getBlock", rpc_params![H256::repeat_byte(9)]).await.expect("null");
    assert!(missing.is_none());
    let finalized: H256 =
        rpc.request("chain_getFinalizedHead", rpc_params![]).await.expect("finalized");
    let finalised: H256 =
        rpc.request("chain_getFinalisedHead", rpc_params![]).await.expect("alias");
    assert!(finalized != H256::zero() && finalised != H256::zero());

    let version: RuntimeVersion =
        rpc.request("state_getRuntimeVersion", rpc_params![]).await.expect("version");
    assert_eq!(version.spec_name, "luxtensor");
    let raw: Value =
        rpc.request("state_call", rpc_params!["Core_version", "0x"]).await.expect("state_call");
    assert_eq!(RuntimeVersion::decode(&mut &unhex(&raw)[..]).expect("decodes"), version);
    let err = rpc.request::<Value, _>("state_call", rpc_params!["Nope_nothing", "0x"]).await;
    assert!(err.is_err(), "unknown runtime functions are errors");

    let prefix = lux_primitives::twox::storage_prefix(b"System", b"Account");
    let keys: Vec<Value> =
        rpc.request("state_getKeysPaged", rpc_params![hex(&prefix), 3]).await.expect("keys");
    assert_eq!(keys.len(), 3);
    let rest: Vec<Value> = rpc
        .request("state_getKeysPaged", rpc_params![hex(&prefix), 100, keys[2].clone()])
        .await
        .expect("page 2");
    assert!(rest.len() >= 3, "six dev accounts in all");
    assert!(rest.iter().all(|k| !keys.contains(k)));
    let too_many =
        rpc.request::<Value, _>("state_getKeysPaged", rpc_params![hex(&prefix), 5000]).await;
    assert!(too_many.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn read_proof_verifies_against_the_header_state_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(1, TIMEOUT).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    let alice = AccountId20(lux_keys::dev_account("alice").expect("alice").address());
    let present = account_storage_key(&alice);
    let absent = account_storage_key(&AccountId20([0xab; 20]));
    let at: H256 = rpc.request("chain_getFinalizedHead", rpc_params![]).await.expect("head");
    let proof: Value = rpc
        .request("state_getReadProof", rpc_params![vec![hex(&present), hex(&absent)], at])
        .await
        .expect("proof");
    assert_eq!(proof["at"], serde_json::to_value(at).expect("json"));
    let nodes: Vec<Vec<u8>> = proof["proof"].as_array().expect("nodes").iter().map(unhex).collect();
    let header: Header = rpc.request("chain_getHeader", rpc_params![at]).await.expect("header");
    let proven =
        lux_trie::verify_proof(&header.state_root.0, &nodes, &[present.clone(), absent.clone()])
            .expect("the proof verifies against the state root");
    let stored: Value =
        rpc.request("state_getStorage", rpc_params![hex(&present), at]).await.expect("storage");
    assert_eq!(proven[0], (present, Some(unhex(&stored))));
    assert_eq!(proven[1], (absent.clone(), None));
    // A proof checked against another root fails.
    assert!(lux_trie::verify_proof(&H256::repeat_byte(1).0, &nodes, &[absent]).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_follow_heads_storage_and_extrinsics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let rpc = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");

    let mut new_heads: Subscription<Header> = rpc
        .subscribe("chain_subscribeNewHead", rpc_params![], "chain_unsubscribeNewHead")
        .await
        .expect("polkadot.js alias");
    let first = next(&mut new_heads).await;
    let second = next(&mut new_heads).await;
    assert!(second.number > first.number);
    let mut finalized: Subscription<Header> = rpc
        .subscribe(
            "chain_subscribeFinalizedHeads",
            rpc_params![],
            "chain_unsubscribeFinalizedHeads",
        )
        .await
        .expect("finalized heads");
    next(&mut finalized).await;
    let mut all: Subscription<Header> = rpc
        .subscribe("chain_subscribeAllHeads", rpc_params![], "chain_unsubscribeAllHeads")
        .await
        .expect("all");
    next(&mut all).await;
    let mut versions: Subscription<RuntimeVersion> = rpc
        .subscribe(
            "state_subscribeRuntimeVersion",
            rpc_params![],
            "state_unsubscribeRuntimeVersion",
        )
        .await
        .expect("versions");
    assert_eq!(next(&mut versions).await.spec_name, "luxtensor");

    let dest = AccountId20([0x66; 20]);
    let key = hex(&account_storage_key(&dest));
    let mut storage: Subscription<Value> = rpc
        .subscribe(
            "state_subscribeStorage",
            rpc_params![vec![key.clone()]],
            "state_unsubscribeStorage",
        )
        .await
        .expect("storage");
    let initial = next(&mut storage).await;
    assert_eq!(initial["changes"][0][0], key);
    assert!(initial["changes"][0][1].is_null(), "the account does not exist yet");

    let client = node.client().await;
    let alice = lux_keys::dev_account("alice").expect("alice");
    let context = client.signing_context().await.expect("context");
    let call =
        RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive { dest, value: 2 * LUX });
    let xt = sign_extrinsic(&alice, call, 0, 0, &context);
    let mut watch: Subscription<Value> = rpc
        .subscribe(
            "author_submitAndWatchExtrinsic",
            rpc_params![hex(&xt.encode())],
            "author_unwatchExtrinsic",
        )
        .await
        .expect("watch");
    assert_eq!(next(&mut watch).await, "ready");
    let in_block = next(&mut watch).await;
    let block = in_block["inBlock"].clone();
    assert!(block.is_string(), "inBlock, got {in_block}");
    let finalized_status = next(&mut watch).await;
    assert_eq!(finalized_status["finalized"], block, "final in the same block on a dev chain");

    let changed = next(&mut storage).await;
    let value = unhex(&changed["changes"][0][1]);
    let info = pallet_system::AccountInfo::decode(&mut &value[..]).expect("account info");
    assert_eq!(info.data.free, 2 * LUX);

    // Errors of a watched submission come back on the subscription request itself.
    let replay = rpc
        .subscribe::<Value, _>(
            "author_submitAndWatchExtrinsic",
            rpc_params![hex(&xt.encode())],
            "author_unwatchExtrinsic",
        )
        .await;
    assert!(replay.is_err(), "a used nonce is refused");
    let pending: Vec<Value> =
        rpc.request("author_pendingExtrinsics", rpc_params![]).await.expect("pending");
    assert!(pending.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn session_key_methods_are_unsafe_and_keys_persist_in_the_keystore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (generated, inserted) = {
        let mut node = TestNode::dev(dir.path(), NodeOptions::default()).await;
        let client = node.client().await;
        // On localhost (the default `auto`), the key methods are served.
        let generated: String =
            client.request("author_rotateKeys", rpc_params![]).await.expect("rotateKeys");
        assert_eq!(unhex(&Value::String(generated.clone())).len(), 32);
        let has: bool = client
            .request("author_hasSessionKeys", rpc_params![generated.clone()])
            .await
            .expect("hasSessionKeys");
        assert!(has);
        let bob = lux_keys::dev_session_key("bob").expect("key").public();
        let has: bool =
            client.request("author_hasKey", rpc_params![hex(&bob), "luxs"]).await.expect("hasKey");
        assert!(!has);
        let null: Value = client
            .request("author_insertKey", rpc_params!["luxs", "//Bob", hex(&bob)])
            .await
            .expect("insertKey");
        assert_eq!(null, Value::Null);
        // A wrong key type or a public key that is not the URI's are refused.
        let wrong_type =
            client.request::<Value>("author_hasKey", rpc_params![hex(&bob), "babe"]).await;
        assert!(format!("{wrong_type:?}").contains("1005"), "{wrong_type:?}");
        let charlie = lux_keys::dev_session_key("charlie").expect("key").public();
        let mismatch = client
            .request::<Value>("author_insertKey", rpc_params!["luxs", "//Bob", hex(&charlie)])
            .await;
        assert!(mismatch.is_err());
        let bad_keys = client.request::<bool>("author_hasSessionKeys", rpc_params!["0x1234"]).await;
        assert!(format!("{bad_keys:?}").contains("1007"), "{bad_keys:?}");
        node.stop();
        (generated, bob)
    };
    // Both keys were written to the keystore: a restarted node has them.
    let options =
        NodeOptions { args: vec!["--rpc-methods".into(), "unsafe".into()], ..Default::default() };
    let mut node = TestNode::dev(dir.path(), options).await;
    let client = node.client().await;
    let has: bool =
        client.request("author_hasSessionKeys", rpc_params![generated]).await.expect("served");
    assert!(has);
    let has: bool =
        client.request("author_hasKey", rpc_params![hex(&inserted), "luxs"]).await.expect("served");
    assert!(has);
    node.stop();

    // `--rpc-methods safe` refuses them.
    let options =
        NodeOptions { args: vec!["--rpc-methods".into(), "safe".into()], ..Default::default() };
    let mut node = TestNode::dev(dir.path(), options).await;
    let client = node.client().await;
    let refused = client.request::<String>("author_rotateKeys", rpc_params![]).await;
    let message = format!("{refused:?}");
    assert!(message.contains("unsafe to be called externally"), "{message}");
    // So are the peer-management methods.
    let address =
        "/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
    for (method, params) in [
        ("system_addReservedPeer", rpc_params![address]),
        (
            "system_removeReservedPeer",
            rpc_params!["12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"],
        ),
        ("system_reservedPeers", rpc_params![]),
        ("system_peers", rpc_params![]),
    ] {
        let refused = client.request::<Value>(method, params).await;
        let message = format!("{refused:?}");
        assert!(message.contains("unsafe to be called externally"), "{method}: {message}");
    }
    node.stop();
}

/// Sends `body` as a chunked HTTP/1.1 body (no `Content-Length`) and returns the answer's
/// status line and body.
fn chunked_request(addr: &str, body: &[u8]) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    // The server may answer and close before the whole body is sent.
    for chunk in body.chunks(64 * 1024) {
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || stream.write_all(chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (status, rest) = text.split_once("\r\n").unwrap_or((&text, ""));
    (status.to_string(), rest.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_batch_limits_and_oversized_requests_get_clear_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "--rpc-rate-limit",
        "30",
        "--rpc-max-request-size",
        "1",
        "--rpc-max-batch-request-len",
        "4",
    ];
    let options =
        NodeOptions { args: args.iter().map(|a| a.to_string()).collect(), ..Default::default() };
    let mut node = TestNode::dev(dir.path(), options).await;
    let addr = format!("127.0.0.1:{}", node.rpc_port);

    // One connection gets its burst of 30 calls a minute; the next token is 2 s away, further
    // than a call waits, so the rest are refused at once with Substrate's code.
    let flooder = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    let calls = (0..60).map(|_| flooder.request::<String, _>("system_name", rpc_params![]));
    let answers = futures::future::join_all(calls).await;
    let served = answers.iter().filter(|a| a.is_ok()).count();
    let refused: Vec<String> =
        answers.iter().filter_map(|a| a.as_ref().err()).map(|e| format!("{e:?}")).collect();
    assert!((30..60).contains(&served), "{served} served");
    assert_eq!(served + refused.len(), 60);
    for refusal in &refused {
        assert!(
            refusal.contains("-32999") && refusal.contains("RPC rate limit exceeded"),
            "{refusal}"
        );
    }
    // Another connection has its own budget.
    let other = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    let name: String = other.request("system_name", rpc_params![]).await.expect("served");
    assert_eq!(name, "LuxTensor Node");

    // A batch over `--rpc-max-batch-request-len` is refused as a whole; one within it is served.
    let call = |id: u32| format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"system_name"}}"#);
    let batch = |n: u32| format!("[{}]", (0..n).map(call).collect::<Vec<_>>().join(","));
    let post = "POST / HTTP/1.0\r\nContent-Type: application/json";
    let (status, body) = http_request(&addr, post, batch(5).as_bytes()).expect("http");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("-32010") && body.contains("batch request was too large"), "{body}");
    let (status, body) = http_request(&addr, post, batch(4).as_bytes()).expect("http");
    assert_eq!(status, 200, "{body}");
    let answers: Vec<Value> = serde_json::from_str(&body).expect("a JSON array");
    assert_eq!(answers.len(), 4);
    assert!(answers.iter().all(|a| a["result"] == "LuxTensor Node"), "{body}");

    // A request over `--rpc-max-request-size` (1 MiB) gets HTTP 413 and jsonrpsee's -32007,
    // whether it announces its length or is sent in chunks.
    let mut big = br#"{"jsonrpc":"2.0","id":1,"method":"system_name","params":[""#.to_vec();
    big.resize(2 * 1024 * 1024, b'a');
    big.extend_from_slice(br#""]}"#);
    let (status, body) = http_request(&addr, post, &big).expect("http");
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("-32007") && body.contains("Request is too big"), "{body}");
    let (status, body) = chunked_request(&addr, &big);
    assert!(status.contains(" 413 "), "{status}\n{body}");
    assert!(body.contains("-32007") && body.contains("Request is too big"), "{body}");
    // Below the limit, a chunked request is served.
    let (status, body) = chunked_request(&addr, call(7).as_bytes());
    assert!(status.contains(" 200 "), "{status}\n{body}");

    // The node is unharmed.
    let health: Value =
        node.client().await.request("system_health", rpc_params![]).await.expect("health");
    assert_eq!(health["isSyncing"], false);
    node.stop();
}
