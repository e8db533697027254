//! The transaction-payment pallet: what a signed transaction costs, and charging it.
//!
//! fee = base fee + length fee + weight fee + tip, where
//! - the base fee is the weight fee of the per-extrinsic base weight,
//! - the length fee is `TRANSACTION_BYTE_FEE` per byte of the encoded extrinsic,
//! - the weight fee is `WEIGHT_FEE_PER_MICROS` per microsecond of the call's weight,
//! - the tip is chosen by the sender and raises the transaction's priority in the pool.
//!
//! **Where fees go:** the fee is withdrawn before dispatch (it leaves the total issuance);
//! after dispatch, the part of the weight fee for weight the call did not use is refunded. Of
//! what was paid, the whole tip and `AUTHOR_FEE_SHARE` of the rest go to the block's author,
//! paid once at the end of the block (`BlockFees` adds them up meanwhile); the rest of the fee
//! stays burned, so fees also offset staking's inflation. A block without a known author burns
//! everything. Calls marked `Pays::No` (inherents, root calls through sudo) pay only the tip.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::dispatch::{FeeDetails, InclusionFee, RuntimeDispatchInfo};
use lux_primitives::transaction::{InvalidTransaction, TransactionValidityError};
use lux_primitives::Perbill;
use lux_primitives::{AccountId20, Balance};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::{Currency, Existence, FindAuthor};
use lux_support::{storage, DispatchInfo, Hooks, Pays, PostDispatchInfo, ValueQuery, Weight};
use scale_info::TypeInfo;

/// Configuration of the transaction-payment pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The currency fees are paid in.
    type Currency: Currency;
    /// Fee per byte of an encoded extrinsic.
    const TRANSACTION_BYTE_FEE: Balance;
    /// Fee per microsecond of weight (reference time).
    const WEIGHT_FEE_PER_MICROS: Balance;
    /// Who authored the block: receives its tips and a share of its fees.
    type FindAuthor: FindAuthor;
    /// The author's share of fees (tips excluded: they go to the author whole).
    const AUTHOR_FEE_SHARE: Perbill;
}

storage! {
    pallet = "TransactionPayment", config = Config;
    /// Fees (tips excluded) and tips paid in this block so far; paid out and removed at its
    /// end, so never in a block's final state.
    pub type BlockFees = StorageValue<(Balance, Balance), ValueQuery>;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the transaction-payment pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A transaction fee `actual_fee`, of which `tip` was the tip, was paid by `who`.
    TransactionFeePaid {
        /// The payer.
        who: AccountId20,
        /// The fee paid, tip included.
        actual_fee: Balance,
        /// The tip.
        tip: Balance,
    },
}

impl<T: Config> Hooks for Pallet<T> {
    /// Pays the block's author its tips and share of fees.
    fn on_finalize(_n: lux_primitives::BlockNumber) {
        let (fees, tips) = BlockFees::take();
        let part = T::AUTHOR_FEE_SHARE.mul_floor(fees).saturating_add(tips);
        if let (true, Some(author)) = (part > 0, T::FindAuthor::find_author()) {
            // An author without an account and a part below the deposit gets nothing.
            let _ = T::Currency::deposit(&author, part);
        }
    }
}

impl<T: Config> Pallet<T> {
    /// The fee for `weight`.
    pub fn weight_to_fee(weight: Weight) -> Balance {
        (weight.ref_time as Balance).saturating_mul(T::WEIGHT_FEE_PER_MICROS) / 1_000_000
    }

    /// The fee for `len` bytes.
    pub fn length_to_fee(len: u32) -> Balance {
        (len as Balance).saturating_mul(T::TRANSACTION_BYTE_FEE)
    }

    /// The parts of the fee of an extrinsic of `len` bytes with `info`, charged for `weight`.
    fn fee_details(
        len: u32,
        info: &DispatchInfo,
        weight: Weight,
        tip: Balance,
    ) -> FeeDetails<Balance> {
        if info.pays_fee == Pays::No {
            return FeeDetails { inclusion_fee: None, tip };
        }
        FeeDetails {
            inclusion_fee: Some(InclusionFee {
                base_fee: Self::weight_to_fee(T::BLOCK_WEIGHTS.base_extrinsic),
                len_fee: Self::length_to_fee(len),
                adjusted_weight_fee: Self::weight_to_fee(weight),
            }),
            tip,
        }
    }

    /// The full fee (tip included) of an extrinsic of `len` bytes with `info`.
    pub fn compute_fee(len: u32, info: &DispatchInfo, tip: Balance) -> Balance {
        total(&Self::fee_details(len, info, info.weight, tip))
    }

    /// The fee after dispatch: weight the call did not use is not charged.
    pub fn compute_actual_fee(
        len: u32,
        info: &DispatchInfo,
        post_info: &PostDispatchInfo,
        tip: Balance,
    ) -> Balance {
        let mut info = *info;
        info.pays_fee = post_info.pays_fee(&info);
        total(&Self::fee_details(len, &info, post_info.calc_actual_weight(&info), tip))
    }

    /// `TransactionPaymentApi_query_info`: weight, class and fee without tip.
    pub fn query_info(len: u32, info: &DispatchInfo, signed: bool) -> RuntimeDispatchInfo<Balance> {
        let partial_fee = if signed { Self::compute_fee(len, info, 0) } else { 0 };
        RuntimeDispatchInfo { weight: info.weight, class: info.class, partial_fee }
    }

    /// `TransactionPaymentApi_query_fee_details`.
    pub fn query_fee_details(
        len: u32,
        info: &DispatchInfo,
        tip: Balance,
        signed: bool,
    ) -> FeeDetails<Balance> {
        if signed {
            Self::fee_details(len, info, info.weight, tip)
        } else {
            FeeDetails { inclusion_fee: None, tip: 0 }
        }
    }

    /// ChargeTransactionPayment, before dispatch: withdraws the full fee from `who`, who must
    /// stay alive. Returns the amount withdrawn.
    pub fn withdraw_fee(
        who: &AccountId20,
        info: &DispatchInfo,
        len: u32,
        tip: Balance,
    ) -> Result<Balance, TransactionValidityError> {
        let fee = Self::compute_fee(len, info, tip);
        T::Currency::withdraw(who, fee, Existence::KeepAlive)
            .map_err(|_| InvalidTransaction::Payment)?;
        Ok(fee)
    }

    /// ChargeTransactionPayment, after dispatch: refunds what was overpaid and reports the fee.
    pub fn correct_and_deposit_fee(
        who: &AccountId20,
        info: &DispatchInfo,
        post_info: &PostDispatchInfo,
        len: u32,
        tip: Balance,
        withdrawn: Balance,
    ) {
        let actual_fee = Self::compute_actual_fee(len, info, post_info, tip).min(withdrawn);
        let refund = withdrawn - actual_fee;
        // The call may have removed the account; a refund it cannot receive stays burned.
        let refunded = refund > 0 && T::Currency::deposit(who, refund).is_ok();
        let actual_fee = if refunded || refund == 0 { actual_fee } else { withdrawn };
        let tip = tip.min(actual_fee);
        BlockFees::mutate(|(fees, tips)| {
            *fees = fees.saturating_add(actual_fee - tip);
            *tips = tips.saturating_add(tip);
        });
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(
            Event::TransactionFeePaid { who: *who, actual_fee, tip },
        ));
    }

    /// The pool priority of a transaction: its tip (saturated).
    pub fn priority(tip: Balance) -> u64 {
        u64::try_from(tip).unwrap_or(u64::MAX)
    }
}

fn total(details: &FeeDetails<Balance>) -> Balance {
    let inclusion = details
        .inclusion_fee
        .as_ref()
        .map_or(0, |f| f.base_fee.saturating_add(f.len_fee).saturating_add(f.adjusted_weight_fee));
    inclusion.saturating_add(details.tip)
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: None,
            event: Some(scale_info::meta_type::<Event>()),
            error: None,
            constants: alloc::vec![
                ConstantMeta::new(
                    "TransactionByteFee",
                    &T::TRANSACTION_BYTE_FEE,
                    &["Fee per byte of an encoded extrinsic."],
                ),
                ConstantMeta::new(
                    "WeightFeePerMicros",
                    &T::WEIGHT_FEE_PER_MICROS,
                    &["Fee per microsecond of weight."],
                ),
                ConstantMeta::new(
                    "AuthorFeeShare",
                    &T::AUTHOR_FEE_SHARE,
                    &["The block author's share of fees; it also gets the tips whole."],
                ),
            ],
            docs: &["Transaction fees: base, length and weight fee plus tip; tips and a share of \
                     fees go to the block author, the rest is burned."],
        }
    }
}
