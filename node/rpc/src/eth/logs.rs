//! Log queries (`eth_getLogs`, log filters and `logs` subscriptions): the filter criteria,
//! matching as geth matches (addresses OR-ed; per topic position, `null` for any and a list for
//! any of its topics), the block blooms that let a query skip blocks without reading their
//! receipts, and the limits on a query's range and size.

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_primitives::ethereum::{Bloom, EthLog};
use lux_primitives::hashing::keccak_256;
use lux_primitives::{AccountId20, H256};
use serde::Deserialize;

use super::error::{EthError, EthResult};
use super::index::EthIndex;
use super::json::{block_logs, LogContext, RpcLog};
use super::types::{Address, BlockTag, HashParam, OneOrMany};
use crate::RpcContext;

/// Most blocks one query may cover.
pub(crate) const MAX_BLOCK_RANGE: u64 = 10_000;
/// Most logs one query may return.
pub(crate) const MAX_RESULTS: usize = 10_000;
/// Most topic positions (`LOG4` has four topics).
const MAX_TOPICS: usize = 4;

/// Which logs match: by emitter and topics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LogFilter {
    /// Emitters, any of them (empty: any emitter).
    pub addresses: Vec<AccountId20>,
    /// Per topic position, the topics allowed there (empty: any).
    pub topics: Vec<Vec<H256>>,
}

impl LogFilter {
    /// Whether `log` matches. As in geth, a log with fewer topics than the filter has
    /// positions never matches, even if the positions it lacks are wildcards.
    pub fn matches(&self, log: &EthLog) -> bool {
        if !self.addresses.is_empty() && !self.addresses.contains(&log.address) {
            return false;
        }
        if self.topics.len() > log.topics.len() {
            return false;
        }
        self.topics
            .iter()
            .zip(&log.topics)
            .all(|(allowed, topic)| allowed.is_empty() || allowed.contains(topic))
    }

    /// Whether a block with `bloom` may hold a matching log.
    pub fn bloom_may_match(&self, bloom: &Bloom) -> bool {
        any_in_bloom(bloom, self.addresses.iter().map(|a| &a.0[..]))
            && self
                .topics
                .iter()
                .all(|allowed| any_in_bloom(bloom, allowed.iter().map(|t| t.as_bytes())))
    }
}

/// Whether `bloom` may hold one of `items` (true for no items: a wildcard).
fn any_in_bloom<'a>(bloom: &Bloom, items: impl IntoIterator<Item = &'a [u8]>) -> bool {
    let mut items = items.into_iter().peekable();
    items.peek().is_none() || items.any(|item| bloom.contains_hash(&keccak_256(item)))
}

/// A log query as clients send it (`eth_getLogs`, `eth_newFilter`, `logs` subscriptions).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterParams {
    from_block: Option<BlockTag>,
    to_block: Option<BlockTag>,
    block_hash: Option<HashParam>,
    address: Option<OneOrMany<Address>>,
    topics: Option<Vec<OneOrMany<Option<HashParam>>>>,
}

/// Which blocks a query covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogRange {
    /// A range of canonical blocks (`latest` when unset).
    Blocks { from: Option<BlockTag>, to: Option<BlockTag> },
    /// One block by hash.
    Hash(H256),
}

/// A parsed log query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogQuery {
    pub range: LogRange,
    pub filter: LogFilter,
}

impl FilterParams {
    /// Checks and parses the query.
    pub fn into_query(self) -> EthResult<LogQuery> {
        let range =
            match (self.block_hash, self.from_block, self.to_block) {
                (Some(hash), None, None) => LogRange::Hash(hash.0),
                (Some(_), _, _) => return Err(EthError::params(
                    "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
                )),
                (None, from, to) => LogRange::Blocks { from, to },
            };
        let topics = self.topics.unwrap_or_default();
        if topics.len() > MAX_TOPICS {
            return Err(EthError::params("exceed max topics"));
        }
        let topics = topics
            .into_iter()
            .map(|position| {
                // A null among the alternatives makes the position a wildcard.
                if position.0.iter().any(Option::is_none) {
                    Vec::new()
                } else {
                    position.0.into_iter().flatten().map(|h| h.0).collect()
                }
            })
            .collect();
        let addresses =
            self.address.map(|a| a.0.into_iter().map(|a| a.0).collect()).unwrap_or_default();
        Ok(LogQuery { range, filter: LogFilter { addresses, topics } })
    }
}

/// The logs matching `filter` in the canonical blocks `from..=to`, in order.
pub(crate) fn logs_in_range(
    index: &EthIndex,
    from: u32,
    to: u32,
    filter: &LogFilter,
) -> EthResult<Vec<RpcLog>> {
    check_range(from, to)?;
    let mut logs = Vec::new();
    for number in from..=to {
        let Some(hash) = index.chain().hash(number)? else { break };
        logs.extend(logs_in_block(index, &hash, filter)?);
        if logs.len() > MAX_RESULTS {
            return Err(too_many_results());
        }
    }
    Ok(logs)
}

/// Refuses a range of more than [`MAX_BLOCK_RANGE`] blocks.
fn check_range(from: u32, to: u32) -> EthResult<()> {
    if u64::from(to).saturating_sub(u64::from(from)) >= MAX_BLOCK_RANGE {
        return Err(EthError::LimitExceeded(format!(
            "query exceeds max block range {MAX_BLOCK_RANGE}"
        )));
    }
    Ok(())
}

fn too_many_results() -> EthError {
    EthError::LimitExceeded(format!("query returned more than {MAX_RESULTS} results"))
}

/// The logs matching `filter` in block `hash` (none for an unknown block); the block's bloom
/// is checked before its receipts are read.
pub(crate) fn logs_in_block(
    index: &EthIndex,
    hash: &H256,
    filter: &LogFilter,
) -> EthResult<Vec<RpcLog>> {
    let Some(block) = index.block(hash)? else { return Ok(Vec::new()) };
    if !filter.bloom_may_match(&block.record.info.logs_bloom) {
        return Ok(Vec::new());
    }
    let receipts = index.receipts(hash)?;
    let context = LogContext::of(&block);
    let logs: Vec<RpcLog> = block_logs(&receipts)
        .filter(|(_, log, _)| filter.matches(log))
        .map(|(receipt, log, log_index)| context.log(receipt, log, log_index))
        .collect();
    if logs.len() > MAX_RESULTS {
        return Err(too_many_results());
    }
    Ok(logs)
}

/// The number a range bound names (`latest` when unset; a number above "latest" stays as
/// it is, so a range starting there is empty).
pub(crate) fn bound(index: &EthIndex, tag: Option<BlockTag>, latest: u32) -> EthResult<u32> {
    Ok(match tag.unwrap_or(BlockTag::Latest) {
        BlockTag::Number(n) => u32::try_from(n).unwrap_or(u32::MAX),
        tag => index.resolve_tag(tag)?.map_or(latest, |(_, n)| n),
    })
}

/// Runs `query`: the logs of one block, or of a range ending at "latest" at most.
pub(crate) fn run_query(index: &EthIndex, query: &LogQuery) -> EthResult<Vec<RpcLog>> {
    match query.range {
        LogRange::Hash(hash) => {
            if index.chain().header(&hash)?.is_none() {
                return Err(EthError::server("unknown block"));
            }
            logs_in_block(index, &hash, &query.filter)
        }
        LogRange::Blocks { from, to } => {
            let (_, latest) = index.latest()?;
            let from = bound(index, from, latest)?;
            let to = bound(index, to, latest)?.min(latest);
            if from > to {
                if from > latest {
                    return Ok(Vec::new());
                }
                return Err(EthError::server("invalid block range params"));
            }
            logs_in_range(index, from, to, &query.filter)
        }
    }
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_getLogs", |params, ctx, _| {
        let query = params.one::<FilterParams>()?.into_query()?;
        Ok::<_, ErrorObjectOwned>(run_query(&ctx.eth.index, &query)?)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(address: u8, topics: &[u8]) -> EthLog {
        EthLog {
            address: AccountId20([address; 20]),
            topics: topics.iter().map(|t| H256::repeat_byte(*t)).collect(),
            data: vec![],
        }
    }

    fn query(params: serde_json::Value) -> EthResult<LogQuery> {
        serde_json::from_value::<FilterParams>(params).map_err(EthError::params)?.into_query()
    }

    fn hash(byte: u8) -> String {
        format!("{:?}", H256::repeat_byte(byte))
    }

    fn address(byte: u8) -> String {
        format!("0x{}", hex::encode([byte; 20]))
    }

    #[test]
    fn topics_match_by_position_with_wildcards_and_alternatives() {
        let filter = |params| query(params).expect("valid").filter;
        let any = filter(json!({}));
        assert!(any.matches(&log(1, &[])));
        assert!(any.matches(&log(1, &[1, 2, 3])));

        let first = filter(json!({ "topics": [hash(1)] }));
        assert!(first.matches(&log(9, &[1])));
        assert!(first.matches(&log(9, &[1, 2])));
        assert!(!first.matches(&log(9, &[2, 1])));
        assert!(!first.matches(&log(9, &[])));

        let second = filter(json!({ "topics": [null, hash(2)] }));
        assert!(second.matches(&log(9, &[7, 2])));
        assert!(!second.matches(&log(9, &[7, 3])));
        assert!(!second.matches(&log(9, &[7])), "fewer topics than positions");

        let either = filter(json!({ "topics": [[hash(1), hash(2)], [hash(3)]] }));
        assert!(either.matches(&log(9, &[1, 3])));
        assert!(either.matches(&log(9, &[2, 3, 4])));
        assert!(!either.matches(&log(9, &[4, 3])));

        let null_alternative = filter(json!({ "topics": [[hash(1), null]] }));
        assert!(null_alternative.matches(&log(9, &[5])), "null among alternatives is any");

        let trailing_wildcard = filter(json!({ "topics": [hash(1), null] }));
        assert!(!trailing_wildcard.matches(&log(9, &[1])), "geth needs the position to exist");
        assert!(trailing_wildcard.matches(&log(9, &[1, 8])));
    }

    #[test]
    fn addresses_are_one_or_any_of_many() {
        let one = query(json!({ "address": address(1) })).expect("valid").filter;
        assert!(one.matches(&log(1, &[])));
        assert!(!one.matches(&log(2, &[])));
        let many = query(json!({ "address": [address(1), address(2)] })).expect("valid").filter;
        assert!(many.matches(&log(2, &[])));
        assert!(!many.matches(&log(3, &[])));
    }

    #[test]
    fn blooms_let_blocks_be_skipped() {
        let mut bloom = Bloom::default();
        bloom.accrue_hash(&keccak_256(&[1; 20]));
        bloom.accrue_hash(&keccak_256(H256::repeat_byte(5).as_bytes()));
        let filter = |params| query(params).expect("valid").filter;
        assert!(filter(json!({})).bloom_may_match(&Bloom::default()));
        assert!(filter(json!({ "address": address(1) })).bloom_may_match(&bloom));
        assert!(!filter(json!({ "address": address(2) })).bloom_may_match(&bloom));
        assert!(filter(json!({ "address": [address(2), address(1)] })).bloom_may_match(&bloom));
        assert!(filter(json!({ "topics": [null, hash(5)] })).bloom_may_match(&bloom));
        assert!(!filter(json!({ "topics": [hash(6)] })).bloom_may_match(&bloom));
        assert!(filter(json!({ "topics": [[hash(6), hash(5)]] })).bloom_may_match(&bloom));
        assert!(
            !filter(json!({ "address": address(1), "topics": [hash(6)] })).bloom_may_match(&bloom)
        );
    }

    #[test]
    fn ranges_are_limited() {
        assert!(check_range(0, 9_999).is_ok());
        assert!(check_range(5, 5).is_ok());
        let error = check_range(0, 10_000).err().map(ErrorObjectOwned::from);
        assert_eq!(error.map(|e| e.code()), Some(-32005));
        assert!(check_range(100, 10_100).is_err());
    }

    #[test]
    fn queries_are_checked() {
        let range = query(json!({ "fromBlock": "0x1", "toBlock": "latest" })).expect("valid");
        assert_eq!(
            range.range,
            LogRange::Blocks { from: Some(BlockTag::Number(1)), to: Some(BlockTag::Latest) }
        );
        let by_hash = query(json!({ "blockHash": hash(7) })).expect("valid");
        assert_eq!(by_hash.range, LogRange::Hash(H256::repeat_byte(7)));
        assert!(query(json!({ "blockHash": hash(7), "fromBlock": "0x1" })).is_err());
        assert!(query(json!({ "topics": [null, null, null, null, null] })).is_err());
        assert!(query(json!({ "topics": ["0x12"] })).is_err());
    }
}
