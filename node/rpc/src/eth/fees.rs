//! Fee suggestions: `eth_gasPrice`, `eth_maxPriorityFeePerGas` and `eth_feeHistory`.
//!
//! The suggested tip follows geth's gas price oracle: the three lowest tips of each of the
//! last 20 blocks (ignoring tips under 2 wei and the author's own transactions; an empty
//! block counts as one sample of the default), and the 60th percentile of those. The default
//! is 1 gwei, what ethers and most wallets use: the tip only orders transactions in the pool,
//! so while blocks have room a wallet's transaction is neither refused nor overpaid, and when
//! they fill up the suggestion rises with what the included transactions paid. `eth_gasPrice`
//! is the next block's base fee (`EthereumApi_gas_price`) plus that tip, as in geth.

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_primitives::ethereum::{api, EthReceipt};
use lux_primitives::{AccountId20, H256, U256};
use parking_lot::Mutex;
use schnellru::{ByLength, LruMap};
use serde::Serialize;

use super::error::{EthError, EthResult};
use super::index::EthIndex;
use super::types::{BlockTag, Quantity};
use crate::RpcContext;

/// The suggested tip per gas when recent blocks say nothing: 1 gwei.
pub(crate) const DEFAULT_TIP: u64 = 1_000_000_000;
/// How many recent blocks the tip oracle samples (geth's `Blocks`).
const ORACLE_BLOCKS: usize = 20;
/// How many of each block's lowest tips it takes (geth's `sampleNumber`).
const ORACLE_SAMPLES: usize = 3;
/// The percentile of the samples it suggests (geth's `Percentile`).
const ORACLE_PERCENTILE: usize = 60;
/// Tips below this are not samples (geth's `IgnorePrice`: 2 wei).
const ORACLE_IGNORE_TIP: u64 = 2;
/// The most it suggests (geth's `MaxPrice`: 500 gwei).
const ORACLE_MAX_TIP: u64 = 500_000_000_000;
/// Most blocks one `eth_feeHistory` covers (geth's limit).
const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;
/// Most reward percentiles one `eth_feeHistory` asks for.
const MAX_PERCENTILES: usize = 100;

/// The base fee per gas of the block after "latest".
pub(crate) fn next_base_fee(index: &EthIndex) -> EthResult<U256> {
    let (latest, _) = index.latest()?;
    Ok(index.chain().call_decode(&latest, api::GAS_PRICE, &[])?)
}

/// A block's tip samples, with its parent's hash and its number (to walk on without reading
/// its header again).
type BlockSamples = (H256, u32, Vec<U256>);

/// The tip oracle's memory: the last suggestion, and each recent block's samples.
pub(crate) struct TipOracle {
    /// The last suggestion and the "latest" block it was computed at. Held while computing,
    /// so that callers arriving at a new head wait for one computation instead of each
    /// repeating it.
    last: Mutex<Option<(H256, U256)>>,
    /// Recent blocks' samples (and their parents), by hash: a new head costs one block read.
    blocks: Mutex<LruMap<H256, BlockSamples, ByLength>>,
}

impl Default for TipOracle {
    fn default() -> Self {
        Self {
            last: Mutex::new(None),
            blocks: Mutex::new(LruMap::new(ByLength::new(2 * ORACLE_BLOCKS as u32))),
        }
    }
}

/// The tip per gas to suggest (see the module doc), computed once per "latest" block.
pub(crate) fn suggested_tip(index: &EthIndex, oracle: &TipOracle) -> EthResult<U256> {
    let (latest, _) = index.latest()?;
    let mut last = oracle.last.lock();
    if let Some((at, tip)) = *last {
        if at == latest {
            return Ok(tip);
        }
    }
    let mut samples = Vec::new();
    let mut hash = latest;
    for _ in 0..ORACLE_BLOCKS {
        let known = oracle.blocks.lock().get(&hash).cloned();
        let (parent, number, block_samples) = match known {
            Some(known) => known,
            None => {
                let Some(header) = index.chain().database().header(&hash)? else { break };
                let block_samples = match index.peek_receipts(&hash)? {
                    Some((info, receipts)) => {
                        lowest_tips(&receipts, info.base_fee_per_gas, &info.author)
                    }
                    None => Vec::new(),
                };
                let entry = (header.parent_hash, header.number, block_samples);
                oracle.blocks.lock().insert(hash, entry.clone());
                entry
            }
        };
        if number == 0 {
            break;
        }
        // A block that says nothing (empty, or only the author's own transactions) counts as
        // one sample of the default.
        if block_samples.is_empty() {
            samples.push(U256::from(DEFAULT_TIP));
        } else {
            samples.extend(block_samples);
        }
        hash = parent;
    }
    let tip = percentile_tip(samples);
    *last = Some((latest, tip));
    Ok(tip)
}

/// The [`ORACLE_PERCENTILE`]th of `samples`, at most [`ORACLE_MAX_TIP`]; the default if none.
fn percentile_tip(mut samples: Vec<U256>) -> U256 {
    samples.sort();
    match samples.len() {
        0 => U256::from(DEFAULT_TIP),
        n => samples[(n - 1) * ORACLE_PERCENTILE / 100],
    }
    .min(U256::from(ORACLE_MAX_TIP))
}

/// A block's lowest [`ORACLE_SAMPLES`] tips of at least [`ORACLE_IGNORE_TIP`], leaving out
/// transactions its author sent (geth's oracle samples what others had to pay).
fn lowest_tips(receipts: &[EthReceipt], base_fee: U256, author: &AccountId20) -> Vec<U256> {
    let mut tips: Vec<U256> = receipts
        .iter()
        .filter(|r| r.from != *author)
        .map(|r| r.effective_gas_price.saturating_sub(base_fee))
        .filter(|tip| *tip >= U256::from(ORACLE_IGNORE_TIP))
        .collect();
    tips.sort();
    tips.truncate(ORACLE_SAMPLES);
    tips
}

/// `eth_feeHistory`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeeHistory {
    pub oldest_block: Quantity,
    pub base_fee_per_gas: Vec<Quantity>,
    pub gas_used_ratio: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reward: Option<Vec<Vec<Quantity>>>,
}

/// Checks reward percentiles: at most 100 of them, each in `[0, 100]`, increasing.
pub(crate) fn check_percentiles(percentiles: &[f64]) -> EthResult<()> {
    if percentiles.len() > MAX_PERCENTILES {
        return Err(EthError::params(format!("at most {MAX_PERCENTILES} reward percentiles")));
    }
    for (i, p) in percentiles.iter().enumerate() {
        if !(0.0..=100.0).contains(p) || (i > 0 && *p < percentiles[i - 1]) {
            return Err(EthError::params(format!("invalid reward percentile: {p}")));
        }
    }
    Ok(())
}

/// The tips paid at each percentile of a block's gas (geth's algorithm): transactions sorted
/// by tip, each weighing its gas used; for percentile `p`, the tip of the transaction in which
/// the block's gas reaches `p`%. A block without transactions gives zeros.
pub(crate) fn rewards(receipts: &[EthReceipt], base_fee: U256, percentiles: &[f64]) -> Vec<U256> {
    if receipts.is_empty() {
        return vec![U256::zero(); percentiles.len()];
    }
    let mut tips: Vec<(U256, u64)> = receipts
        .iter()
        .map(|r| (r.effective_gas_price.saturating_sub(base_fee), r.gas_used))
        .collect();
    tips.sort_by_key(|(tip, _)| *tip);
    let total: u64 = tips.iter().map(|(_, gas)| gas).sum();
    let mut index = 0;
    let mut sum = tips[0].1;
    percentiles
        .iter()
        .map(|p| {
            let threshold = (total as f64 * p / 100.0) as u64;
            while sum < threshold && index < tips.len() - 1 {
                index += 1;
                sum += tips[index].1;
            }
            tips[index].0
        })
        .collect()
}

/// `eth_feeHistory(blockCount, newestBlock, rewardPercentiles)` from the indexed blocks.
pub(crate) fn fee_history(
    index: &EthIndex,
    block_count: u64,
    newest: BlockTag,
    percentiles: &[f64],
) -> EthResult<FeeHistory> {
    check_percentiles(percentiles)?;
    let (_, latest) = index.latest()?;
    let newest = match newest {
        BlockTag::Number(n) if n > u64::from(latest) => {
            return Err(EthError::server(format!(
                "request beyond head block: requested {n}, head {latest}"
            )))
        }
        tag => index.resolve_tag(tag)?.ok_or(EthError::HeaderNotFound)?.1,
    };
    let count = block_count.min(MAX_FEE_HISTORY_BLOCKS).min(u64::from(newest) + 1) as u32;
    let mut history = FeeHistory {
        oldest_block: Quantity::from(newest + 1 - count),
        base_fee_per_gas: Vec::new(),
        gas_used_ratio: Vec::new(),
        reward: (!percentiles.is_empty()).then(Vec::new),
    };
    if count == 0 {
        history.oldest_block = Quantity::default();
        return Ok(history);
    }
    for number in newest + 1 - count..=newest {
        let hash = index.chain().hash(number)?.ok_or(EthError::HeaderNotFound)?;
        let (block, receipts) = index
            .block_with_receipts(&hash, !percentiles.is_empty())?
            .ok_or(EthError::HeaderNotFound)?;
        let info = &block.record.info;
        history.base_fee_per_gas.push(info.base_fee_per_gas.into());
        history.gas_used_ratio.push(if info.gas_limit == 0 {
            0.0
        } else {
            info.gas_used as f64 / info.gas_limit as f64
        });
        if let Some(reward) = &mut history.reward {
            let tips = rewards(&receipts, info.base_fee_per_gas, percentiles);
            reward.push(tips.into_iter().map(Quantity).collect());
        }
    }
    // The base fee of the block after the newest one: the next block's, or the runtime's.
    let next = match index.chain().hash(newest + 1)? {
        Some(hash) if newest < latest => {
            index.block(&hash)?.ok_or(EthError::HeaderNotFound)?.record.info.base_fee_per_gas
        }
        _ => next_base_fee(index)?,
    };
    history.base_fee_per_gas.push(next.into());
    Ok(history)
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_gasPrice", |_, ctx, _| {
        let tip = suggested_tip(&ctx.eth.index, &ctx.eth.tip_oracle)?;
        Ok::<_, ErrorObjectOwned>(Quantity(next_base_fee(&ctx.eth.index)?.saturating_add(tip)))
    })?;
    module.register_blocking_method("eth_maxPriorityFeePerGas", |_, ctx, _| {
        Ok::<_, ErrorObjectOwned>(Quantity(suggested_tip(&ctx.eth.index, &ctx.eth.tip_oracle)?))
    })?;
    module.register_blocking_method("eth_feeHistory", |params, ctx, _| {
        let mut seq = params.sequence();
        let count: Quantity = seq.next()?;
        let newest: BlockTag = seq.next()?;
        let percentiles: Option<Vec<f64>> = seq.optional_next()?;
        let count = count.to_u64("block count").map_err(EthError::params)?;
        let percentiles = percentiles.unwrap_or_default();
        Ok::<_, ErrorObjectOwned>(fee_history(&ctx.eth.index, count, newest, &percentiles)?)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::ethereum::Bloom;
    use lux_primitives::{AccountId20, H256};

    fn receipt(price: u64, gas_used: u64) -> EthReceipt {
        EthReceipt {
            transaction_hash: H256::zero(),
            transaction_index: 0,
            extrinsic_index: 0,
            transaction_type: 2,
            from: AccountId20([0; 20]),
            to: None,
            contract_address: None,
            status: true,
            gas_used,
            cumulative_gas_used: 0,
            effective_gas_price: U256::from(price),
            logs: vec![],
            logs_bloom: Bloom::default(),
        }
    }

    #[test]
    fn rewards_weigh_tips_by_gas() {
        let base = U256::from(100);
        // Tips 1 (21000 gas), 50 (100000 gas), 5 (21000 gas); total 142000.
        let receipts = vec![receipt(101, 21_000), receipt(150, 100_000), receipt(105, 21_000)];
        let tips = rewards(&receipts, base, &[0.0, 10.0, 20.0, 50.0, 100.0]);
        let expected: Vec<U256> = [1u64, 1, 5, 50, 50].into_iter().map(U256::from).collect();
        assert_eq!(tips, expected);
        assert_eq!(rewards(&[], base, &[25.0, 75.0]), vec![U256::zero(); 2]);
        // A price below the base fee (cannot happen on chain) counts as no tip.
        assert_eq!(rewards(&[receipt(90, 21_000)], base, &[50.0]), vec![U256::zero()]);
    }

    #[test]
    fn the_oracle_samples_the_lowest_tips_others_paid() {
        let base = U256::from(100);
        let author = AccountId20([7; 20]);
        let mut own = receipt(103, 21_000);
        own.from = author;
        // Tips 50, 1 (ignored), 9, 3 (the author's, left out), 20, 0 (ignored), 40.
        let mut receipts: Vec<EthReceipt> =
            [150, 101, 109, 120, 100, 140].map(|p| receipt(p, 21_000)).to_vec();
        receipts.insert(3, own);
        let expected: Vec<U256> = [9u64, 20, 40].into_iter().map(U256::from).collect();
        assert_eq!(lowest_tips(&receipts, base, &author), expected);
        assert!(lowest_tips(&[], base, &author).is_empty());
    }

    #[test]
    fn the_suggestion_is_the_60th_percentile_and_bounded() {
        let gwei = |n: u64| U256::from(n * 1_000_000_000);
        assert_eq!(percentile_tip(vec![]), gwei(1));
        // 20 quiet blocks (the default each) and one busy one: still the default.
        let mut samples = vec![gwei(1); 20];
        samples.extend([gwei(30), gwei(31), gwei(32)]);
        assert_eq!(percentile_tip(samples), gwei(1));
        // Busy blocks throughout: 60% of the way up their lowest tips.
        let busy: Vec<U256> = (1..=10).map(gwei).collect();
        assert_eq!(percentile_tip(busy), gwei(6));
        assert_eq!(percentile_tip(vec![gwei(10_000)]), gwei(500));
    }

    #[test]
    fn percentiles_are_checked() {
        assert!(check_percentiles(&[]).is_ok());
        assert!(check_percentiles(&[10.0, 10.0, 90.0]).is_ok());
        assert!(check_percentiles(&[50.0, 10.0]).is_err());
        assert!(check_percentiles(&[101.0]).is_err());
        assert!(check_percentiles(&[-1.0]).is_err());
        assert!(check_percentiles(&[f64::NAN]).is_err());
    }

    #[test]
    fn fee_history_json_shape() {
        let history = FeeHistory {
            oldest_block: Quantity::from(5u64),
            base_fee_per_gas: vec![Quantity::from(7u64), Quantity::from(8u64)],
            gas_used_ratio: vec![0.5],
            reward: Some(vec![vec![Quantity::from(1u64)]]),
        };
        assert_eq!(
            serde_json::to_value(history).ok(),
            Some(serde_json::json!({
                "oldestBlock": "0x5",
                "baseFeePerGas": ["0x7", "0x8"],
                "gasUsedRatio": [0.5],
                "reward": [["0x1"]],
            }))
        );
    }
}
