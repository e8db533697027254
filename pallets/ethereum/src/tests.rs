//! Tests of the Ethereum pallet: what `check` refuses, the pool's validity and the block's
//! (`validate_unsigned`, `pre_dispatch`), receipts and the block's Ethereum facts, and the
//! EIP-1559 base fee.

use crate::mock::*;
use crate::{
    BaseFeePerGas, Call, CurrentBlock, CurrentReceipts, Error, Event, Pending, PendingGasUsed,
};
use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip7702, TxEnvelope, TxLegacy,
    TypedTransaction,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, TxKind, B256, U256 as EthU256};
use codec::Encode;
use lux_primitives::ethereum::{invalid, Bloom, EthBlockInfo, EthCallStatus, EthReceipt};
use lux_primitives::transaction::{InvalidTransaction, TransactionValidityError, ValidTransaction};
use lux_primitives::{AccountId20, Balance, H256, U256};
use lux_support::traits::LockableCurrency;
use lux_support::{DispatchError, DispatchInfo, Hooks, Pays, RawOrigin};

/// An address no one has used.
const FRESH: AccountId20 = AccountId20([7; 20]);
const TIP: Balance = 2_000;

fn to(who: AccountId20) -> TxKind {
    TxKind::Call(Address::from(who.0))
}

/// An EIP-1559 transaction sending `value` to `dest` with 21 000 gas, a fee cap of twice the
/// floor and a tip of [`TIP`].
fn eip1559(nonce: u64, dest: AccountId20, value: Balance) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 2 * MIN_BASE_FEE,
        max_priority_fee_per_gas: TIP,
        to: to(dest),
        value: EthU256::from(value),
        ..Default::default()
    }
}

fn legacy(nonce: u64, kind: TxKind, gas_price: Balance, gas_limit: u64) -> TxLegacy {
    TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce,
        gas_price,
        gas_limit,
        to: kind,
        value: EthU256::ZERO,
        input: Bytes::new(),
    }
}

fn refusal(bytes: &[u8]) -> TransactionValidityError {
    Ethereum::check(bytes).expect_err("refused")
}

fn custom(code: u8) -> TransactionValidityError {
    InvalidTransaction::Custom(code).into()
}

fn validate(bytes: Vec<u8>) -> Result<ValidTransaction, TransactionValidityError> {
    Ethereum::validate_unsigned(&Call::transact { transaction: bytes })
}

fn pre_dispatch(bytes: Vec<u8>) -> Result<(), TransactionValidityError> {
    Ethereum::pre_dispatch(&Call::transact { transaction: bytes })
}

/// Applies the transaction as the executive does: `pre_dispatch`, the dispatch, then the
/// extrinsic is noted (so the next one has the next extrinsic index).
fn apply(bytes: Vec<u8>) -> EthReceipt {
    pre_dispatch(bytes.clone()).expect("valid in the block");
    let result = Call::transact { transaction: bytes }.dispatch::<Test>(RawOrigin::None);
    let post = result.expect("applied");
    assert_eq!(post.pays_fee, Pays::No);
    pallet_system::Pallet::<Test>::note_applied_extrinsic(&result, DispatchInfo::default());
    let receipt = Pending::get().last().cloned().expect("a receipt");
    assert_eq!(post.actual_weight, Some(crate::transaction_weight(receipt.gas_used)));
    receipt
}

fn free(who: &AccountId20) -> Balance {
    Balances::free_balance(who)
}

fn keccak(bytes: &[u8]) -> [u8; 32] {
    lux_io::hashing::keccak_256(bytes)
}

#[test]
fn check_recovers_the_sender_and_reads_the_transaction() {
    ExtBuilder::default().build().execute_with(|| {
        let bytes = sign("alice", eip1559(3, FRESH, 5).into());
        let tx = Ethereum::check(&bytes).expect("valid");
        assert_eq!(tx.from, dev("alice"));
        assert_eq!(tx.hash, H256(keccak(&bytes)));
        assert_eq!((tx.tx_type, tx.nonce, tx.gas_limit), (2, 3, 21_000));
        assert_eq!(tx.max_fee_per_gas, 2 * MIN_BASE_FEE);
        assert_eq!(tx.max_priority_fee_per_gas, Some(TIP));
        assert_eq!(tx.message.value, U256::from(5));
        assert_eq!(tx.message.nonce, Some(3));
        // A legacy gas price has no separate tip.
        let bytes = sign("alice", legacy(0, to(FRESH), MIN_BASE_FEE, 21_000).into());
        let tx = Ethereum::check(&bytes).expect("valid");
        assert_eq!((tx.tx_type, tx.max_priority_fee_per_gas), (0, None));
    });
}

#[test]
fn check_refuses_what_is_not_exactly_one_transaction() {
    ExtBuilder::default().build().execute_with(|| {
        assert_eq!(refusal(&[]), custom(invalid::MALFORMED));
        assert_eq!(refusal(&[0xff, 0x01, 0x02]), custom(invalid::MALFORMED));
        assert_eq!(refusal(&[0x02, 0xc0]), custom(invalid::MALFORMED));
        let mut bytes = sign("alice", eip1559(0, FRESH, 5).into());
        assert!(Ethereum::check(&bytes).is_ok());
        bytes.push(0);
        assert_eq!(refusal(&bytes), custom(invalid::MALFORMED));
        let mut bytes = sign("alice", legacy(0, to(FRESH), MIN_BASE_FEE, 21_000).into());
        bytes.push(0x80);
        assert_eq!(refusal(&bytes), custom(invalid::MALFORMED));
    });
}

#[test]
fn check_refuses_blob_and_set_code_transactions() {
    ExtBuilder::default().build().execute_with(|| {
        let blob = TxEip4844 {
            chain_id: CHAIN_ID,
            gas_limit: 21_000,
            max_fee_per_gas: 2 * MIN_BASE_FEE,
            to: Address::from(FRESH.0),
            blob_versioned_hashes: vec![B256::repeat_byte(1)],
            max_fee_per_blob_gas: 1,
            ..Default::default()
        };
        let bytes = sign("alice", TypedTransaction::Eip4844(TxEip4844Variant::TxEip4844(blob)));
        assert_eq!(bytes[0], 3);
        assert_eq!(refusal(&bytes), custom(invalid::UNSUPPORTED_TYPE));
        let set_code = TxEip7702 {
            chain_id: CHAIN_ID,
            gas_limit: 50_000,
            max_fee_per_gas: 2 * MIN_BASE_FEE,
            to: Address::from(FRESH.0),
            ..Default::default()
        };
        let bytes = sign("alice", set_code.into());
        assert_eq!(bytes[0], 4);
        assert_eq!(refusal(&bytes), custom(invalid::UNSUPPORTED_TYPE));
    });
}

#[test]
fn check_refuses_another_chains_transaction_and_one_without_chain_id() {
    ExtBuilder::default().build().execute_with(|| {
        let mut tx = legacy(0, to(FRESH), MIN_BASE_FEE, 21_000);
        tx.chain_id = Some(CHAIN_ID + 1);
        assert_eq!(refusal(&sign("alice", tx.clone().into())), custom(invalid::INVALID_CHAIN_ID));
        // A pre-EIP-155 transaction could be replayed on any chain.
        tx.chain_id = None;
        assert_eq!(refusal(&sign("alice", tx.into())), custom(invalid::INVALID_CHAIN_ID));
        let mut tx = eip1559(0, FRESH, 5);
        tx.chain_id = 1;
        assert_eq!(refusal(&sign("alice", tx.into())), custom(invalid::INVALID_CHAIN_ID));
    });
}

#[test]
fn check_refuses_a_tip_above_the_fee_cap() {
    ExtBuilder::default().build().execute_with(|| {
        let mut tx = eip1559(0, FRESH, 5);
        tx.max_priority_fee_per_gas = tx.max_fee_per_gas + 1;
        assert_eq!(refusal(&sign("alice", tx.clone().into())), custom(invalid::TIP_ABOVE_FEE_CAP));
        tx.max_priority_fee_per_gas = tx.max_fee_per_gas;
        assert!(Ethereum::check(&sign("alice", tx.into())).is_ok());
    });
}

#[test]
fn check_refuses_less_gas_than_intrinsic_and_more_than_a_block() {
    ExtBuilder::default().build().execute_with(|| {
        let mut tx = eip1559(0, FRESH, 5);
        tx.gas_limit = 20_999;
        assert_eq!(
            refusal(&sign("alice", tx.clone().into())),
            custom(invalid::INTRINSIC_GAS_TOO_LOW)
        );
        // Call data costs gas too.
        tx.gas_limit = 21_000;
        tx.input = Bytes::from(vec![1]);
        assert_eq!(
            refusal(&sign("alice", tx.clone().into())),
            custom(invalid::INTRINSIC_GAS_TOO_LOW)
        );
        // 16 gas for the byte, but EIP-7623's floor for call data is 10 per token (4 for a
        // non-zero byte): 21 040.
        tx.gas_limit = 21_039;
        assert_eq!(
            refusal(&sign("alice", tx.clone().into())),
            custom(invalid::INTRINSIC_GAS_TOO_LOW)
        );
        tx.gas_limit = 21_040;
        assert!(Ethereum::check(&sign("alice", tx.clone().into())).is_ok());
        // A creation costs 32 000 more.
        let create = legacy(0, TxKind::Create, MIN_BASE_FEE, 52_999);
        assert_eq!(refusal(&sign("alice", create.into())), custom(invalid::INTRINSIC_GAS_TOO_LOW));

        tx.gas_limit = BLOCK_GAS_LIMIT + 1;
        assert_eq!(
            refusal(&sign("alice", tx.clone().into())),
            InvalidTransaction::ExhaustsResources.into()
        );
        tx.gas_limit = BLOCK_GAS_LIMIT;
        assert!(Ethereum::check(&sign("alice", tx.into())).is_ok());
    });
}

#[test]
fn check_refuses_a_high_s_signature() {
    ExtBuilder::default().build().execute_with(|| {
        let tx: TypedTransaction = eip1559(0, FRESH, 5).into();
        let bytes = sign("alice", tx.clone());
        let TxEnvelope::Eip1559(signed) =
            TxEnvelope::decode_2718(&mut &bytes[..]).expect("decodes")
        else {
            panic!("an EIP-1559 transaction")
        };
        let low = *signed.signature();
        // The same signature with s' = n - s and the other parity: valid for secp256k1, refused
        // by Ethereum (EIP-2).
        let n = EthU256::from_be_slice(
            &hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
                .expect("hex"),
        );
        let high = alloy_primitives::Signature::new(low.r(), n - low.s(), !low.v());
        assert_eq!(high.normalize_s(), Some(low));
        let bytes = TxEnvelope::from(tx.into_signed(high)).encoded_2718();
        assert_eq!(refusal(&bytes), InvalidTransaction::BadProof.into());
    });
}

#[test]
fn a_used_nonce_is_stale_and_a_future_one_waits_for_the_previous() {
    ExtBuilder::default().build().execute_with(|| {
        let alice = dev("alice");
        pallet_system::Pallet::<Test>::inc_account_nonce(&alice);
        assert_eq!(
            validate(sign("alice", eip1559(0, FRESH, 5).into())),
            Err(InvalidTransaction::Stale.into())
        );
        // The same tags as a native extrinsic's nonce: `(sender, nonce as u32)`.
        let valid = validate(sign("alice", eip1559(1, FRESH, 5).into())).expect("valid");
        assert_eq!(valid.provides, vec![(alice, 1u32).encode()]);
        assert!(valid.requires.is_empty());
        let native = pallet_system::extensions::validate_nonce(&alice, 1).expect("valid");
        assert_eq!(valid.provides, native.provides);

        let valid = validate(sign("alice", eip1559(3, FRESH, 5).into())).expect("valid");
        assert_eq!(valid.provides, vec![(alice, 3u32).encode()]);
        assert_eq!(valid.requires, vec![(alice, 2u32).encode()]);
        assert_eq!(valid.longevity, u64::MAX);
        assert!(valid.propagate);

        // In a block the nonce must be exactly the sender's.
        assert_eq!(
            pre_dispatch(sign("alice", eip1559(3, FRESH, 5).into())),
            Err(InvalidTransaction::Future.into())
        );
        assert_eq!(
            pre_dispatch(sign("alice", eip1559(0, FRESH, 5).into())),
            Err(InvalidTransaction::Stale.into())
        );
        assert_eq!(pre_dispatch(sign("alice", eip1559(1, FRESH, 5).into())), Ok(()));
    });
}

#[test]
fn the_pool_refuses_a_fee_cap_below_the_base_fee_and_a_sender_who_cannot_pay() {
    ExtBuilder::default().build().execute_with(|| {
        let mut tx = eip1559(0, FRESH, 5);
        tx.max_fee_per_gas = MIN_BASE_FEE - 1;
        tx.max_priority_fee_per_gas = 0;
        assert_eq!(validate(sign("alice", tx.into())), Err(custom(invalid::FEE_CAP_TOO_LOW)));
        let tx = legacy(0, to(FRESH), MIN_BASE_FEE - 1, 21_000);
        assert_eq!(validate(sign("alice", tx.into())), Err(custom(invalid::FEE_CAP_TOO_LOW)));

        // gas × fee cap + value must be spendable.
        let tx = eip1559(0, FRESH, ENDOWMENT - 21_000 * 2 * MIN_BASE_FEE);
        assert!(validate(sign("alice", tx.into())).is_ok());
        let tx = eip1559(0, FRESH, ENDOWMENT - 21_000 * 2 * MIN_BASE_FEE + 1);
        assert_eq!(validate(sign("alice", tx.into())), Err(InvalidTransaction::Payment.into()));
        // Nor can one without an account.
        let tx = eip1559(0, FRESH, 0);
        assert_eq!(validate(sign("charlie", tx.into())), Err(InvalidTransaction::Payment.into()));
    });
    // Only the spendable balance counts.
    let gas = 21_000 * 2 * MIN_BASE_FEE;
    ExtBuilder::default().balance(dev("charlie"), gas + 10).build().execute_with(|| {
        assert!(validate(sign("charlie", eip1559(0, FRESH, 10).into())).is_ok());
        Balances::set_lock(*b"vote    ", &dev("charlie"), 1);
        assert_eq!(
            validate(sign("charlie", eip1559(0, FRESH, 10).into())),
            Err(InvalidTransaction::Payment.into())
        );
    });
}

#[test]
fn the_priority_is_the_tip_paid_at_the_current_base_fee() {
    ExtBuilder::default().build().execute_with(|| {
        let priority = |tx: TypedTransaction| validate(sign("alice", tx)).expect("valid").priority;
        let mut tx = eip1559(0, FRESH, 5);
        assert_eq!(priority(tx.clone().into()), TIP as u64);
        // The fee cap leaves room for only 5 wei of tip.
        tx.max_fee_per_gas = MIN_BASE_FEE + 5;
        assert_eq!(priority(tx.into()), 5);
        // A legacy gas price is all tip above the base fee.
        assert_eq!(priority(legacy(0, to(FRESH), MIN_BASE_FEE + 7, 21_000).into()), 7);
        BaseFeePerGas::put(U256::from(MIN_BASE_FEE + 3));
        assert_eq!(priority(legacy(0, to(FRESH), MIN_BASE_FEE + 7, 21_000).into()), 4);
    });
}

#[test]
fn a_transfer_is_applied_with_its_receipt() {
    ExtBuilder::default().build().execute_with(|| {
        let alice = dev("alice");
        let bytes = sign("alice", eip1559(0, FRESH, LUX).into());
        let issuance = pallet_balances::TotalIssuance::get();
        let receipt = apply(bytes.clone());
        let price = MIN_BASE_FEE + TIP;
        assert_eq!(
            receipt,
            EthReceipt {
                transaction_hash: H256(keccak(&bytes)),
                transaction_index: 0,
                extrinsic_index: 0,
                transaction_type: 2,
                from: alice,
                to: Some(FRESH),
                contract_address: None,
                status: true,
                gas_used: 21_000,
                cumulative_gas_used: 21_000,
                effective_gas_price: U256::from(price),
                logs: Vec::new(),
                logs_bloom: Bloom::default(),
            }
        );
        assert_eq!(free(&FRESH), LUX);
        assert_eq!(free(&alice), ENDOWMENT - LUX - 21_000 * price);
        assert_eq!(pallet_system::Pallet::<Test>::account_nonce(&alice), 1);
        assert_eq!(free(&AUTHOR), 21_000 * TIP);
        assert_eq!(pallet_balances::TotalIssuance::get(), issuance - 21_000 * MIN_BASE_FEE);
        assert_eq!(
            ethereum_events(),
            vec![Event::Executed {
                from: alice,
                to: FRESH,
                transaction_hash: H256(keccak(&bytes)),
                exit_reason: EthCallStatus::Success,
                gas_used: 21_000,
            }]
        );
        // Applied once: the same bytes are now stale.
        assert_eq!(pre_dispatch(bytes), Err(InvalidTransaction::Stale.into()));
    });
}

#[test]
fn receipts_accumulate_and_move_to_the_finished_block() {
    ExtBuilder::default().build().execute_with(|| {
        let (alice, bob) = (dev("alice"), dev("bob"));
        // An inherent came first.
        pallet_system::Pallet::<Test>::note_applied_extrinsic(
            &Ok(Default::default()),
            DispatchInfo::default(),
        );
        let deploy = legacy(0, TxKind::Create, MIN_BASE_FEE + 1, 200_000);
        let deploy = TxLegacy { input: Bytes::from(init_code(&STORE_AND_LOG)), ..deploy };
        let first = apply(sign("bob", deploy.into()));
        let contract = AccountId20(Address::from(bob.0).create(0).0 .0);
        assert_eq!((first.to, first.contract_address), (None, Some(contract)));
        assert_eq!((first.transaction_index, first.extrinsic_index), (0, 1));
        assert_eq!(first.transaction_type, 0);
        assert_eq!(first.effective_gas_price, U256::from(MIN_BASE_FEE + 1));
        assert_eq!(first.cumulative_gas_used, first.gas_used);
        assert!(first.logs.is_empty());
        assert!(matches!(
            ethereum_events().last(),
            Some(Event::Executed { to, .. }) if *to == contract
        ));

        // The fee cap is below base fee + tip: the price is the cap.
        let mut call = eip1559(0, contract, 0);
        call.gas_limit = 100_000;
        call.max_fee_per_gas = MIN_BASE_FEE + 1;
        call.input = Bytes::from(word(42).to_vec());
        let second = apply(sign("alice", call.into()));
        assert_eq!((second.transaction_index, second.extrinsic_index), (1, 2));
        assert_eq!(second.effective_gas_price, U256::from(MIN_BASE_FEE + 1));
        assert_eq!(second.cumulative_gas_used, first.gas_used + second.gas_used);
        assert_eq!(second.logs.len(), 1);
        assert_eq!(second.logs[0].address, contract);
        assert!(second.logs_bloom.contains_hash(&keccak(&contract.0)));
        assert!(second.logs_bloom.contains_hash(&keccak(&word(1))));
        assert!(!second.logs_bloom.contains_hash(&keccak(&alice.0)));
        assert_eq!(Evm::storage_at(&contract, &H256::zero()), H256(word(42)));
        assert_eq!(PendingGasUsed::get(), second.cumulative_gas_used);

        Ethereum::on_finalize(1);
        assert_eq!(CurrentReceipts::get(), vec![first, second.clone()]);
        assert!(Pending::get().is_empty());
        assert_eq!(PendingGasUsed::get(), 0);
        assert_eq!(
            CurrentBlock::get(),
            Some(EthBlockInfo {
                author: AUTHOR,
                gas_limit: BLOCK_GAS_LIMIT,
                gas_used: second.cumulative_gas_used,
                base_fee_per_gas: U256::from(MIN_BASE_FEE),
                logs_bloom: second.logs_bloom,
                timestamp_ms: NOW,
            })
        );
        // Far below the target: the base fee stays at its floor.
        assert_eq!(Ethereum::base_fee(), U256::from(MIN_BASE_FEE));

        // The next block has no Ethereum transactions: no receipts.
        Ethereum::on_finalize(2);
        assert!(CurrentReceipts::get().is_empty());
        assert_eq!(CurrentBlock::get().map(|b| b.gas_used), Some(0));
    });
}

#[test]
fn a_reverted_transaction_is_charged_and_has_a_failed_receipt() {
    ExtBuilder::default().build().execute_with(|| {
        let bob = dev("bob");
        // PUSH1 0 PUSH1 0 REVERT.
        let init = init_code(&[0x60, 0x00, 0x60, 0x00, 0xfd]);
        let deploy = TxLegacy {
            input: Bytes::from(init),
            ..legacy(0, TxKind::Create, MIN_BASE_FEE, 100_000)
        };
        apply(sign("bob", deploy.into()));
        let reverter = AccountId20(Address::from(bob.0).create(0).0 .0);
        let mut call = eip1559(0, reverter, 0);
        call.gas_limit = 50_000;
        let alice = dev("alice");
        let receipt = apply(sign("alice", call.into()));
        assert!(!receipt.status);
        assert!(receipt.gas_used > 21_000);
        assert_eq!(free(&alice), ENDOWMENT - u128::from(receipt.gas_used) * (MIN_BASE_FEE + TIP));
        assert_eq!(pallet_system::Pallet::<Test>::account_nonce(&alice), 1);
        assert!(matches!(
            ethereum_events().last(),
            Some(Event::Executed { exit_reason: EthCallStatus::Revert, .. })
        ));
    });
}

#[test]
fn only_a_valid_unsigned_transaction_is_dispatched() {
    ExtBuilder::default().build().execute_with(|| {
        let bytes = sign("alice", eip1559(0, FRESH, 5).into());
        let signed =
            Call::transact { transaction: bytes }.dispatch::<Test>(RawOrigin::Signed(dev("alice")));
        assert_eq!(signed.map_err(|e| e.error), Err(DispatchError::BadOrigin));
        let malformed =
            Call::transact { transaction: vec![0x02] }.dispatch::<Test>(RawOrigin::None);
        assert_eq!(malformed.map_err(|e| e.error), Err(Error::<Test>::InvalidTransaction.into()));
        assert!(Pending::get().is_empty());
    });
}

#[test]
fn a_block_holds_no_more_gas_than_its_limit() {
    ExtBuilder::default().build().execute_with(|| {
        PendingGasUsed::put(BLOCK_GAS_LIMIT - 21_000 + 1);
        let bytes = sign("alice", eip1559(0, FRESH, 5).into());
        assert_eq!(pre_dispatch(bytes.clone()), Err(InvalidTransaction::ExhaustsResources.into()));
        // The pool keeps it for a later block.
        assert!(validate(bytes.clone()).is_ok());
        PendingGasUsed::put(BLOCK_GAS_LIMIT - 21_000);
        apply(bytes);
        Ethereum::on_finalize(1);
        let block = CurrentBlock::get().expect("finished");
        assert_eq!(block.gas_used, block.gas_limit);
    });
}

#[test]
fn the_base_fee_follows_the_blocks_fullness() {
    let limit = 30_000_000;
    let next = |base: u64, used: u64, floor: u64| {
        Ethereum::next_base_fee(U256::from(base), used, limit, U256::from(floor))
    };
    // A full block: +12.5%; on target: unchanged; empty: -12.5%.
    assert_eq!(next(1_000_000, limit, 0), U256::from(1_125_000));
    assert_eq!(next(1_000_000, limit / 2, 0), U256::from(1_000_000));
    assert_eq!(next(1_000_000, 0, 0), U256::from(875_000));
    // Halfway between target and full: +6.25%.
    assert_eq!(next(1_000_000, limit * 3 / 4, 0), U256::from(1_062_500));
    // Never below the floor.
    assert_eq!(next(1_000_000, 0, 950_000), U256::from(950_000));
    assert_eq!(next(950_000, 0, 950_000), U256::from(950_000));
    assert_eq!(next(100, limit, 1_000), U256::from(1_000));
    // Above the target it rises by at least 1 wei, even when 1/8 of the excess rounds to 0.
    assert_eq!(next(7, limit / 2 + 1, 0), U256::from(8));
    assert_eq!(next(0, limit, 0), U256::from(1));
}

#[test]
fn the_end_of_a_block_moves_the_base_fee() {
    ExtBuilder::default().min_base_fee(800).build().execute_with(|| {
        assert_eq!(Ethereum::base_fee(), U256::from(800));
        // Two full blocks: +12.5% each (rounded down).
        PendingGasUsed::put(BLOCK_GAS_LIMIT);
        Ethereum::on_finalize(1);
        assert_eq!(Ethereum::base_fee(), U256::from(900));
        assert_eq!(CurrentBlock::get().map(|b| b.base_fee_per_gas), Some(U256::from(800)));
        PendingGasUsed::put(BLOCK_GAS_LIMIT);
        Ethereum::on_finalize(2);
        assert_eq!(Ethereum::base_fee(), U256::from(1_012));
        // Two empty blocks: -12.5%, then down to the floor and not below.
        Ethereum::on_finalize(3);
        assert_eq!(Ethereum::base_fee(), U256::from(886));
        Ethereum::on_finalize(4);
        assert_eq!(Ethereum::base_fee(), U256::from(800));
        // The EVM charges it.
        use pallet_evm::FeeMarket;
        assert_eq!(<Ethereum as FeeMarket>::base_fee(), U256::from(800));
    });
}
