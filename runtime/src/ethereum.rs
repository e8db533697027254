//! The Ethereum RPC's calls into the runtime that are more than a storage read: executing a
//! call on a block's state for `eth_call` and `eth_estimateGas`, and finding its access list
//! for `eth_createAccessList`.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use lux_primitives::ethereum::{AccessList, EthAccessListResult, EthCallRequest, EthCallResult};
use lux_primitives::{AccountId20, H256};
use pallet_evm::TxKind;
use pallet_evm::{Fees, Message, TX_GAS_LIMIT_CAP};

use crate::configs::BLOCK_GAS_LIMIT;
use crate::EVM;

/// Executes `request` on this state and discards its changes. Unset fields get Ethereum
/// nodes' defaults (see [`EthCallRequest`]); a gas limit above what one transaction may use
/// (EIP-7825's cap, or the block's) is lowered to it, as geth caps calls' gas. With `estimate`, no fee is charged whatever the
/// request's price, so the sender's balance only needs to cover the value (the node searches
/// the gas limit); otherwise a price, if given, is charged as a transaction would be. The
/// nonce, if given, is not checked, as geth does not check it.
pub fn call(request: EthCallRequest, estimate: bool) -> Result<EthCallResult, String> {
    let outcome = EVM::execute(message(request, estimate), false).map_err(|e| e.message())?;
    Ok(result(outcome))
}

/// At most this many executions look for an access list that covers what its call touches
/// (two suffice unless what a call touches depends on what is warm).
const ACCESS_LIST_ROUNDS: usize = 8;

/// `eth_createAccessList`, as geth answers it: the call runs with the access list it has
/// (at first the request's), and what that execution touches joins the list, until an
/// execution touches nothing new; the answer is that list and that execution. Fees are not
/// charged (as for an estimate), so the block author's account is not touched by the fee.
pub fn access_list(mut request: EthCallRequest) -> Result<EthAccessListResult, String> {
    let mut list = merged(&request.access_list, Vec::new());
    let mut rounds = 0;
    loop {
        request.access_list = list.clone();
        let (outcome, accessed) =
            EVM::execute_listing_access(message(request.clone(), true)).map_err(|e| e.message())?;
        let grown = merged(&list, accessed);
        rounds += 1;
        if grown == list || rounds == ACCESS_LIST_ROUNDS {
            return Ok(EthAccessListResult { access_list: list, result: result(outcome) });
        }
        list = grown;
    }
}

/// The union of two access lists, sorted, without repeated accounts or slots.
fn merged(a: &[(AccountId20, Vec<H256>)], b: AccessList) -> AccessList {
    let mut union: BTreeMap<AccountId20, BTreeSet<H256>> = BTreeMap::new();
    for (account, slots) in a.iter().cloned().chain(b) {
        union.entry(account).or_default().extend(slots);
    }
    union.into_iter().map(|(account, slots)| (account, slots.into_iter().collect())).collect()
}

fn result(outcome: pallet_evm::Outcome) -> EthCallResult {
    EthCallResult {
        status: outcome.status,
        output: outcome.output,
        gas_used: outcome.gas_used,
        contract_address: outcome.contract_address,
    }
}

/// The EVM's message for `request`: see [`call`].
fn message(request: EthCallRequest, estimate: bool) -> Message {
    let gas_limit = request.gas.unwrap_or(u64::MAX).min(TX_GAS_LIMIT_CAP).min(BLOCK_GAS_LIMIT);
    let fee_cap = request.max_fee_per_gas.or(request.gas_price).unwrap_or_default();
    let fees = (!estimate && !fee_cap.is_zero()).then(|| Fees {
        max_fee_per_gas: u128::try_from(fee_cap).unwrap_or(u128::MAX),
        max_priority_fee_per_gas: request
            .max_priority_fee_per_gas
            .map(|tip| u128::try_from(tip).unwrap_or(u128::MAX))
            .or(request.max_fee_per_gas.map(|_| 0)),
    });
    let tx_type = match (&fees, request.access_list.is_empty()) {
        (Some(Fees { max_priority_fee_per_gas: Some(_), .. }), _) => 2,
        (_, false) => 1,
        _ => 0,
    };
    Message {
        caller: request.from.unwrap_or_default(),
        kind: match request.to {
            Some(to) => TxKind::Call(pallet_evm::address(&to)),
            None => TxKind::Create,
        },
        value: request.value,
        data: request.data,
        gas_limit,
        fees,
        // As geth: a call's nonce is not checked (wallets send the pool's next nonce).
        nonce: None,
        access_list: request.access_list,
        tx_type,
    }
}
