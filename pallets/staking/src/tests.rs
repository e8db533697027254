//! Tests of the staking pallet against a runtime with balances and session.

use crate::mock::*;
use crate::*;
use lux_support::traits::Currency;

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

fn error(result: DispatchResultWithPostInfo) -> &'static str {
    match result.map_err(|e| e.error) {
        Err(DispatchError::Module(e)) => e.message.expect("named error"),
        other => panic!("not a module error: {other:?}"),
    }
}

fn ledger(n: u8) -> StakingLedger {
    Ledger::get(account(n)).expect("bonded")
}

fn bond(n: u8, value: Balance, payee: RewardDestination) {
    Call::bond { value, payee }.dispatch::<Test>(signed(n)).expect("bonded");
}

fn exposure(era: EraIndex, n: u8) -> Exposure {
    ErasStakers::get(era, account(n))
}

#[test]
fn genesis_elects_by_stake_and_weights_the_authorities() {
    ExtBuilder::default().nominator(10, 600, &[1, 2]).build().execute_with(|| {
        assert_eq!(Staking::active_era(), Some(0));
        assert_eq!(CurrentEra::get(), Some(0));
        // The nominator's 600 evens out validators 1 (1000 own) and 2 (2000 own): Phragmén
        // gives them equal edge loads, so 300 each.
        assert_eq!(
            exposure(0, 1),
            Exposure {
                total: 1300,
                own: 1000,
                others: vec![IndividualExposure { who: account(10), value: 300 }]
            }
        );
        assert_eq!(exposure(0, 2).total, 2300);
        assert_eq!(exposure(0, 3), Exposure { total: 3000, own: 3000, others: vec![] });
        assert_eq!(ErasTotalStake::get(0), 6600);
        // The session's set is the winners, most backed first, weighted by exposure.
        assert_eq!(Session::validators(), vec![account(3), account(2), account(1)]);
        let weights: Vec<u64> =
            pallet_session::Authorities::get().iter().map(|(_, w)| *w).collect();
        assert_eq!(weights, vec![3000, 2300, 1300]);
        assert_eq!(pallet_session::Authorities::get()[0].0, keys(3).lux);
        assert_eq!(CounterForValidators::get(), 3);
        assert_eq!(CounterForNominators::get(), 1);
    });
}

#[test]
fn bonded_funds_are_locked_and_cannot_be_transferred() {
    ExtBuilder::default().build().execute_with(|| {
        bond(11, 400_000, RewardDestination::Stash);
        assert_eq!(ledger(11).active, 400_000);
        let info = pallet_system::Account::get(account(11));
        assert_eq!(info.data.frozen, 400_000);
        // Moving more than the unbonded part fails with the balances pallet's error.
        let transfer =
            pallet_balances::Call::transfer_keep_alive { dest: account(12), value: 700_000 };
        assert_eq!(error(transfer.dispatch::<Test>(signed(11))), "LiquidityRestrictions");
        let transfer =
            pallet_balances::Call::transfer_keep_alive { dest: account(12), value: 500_000 };
        transfer.dispatch::<Test>(signed(11)).expect("the free part moves");
        // Bonding twice, bonding nothing, or bonding dust are refused.
        assert_eq!(
            error(
                Call::bond { value: 1, payee: RewardDestination::Staked }
                    .dispatch::<Test>(signed(11))
            ),
            "AlreadyBonded"
        );
        assert_eq!(
            error(
                Call::bond { value: ED - 1, payee: RewardDestination::Staked }
                    .dispatch::<Test>(signed(12))
            ),
            "InsufficientBond"
        );
        // bond_extra takes at most the rest of the free balance.
        Call::bond_extra { max_additional: u128::MAX }.dispatch::<Test>(signed(11)).expect("extra");
        assert_eq!(ledger(11).total, Balances::free_balance(&account(11)));
        assert_eq!(
            error(Call::bond_extra { max_additional: 1 }.dispatch::<Test>(signed(11))),
            "NoFunds"
        );
    });
}

#[test]
fn unbonded_funds_are_withdrawn_only_after_the_bonding_duration() {
    ExtBuilder::default().build().execute_with(|| {
        bond(11, 500, RewardDestination::Stash);
        Call::unbond { value: 200 }.dispatch::<Test>(signed(11)).expect("unbonding");
        let chunk_era = BONDING_DURATION;
        assert_eq!(ledger(11).unlocking, vec![UnlockChunk { value: 200, era: chunk_era }]);
        assert_eq!(ledger(11).active, 300);
        // Before the bonding duration: nothing is freed.
        start_era(1);
        Call::withdraw_unbonded { num_slashing_spans: 0 }.dispatch::<Test>(signed(11)).expect("ok");
        assert_eq!(ledger(11).total, 500);
        assert_eq!(pallet_system::Account::get(account(11)).data.frozen, 500);
        // Once the chunk's era is planned, it unlocks.
        while CurrentEra::get().unwrap_or(0) < chunk_era {
            start_session(Session::current_index() + 1);
        }
        Call::withdraw_unbonded { num_slashing_spans: 0 }.dispatch::<Test>(signed(11)).expect("ok");
        assert_eq!(ledger(11).total, 300);
        assert!(ledger(11).unlocking.is_empty());
        assert_eq!(pallet_system::Account::get(account(11)).data.frozen, 300);
        assert!(staking_events().contains(&Event::Withdrawn { stash: account(11), amount: 200 }));

        // Unbonding everything and withdrawing it removes the stash from staking.
        Call::unbond { value: 300 }.dispatch::<Test>(signed(11)).expect("unbonding");
        let consumers = pallet_system::Account::get(account(11)).consumers;
        let due = CurrentEra::get().unwrap_or(0) + BONDING_DURATION;
        while CurrentEra::get().unwrap_or(0) < due {
            start_session(Session::current_index() + 1);
        }
        Call::withdraw_unbonded { num_slashing_spans: 0 }.dispatch::<Test>(signed(11)).expect("ok");
        assert!(Ledger::get(account(11)).is_none());
        assert!(Bonded::get(account(11)).is_none());
        let info = pallet_system::Account::get(account(11));
        assert_eq!(info.data.frozen, 0);
        assert!(info.consumers < consumers);
        assert_eq!(error(Call::unbond { value: 1 }.dispatch::<Test>(signed(11))), "NotStash");
    });
}

#[test]
fn rebond_takes_back_the_newest_unbonding_stake() {
    ExtBuilder::default().build().execute_with(|| {
        bond(11, 500, RewardDestination::Stash);
        assert_eq!(error(Call::rebond { value: 1 }.dispatch::<Test>(signed(11))), "NoUnlockChunk");
        Call::unbond { value: 100 }.dispatch::<Test>(signed(11)).expect("unbonding");
        start_era(1);
        Call::unbond { value: 100 }.dispatch::<Test>(signed(11)).expect("unbonding");
        assert_eq!(ledger(11).unlocking.len(), 2);
        Call::rebond { value: 150 }.dispatch::<Test>(signed(11)).expect("rebonded");
        let l = ledger(11);
        assert_eq!((l.active, l.total), (450, 500));
        assert_eq!(l.unlocking, vec![UnlockChunk { value: 50, era: BONDING_DURATION }]);
        // Dust left active is unbonded too.
        Call::unbond { value: 445 }.dispatch::<Test>(signed(11)).expect("unbonding");
        assert_eq!(ledger(11).active, 0);
    });
}

#[test]
fn intentions_are_checked() {
    ExtBuilder::default().build().execute_with(|| {
        bond(11, 50, RewardDestination::Staked);
        // Below the validator minimum (100).
        let validate = Call::validate { prefs: ValidatorPrefs::default() };
        assert_eq!(error(validate.clone().dispatch::<Test>(signed(11))), "InsufficientBond");
        assert_eq!(
            error(Call::nominate { targets: vec![] }.dispatch::<Test>(signed(11))),
            "EmptyTargets"
        );
        let too_many: Vec<_> = (0..17).map(|_| account(1)).collect();
        assert_eq!(
            error(Call::nominate { targets: too_many }.dispatch::<Test>(signed(11))),
            "TooManyTargets"
        );
        assert_eq!(
            error(Call::nominate { targets: vec![account(12)] }.dispatch::<Test>(signed(11))),
            "BadTarget"
        );
        // Validator 3 blocks new nominations.
        let blocked = ValidatorPrefs { commission: Perbill::zero(), blocked: true };
        Call::validate { prefs: blocked }.dispatch::<Test>(signed(3)).expect("prefs");
        assert_eq!(
            error(Call::nominate { targets: vec![account(3)] }.dispatch::<Test>(signed(11))),
            "BadTarget"
        );
        Call::nominate { targets: vec![account(1), account(2), account(1)] }
            .dispatch::<Test>(signed(11))
            .expect("nominated");
        assert_eq!(
            Nominators::get(account(11)).expect("nominator").targets,
            vec![account(1), account(2)]
        );
        // A nominator cannot unbond below its minimum (10) without chilling first.
        assert_eq!(
            error(Call::unbond { value: 45 }.dispatch::<Test>(signed(11))),
            "InsufficientBond"
        );
        Call::chill.dispatch::<Test>(signed(11)).expect("chilled");
        assert_eq!(CounterForNominators::get(), 0);
        // Commission below the minimum.
        let set = Call::set_staking_configs {
            min_nominator_bond: ConfigOp::Noop,
            min_validator_bond: ConfigOp::Set(10),
            min_commission: ConfigOp::Set(Perbill::from_percent(5)),
        };
        assert!(set.clone().dispatch::<Test>(signed(1)).is_err());
        set.dispatch::<Test>(RawOrigin::Root).expect("root");
        assert_eq!(MinValidatorBond::get(), 10);
        assert_eq!(error(validate.dispatch::<Test>(signed(11))), "CommissionTooLow");
        let prefs = ValidatorPrefs { commission: Perbill::from_percent(5), blocked: false };
        Call::validate { prefs }.dispatch::<Test>(signed(11)).expect("validating");
        assert_eq!(CounterForValidators::get(), 4);
    });
}

#[test]
fn a_new_validator_with_keys_is_elected_at_the_next_era_and_a_chilled_one_leaves() {
    ExtBuilder::default().validator_count(3).build().execute_with(|| {
        // 4 bonds more than validator 1 and declares; 5 does too but has no session keys.
        set_keys(4);
        bond(4, 5_000, RewardDestination::Staked);
        Call::validate { prefs: ValidatorPrefs::default() }
            .dispatch::<Test>(signed(4))
            .expect("ok");
        bond(5, 9_000, RewardDestination::Staked);
        Call::validate { prefs: ValidatorPrefs::default() }
            .dispatch::<Test>(signed(5))
            .expect("ok");
        // 2 chills.
        Call::chill.dispatch::<Test>(signed(2)).expect("chilled");

        // Era 1 is elected one session before it starts, and queued in the session pallet.
        start_session(SESSIONS_PER_ERA - 1);
        assert_eq!(CurrentEra::get(), Some(1));
        assert_eq!(Staking::active_era(), Some(0));
        let queued: Vec<_> = pallet_session::QueuedKeys::get().iter().map(|(a, _)| *a).collect();
        assert_eq!(queued, vec![account(4), account(3), account(1)]);
        assert_eq!(Session::validators(), vec![account(3), account(2), account(1)]);

        start_session(SESSIONS_PER_ERA);
        assert_eq!(Staking::active_era(), Some(1));
        assert_eq!(Session::validators(), vec![account(4), account(3), account(1)]);
        assert_eq!(exposure(1, 4).own, 5_000);
        assert_eq!(exposure(1, 2), Exposure::default());
        // The finality set changed with it.
        assert_eq!(Session::finality_set().set_id, 1);
        assert_eq!(Session::finality_set().authorities[0], (keys(4).lux, 5_000));
    });
}

#[test]
fn too_small_an_election_keeps_the_current_set() {
    ExtBuilder::default().minimum_validator_count(3).build().execute_with(|| {
        Call::chill.dispatch::<Test>(signed(3)).expect("chilled");
        start_session(SESSIONS_PER_ERA - 1);
        assert!(staking_events().contains(&Event::StakingElectionFailed));
        assert_eq!(CurrentEra::get(), Some(0));
        start_session(SESSIONS_PER_ERA + 1);
        assert_eq!(Session::validators(), vec![account(3), account(2), account(1)]);
        assert_eq!(Staking::active_era(), Some(0));
    });
}

#[test]
fn forcing_eras() {
    ExtBuilder::default().build().execute_with(|| {
        start_session(1);
        assert!(Call::force_new_era.dispatch::<Test>(signed(1)).is_err());
        Call::force_new_era.dispatch::<Test>(RawOrigin::Root).expect("root");
        start_session(2);
        assert_eq!(CurrentEra::get(), Some(1));
        assert_eq!(ForceEra::get(), Forcing::NotForcing);
        start_session(3);
        assert_eq!(Staking::active_era(), Some(1));
        Call::force_no_eras.dispatch::<Test>(RawOrigin::Root).expect("root");
        start_session(10);
        assert_eq!(Staking::active_era(), Some(1));
        Call::set_validator_count { new: 2 }.dispatch::<Test>(RawOrigin::Root).expect("root");
        Call::force_new_era_always.dispatch::<Test>(RawOrigin::Root).expect("root");
        start_session(12);
        assert_eq!(Staking::active_era(), Some(2));
        assert_eq!(Session::validators().len(), 2);
    });
}

#[test]
fn payouts_follow_points_commission_and_exposure() {
    ExtBuilder::default().nominator(10, 600, &[1, 2]).build().execute_with(|| {
        // Validator 2 takes 10% commission from era 1 on; the nominator is paid to its stash.
        let prefs = ValidatorPrefs { commission: Perbill::from_percent(10), blocked: false };
        Call::validate { prefs }.dispatch::<Test>(signed(2)).expect("prefs");
        Call::set_payee { payee: RewardDestination::Stash }
            .dispatch::<Test>(signed(10))
            .expect("ok");
        start_era(1);
        // Era 1's set (by exposure): [3, 2, 1]; blocks by index 1 (validator 2) and 2 (1).
        let order = Session::validators();
        assert_eq!(order, vec![account(3), account(2), account(1)]);
        let slot = last_slot() + 1;
        for i in 0..3 {
            run_block(slot + 2 * i, 1);
            run_block(slot + 2 * i + 1, 2);
        }
        start_era(2);
        let points = ErasRewardPoints::get(1);
        let p2 = points.individual[&account(2)];
        assert_eq!(p2, 3 * POINTS_PER_BLOCK);
        assert_eq!(ErasValidatorReward::get(1), Some(ERA_PAYOUT));

        let issuance = Balances::total_issuance();
        let stash2 = Balances::free_balance(&account(2));
        let nominator = Balances::free_balance(&account(10));
        let bonded2 = ledger(2).active;
        // Anyone may pay out.
        Call::payout_stakers { validator_stash: account(2), era: 1 }
            .dispatch::<Test>(signed(19))
            .expect("paid");
        let e = exposure(1, 2);
        let share = ERA_PAYOUT * u128::from(p2) / u128::from(points.total);
        let commission = share / 10;
        let rest = share - commission;
        let own = rest * e.own / e.total;
        let nominated = e.others[0].value;
        assert_eq!(e.others[0].who, account(10));
        let to_nominator = rest * nominated / e.total;
        // The validator's reward is re-bonded (Staked), the nominator's paid to its stash.
        assert_eq!(Balances::free_balance(&account(2)), stash2 + commission + own);
        assert_eq!(ledger(2).active, bonded2 + commission + own);
        assert_eq!(Balances::free_balance(&account(10)), nominator + to_nominator);
        assert_eq!(Balances::total_issuance(), issuance + commission + own + to_nominator);
        assert!(staking_events().contains(&Event::Rewarded {
            stash: account(10),
            dest: RewardDestination::Stash,
            amount: to_nominator
        }));
        // Once only; not for the active era or unknown validators.
        let again = Call::payout_stakers { validator_stash: account(2), era: 1 };
        assert_eq!(error(again.dispatch::<Test>(signed(19))), "AlreadyClaimed");
        let current = Call::payout_stakers { validator_stash: account(3), era: 2 };
        assert_eq!(error(current.dispatch::<Test>(signed(19))), "InvalidEraToReward");
        let stranger = Call::payout_stakers { validator_stash: account(15), era: 1 };
        assert_eq!(error(stranger.dispatch::<Test>(signed(19))), "NotStash");
        // Past the history depth (4 eras), rewards are gone.
        start_era(6);
        let late = Call::payout_stakers { validator_stash: account(1), era: 1 };
        assert_eq!(error(late.dispatch::<Test>(signed(19))), "InvalidEraToReward");
        assert_eq!(exposure(1, 1), Exposure::default());
    });
}

#[test]
fn an_offence_is_slashed_after_the_deferral_including_unbonding_stake() {
    // Four validators: one of them may be disabled ((4 - 1) / 3).
    let ext = ExtBuilder::default().validators(4).validator_count(4).nominator(10, 600, &[1, 2]);
    ext.build().execute_with(|| {
        start_era(1);
        let issuance = Balances::total_issuance();
        let free1 = Balances::free_balance(&account(1));
        let free10 = Balances::free_balance(&account(10));
        let reporter = Balances::free_balance(&account(15));
        let e = exposure(1, 1);
        let session = Session::current_index();
        let slashed =
            Staking::on_offence(&[account(1)], session, Perbill::from_percent(50), &[account(15)]);
        assert_eq!(slashed, vec![account(1)]);
        // Disabled and chilled at once; nothing slashed yet.
        let index = Session::validators().iter().position(|v| *v == account(1));
        assert_eq!(pallet_session::DisabledValidators::get(), vec![index.expect("elected") as u32]);
        assert!(!Validators::contains_key(account(1)));
        assert_eq!(Balances::free_balance(&account(1)), free1);
        assert_eq!(UnappliedSlashes::get(1 + SLASH_DEFER_DURATION).len(), 1);
        // The same offence again slashes nothing more.
        assert!(
            Staking::on_offence(&[account(1)], session, Perbill::from_percent(50), &[]).is_empty()
        );
        // Unbonding does not escape: the validator unbonds everything meanwhile.
        Call::unbond { value: 1_000 }.dispatch::<Test>(signed(1)).expect("unbonding");

        start_era(1 + SLASH_DEFER_DURATION);
        let own = e.own / 2;
        let nominator = e.others[0].value / 2;
        assert_eq!(Balances::free_balance(&account(1)), free1 - own);
        assert_eq!(ledger(1).total, 1_000 - own);
        assert_eq!(Balances::free_balance(&account(10)), free10 - nominator);
        let reward = (own + nominator) / 10;
        assert_eq!(Balances::free_balance(&account(15)), reporter + reward);
        assert_eq!(Balances::total_issuance(), issuance - own - nominator + reward);
        // The offender is out of the next set.
        start_era(2 + SLASH_DEFER_DURATION);
        assert!(!Session::validators().contains(&account(1)));
    });
}

#[test]
fn root_can_cancel_a_deferred_slash() {
    ExtBuilder::default().build().execute_with(|| {
        start_era(1);
        let free = Balances::free_balance(&account(2));
        let issuance = Balances::total_issuance();
        Staking::on_offence(
            &[account(2)],
            Session::current_index(),
            Perbill::from_percent(20),
            &[],
        );
        let due = 1 + SLASH_DEFER_DURATION;
        let cancel =
            |indices: Vec<u32>| Call::cancel_deferred_slash { era: due, slash_indices: indices };
        assert!(cancel(vec![0]).dispatch::<Test>(signed(1)).is_err());
        assert_eq!(error(cancel(vec![1]).dispatch::<Test>(RawOrigin::Root)), "InvalidSlashIndex");
        assert_eq!(
            error(cancel(vec![0, 0]).dispatch::<Test>(RawOrigin::Root)),
            "NotSortedAndUnique"
        );
        cancel(vec![0]).dispatch::<Test>(RawOrigin::Root).expect("cancelled");
        start_era(due + 1);
        assert_eq!(Balances::free_balance(&account(2)), free);
        assert_eq!(Balances::total_issuance(), issuance);
        assert_eq!(ledger(2).total, 2_000);
    });
}

#[test]
fn stale_reports_are_discarded_and_invulnerables_are_not_slashed() {
    ExtBuilder::default().slash_defer_duration(0).build().execute_with(|| {
        Call::set_invulnerables { invulnerables: vec![account(3)] }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("root");
        start_era(BONDING_DURATION + 2);
        assert!(Staking::on_offence(&[account(1)], 0, Perbill::one(), &[]).is_empty());
        assert!(staking_events().contains(&Event::OldSlashingReportDiscarded { session_index: 0 }));
        let session = Session::current_index();
        assert!(Staking::on_offence(&[account(3)], session, Perbill::one(), &[]).is_empty());
        assert_eq!(ledger(3).total, 3_000);
        // Without deferral, the slash is immediate.
        let free = Balances::free_balance(&account(2));
        Staking::on_offence(&[account(2)], session, Perbill::from_percent(10), &[]);
        assert_eq!(Balances::free_balance(&account(2)), free - 200);
    });
}
