//! `eth_call` and `eth_estimateGas`: calls executed by the runtime (`EthereumApi_call`) on a
//! block's state without keeping their changes; reverts as geth reports them (code 3,
//! `execution reverted: <reason>` with the revert data), and geth's gas estimation (a
//! binary search on real executions for the lowest gas limit that succeeds).

use codec::Encode;
use lux_primitives::ethereum::{api, EthCallRequest, EthCallResult, EthCallStatus};
use lux_primitives::{AccountId20, H256, U256};
use serde::Deserialize;

use super::error::{EthError, EthResult};
use super::index::EthIndex;
use super::types::{Address, Data, HashParam, Quantity};

/// The gas every transaction pays before execution.
pub(crate) const TX_BASE_GAS: u64 = 21_000;
/// Estimation stops once the bracket is within this fraction of its top (geth's 1.5%): the
/// answer may exceed the exact minimum by that much, for far fewer executions.
const ESTIMATE_ERROR_RATIO: f64 = 0.015;
/// `Error(string)`'s selector.
const ERROR_SELECTOR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
/// `Panic(uint256)`'s selector.
const PANIC_SELECTOR: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

/// A call as clients send it (geth's `TransactionArgs`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallParams {
    from: Option<Address>,
    to: Option<Address>,
    gas: Option<Quantity>,
    gas_price: Option<Quantity>,
    max_fee_per_gas: Option<Quantity>,
    max_priority_fee_per_gas: Option<Quantity>,
    value: Option<Quantity>,
    nonce: Option<Quantity>,
    data: Option<Data>,
    input: Option<Data>,
    access_list: Option<Vec<AccessListItem>>,
    // Accepted and not used: the chain's own id and the call's shape decide.
    #[serde(rename = "type")]
    _tx_type: Option<Quantity>,
    #[serde(rename = "chainId")]
    _chain_id: Option<Quantity>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessListItem {
    address: Address,
    #[serde(default)]
    storage_keys: Vec<HashParam>,
}

impl CallParams {
    /// The runtime's call request.
    pub fn into_request(self) -> EthResult<EthCallRequest> {
        let data = match (self.input, self.data) {
            (Some(input), Some(data)) if input != data => {
                return Err(EthError::params(
                    "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data",
                ))
            }
            (Some(input), _) => input.0,
            (None, Some(data)) => data.0,
            (None, None) => Vec::new(),
        };
        if self.gas_price.is_some()
            && (self.max_fee_per_gas.is_some() || self.max_priority_fee_per_gas.is_some())
        {
            return Err(EthError::params(
                "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified",
            ));
        }
        let u64_field = |q: Option<Quantity>, what: &str| -> EthResult<Option<u64>> {
            q.map(|q| q.to_u64(what)).transpose().map_err(EthError::params)
        };
        Ok(EthCallRequest {
            from: self.from.map(|a| a.0),
            to: self.to.map(|a| a.0),
            data,
            value: self.value.map_or(U256::zero(), |v| v.0),
            gas: u64_field(self.gas, "gas")?,
            gas_price: self.gas_price.map(|q| q.0),
            max_fee_per_gas: self.max_fee_per_gas.map(|q| q.0),
            max_priority_fee_per_gas: self.max_priority_fee_per_gas.map(|q| q.0),
            nonce: u64_field(self.nonce, "nonce")?,
            access_list: self
                .access_list
                .unwrap_or_default()
                .into_iter()
                .map(|item| (item.address.0, item.storage_keys.into_iter().map(|k| k.0).collect()))
                .collect::<Vec<(AccountId20, Vec<H256>)>>(),
        })
    }
}

/// Runs `request` with `EthereumApi_call` on the state of block `at`. The outer error is a
/// failure to run the runtime; the inner one a transaction that cannot run at all (geth's
/// message, e.g. "insufficient funds for gas * price + value").
pub(crate) fn execute(
    index: &EthIndex,
    at: &H256,
    request: &EthCallRequest,
    estimate: bool,
) -> EthResult<Result<EthCallResult, String>> {
    Ok(index.chain().call_decode(at, api::CALL, &(request, estimate).encode())?)
}

/// The answer of `eth_call`: the output, or the error a failed call is.
pub(crate) fn call_output(result: Result<EthCallResult, String>) -> EthResult<Vec<u8>> {
    let result = result.map_err(EthError::Server)?;
    match result.status {
        EthCallStatus::Success => Ok(result.output),
        EthCallStatus::Revert => Err(reverted(result.output)),
        EthCallStatus::Halt(reason) => Err(EthError::Server(reason)),
    }
}

/// A revert with its data, and the reason decoded from it when it is an `Error(string)` or a
/// `Panic(uint256)`.
pub(crate) fn reverted(data: Vec<u8>) -> EthError {
    EthError::Reverted { reason: revert_reason(&data), data }
}

/// The reason of a revert: the message of Solidity's `Error(string)`, or the meaning of a
/// `Panic(uint256)` code (as geth words them).
pub(crate) fn revert_reason(data: &[u8]) -> Option<String> {
    let (selector, args) = data.split_at_checked(4)?;
    if selector == ERROR_SELECTOR {
        // ABI: the string's offset, then at that offset its length and its bytes.
        let offset = abi_usize(args.get(..32)?)?;
        let length = abi_usize(args.get(offset..offset.checked_add(32)?)?)?;
        let start = offset.checked_add(32)?;
        let bytes = args.get(start..start.checked_add(length)?)?;
        return String::from_utf8(bytes.to_vec()).ok();
    }
    if selector == PANIC_SELECTOR {
        let code = U256::from_big_endian(args.get(..32)?);
        return Some(panic_reason(code));
    }
    None
}

fn abi_usize(word: &[u8]) -> Option<usize> {
    let value = U256::from_big_endian(word);
    (value <= U256::from(u32::MAX)).then(|| value.low_u64() as usize)
}

/// Solidity's panic codes, as geth names them.
fn panic_reason(code: U256) -> String {
    let known = [
        (0x00, "generic panic"),
        (0x01, "assert(false)"),
        (0x11, "arithmetic underflow or overflow"),
        (0x12, "division or modulo by zero"),
        (0x21, "enum overflow"),
        (0x22, "invalid encoded storage byte array accessed"),
        (0x31, "out-of-bounds array access; popping on an empty array"),
        (0x32, "out-of-bounds access of an array or bytesN"),
        (0x41, "out of memory"),
        (0x51, "uninitialized function"),
    ];
    known
        .iter()
        .find(|(c, _)| U256::from(*c) == code)
        .map_or_else(|| format!("unknown panic code: {code:#x}"), |(_, r)| (*r).to_string())
}

/// Whether a halt is for lack of gas (raising the limit may help).
fn is_out_of_gas(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    reason.contains("out of gas") || reason.contains("outofgas")
}

/// Whether a call that could not run at all failed for a too low gas limit.
fn is_intrinsic_gas_error(message: &str) -> bool {
    message.contains("intrinsic gas too low")
}

/// geth's estimate: the lowest gas limit in `[21000 or the gas used, cap]` with which the
/// call succeeds, found by running it (`run(gas)`). The call is first run with `cap`: if it
/// fails there, that failure is the answer (a revert, a halt, or "gas required exceeds
/// allowance"). The search stops within [`ESTIMATE_ERROR_RATIO`] of the minimum.
///
/// With `no_code` (the target runs no code: an account without code, or a precompile) what
/// the call used is what it needs, and that is tried first and answered exactly. Where code
/// runs it is not: an inner call given too little by the 63/64 rule can fail while the outer
/// call swallows the failure and succeeds, so the search keeps geth's margin.
pub(crate) fn estimate_gas(
    cap: u64,
    no_code: bool,
    mut run: impl FnMut(u64) -> EthResult<Result<EthCallResult, String>>,
) -> EthResult<u64> {
    let first = run(cap)?.map_err(EthError::Server)?;
    match first.status {
        EthCallStatus::Success => {}
        EthCallStatus::Revert => return Err(reverted(first.output)),
        EthCallStatus::Halt(reason) if is_out_of_gas(&reason) => {
            return Err(EthError::server(format!("gas required exceeds allowance ({cap})")))
        }
        EthCallStatus::Halt(reason) => return Err(EthError::Server(reason)),
    }
    // Whether the call succeeds with `gas`; calls that cannot run for lack of gas fail too.
    let mut succeeds = |gas: u64| -> EthResult<bool> {
        match run(gas)? {
            Ok(result) => Ok(result.status == EthCallStatus::Success),
            Err(message) if is_intrinsic_gas_error(&message) => Ok(false),
            Err(message) => Err(EthError::Server(message)),
        }
    };
    let used = first.gas_used.max(TX_BASE_GAS);
    if no_code && used < cap && succeeds(used)? {
        return Ok(used);
    }
    let mut lo = used.saturating_sub(1);
    let mut hi = cap;
    // Most calls need little more than they use (refunds and the 63/64 rule of inner calls
    // aside): try that first.
    let optimistic = first.gas_used.saturating_add(2_300).saturating_mul(64) / 63;
    if optimistic > lo && optimistic < hi {
        if succeeds(optimistic)? {
            hi = optimistic;
        } else {
            lo = optimistic;
        }
    }
    while lo + 1 < hi {
        if ((hi - lo) as f64) / (hi as f64) < ESTIMATE_ERROR_RATIO {
            break;
        }
        // Bisect, but look no further than twice the low end: most limits sit close to it.
        let mid = (lo + (hi - lo) / 2).min(lo.saturating_mul(2));
        if succeeds(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// ABI encoding of `Error(message)`.
    fn error_string(message: &str) -> Vec<u8> {
        let mut data = ERROR_SELECTOR.to_vec();
        data.extend_from_slice(&U256::from(32).to_big_endian());
        data.extend_from_slice(&U256::from(message.len()).to_big_endian());
        let mut bytes = message.as_bytes().to_vec();
        bytes.resize(message.len().div_ceil(32) * 32, 0);
        data.extend_from_slice(&bytes);
        data
    }

    fn panic_code(code: u64) -> Vec<u8> {
        let mut data = PANIC_SELECTOR.to_vec();
        data.extend_from_slice(&U256::from(code).to_big_endian());
        data
    }

    #[test]
    fn revert_reasons_decode_error_strings_and_panics() {
        assert_eq!(
            revert_reason(&error_string("Ownable: caller is not the owner")).as_deref(),
            Some("Ownable: caller is not the owner")
        );
        assert_eq!(revert_reason(&error_string("")).as_deref(), Some(""));
        assert_eq!(
            revert_reason(&panic_code(0x11)).as_deref(),
            Some("arithmetic underflow or overflow")
        );
        assert_eq!(revert_reason(&panic_code(0x01)).as_deref(), Some("assert(false)"));
        assert_eq!(revert_reason(&panic_code(0x99)).as_deref(), Some("unknown panic code: 0x99"));
        // Custom errors and garbage have no reason.
        assert_eq!(revert_reason(&[0xde, 0xad, 0xbe, 0xef]), None);
        assert_eq!(revert_reason(&[]), None);
        let mut truncated = error_string("hello");
        truncated.truncate(4 + 64 + 2);
        assert_eq!(revert_reason(&truncated), None);
        let mut huge_offset = error_string("hello");
        huge_offset[4..36].copy_from_slice(&[0xff; 32]);
        assert_eq!(revert_reason(&huge_offset), None);
    }

    #[test]
    fn call_outputs_and_errors() {
        let result = |status, output: Vec<u8>| {
            Ok(EthCallResult { status, output, gas_used: 30_000, contract_address: None })
        };
        assert_eq!(call_output(result(EthCallStatus::Success, vec![1, 2])).ok(), Some(vec![1, 2]));
        let revert = call_output(result(EthCallStatus::Revert, error_string("nope")));
        match revert {
            Err(EthError::Reverted { reason, data }) => {
                assert_eq!(reason.as_deref(), Some("nope"));
                assert_eq!(data, error_string("nope"));
            }
            other => panic!("expected a revert, got {other:?}"),
        }
        let halt =
            call_output(result(EthCallStatus::Halt("invalid opcode: INVALID".into()), vec![]));
        assert_eq!(halt.err().map(|e| e.to_string()).as_deref(), Some("invalid opcode: INVALID"));
        let cannot_run = call_output(Err("insufficient funds for gas * price + value".into()));
        assert!(matches!(cannot_run, Err(EthError::Server(m)) if m.starts_with("insufficient")));
    }

    /// A call that needs `needed` gas and uses `used` (less, thanks to refunds), or reverts
    /// with less; counts its executions.
    fn contract(
        needed: u64,
        used: u64,
    ) -> impl FnMut(u64) -> EthResult<Result<EthCallResult, String>> {
        move |gas| {
            if gas < TX_BASE_GAS {
                return Ok(Err("intrinsic gas too low".into()));
            }
            let status = if gas >= needed {
                EthCallStatus::Success
            } else {
                EthCallStatus::Halt("out of gas".into())
            };
            Ok(Ok(EthCallResult {
                status,
                output: vec![],
                gas_used: used.min(gas),
                contract_address: None,
            }))
        }
    }

    #[test]
    fn estimates_land_just_above_the_minimum() {
        let cap = 15_000_000;
        // Needs what it uses, or more (refunds): the search finds the minimum within 1.5%.
        for (needed, used) in
            [(21_000, 21_000), (60_000, 45_000), (1_000_000, 990_000), (14_000_000, 100_000)]
        {
            let estimate = estimate_gas(cap, false, contract(needed, used)).expect("estimates");
            assert!(estimate >= needed, "{estimate} < {needed}");
            assert!(
                (estimate - needed) as f64 <= needed as f64 * ESTIMATE_ERROR_RATIO + 1.0,
                "{estimate} too far above {needed}"
            );
        }
        let mut runs = 0;
        let mut counting = contract(60_000, 45_000);
        estimate_gas(cap, false, |gas| {
            runs += 1;
            counting(gas)
        })
        .expect("estimates");
        assert!(runs < 20, "{runs} executions");
        // What a call that runs no code uses is its estimate, exactly: two executions.
        let mut runs = 0;
        let mut plain = contract(27_200, 27_200);
        let exact = estimate_gas(cap, true, |gas| {
            runs += 1;
            plain(gas)
        });
        assert_eq!((exact.expect("estimates"), runs), (27_200, 2));
    }

    #[test]
    fn estimates_fail_as_geth_fails() {
        let err = |e: EthResult<u64>| e.err().map(|e| e.to_string());
        assert_eq!(
            err(estimate_gas(100_000, false, contract(200_000, 90_000))).as_deref(),
            Some("gas required exceeds allowance (100000)")
        );
        let reverting = |_gas| {
            Ok(Ok(EthCallResult {
                status: EthCallStatus::Revert,
                output: error_string("paused"),
                gas_used: 23_000,
                contract_address: None,
            }))
        };
        assert_eq!(
            err(estimate_gas(100_000, false, reverting)).as_deref(),
            Some("execution reverted: paused")
        );
        let broke = |_gas| Ok(Err("insufficient funds for gas * price + value".to_string()));
        assert_eq!(
            err(estimate_gas(100_000, false, broke)).as_deref(),
            Some("insufficient funds for gas * price + value")
        );
        let invalid = |_gas| {
            Ok(Ok(EthCallResult {
                status: EthCallStatus::Halt("invalid opcode: INVALID".into()),
                output: vec![],
                gas_used: 100_000,
                contract_address: None,
            }))
        };
        assert_eq!(
            err(estimate_gas(100_000, false, invalid)).as_deref(),
            Some("invalid opcode: INVALID")
        );
    }

    #[test]
    fn call_params_take_input_or_data() {
        let parse = |v| serde_json::from_value::<CallParams>(v).expect("parses").into_request();
        let request = parse(json!({
            "from": "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac",
            "to": "0x0000000000000000000000000000000000000001",
            "gas": "0x5208",
            "maxFeePerGas": "0x3b9aca00",
            "value": "0x1",
            "data": "0xabcd",
            "accessList": [{ "address": "0x0000000000000000000000000000000000000002", "storageKeys": [format!("{:?}", H256::repeat_byte(1))] }],
            "type": "0x2",
            "chainId": "0x1",
        }))
        .expect("valid");
        assert_eq!(request.data, vec![0xab, 0xcd]);
        assert_eq!(request.gas, Some(21_000));
        assert_eq!(request.value, U256::one());
        assert_eq!(request.max_fee_per_gas, Some(U256::from(1_000_000_000u64)));
        let mut two = [0u8; 20];
        two[19] = 2;
        assert_eq!(request.access_list, vec![(AccountId20(two), vec![H256::repeat_byte(1)])]);
        assert_eq!(parse(json!({ "input": "0x01" })).expect("valid").data, vec![1]);
        assert_eq!(parse(json!({ "input": "0x01", "data": "0x01" })).expect("valid").data, vec![1]);
        assert!(parse(json!({ "input": "0x01", "data": "0x02" })).is_err());
        assert!(parse(json!({ "gasPrice": "0x1", "maxFeePerGas": "0x1" })).is_err());
        let empty = parse(json!({})).expect("valid");
        assert_eq!(empty, EthCallRequest::default());
    }
}
