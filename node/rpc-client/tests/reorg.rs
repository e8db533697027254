//! `submit_and_wait` follows an extrinsic out of a block that lost a fork.
//!
//! A scripted node: the pool reports the extrinsic in block A, whose state is then
//! discarded (A lost the fork), then `retracted` and the extrinsic in block B. The client
//! must report B and its outcome, not an error about A.

use std::time::Duration;

use codec::Encode;
use jsonrpsee::server::Server;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{RpcModule, SubscriptionMessage};
use lux_primitives::dispatch::DispatchInfo;
use lux_primitives::H256;
use lux_rpc_client::{LuxClient, TxOutcome};
use luxtensor_runtime::{EventRecord, RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use pallet_system::Phase;
use serde_json::{json, Value};

const LOST: H256 = H256([0xa; 32]);
const KEPT: H256 = H256([0xb; 32]);

fn message(value: Value) -> SubscriptionMessage {
    SubscriptionMessage::from(serde_json::value::to_raw_value(&value).expect("json"))
}

/// A node whose pool puts the extrinsic in `LOST`, then moves it to `KEPT`.
async fn scripted_node(xt: Vec<u8>) -> (String, jsonrpsee::server::ServerHandle) {
    let hex_xt = format!("0x{}", hex::encode(&xt));
    let mut module = RpcModule::new(hex_xt);
    module
        .register_subscription(
            "author_submitAndWatchExtrinsic",
            "author_extrinsicUpdate",
            "author_unwatchExtrinsic",
            |_, pending, _, _| async move {
                let sink = pending.accept().await?;
                for status in [
                    json!("ready"),
                    json!({ "inBlock": LOST }),
                    json!({ "retracted": LOST }),
                    json!({ "inBlock": KEPT }),
                ] {
                    sink.send(message(status)).await?;
                }
                // Keep the subscription open, as a node does until finality.
                sink.closed().await;
                Ok(())
            },
        )
        .expect("register");
    module
        .register_method("chain_getBlock", |params, xt: &String, _| {
            let (hash,): (H256,) = params.parse()?;
            Ok::<_, ErrorObjectOwned>(
                (hash == KEPT).then(|| json!({ "block": { "extrinsics": [xt] } })),
            )
        })
        .expect("register");
    module
        .register_method("state_getStorage", |params, _, _| {
            let (_key, hash): (String, H256) = params.parse()?;
            if hash != KEPT {
                return Err(ErrorObjectOwned::owned(
                    4003,
                    format!("Client error: State already discarded for {hash:?}"),
                    None::<()>,
                ));
            }
            let events = vec![EventRecord {
                phase: Phase::ApplyExtrinsic(0),
                event: RuntimeEvent::System(pallet_system::Event::ExtrinsicSuccess {
                    dispatch_info: DispatchInfo::default(),
                }),
                topics: Vec::new(),
            }];
            Ok(Some(format!("0x{}", hex::encode(events.encode()))))
        })
        .expect("register");
    let server = Server::builder().build("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", server.local_addr().expect("address"));
    (url, server.start(module))
}

#[tokio::test]
async fn the_outcome_comes_from_the_block_that_kept_the_extrinsic() {
    let call = RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 1 });
    let xt = UncheckedExtrinsic::new_unsigned(call);
    let (url, server) = scripted_node(xt.encode()).await;
    let client = LuxClient::connect(&url).await.expect("connect");

    let included = client.submit_and_wait(&xt, Duration::from_secs(30)).await.expect("included");
    assert_eq!(included.block_hash, KEPT);
    assert_eq!(included.index, 0);
    assert_eq!(included.outcome, TxOutcome::Success);

    // Reading the lost block says so, in a form callers can match.
    let error = client.inclusion(included.extrinsic_hash, LOST).await.expect_err("gone");
    assert!(matches!(error, lux_rpc_client::ClientError::BlockGone(h) if h == LOST), "{error}");
    server.stop().expect("stop");
}
