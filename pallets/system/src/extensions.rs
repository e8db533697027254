//! The signed-extension checks that belong to the system pallet.
//!
//! Validation (the pool asking "may this transaction go into a block?") and pre-dispatch (the
//! block actually applying it) share these functions. The order and encoding of the
//! extensions is fixed in `lux_primitives::extrinsic`.

use alloc::vec;
use codec::Encode;
use lux_primitives::dispatch::DispatchInfo;
use lux_primitives::extrinsic::Implicit;
use lux_primitives::transaction::{InvalidTransaction, TransactionValidityError, ValidTransaction};
use lux_primitives::{AccountId20, Era, Nonce};
use lux_support::{DispatchClass, PostDispatchInfo};

use crate::{Account, AllExtrinsicsLen, BlockHash, BlockWeight, Config, Number, Pallet};

type Validity<T> = Result<T, TransactionValidityError>;

/// CheckNonZeroSender: the zero address cannot sign.
pub fn check_non_zero_sender(who: &AccountId20) -> Validity<()> {
    if who.0 == [0u8; 20] {
        return Err(InvalidTransaction::BadSigner.into());
    }
    Ok(())
}

/// The implicit data a transaction with `era` must have signed: spec and transaction version
/// (CheckSpecVersion, CheckTxVersion), the genesis hash (CheckGenesis) and the hash of the
/// era's birth block (CheckMortality), which must be one of the recent blocks.
pub fn implicit<T: Config>(era: Era) -> Validity<Implicit> {
    let current = Number::get() as u64;
    let birth = era.birth(current);
    let Ok(birth) = u32::try_from(birth) else {
        return Err(InvalidTransaction::AncientBirthBlock.into());
    };
    if !BlockHash::contains_key(birth) {
        return Err(InvalidTransaction::AncientBirthBlock.into());
    }
    Ok(Implicit {
        spec_version: T::VERSION.spec_version,
        transaction_version: T::VERSION.transaction_version,
        genesis_hash: BlockHash::get(0),
        era_block_hash: BlockHash::get(birth),
    })
}

/// CheckMortality: how many more blocks a transaction with `era` stays valid.
pub fn longevity(era: Era) -> u64 {
    let current = Number::get() as u64;
    era.death(current).saturating_sub(current)
}

/// The nonce of an account that may send transactions: one that exists (holds at least the
/// existential deposit, or something else keeps it alive). A transaction from an account that
/// does not exist could not pay, and must not create state.
fn existing_nonce(who: &AccountId20) -> Validity<Nonce> {
    let account = Account::get(who);
    if account.providers == 0 && account.sufficients == 0 {
        return Err(InvalidTransaction::Payment.into());
    }
    Ok(account.nonce)
}

/// CheckNonce, for the pool: a used nonce is stale; a future one requires the previous
/// nonce's tag. Every transaction provides `(sender, nonce)`.
pub fn validate_nonce(who: &AccountId20, nonce: Nonce) -> Validity<ValidTransaction> {
    let current = existing_nonce(who)?;
    if nonce < current {
        return Err(InvalidTransaction::Stale.into());
    }
    let provides = vec![(who, nonce).encode()];
    let requires =
        if nonce > current { vec![(who, nonce - 1).encode()] } else { alloc::vec::Vec::new() };
    Ok(ValidTransaction { provides, requires, ..Default::default() })
}

/// CheckNonce, in a block: the nonce must be exactly the account's; it is then incremented.
pub fn pre_dispatch_nonce<T: Config>(who: &AccountId20, nonce: Nonce) -> Validity<()> {
    let current = existing_nonce(who)?;
    if nonce < current {
        return Err(InvalidTransaction::Stale.into());
    }
    if nonce > current {
        return Err(InvalidTransaction::Future.into());
    }
    Pallet::<T>::inc_account_nonce(who);
    Ok(())
}

/// The weight an extrinsic is charged: its call's weight plus the per-extrinsic base.
pub fn extrinsic_weight<T: Config>(info: &DispatchInfo) -> lux_support::Weight {
    info.weight.saturating_add(T::BLOCK_WEIGHTS.base_extrinsic)
}

/// CheckWeight, for the pool: the extrinsic alone must fit in a block.
pub fn validate_weight<T: Config>(info: &DispatchInfo, len: usize) -> Validity<()> {
    let weight = extrinsic_weight::<T>(info);
    if weight.any_gt(T::BLOCK_WEIGHTS.max_for(info.class))
        || len > T::BLOCK_LENGTH.max_for(info.class) as usize
    {
        return Err(InvalidTransaction::ExhaustsResources.into());
    }
    Ok(())
}

/// CheckWeight, in a block: the extrinsic must fit in what is left of the block; its weight
/// and length are then counted.
pub fn pre_dispatch_weight<T: Config>(info: &DispatchInfo, len: usize) -> Validity<()> {
    let weight = extrinsic_weight::<T>(info);
    let len = u32::try_from(len).map_err(|_| InvalidTransaction::ExhaustsResources)?;
    let all_len = AllExtrinsicsLen::get().unwrap_or(0).saturating_add(len);
    if info.class != DispatchClass::Mandatory && all_len > T::BLOCK_LENGTH.max_for(info.class) {
        return Err(InvalidTransaction::ExhaustsResources.into());
    }
    let mut consumed = BlockWeight::get();
    consumed.accrue(weight, info.class);
    if info.class != DispatchClass::Mandatory {
        let class_limit = T::BLOCK_WEIGHTS.max_for(info.class);
        if consumed.get(info.class).any_gt(class_limit)
            || consumed.total().any_gt(T::BLOCK_WEIGHTS.max_block)
        {
            return Err(InvalidTransaction::ExhaustsResources.into());
        }
    }
    BlockWeight::put(consumed);
    AllExtrinsicsLen::put(all_len);
    Ok(())
}

/// CheckWeight, after dispatch: gives back the weight the call did not use.
pub fn post_dispatch_weight(info: &DispatchInfo, post_info: &PostDispatchInfo) {
    let unspent = info.weight.saturating_sub(post_info.calc_actual_weight(info));
    if unspent != lux_support::Weight::ZERO {
        BlockWeight::mutate(|w| w.reduce(unspent, info.class));
    }
}
