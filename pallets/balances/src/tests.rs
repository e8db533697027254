//! Unit tests of the balances pallet.

use crate::mock::*;
use crate::*;
use lux_primitives::dispatch::ModuleError;

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

fn dispatch(call: Call, origin: RawOrigin) -> Result<(), DispatchError> {
    call.dispatch::<Test>(origin).map(|_| ()).map_err(|e| e.error)
}

fn module_error(index: u8) -> DispatchError {
    DispatchError::Module(ModuleError { index: 3, error: [index, 0, 0, 0], message: None })
}

fn without_message(r: Result<(), DispatchError>) -> Result<(), DispatchError> {
    r.map_err(|e| match e {
        DispatchError::Module(m) => DispatchError::Module(ModuleError { message: None, ..m }),
        e => e,
    })
}

fn issuance_is_sum_of_balances() -> bool {
    let sum: Balance = pallet_system::Account::iter().map(|(_, info)| info.data.free).sum();
    TotalIssuance::get() == sum
}

#[test]
fn genesis_sets_balances_and_issuance() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        assert_eq!(Balances::free_balance(&account(1)), 100);
        assert_eq!(TotalIssuance::get(), 150);
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn genesis_rejects_balances_below_existential_deposit() {
    let mut ext = lux_io::TestExternalities::default();
    ext.execute_with(|| {
        let r = GenesisConfig { balances: vec![(account(1), ED - 1)] }.build::<Test>();
        assert!(r.is_err());
    });
}

#[test]
fn transfer_keep_alive_moves_balance_and_emits_event() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        assert_eq!(
            dispatch(Call::transfer_keep_alive { dest: account(2), value: 30 }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), 70);
        assert_eq!(Balances::free_balance(&account(2)), 80);
        assert_eq!(
            balance_events(),
            vec![Event::Transfer { from: account(1), to: account(2), amount: 30 }]
        );
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn transfer_to_new_account_needs_existential_deposit() {
    ExtBuilder::default().balances(&[(1, 100)]).build().execute_with(|| {
        assert_eq!(
            without_message(dispatch(Call::transfer_keep_alive { dest: account(9), value: ED - 1 }, signed(1))),
            Err(module_error(1))
        );
        assert_eq!(dispatch(Call::transfer_keep_alive { dest: account(9), value: ED }, signed(1)), Ok(()));
        assert_eq!(Balances::free_balance(&account(9)), ED);
        assert!(system_events().contains(&pallet_system::Event::NewAccount { account: account(9) }));
        assert!(balance_events().contains(&Event::Endowed { account: account(9), free_balance: ED }));
    });
}

#[test]
fn insufficient_balance_and_keep_alive() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        assert_eq!(
            without_message(dispatch(
                Call::transfer_allow_death { dest: account(2), value: 101 },
                signed(1)
            )),
            Err(module_error(0))
        );
        assert_eq!(
            without_message(dispatch(
                Call::transfer_keep_alive { dest: account(2), value: 95 },
                signed(1)
            )),
            Err(module_error(2))
        );
        assert_eq!(
            without_message(dispatch(
                Call::transfer_keep_alive { dest: account(2), value: 100 },
                signed(1)
            )),
            Err(module_error(2))
        );
        assert_eq!(Balances::free_balance(&account(1)), 100);
    });
}

#[test]
fn allow_death_reaps_sender_and_burns_dust() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        pallet_system::Account::mutate(account(1), |a| a.nonce = 3);
        assert_eq!(
            dispatch(Call::transfer_allow_death { dest: account(2), value: 95 }, signed(1)),
            Ok(())
        );
        assert!(!pallet_system::Account::contains_key(account(1)));
        assert_eq!(pallet_system::Pallet::<Test>::account_nonce(&account(1)), 0);
        assert_eq!(Balances::free_balance(&account(2)), 145);
        assert_eq!(TotalIssuance::get(), 145);
        assert!(balance_events().contains(&Event::DustLost { account: account(1), amount: 5 }));
        assert!(
            system_events().contains(&pallet_system::Event::KilledAccount { account: account(1) })
        );
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn transfer_all() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        assert_eq!(
            dispatch(Call::transfer_all { dest: account(2), keep_alive: true }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), ED);
        assert_eq!(
            dispatch(Call::transfer_all { dest: account(2), keep_alive: false }, signed(1)),
            Ok(())
        );
        assert!(!pallet_system::Account::contains_key(account(1)));
        assert_eq!(Balances::free_balance(&account(2)), 150);
    });
}

#[test]
fn force_set_balance_is_root_only_and_adjusts_issuance() {
    ExtBuilder::default().balances(&[(1, 100)]).build().execute_with(|| {
        assert_eq!(
            dispatch(Call::force_set_balance { who: account(5), new_free: 1_000 }, signed(1)),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(
            dispatch(Call::force_set_balance { who: account(5), new_free: 1_000 }, RawOrigin::Root),
            Ok(())
        );
        assert_eq!(TotalIssuance::get(), 1_100);
        assert_eq!(
            dispatch(Call::force_set_balance { who: account(1), new_free: 5 }, RawOrigin::Root),
            Ok(())
        );
        assert!(!pallet_system::Account::contains_key(account(1)));
        assert_eq!(TotalIssuance::get(), 1_000);
        assert!(issuance_is_sum_of_balances());
        assert_eq!(
            dispatch(
                Call::force_transfer { source: account(5), dest: account(6), value: 100 },
                RawOrigin::Root
            ),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(6)), 100);
    });
}

#[test]
fn currency_withdraw_and_deposit() {
    ExtBuilder::default().balances(&[(1, 100)]).build().execute_with(|| {
        assert!(<Balances as Currency>::withdraw(&account(1), 95, Existence::KeepAlive).is_err());
        assert_eq!(<Balances as Currency>::withdraw(&account(1), 40, Existence::KeepAlive), Ok(()));
        assert_eq!(TotalIssuance::get(), 60);
        assert_eq!(<Balances as Currency>::deposit(&account(1), 15), Ok(()));
        assert_eq!(Balances::free_balance(&account(1)), 75);
        assert!(<Balances as Currency>::deposit(&account(7), ED - 1).is_err());
        assert!(issuance_is_sum_of_balances());
        assert_eq!(
            <Balances as Currency>::withdraw(&account(1), 70, Existence::AllowDeath),
            Ok(())
        );
        assert_eq!(TotalIssuance::get(), 0);
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn zero_and_self_transfers_do_nothing() {
    ExtBuilder::default().balances(&[(1, 100)]).build().execute_with(|| {
        assert_eq!(
            dispatch(Call::transfer_keep_alive { dest: account(1), value: 50 }, signed(1)),
            Ok(())
        );
        assert_eq!(
            dispatch(Call::transfer_keep_alive { dest: account(2), value: 0 }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), 100);
        assert!(balance_events().is_empty());
    });
}

const STAKING: LockIdentifier = *b"staking ";
const VOTING: LockIdentifier = *b"pyconvot";

#[test]
fn locked_funds_cannot_be_transferred() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        Balances::set_lock(STAKING, &account(1), 60);
        assert_eq!(Balances::frozen_balance(&account(1)), 60);
        assert_eq!(Balances::free_balance(&account(1)), 100, "locked funds stay in the account");
        assert_eq!(
            without_message(dispatch(
                Call::transfer_allow_death { dest: account(2), value: 41 },
                signed(1)
            )),
            Err(module_error(3)),
            "LiquidityRestrictions"
        );
        // What is above the lock moves.
        assert_eq!(
            dispatch(Call::transfer_allow_death { dest: account(2), value: 40 }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), 60);
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn locks_overlap_instead_of_adding_up() {
    ExtBuilder::default().balances(&[(1, 100)]).build().execute_with(|| {
        Balances::set_lock(STAKING, &account(1), 60);
        Balances::set_lock(VOTING, &account(1), 80);
        assert_eq!(Balances::frozen_balance(&account(1)), 80, "the larger lock, not 140");
        assert_eq!(Locks::get(account(1)).len(), 2);
        Balances::extend_lock(STAKING, &account(1), 50);
        assert_eq!(Balances::lock(STAKING, &account(1)), 60, "extend never lowers");
        Balances::extend_lock(STAKING, &account(1), 90);
        assert_eq!(Balances::frozen_balance(&account(1)), 90);
        Balances::set_lock(STAKING, &account(1), 10);
        assert_eq!(Balances::frozen_balance(&account(1)), 80, "set lowers");
        Balances::remove_lock(VOTING, &account(1));
        assert_eq!(Balances::frozen_balance(&account(1)), 10);
        Balances::set_lock(STAKING, &account(1), 0);
        assert_eq!(Balances::frozen_balance(&account(1)), 0);
        assert!(!Locks::contains_key(account(1)), "no empty lock list is left behind");
    });
}

#[test]
fn locked_funds_cannot_pay_fees_and_keep_the_account_alive() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        Balances::set_lock(STAKING, &account(1), 95);
        assert_eq!(
            without_message(<Balances as Currency>::withdraw(
                &account(1),
                6,
                Existence::AllowDeath
            )),
            Err(module_error(3))
        );
        assert_eq!(<Balances as Currency>::withdraw(&account(1), 5, Existence::AllowDeath), Ok(()));
        // A lock below the existential deposit still keeps the account alive.
        Balances::set_lock(STAKING, &account(1), 1);
        assert_eq!(
            without_message(dispatch(
                Call::transfer_allow_death { dest: account(2), value: 94 },
                signed(1)
            )),
            Err(module_error(2)),
            "Expendability"
        );
        // transfer_all leaves the lock and the existential deposit.
        assert_eq!(
            dispatch(Call::transfer_all { dest: account(2), keep_alive: false }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), ED);
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn locks_on_missing_accounts_do_nothing_and_locked_accounts_cannot_be_removed() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        Balances::set_lock(STAKING, &account(9), 50);
        assert!(!Locks::contains_key(account(9)));
        assert!(!pallet_system::Account::contains_key(account(9)), "no account was created");

        // A lock is a consumer reference, as in Substrate.
        Balances::set_lock(STAKING, &account(1), 50);
        Balances::set_lock(VOTING, &account(1), 20);
        assert_eq!(pallet_system::Account::get(account(1)).consumers, 1);
        assert_eq!(
            dispatch(Call::force_set_balance { who: account(1), new_free: 0 }, RawOrigin::Root),
            Err(DispatchError::ConsumerRemaining)
        );
        assert_eq!(Balances::free_balance(&account(1)), 100);
        // Root's transfers respect locks too.
        assert_eq!(
            without_message(dispatch(
                Call::force_transfer { source: account(1), dest: account(2), value: 60 },
                RawOrigin::Root
            )),
            Err(module_error(3))
        );
        Balances::remove_lock(STAKING, &account(1));
        assert_eq!(pallet_system::Account::get(account(1)).consumers, 1, "voting still locks");
        Balances::remove_lock(VOTING, &account(1));
        assert_eq!(pallet_system::Account::get(account(1)).consumers, 0);
        assert_eq!(
            dispatch(Call::force_set_balance { who: account(1), new_free: 0 }, RawOrigin::Root),
            Ok(())
        );
        assert!(!pallet_system::Account::contains_key(account(1)));
        Balances::remove_lock(STAKING, &account(1));
        assert!(
            !pallet_system::Account::contains_key(account(1)),
            "removing a lock creates nothing"
        );
        assert!(issuance_is_sum_of_balances());
    });
}

#[test]
fn keep_alive_transfers_leave_the_larger_of_lock_and_existential_deposit() {
    ExtBuilder::default().balances(&[(1, 100), (2, 50)]).build().execute_with(|| {
        Balances::set_lock(STAKING, &account(1), 5);
        assert_eq!(
            dispatch(Call::transfer_all { dest: account(2), keep_alive: true }, signed(1)),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&account(1)), ED);
        Balances::set_lock(STAKING, &account(2), 200);
        assert_eq!(Balances::frozen_balance(&account(2)), 200, "a lock may exceed the balance");
        assert_eq!(
            without_message(dispatch(
                Call::transfer_keep_alive { dest: account(1), value: 1 },
                signed(2)
            )),
            Err(module_error(3))
        );
        assert!(issuance_is_sum_of_balances());
    });
}
