//! Tests of the EVM pallet: the EVM's view of the accounts and how its changes are written
//! back (balances, issuance, EIP-161), contracts' code and storage, the native calls, and the
//! host-backed `ecrecover`.

use crate::mock::*;
use crate::{
    account, address, AccountCodes, AccountCodesMetadata, AccountStorages, Call, CodeMetadata,
    Error, Event, ExecError, Fees, Message, TxKind,
};
use lux_primitives::ethereum::{EthCallStatus, EthLog};
use lux_primitives::{AccountId20, Balance, H256, U256};
use lux_support::traits::{Currency, LockableCurrency};
use lux_support::{DispatchError, RawOrigin};
use pallet_balances::TotalIssuance;
use pallet_system::{Account, AccountInfo};

const ALICE: AccountId20 = AccountId20([1; 20]);
const BOB: AccountId20 = AccountId20([2; 20]);
/// An address no one has used.
const FRESH: AccountId20 = AccountId20([7; 20]);
const ENDOWMENT: Balance = 100 * LUX;

fn new_test_ext() -> lux_io::TestExternalities {
    ExtBuilder::default().balance(ALICE, ENDOWMENT).balance(BOB, ENDOWMENT).build::<Test>()
}

/// A message that pays no fees and checks no nonce (as a native call does).
fn message(caller: AccountId20, kind: TxKind, value: Balance, data: Vec<u8>) -> Message {
    Message {
        caller,
        kind,
        value: U256::from(value),
        data,
        gas_limit: 1_000_000,
        fees: None,
        nonce: None,
        access_list: Vec::new(),
        tx_type: 0,
    }
}

fn to(who: AccountId20) -> TxKind {
    TxKind::Call(address(&who))
}

fn transfer(from: AccountId20, dest: AccountId20, value: Balance) -> Message {
    message(from, to(dest), value, Vec::new())
}

/// Deploys `runtime` from `who` (with `value`) and returns the contract's address.
fn deploy(who: AccountId20, runtime: &[u8], value: Balance) -> AccountId20 {
    let outcome =
        Evm::execute(message(who, TxKind::Create, value, init_code(runtime)), true).expect("ran");
    assert_eq!(outcome.status, EthCallStatus::Success);
    outcome.contract_address.expect("created")
}

fn free(who: &AccountId20) -> Balance {
    Balances::free_balance(who)
}

fn nonce(who: &AccountId20) -> u32 {
    pallet_system::Pallet::<Test>::account_nonce(who)
}

fn state_root() -> [u8; 32] {
    lux_io::storage::root(pallet_system::Pallet::<Test>::state_version())
}

#[test]
fn a_transfer_moves_exactly_the_value_and_creates_the_recipient() {
    new_test_ext().execute_with(|| {
        let issuance = TotalIssuance::get();
        let outcome = Evm::execute(transfer(ALICE, FRESH, 5), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        assert_eq!(outcome.gas_used, 21_000);
        assert_eq!(free(&ALICE), ENDOWMENT - 5);
        assert_eq!(nonce(&ALICE), 1, "a call uses the sender's nonce");
        let recipient = Account::get(FRESH);
        assert_eq!(recipient.providers, 1);
        assert_eq!(recipient.data.free, 5);
        assert_eq!(recipient.nonce, 0);
        assert_eq!(Evm::account_basic(&FRESH).balance, U256::from(5));
        assert_eq!(TotalIssuance::get(), issuance, "no fees: nothing minted or burned");
        assert_eq!(
            events(),
            vec![
                RuntimeEvent::System(pallet_system::Event::NewAccount { account: FRESH }),
                RuntimeEvent::EVM(Event::Executed { address: FRESH }),
            ]
        );
    });
}

#[test]
fn a_message_run_without_commit_changes_nothing() {
    new_test_ext().execute_with(|| {
        let root = state_root();
        let outcome = Evm::execute(transfer(ALICE, FRESH, 5), false).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        let outcome =
            Evm::execute(message(ALICE, TxKind::Create, 0, init_code(&STORE_AND_LOG)), false)
                .expect("ran");
        let contract = outcome.contract_address.expect("would be created");
        assert_eq!(state_root(), root);
        assert!(!Account::contains_key(FRESH));
        assert!(!AccountCodes::contains_key(contract));
        assert_eq!(free(&ALICE), ENDOWMENT);
        assert_eq!(nonce(&ALICE), 0);
        assert!(events().is_empty());
    });
}

#[test]
fn frozen_funds_are_not_spendable() {
    new_test_ext().execute_with(|| {
        Balances::set_lock(*b"staking ", &ALICE, 60 * LUX);
        assert_eq!(Evm::account_basic(&ALICE).balance, U256::from(40 * LUX));
        // The sender is checked for `gas × price + value` before anything runs.
        let mut too_much = transfer(ALICE, BOB, 40 * LUX + 1);
        too_much.fees = Some(Fees { max_fee_per_gas: 0, max_priority_fee_per_gas: None });
        assert_eq!(Evm::execute(too_much, true), Err(ExecError::InsufficientFunds));
        // Without fees (a native call, an `eth_call` without a price) only the value counts.
        assert_eq!(
            Evm::execute(transfer(ALICE, BOB, 40 * LUX + 1), true),
            Err(ExecError::InsufficientFunds)
        );
        assert_eq!(free(&ALICE), ENDOWMENT);
        assert_eq!(free(&BOB), ENDOWMENT);

        let outcome = Evm::execute(transfer(ALICE, BOB, 40 * LUX), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        assert_eq!(free(&ALICE), 60 * LUX);
        assert_eq!(Balances::frozen_balance(&ALICE), 60 * LUX);
        assert_eq!(free(&BOB), ENDOWMENT + 40 * LUX);
        assert_eq!(Evm::account_basic(&ALICE).balance, U256::zero());
    });
}

#[test]
fn an_account_whose_locks_exceed_its_balance_gains_nothing_when_touched() {
    new_test_ext().execute_with(|| {
        // A slash takes locked funds: the lock now exceeds the free balance.
        Balances::set_lock(*b"staking ", &ALICE, 60 * LUX);
        assert_eq!(Balances::slash(&ALICE, 50 * LUX), 50 * LUX);
        assert_eq!(free(&ALICE), 50 * LUX);
        let issuance = TotalIssuance::get();
        assert_eq!(Evm::account_basic(&ALICE).balance, U256::zero());

        // Touched by a call, and sent value: only the value arrives.
        let outcome = Evm::execute(transfer(BOB, ALICE, 0), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        assert_eq!(free(&ALICE), 50 * LUX);
        assert_eq!(TotalIssuance::get(), issuance);
        Evm::execute(transfer(BOB, ALICE, 7), true).expect("ran");
        assert_eq!(free(&ALICE), 50 * LUX + 7);
        assert_eq!(Evm::account_basic(&ALICE).balance, U256::zero());
        assert_eq!(TotalIssuance::get(), issuance);
    });
}

#[test]
fn an_empty_account_touched_by_the_evm_is_removed_and_none_is_created() {
    new_test_ext().execute_with(|| {
        // A call of no value to an unknown address creates no account (EIP-161).
        Evm::execute(transfer(ALICE, FRESH, 0), true).expect("ran");
        assert!(!Account::contains_key(FRESH));

        // An existing account with nothing in it is removed when touched.
        Account::insert(BOB, AccountInfo { providers: 1, ..Default::default() });
        Evm::execute(transfer(ALICE, BOB, 0), true).expect("ran");
        assert!(!Account::contains_key(BOB));
        assert!(events()
            .contains(&RuntimeEvent::System(pallet_system::Event::KilledAccount { account: BOB })));
    });
}

#[test]
fn an_emptied_account_with_a_nonce_code_or_locks_stays() {
    new_test_ext().execute_with(|| {
        // The sender gives everything away: its nonce keeps it.
        let outcome = Evm::execute(transfer(ALICE, FRESH, ENDOWMENT), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        let alice = Account::get(ALICE);
        assert_eq!((alice.providers, alice.nonce, alice.data.free), (1, 1, 0));

        // A contract (`CALLER SELFDESTRUCT`, not in its creation transaction: EIP-6780 only
        // sends its balance away) keeps its code.
        let contract = deploy(FRESH, &[0x33, 0xff], 1_000);
        assert_eq!(free(&contract), 1_000);
        Evm::execute(transfer(FRESH, contract, 0), true).expect("ran");
        assert_eq!(free(&contract), 0);
        assert!(Account::contains_key(contract));
        assert_eq!(AccountCodes::get(contract), vec![0x33, 0xff]);

        // An account whose balance is all locked looks empty to the EVM, and stays.
        Balances::set_lock(*b"staking ", &BOB, ENDOWMENT);
        assert_eq!(Evm::account_basic(&BOB).balance, U256::zero());
        Evm::execute(transfer(FRESH, BOB, 0), true).expect("ran");
        assert_eq!(free(&BOB), ENDOWMENT);
        assert_eq!(Balances::frozen_balance(&BOB), ENDOWMENT);
    });
}

#[test]
fn the_base_fee_is_burned_and_the_tip_goes_to_the_author() {
    new_test_ext().execute_with(|| {
        const BASE_FEE: Balance = 1_000_000_000;
        const TIP: Balance = 3_000;
        set_base_fee(BASE_FEE);
        let issuance = TotalIssuance::get();
        let mut eip1559 = transfer(ALICE, BOB, LUX);
        eip1559.fees =
            Some(Fees { max_fee_per_gas: 2 * BASE_FEE, max_priority_fee_per_gas: Some(TIP) });
        eip1559.nonce = Some(0);
        eip1559.tx_type = 2;
        let outcome = Evm::execute(eip1559.clone(), true).expect("ran");
        assert_eq!(outcome.gas_used, 21_000);
        assert_eq!(free(&ALICE), ENDOWMENT - LUX - 21_000 * (BASE_FEE + TIP));
        assert_eq!(free(&BOB), ENDOWMENT + LUX);
        assert_eq!(free(&AUTHOR), 21_000 * TIP);
        assert_eq!(Account::get(AUTHOR).providers, 1);
        assert_eq!(TotalIssuance::get(), issuance - 21_000 * BASE_FEE);

        // A fee cap below base fee + tip caps the tip.
        eip1559.fees =
            Some(Fees { max_fee_per_gas: BASE_FEE + 1, max_priority_fee_per_gas: Some(TIP) });
        eip1559.nonce = Some(1);
        Evm::execute(eip1559, true).expect("ran");
        assert_eq!(free(&AUTHOR), 21_000 * (TIP + 1));
        assert_eq!(TotalIssuance::get(), issuance - 2 * 21_000 * BASE_FEE);

        // A legacy gas price above the base fee is all tip.
        let mut legacy = transfer(ALICE, BOB, 0);
        legacy.fees = Some(Fees { max_fee_per_gas: BASE_FEE + 5, max_priority_fee_per_gas: None });
        legacy.nonce = Some(2);
        let before = free(&ALICE);
        Evm::execute(legacy, true).expect("ran");
        assert_eq!(free(&ALICE), before - 21_000 * (BASE_FEE + 5));
        assert_eq!(free(&AUTHOR), 21_000 * (TIP + 1 + 5));
        assert_eq!(TotalIssuance::get(), issuance - 3 * 21_000 * BASE_FEE);
    });
}

#[test]
fn a_fee_paying_message_checks_the_nonce_and_the_fee_cap() {
    new_test_ext().execute_with(|| {
        set_base_fee(100);
        let mut tx = transfer(ALICE, BOB, 1);
        tx.fees = Some(Fees { max_fee_per_gas: 100, max_priority_fee_per_gas: None });
        tx.nonce = Some(1);
        assert_eq!(Evm::execute(tx.clone(), true), Err(ExecError::NonceTooHigh));
        tx.fees = Some(Fees { max_fee_per_gas: 99, max_priority_fee_per_gas: None });
        tx.nonce = Some(0);
        assert_eq!(Evm::execute(tx.clone(), true), Err(ExecError::FeeCapTooLow));
        tx.gas_limit = 20_999;
        tx.fees = Some(Fees { max_fee_per_gas: 100, max_priority_fee_per_gas: None });
        assert_eq!(Evm::execute(tx, true), Err(ExecError::IntrinsicGasTooLow));
        assert_eq!(nonce(&ALICE), 0);
        assert_eq!(free(&ALICE), ENDOWMENT);
    });
}

#[test]
fn a_created_contract_has_its_code_and_metadata_and_storage_writes_land() {
    new_test_ext().execute_with(|| {
        let contract = deploy(ALICE, &STORE_AND_LOG, 0);
        assert_eq!(contract, account(&address(&ALICE).create(0)));
        assert_eq!(AccountCodes::get(contract), STORE_AND_LOG.to_vec());
        assert_eq!(Evm::code(&contract), STORE_AND_LOG.to_vec());
        assert_eq!(
            AccountCodesMetadata::get(contract),
            Some(CodeMetadata {
                size: STORE_AND_LOG.len() as u64,
                hash: H256(lux_io::hashing::keccak_256(&STORE_AND_LOG)),
            })
        );
        // A contract starts with nonce 1 (EIP-161); its creator used one.
        assert_eq!(nonce(&contract), 1);
        assert_eq!(Account::get(contract).providers, 1);
        assert_eq!(nonce(&ALICE), 1);

        let outcome =
            Evm::execute(message(BOB, to(contract), 0, word(42).to_vec()), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        let log =
            EthLog { address: contract, topics: vec![H256(word(1))], data: word(42).to_vec() };
        assert_eq!(outcome.logs, vec![log.clone()]);
        assert_eq!(AccountStorages::get(contract, H256::zero()), H256(word(42)));
        assert_eq!(Evm::storage_at(&contract, &H256::zero()), H256(word(42)));
        assert!(events().contains(&RuntimeEvent::EVM(Event::Log { log })));

        // Writing zero removes the slot.
        Evm::execute(message(BOB, to(contract), 0, word(0).to_vec()), true).expect("ran");
        assert!(!AccountStorages::contains_key(contract, H256::zero()));
        assert_eq!(Evm::storage_at(&contract, &H256::zero()), H256::zero());
    });
}

#[test]
fn a_contract_that_selfdestructs_in_its_creation_leaves_nothing() {
    new_test_ext().execute_with(|| {
        let issuance = TotalIssuance::get();
        // PUSH1 1 PUSH1 0 SSTORE CALLER SELFDESTRUCT: writes a slot, then sends its endowment
        // back and destroys itself (EIP-6780 allows it in the creating transaction).
        let init = vec![0x60, 0x01, 0x60, 0x00, 0x55, 0x33, 0xff];
        let outcome = Evm::execute(message(ALICE, TxKind::Create, 1_000, init), true).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        let address = outcome.create_address.expect("a creation");
        assert!(!AccountCodes::contains_key(address));
        assert!(!AccountCodesMetadata::contains_key(address));
        assert!(!AccountStorages::contains_key(address, H256::zero()));
        assert!(!Account::contains_key(address));
        assert_eq!(free(&ALICE), ENDOWMENT);
        assert_eq!(TotalIssuance::get(), issuance);
    });
}

#[test]
fn native_calls_keep_the_nonce_and_creations_use_one() {
    new_test_ext().execute_with(|| {
        let post = Call::create {
            init: init_code(&STORE_AND_LOG),
            value: U256::zero(),
            gas_limit: 200_000,
        }
        .dispatch::<Test>(RawOrigin::Signed(ALICE))
        .expect("created");
        let contract = account(&address(&ALICE).create(0));
        assert_eq!(nonce(&ALICE), 1);
        assert_eq!(AccountCodes::get(contract), STORE_AND_LOG.to_vec());
        let weight = post.actual_weight.expect("corrected to the gas used");
        assert!(weight.ref_time > 0 && weight.ref_time < crate::gas_to_weight(200_000).ref_time);
        assert_eq!(events().last(), Some(&RuntimeEvent::EVM(Event::Created { address: contract })));

        pallet_system::Pallet::<Test>::initialize(2, H256::repeat_byte(2), &Default::default());
        Call::call {
            target: contract,
            input: word(7).to_vec(),
            value: U256::zero(),
            gas_limit: 100_000,
        }
        .dispatch::<Test>(RawOrigin::Signed(ALICE))
        .expect("called");
        assert_eq!(nonce(&ALICE), 1);
        assert_eq!(AccountStorages::get(contract, H256::zero()), H256(word(7)));
        let log = EthLog { address: contract, topics: vec![H256(word(1))], data: word(7).to_vec() };
        assert_eq!(
            events(),
            vec![
                RuntimeEvent::EVM(Event::Log { log }),
                RuntimeEvent::EVM(Event::Executed { address: contract }),
            ]
        );

        // A revert is the contract's answer: the call succeeds, the event says it failed.
        let reverter = deploy(BOB, &[0x60, 0x00, 0x60, 0x00, 0xfd], 0);
        Call::call { target: reverter, input: Vec::new(), value: U256::zero(), gas_limit: 100_000 }
            .dispatch::<Test>(RawOrigin::Signed(ALICE))
            .expect("dispatched");
        assert_eq!(
            events().last(),
            Some(&RuntimeEvent::EVM(Event::ExecutedFailed { address: reverter }))
        );

        // More value than the caller can spend is refused, as Frontier does.
        let too_much = Call::call {
            target: contract,
            input: Vec::new(),
            value: U256::from(ENDOWMENT) * 2,
            gas_limit: 100_000,
        }
        .dispatch::<Test>(RawOrigin::Signed(ALICE));
        assert_eq!(too_much.map_err(|e| e.error), Err(Error::<Test>::BalanceLow.into()));

        let unsigned = Call::call {
            target: contract,
            input: Vec::new(),
            value: U256::zero(),
            gas_limit: 100_000,
        }
        .dispatch::<Test>(RawOrigin::None);
        assert_eq!(unsigned.map_err(|e| e.error), Err(DispatchError::BadOrigin));
    });
}

#[test]
fn gas_above_the_block_limit_is_refused() {
    new_test_ext().execute_with(|| {
        let call = |gas_limit| Call::call {
            target: BOB,
            input: Vec::new(),
            value: U256::zero(),
            gas_limit,
        };
        assert_eq!(
            call(BLOCK_GAS_LIMIT + 1)
                .dispatch::<Test>(RawOrigin::Signed(ALICE))
                .map_err(|e| e.error),
            Err(Error::<Test>::GasLimitTooHigh.into())
        );
        assert!(call(BLOCK_GAS_LIMIT).dispatch::<Test>(RawOrigin::Signed(ALICE)).is_ok());
        let mut tx = transfer(ALICE, BOB, 1);
        tx.gas_limit = BLOCK_GAS_LIMIT + 1;
        assert_eq!(Evm::execute(tx, false), Err(ExecError::GasLimitTooHigh));
        assert_eq!(
            Call::create { init: Vec::new(), value: U256::zero(), gas_limit: 20_000 }
                .dispatch::<Test>(RawOrigin::Signed(ALICE))
                .map_err(|e| e.error),
            Err(Error::<Test>::GasLimitTooLow.into())
        );
    });
}

#[test]
fn create2_deploys_at_the_salted_address_and_pays_for_hashing_the_code() {
    new_test_ext().execute_with(|| {
        let init = init_code(&STORE_AND_LOG);
        let salt = H256::repeat_byte(0x5a);
        // The address depends on the sender, the salt and the code, not on the nonce.
        let expected = account(&address(&ALICE).create2_from_code(salt.0, &init));
        pallet_system::Account::mutate(ALICE, |a| a.nonce = 9);
        let create2 = |salt: H256| Call::create2 {
            init: init.clone(),
            salt,
            value: U256::from(LUX),
            gas_limit: 200_000,
        };
        let post = create2(salt).dispatch::<Test>(RawOrigin::Signed(ALICE)).expect("created");
        assert_eq!(AccountCodes::get(expected), STORE_AND_LOG.to_vec());
        assert_eq!(free(&expected), LUX);
        assert_eq!(nonce(&ALICE), 10);
        assert_eq!(events().last(), Some(&RuntimeEvent::EVM(Event::Created { address: expected })));

        // The same code created with CREATE costs 6 gas a word less (no hashing).
        let create_post =
            Call::create { init: init.clone(), value: U256::from(LUX), gas_limit: 200_000 }
                .dispatch::<Test>(RawOrigin::Signed(ALICE))
                .expect("created");
        let gas = |post: lux_support::PostDispatchInfo| {
            crate::weight_to_gas(post.actual_weight.expect("gas used"))
        };
        let words = (init.len() as u64).div_ceil(32);
        assert_eq!(gas(post), gas(create_post) + 6 * words);

        // A second creation at the same address collides: the contract is unchanged, the
        // extrinsic succeeds and the event says the creation failed.
        create2(salt).dispatch::<Test>(RawOrigin::Signed(ALICE)).expect("dispatched");
        assert_eq!(
            events().last(),
            Some(&RuntimeEvent::EVM(Event::CreatedFailed { address: expected }))
        );
        assert_eq!(free(&expected), LUX);
        // Another salt, another address.
        let other = H256::repeat_byte(0x5b);
        create2(other).dispatch::<Test>(RawOrigin::Signed(ALICE)).expect("created");
        let other = account(&address(&ALICE).create2_from_code(other.0, &init));
        assert_eq!(AccountCodes::get(other), STORE_AND_LOG.to_vec());
    });
}

#[test]
fn ecrecover_returns_the_signer_through_the_host() {
    new_test_ext().execute_with(|| {
        let pair = lux_keys::dev_account("alice").expect("dev account");
        let hash = lux_io::hashing::keccak_256(b"LuxTensor");
        let signature = pair.sign_prehashed(&hash);
        let mut input = hash.to_vec();
        input.extend_from_slice(&word(27 + u64::from(signature[64])));
        input.extend_from_slice(&signature[..64]);
        let mut ecrecover = AccountId20([0; 20]);
        ecrecover.0[19] = 1;
        let outcome =
            Evm::execute(message(BOB, to(ecrecover), 0, input.clone()), false).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        let mut expected = [0u8; 32];
        expected[12..].copy_from_slice(&pair.address());
        assert_eq!(outcome.output, expected.to_vec());
        // The precompiles' cryptography is the host's.
        assert_eq!(format!("{:?}", revm::precompile::crypto()), "HostCrypto");

        // An invalid `v` recovers nothing: empty output.
        input[63] = 29;
        let outcome = Evm::execute(message(BOB, to(ecrecover), 0, input), false).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        assert!(outcome.output.is_empty());
    });
}

#[test]
fn an_access_list_names_what_the_execution_touched_less_what_every_transaction_has_warm() {
    new_test_ext().execute_with(|| {
        // D reads its slot 1.
        let d = deploy(ALICE, &[0x60, 0x01, 0x54, 0x50, 0x00], 0);
        // C reads FRESH's balance and its own slot 5, calls the sha256 precompile and D.
        let mut c_code = vec![0x73];
        c_code.extend_from_slice(&FRESH.0);
        c_code.extend_from_slice(&[0x31, 0x50, 0x60, 0x05, 0x54, 0x50]);
        c_code
            .extend_from_slice(&[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0x02, 0x5a, 0xfa, 0x50]);
        c_code.extend_from_slice(&[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73]);
        c_code.extend_from_slice(&d.0);
        c_code.extend_from_slice(&[0x5a, 0xf1, 0x50, 0x00]);
        let c = deploy(ALICE, &c_code, 0);
        let root = state_root();

        let (outcome, accessed) =
            Evm::execute_listing_access(message(BOB, to(c), 0, Vec::new())).expect("ran");
        assert_eq!(outcome.status, EthCallStatus::Success);
        // The sender and the precompile are absent; the recipient is there for its slot.
        let mut expected = vec![
            (FRESH, vec![]),
            (c, vec![H256::from_low_u64_be(5)]),
            (d, vec![H256::from_low_u64_be(1)]),
        ];
        expected.sort();
        assert_eq!(accessed, expected);
        assert_eq!(state_root(), root, "nothing was kept");

        // A plain transfer touches nothing a transaction does not have warm.
        let (_, accessed) = Evm::execute_listing_access(transfer(BOB, FRESH, 1)).expect("ran");
        assert_eq!(accessed, vec![]);
    });
}
