//! The client.

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT};
use jsonrpsee::core::params::ArrayParams;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use lux_keys::EthereumPair;
use lux_primitives::dispatch::DispatchError;
use lux_primitives::{AccountId20, Balance, Header, Nonce, RuntimeVersion, H256};
use luxtensor_runtime::{EventRecord, Runtime, RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use pallet_system::{AccountInfo, Phase};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{account_storage_key, sign_extrinsic, ClientError, SigningContext};

enum Transport {
    Http(HttpClient),
    Ws(WsClient),
}

/// A connection to a node.
pub struct LuxClient {
    transport: Transport,
}

/// Whether an included extrinsic's call succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxOutcome {
    /// `System.ExtrinsicSuccess`.
    Success,
    /// `System.ExtrinsicFailed`, with the decoded reason.
    Failed(String),
}

/// Where an extrinsic was included, and how it went.
#[derive(Clone, Debug)]
pub struct Inclusion {
    /// The extrinsic's hash.
    pub extrinsic_hash: H256,
    /// The block that includes it.
    pub block_hash: H256,
    /// Its index in the block.
    pub index: u32,
    /// The outcome.
    pub outcome: TxOutcome,
    /// Its events.
    pub events: Vec<RuntimeEvent>,
}

fn hex_bytes(value: &str) -> Result<Vec<u8>, ClientError> {
    let digits =
        value.strip_prefix("0x").ok_or_else(|| ClientError::Decode(format!("not hex: {value}")))?;
    hex::decode(digits).map_err(|e| ClientError::Decode(e.to_string()))
}

/// Human-readable reason of a dispatch error: `Pallet.Error` for module errors.
pub fn describe_dispatch_error(error: &DispatchError) -> String {
    let DispatchError::Module(m) = error else { return format!("{error:?}") };
    let pallet = luxtensor_runtime::PALLETS
        .iter()
        .find(|(i, _)| *i == m.index)
        .map_or("UnknownPallet", |(_, n)| n);
    let bytes = [m.error[0]];
    let name = match m.index {
        0 => pallet_system::Error::<Runtime>::decode(&mut &bytes[..]).map(|e| e.name()),
        1 => pallet_timestamp::Error::<Runtime>::decode(&mut &bytes[..]).map(|e| e.name()),
        3 => pallet_balances::Error::<Runtime>::decode(&mut &bytes[..]).map(|e| e.name()),
        5 => pallet_sudo::Error::<Runtime>::decode(&mut &bytes[..]).map(|e| e.name()),
        _ => Err("unknown pallet".into()),
    };
    format!("{pallet}.{}", name.unwrap_or("UnknownError"))
}

impl LuxClient {
    /// Connects to `url` (`http(s)://` or `ws(s)://`).
    pub async fn connect(url: &str) -> Result<Self, ClientError> {
        let transport = if url.starts_with("ws://") || url.starts_with("wss://") {
            Transport::Ws(WsClientBuilder::default().build(url).await?)
        } else if url.starts_with("http://") || url.starts_with("https://") {
            Transport::Http(HttpClientBuilder::default().build(url)?)
        } else {
            return Err(ClientError::Url(url.into()));
        };
        Ok(Self { transport })
    }

    /// A raw JSON-RPC call.
    pub async fn request<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R, ClientError> {
        Ok(match &self.transport {
            Transport::Http(c) => c.request(method, params).await?,
            Transport::Ws(c) => c.request(method, params).await?,
        })
    }

    /// Calls a runtime API function (`state_call`) at `at` (the best block for `None`) and
    /// decodes its result.
    pub async fn runtime_call<R: Decode>(
        &self,
        method: &str,
        args: &[u8],
        at: Option<H256>,
    ) -> Result<R, ClientError> {
        let args = format!("0x{}", hex::encode(args));
        let result: String = self.request("state_call", rpc_params![method, args, at]).await?;
        R::decode(&mut &hex_bytes(&result)?[..]).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The genesis hash.
    pub async fn genesis_hash(&self) -> Result<H256, ClientError> {
        let hash: Option<H256> = self.request("chain_getBlockHash", rpc_params![0]).await?;
        hash.ok_or_else(|| ClientError::Decode("the node has no genesis block".into()))
    }

    /// The runtime version at the best block.
    pub async fn runtime_version(&self) -> Result<RuntimeVersion, ClientError> {
        self.request("state_getRuntimeVersion", rpc_params![]).await
    }

    /// The runtime version at block `at`.
    pub async fn runtime_version_at(&self, at: H256) -> Result<RuntimeVersion, ClientError> {
        self.request("state_getRuntimeVersion", rpc_params![at]).await
    }

    /// What a signature must commit to on this chain now.
    pub async fn signing_context(&self) -> Result<SigningContext, ClientError> {
        let version = self.runtime_version().await?;
        Ok(SigningContext {
            genesis_hash: self.genesis_hash().await?,
            spec_version: version.spec_version,
            transaction_version: version.transaction_version,
        })
    }

    /// The account's next nonce, counting its transactions in the pool.
    pub async fn next_index(&self, who: &AccountId20) -> Result<Nonce, ClientError> {
        self.request("system_accountNextIndex", rpc_params![who.to_string()]).await
    }

    /// The account's information at the best block (default if it does not exist).
    pub async fn account(&self, who: &AccountId20) -> Result<AccountInfo, ClientError> {
        let key = format!("0x{}", hex::encode(account_storage_key(who)));
        let value: Option<String> = self.request("state_getStorage", rpc_params![key]).await?;
        match value {
            None => Ok(AccountInfo::default()),
            Some(v) => AccountInfo::decode(&mut &hex_bytes(&v)?[..])
                .map_err(|e| ClientError::Decode(e.to_string())),
        }
    }

    /// The free balance of an account.
    pub async fn free_balance(&self, who: &AccountId20) -> Result<Balance, ClientError> {
        Ok(self.account(who).await?.data.free)
    }

    /// A header (the best one for `None`).
    pub async fn header(&self, hash: Option<H256>) -> Result<Option<Header>, ClientError> {
        self.request("chain_getHeader", rpc_params![hash]).await
    }

    /// The encoded extrinsics of a block.
    pub async fn block_extrinsics(&self, hash: H256) -> Result<Vec<Vec<u8>>, ClientError> {
        let block: Option<Value> = self.request("chain_getBlock", rpc_params![hash]).await?;
        let block = block.ok_or(ClientError::BlockGone(hash))?;
        block["block"]["extrinsics"]
            .as_array()
            .ok_or_else(|| ClientError::Decode("block without extrinsics".into()))?
            .iter()
            .map(|x| hex_bytes(x.as_str().unwrap_or_default()))
            .collect()
    }

    /// The events of a block.
    pub async fn events(&self, block: H256) -> Result<Vec<EventRecord>, ClientError> {
        let key = format!(
            "0x{}",
            hex::encode(lux_primitives::twox::storage_prefix(b"System", b"Events"))
        );
        let value: Option<String> = self
            .request("state_getStorage", rpc_params![key, block])
            .await
            .map_err(|e| match e {
                // A fork block's state goes when finality passes its height.
                ClientError::Rpc(jsonrpsee::core::ClientError::Call(ref call))
                    if call.message().contains("State already discarded") =>
                {
                    ClientError::BlockGone(block)
                }
                e => e,
            })?;
        match value {
            None => Ok(Vec::new()),
            Some(v) => Vec::<EventRecord>::decode(&mut &hex_bytes(&v)?[..])
                .map_err(|e| ClientError::Decode(e.to_string())),
        }
    }

    /// Submits an extrinsic; returns its hash.
    pub async fn submit(&self, xt: &UncheckedExtrinsic) -> Result<H256, ClientError> {
        let hex = format!("0x{}", hex::encode(xt.encode()));
        self.request("author_submitExtrinsic", rpc_params![hex]).await
    }

    /// Submits an extrinsic and waits until a block includes it, then reads its outcome.
    ///
    /// The first block to include it may lose a fork and be discarded before its outcome is
    /// read; the client then follows the extrinsic into the block of the new best chain.
    pub async fn submit_and_wait(
        &self,
        xt: &UncheckedExtrinsic,
        timeout: Duration,
    ) -> Result<Inclusion, ClientError> {
        let encoded = xt.encode();
        let extrinsic_hash = H256(lux_primitives::hashing::blake2_256(&encoded));
        let deadline = Instant::now() + timeout;
        match &self.transport {
            Transport::Ws(ws) => {
                let hex = format!("0x{}", hex::encode(&encoded));
                let mut sub: Subscription<Value> = ws
                    .subscribe(
                        "author_submitAndWatchExtrinsic",
                        rpc_params![hex],
                        "author_unwatchExtrinsic",
                    )
                    .await?;
                loop {
                    let block_hash = wait_in_block(&mut sub, deadline).await?;
                    match self.inclusion(extrinsic_hash, block_hash).await {
                        // The pool reports `retracted`, then the block that holds it now.
                        Err(ClientError::BlockGone(_)) => continue,
                        other => return other,
                    }
                }
            }
            Transport::Http(_) => {
                self.submit(xt).await?;
                let from = self.header(None).await?.map_or(0, |h| h.number);
                loop {
                    let block_hash = self.poll_for(extrinsic_hash, from, deadline).await?;
                    match self.inclusion(extrinsic_hash, block_hash).await {
                        // A reorganisation replaced the block: scan the new best chain again,
                        // from where the extrinsic was submitted.
                        Err(ClientError::BlockGone(_)) => continue,
                        other => return other,
                    }
                }
            }
        }
    }

    /// Scans best blocks from number `from` for the extrinsic (HTTP has no subscriptions).
    async fn poll_for(
        &self,
        extrinsic_hash: H256,
        mut next: u32,
        deadline: Instant,
    ) -> Result<H256, ClientError> {
        while Instant::now() < deadline {
            let best = self.header(None).await?.map_or(0, |h| h.number);
            while next <= best {
                let hash: Option<H256> =
                    self.request("chain_getBlockHash", rpc_params![next]).await?;
                if let Some(hash) = hash {
                    match self.block_extrinsics(hash).await {
                        Ok(xts) => {
                            let found = xts.iter().any(|x| {
                                H256(lux_primitives::hashing::blake2_256(x)) == extrinsic_hash
                            });
                            if found {
                                return Ok(hash);
                            }
                        }
                        // Replaced by a reorganisation between the two calls: read it again.
                        Err(ClientError::BlockGone(_)) => break,
                        Err(e) => return Err(e),
                    }
                }
                next += 1;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(ClientError::Timeout(format!("extrinsic {extrinsic_hash:?} was not included")))
    }

    /// Finds the extrinsic in `block_hash` and reads its events.
    pub async fn inclusion(
        &self,
        extrinsic_hash: H256,
        block_hash: H256,
    ) -> Result<Inclusion, ClientError> {
        let index = self
            .block_extrinsics(block_hash)
            .await?
            .iter()
            .position(|x| H256(lux_primitives::hashing::blake2_256(x)) == extrinsic_hash)
            .ok_or_else(|| ClientError::Decode(format!("extrinsic not in block {block_hash:?}")))?
            as u32;
        let events: Vec<RuntimeEvent> = self
            .events(block_hash)
            .await?
            .into_iter()
            .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
            .map(|r| r.event)
            .collect();
        let outcome = events
            .iter()
            .find_map(|e| match e {
                RuntimeEvent::System(pallet_system::Event::ExtrinsicSuccess { .. }) => {
                    Some(TxOutcome::Success)
                }
                RuntimeEvent::System(pallet_system::Event::ExtrinsicFailed {
                    dispatch_error,
                    ..
                }) => Some(TxOutcome::Failed(describe_dispatch_error(dispatch_error))),
                _ => None,
            })
            .ok_or_else(|| ClientError::Decode("no outcome event for the extrinsic".into()))?;
        Ok(Inclusion { extrinsic_hash, block_hash, index, outcome, events })
    }

    /// Signs `call` from `pair` with its next nonce.
    pub async fn sign(
        &self,
        pair: &EthereumPair,
        call: RuntimeCall,
        tip: Balance,
    ) -> Result<UncheckedExtrinsic, ClientError> {
        let context = self.signing_context().await?;
        let nonce = self.next_index(&AccountId20(pair.address())).await?;
        Ok(sign_extrinsic(pair, call, nonce, tip, &context))
    }

    /// Transfers `amount` from `pair` to `to` and waits for inclusion.
    pub async fn transfer(
        &self,
        pair: &EthereumPair,
        to: AccountId20,
        amount: Balance,
        keep_alive: bool,
        timeout: Duration,
    ) -> Result<Inclusion, ClientError> {
        let call = if keep_alive {
            pallet_balances::Call::transfer_keep_alive { dest: to, value: amount }
        } else {
            pallet_balances::Call::transfer_allow_death { dest: to, value: amount }
        };
        let xt = self.sign(pair, RuntimeCall::Balances(call), 0).await?;
        self.submit_and_wait(&xt, timeout).await
    }
}

/// Follows `author_extrinsicUpdate` until the extrinsic is in a block.
async fn wait_in_block(
    sub: &mut Subscription<Value>,
    deadline: Instant,
) -> Result<H256, ClientError> {
    loop {
        let next = tokio::time::timeout_at(deadline.into(), sub.next())
            .await
            .map_err(|_| ClientError::Timeout("the extrinsic was not included in time".into()))?;
        let status = match next {
            Some(status) => status.map_err(|e| ClientError::Decode(e.to_string()))?,
            None => return Err(ClientError::Rejected("the node closed the subscription".into())),
        };
        if let Some(hash) = status.get("inBlock").or_else(|| status.get("finalized")) {
            return serde_json::from_value(hash.clone())
                .map_err(|e| ClientError::Decode(e.to_string()));
        }
        if let Some(s) = status.as_str() {
            if s == "invalid" || s == "dropped" {
                return Err(ClientError::Rejected(format!("the transaction was {s}")));
            }
        }
        if status.get("usurped").is_some() {
            return Err(ClientError::Rejected("the transaction was replaced".into()));
        }
    }
}
