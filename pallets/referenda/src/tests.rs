//! Tests of the referenda pallet against a runtime with balances, a recording scheduler and an
//! in-memory preimage store. Tallies are set through `try_access_poll`, as conviction voting
//! sets them.

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

fn root() -> Box<OriginCaller> {
    Box::new(OriginCaller::system(RawOrigin::Root))
}

fn proposal(tag: u8) -> Bounded {
    Bounded::Inline(vec![0, 0, tag])
}

/// Submits `proposal` as `who` (enacted 5 blocks after approval); returns its index.
fn submit_with(who: u8, proposal: Bounded, enactment_moment: DispatchTime) -> PollIndex {
    Call::submit { proposal_origin: root(), proposal, enactment_moment }
        .dispatch::<Test>(signed(who))
        .expect("submitted");
    ReferendumCount::get() - 1
}

fn submit(who: u8) -> PollIndex {
    submit_with(who, proposal(who), DispatchTime::After(5))
}

fn place_deposit(who: u8, index: PollIndex) {
    Call::place_decision_deposit { index }.dispatch::<Test>(signed(who)).expect("placed");
}

fn status(index: PollIndex) -> ReferendumStatus {
    match Referenda::referendum_info(index) {
        Some(ReferendumInfo::Ongoing(status)) => status,
        other => panic!("referendum {index} not ongoing: {other:?}"),
    }
}

fn info(index: PollIndex) -> ReferendumInfo {
    Referenda::referendum_info(index).expect("exists")
}

/// Sets referendum `index`'s tally, as a vote would.
fn vote(index: PollIndex, ayes: Balance, nays: Balance, support: Balance) {
    Referenda::try_access_poll(index, |poll| match poll {
        PollStatus::Ongoing(tally, _) => {
            *tally = Tally { ayes, nays, support };
            Ok(())
        }
        _ => Err(DispatchError::Other("not ongoing")),
    })
    .expect("ongoing");
}

fn deposit(who: u8, amount: Balance) -> Option<Deposit> {
    Some(Deposit { who: account(who), amount })
}

fn reserved(n: u8) -> Balance {
    Balances::reserved_balance(&account(n))
}

/// Submits (as 1) and places the decision deposit (as 2) at block 1: the referendum starts
/// deciding at block 3, its decision period ending at 23.
fn deciding_referendum() -> PollIndex {
    let index = submit(1);
    place_deposit(2, index);
    run_to_block(1 + PREPARE_PERIOD);
    assert!(status(index).deciding.is_some());
    take_events();
    index
}

const DECISION_START: BlockNumber = 1 + PREPARE_PERIOD;
const DECISION_END: BlockNumber = DECISION_START + DECISION_PERIOD;

#[test]
fn genesis_stores_the_tracks_and_maps_root_to_its_track() {
    ExtBuilder::default().build().execute_with(|| {
        assert_eq!(Referenda::tracks().len(), 2);
        assert_eq!(Referenda::track(0), Some(root_track()));
        assert_eq!(Referenda::classes(), vec![0, 1]);
        assert_eq!(Referenda::track_for(&OriginCaller::system(RawOrigin::Root)), Some(0));
        assert_eq!(Referenda::track_for(&OriginCaller::system(signed(1))), None);
        assert_eq!(Referenda::track_for(&OriginCaller::system(RawOrigin::None)), None);
    });
    // The track named `root` wins over id 0; without one, id 0 is root's; else none.
    let mut ext = lux_io::TestExternalities::default();
    ext.execute_with(|| {
        let mut zero = root_track();
        zero.name = "zero".into();
        let config = GenesisConfig { tracks: vec![(5, root_track()), (0, zero.clone())] };
        config.build::<Test>().expect("valid");
        assert_eq!(Referenda::classes(), vec![0, 5], "sorted by id");
        assert_eq!(Referenda::track_for(&OriginCaller::system(RawOrigin::Root)), Some(5));
        GenesisConfig { tracks: vec![(0, zero.clone())] }.build::<Test>().expect("valid");
        assert_eq!(Referenda::track_for(&OriginCaller::system(RawOrigin::Root)), Some(0));
        GenesisConfig { tracks: vec![(3, zero)] }.build::<Test>().expect("valid");
        assert_eq!(Referenda::track_for(&OriginCaller::system(RawOrigin::Root)), None);
    });
}

#[test]
fn genesis_rejects_bad_tracks() {
    let mut ext = lux_io::TestExternalities::default();
    ext.execute_with(|| {
        let with = |f: fn(&mut TrackInfo)| {
            let mut track = root_track();
            f(&mut track);
            GenesisConfig { tracks: vec![(0, track)] }.build::<Test>().expect_err("invalid")
        };
        let above_one = Perbill::decode(&mut &2_000_000_000u32.encode()[..]).expect("decodes");
        assert!(with(|t| t.name.clear()).contains("empty name"));
        assert!(with(|t| t.max_deciding = 0).contains("maxDeciding"));
        assert!(with(|t| t.decision_period = 0).contains("decisionPeriod"));
        assert!(with(|t| {
            t.min_approval = Curve::LinearDecreasing {
                length: Perbill::one(),
                floor: Perbill::from_percent(60),
                ceil: Perbill::from_percent(50),
            }
        })
        .contains("minApproval: linearDecreasing.floor"));
        assert!(with(|t| {
            t.min_support = Curve::LinearDecreasing {
                length: Perbill::zero(),
                floor: Perbill::zero(),
                ceil: Perbill::one(),
            }
        })
        .contains("minSupport: linearDecreasing.length"));
        assert!(with(|t| {
            t.min_support = Curve::SteppedDecreasing {
                begin: Perbill::one(),
                end: Perbill::zero(),
                step: Perbill::zero(),
                period: Perbill::from_percent(10),
            }
        })
        .contains("step and period"));
        assert!(with(|t| {
            t.min_support = Curve::SteppedDecreasing {
                begin: Perbill::from_percent(10),
                end: Perbill::from_percent(20),
                step: Perbill::from_percent(1),
                period: Perbill::from_percent(10),
            }
        })
        .contains("end must not exceed"));
        assert!(with(|t| {
            t.min_approval = Curve::Reciprocal {
                factor: FixedI64(0),
                x_offset: FixedI64(1),
                y_offset: FixedI64(0),
            }
        })
        .contains("reciprocal"));
        let mut track = root_track();
        track.min_approval =
            Curve::LinearDecreasing { length: above_one, floor: Perbill::zero(), ceil: above_one };
        let bad = GenesisConfig { tracks: vec![(0, track)] }.build::<Test>();
        assert!(bad.expect_err("invalid").contains("above one billion"));
        let twice = GenesisConfig { tracks: vec![(0, root_track()), (0, root_track())] };
        assert!(twice.build::<Test>().expect_err("invalid").contains("duplicate id"));
        let same_name = GenesisConfig { tracks: vec![(0, root_track()), (1, root_track())] };
        assert!(same_name.build::<Test>().expect_err("invalid").contains("duplicate name"));
        assert!(Tracks::get().is_empty(), "nothing stored from a bad config");
    });
}

#[test]
fn linear_curve_thresholds_and_delays() {
    let c = approval_curve();
    assert_eq!(c.threshold(Perbill::zero()), Perbill::one());
    assert_eq!(c.threshold(Perbill::from_percent(50)), Perbill::from_percent(75));
    assert_eq!(c.threshold(Perbill::one()), Perbill::from_percent(50));
    assert!(c.passing(Perbill::from_percent(50), Perbill::from_percent(75)));
    assert!(!c.passing(Perbill::from_percent(50), Perbill::from_parts(749_999_999)));
    // Flat after `length`.
    let short = Curve::LinearDecreasing {
        length: Perbill::from_percent(40),
        floor: Perbill::from_percent(10),
        ceil: Perbill::from_percent(50),
    };
    assert_eq!(short.threshold(Perbill::from_percent(20)), Perbill::from_percent(30));
    assert_eq!(short.threshold(Perbill::from_percent(40)), Perbill::from_percent(10));
    assert_eq!(short.threshold(Perbill::from_percent(90)), Perbill::from_percent(10));
    assert_eq!(short.delay(Perbill::from_percent(30)), Perbill::from_percent(20));
    assert_eq!(short.delay(Perbill::from_percent(60)), Perbill::zero());
    assert_eq!(short.delay(Perbill::from_parts(99_999_999)), Perbill::one());
    for curve in [c, short, support_curve()] {
        check_delays(&curve, true);
    }
}

#[test]
fn stepped_curve_thresholds_and_delays() {
    let pc = Perbill::from_percent;
    let less = |p: Perbill| Perbill::from_parts(p.deconstruct() - 1);
    let c = Curve::SteppedDecreasing { begin: pc(80), end: pc(30), step: pc(10), period: pc(15) };
    assert_eq!(c.threshold(pc(0)), pc(80));
    assert_eq!(c.threshold(less(pc(15))), pc(80));
    assert_eq!(c.threshold(pc(15)), pc(70));
    assert_eq!(c.threshold(pc(45)), pc(50));
    assert_eq!(c.threshold(less(pc(75))), pc(40));
    assert_eq!(c.threshold(pc(75)), pc(30));
    assert_eq!(c.threshold(pc(100)), pc(30));
    assert_eq!(c.delay(pc(100)), pc(0));
    assert_eq!(c.delay(pc(80)), pc(0));
    assert_eq!(c.delay(less(pc(80))), pc(15));
    assert_eq!(c.delay(pc(70)), pc(15));
    assert_eq!(c.delay(less(pc(70))), pc(30));
    assert_eq!(c.delay(pc(30)), pc(75));
    assert_eq!(c.delay(less(pc(30))), pc(100));
    check_delays(&c, true);
}

#[test]
fn reciprocal_curve_matches_polkadots_root_approval() {
    // Polkadot's root approval: 100% at the start, 80% after 4 of 28 days, 50% at the end.
    let c = Curve::Reciprocal {
        factor: FixedI64(222_222_224),
        x_offset: FixedI64(333_333_335),
        y_offset: FixedI64(333_333_332),
    };
    assert_eq!(c.threshold(Perbill::zero()), Perbill::one());
    assert_eq!(c.threshold(Perbill::from_rational(4, 28)), Perbill::from_parts(800_000_001));
    assert_eq!(c.threshold(Perbill::one()), Perbill::from_parts(499_999_999));
    assert_eq!(c.delay(Perbill::from_percent(40)), Perbill::one());
    check_delays(&c, false);
}

/// `delay(y)` is a point where `y` passes (unless it never does); with `exact`, the first.
fn check_delays(curve: &Curve, exact: bool) {
    for parts in (0..=Perbill::ACCURACY).step_by(9_973).chain([Perbill::ACCURACY]) {
        let y = Perbill::from_parts(parts);
        let x = curve.delay(y);
        if x == Perbill::one() {
            let before = Perbill::from_parts(Perbill::ACCURACY - 1);
            assert!(!exact || !curve.passing(before, y), "{curve:?} passes {y:?} before the end");
            continue;
        }
        assert!(curve.passing(x, y), "{curve:?}: {y:?} fails at its delay {x:?}");
        if exact && x.deconstruct() > 0 {
            let before = Perbill::from_parts(x.deconstruct() - 1);
            assert!(!curve.passing(before, y), "{curve:?}: {y:?} passes before {x:?}");
        }
    }
}

#[test]
fn submit_reserves_the_deposit_and_needs_a_root_proposal() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        assert_eq!(index, 0);
        assert_eq!(ReferendumCount::get(), 1);
        assert_eq!(reserved(1), SUBMISSION_DEPOSIT);
        assert_eq!(Balances::free_balance(&account(1)), ENDOWMENT - SUBMISSION_DEPOSIT);
        let s = status(0);
        assert_eq!(s.track, 0);
        assert_eq!(s.origin, OriginCaller::system(RawOrigin::Root));
        assert_eq!(s.submitted, 1);
        assert_eq!(s.submission_deposit, Deposit { who: account(1), amount: SUBMISSION_DEPOSIT });
        assert_eq!((s.decision_deposit.clone(), s.deciding, s.in_queue), (None, None, false));
        // Woken at the time-out unless something happens first.
        assert_eq!(s.alarm, Some(1 + UNDECIDING_TIMEOUT));
        assert_eq!(Alarms::get(1 + UNDECIDING_TIMEOUT), vec![0]);
        assert_eq!(
            take_events(),
            vec![Event::Submitted { index: 0, track: 0, proposal: proposal(1) }]
        );

        // Only root proposals have a track.
        for origin in [signed(1), RawOrigin::None] {
            let call = Call::submit {
                proposal_origin: Box::new(OriginCaller::system(origin)),
                proposal: proposal(2),
                enactment_moment: DispatchTime::After(0),
            };
            assert_eq!(error(call.dispatch::<Test>(signed(2))), "NoTrack");
        }
        let call = Call::submit {
            proposal_origin: root(),
            proposal: proposal(2),
            enactment_moment: DispatchTime::After(0),
        };
        assert_eq!(
            call.clone().dispatch::<Test>(RawOrigin::Root).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        // Without the deposit's funds: nothing is submitted.
        assert!(call.dispatch::<Test>(signed(42)).is_err());
        assert_eq!(ReferendumCount::get(), 1);
        assert_eq!(reserved(2), 0);
    });
}

#[test]
fn a_referendum_prepares_until_its_deposit_is_placed_and_the_period_passed() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        assert_eq!(
            error(Call::place_decision_deposit { index: 7 }.dispatch::<Test>(signed(2))),
            "NotOngoing"
        );
        // Account 42 has nothing to reserve.
        assert!(Call::place_decision_deposit { index }.dispatch::<Test>(signed(42)).is_err());
        place_deposit(2, index);
        assert_eq!(reserved(2), DECISION_DEPOSIT);
        assert_eq!(status(index).decision_deposit, deposit(2, DECISION_DEPOSIT));
        assert_eq!(
            error(Call::place_decision_deposit { index }.dispatch::<Test>(signed(3))),
            "HasDeposit"
        );
        // The alarm moved from the time-out to the end of the preparation.
        assert_eq!(status(index).alarm, Some(1 + PREPARE_PERIOD));
        assert!(Alarms::get(1 + UNDECIDING_TIMEOUT).is_empty());
        run_to_block(PREPARE_PERIOD);
        assert_eq!(status(index).deciding, None);
        next_block();
        assert_eq!(
            status(index).deciding,
            Some(DecidingStatus { since: DECISION_START, confirming: None })
        );
        assert_eq!(DecidingCount::get(0), 1);
        assert_eq!(
            take_events(),
            vec![
                Event::Submitted { index, track: 0, proposal: proposal(1) },
                Event::DecisionDepositPlaced { index, who: account(2), amount: DECISION_DEPOSIT },
                Event::DecisionStarted {
                    index,
                    track: 0,
                    proposal: proposal(1),
                    tally: Tally::default()
                },
            ]
        );
        // Without votes nothing passes before the end of the decision period.
        assert_eq!(status(index).alarm, Some(DECISION_END));
    });
}

#[test]
fn a_deposit_placed_after_the_preparation_starts_the_decision_at_once() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        run_to_block(5);
        place_deposit(2, index);
        assert_eq!(status(index).deciding, Some(DecidingStatus { since: 5, confirming: None }));
        assert_eq!(status(index).alarm, Some(5 + DECISION_PERIOD));
    });
}

#[test]
fn a_passing_referendum_confirms_and_is_enacted_no_sooner_than_asked() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        // 60% approval and 30% support: the approval curve reaches 60% at 80% of the period,
        // the support curve 30% at 40%, so nothing happens before block 3 + 16.
        vote(index, 60, 40, 3_000);
        next_block();
        assert_eq!(status(index).deciding.expect("deciding").confirming, None);
        assert_eq!(status(index).alarm, Some(DECISION_START + 16));
        run_to_block(DECISION_START + 15);
        assert_eq!(status(index).deciding.expect("deciding").confirming, None);
        next_block();
        let confirm_end = DECISION_START + 16 + CONFIRM_PERIOD;
        assert_eq!(status(index).deciding.expect("deciding").confirming, Some(confirm_end));
        assert_eq!(take_events(), vec![Event::ConfirmStarted { index }]);
        run_to_block(confirm_end - 1);
        assert!(scheduled().is_empty());
        next_block();
        let tally = Tally { ayes: 60, nays: 40, support: 3_000 };
        assert_eq!(
            take_events(),
            vec![Event::Confirmed { index, tally }, Event::Approved { index }]
        );
        assert_eq!(
            info(index),
            ReferendumInfo::Approved(
                confirm_end,
                deposit(1, SUBMISSION_DEPOSIT),
                deposit(2, DECISION_DEPOSIT)
            )
        );
        assert_eq!(DecidingCount::get(0), 0);
        // Asked for 5 blocks after approval, more than the minimum of 3.
        assert_eq!(
            scheduled(),
            vec![Scheduled {
                id: Referenda::enactment_task_name(index),
                when: DispatchTime::At(confirm_end + 5),
                priority: 63,
                origin: RawOrigin::Root,
                call: proposal(1),
            }]
        );
        assert_eq!(
            Referenda::enactment_task_name(index),
            lux_io::hashing::blake2_256(&(*b"assembly", "enactment", index).encode())
        );
        // No alarm is left behind.
        assert!(Alarms::iter().all(|(_, due)| !due.contains(&index)));

        // Both deposits come back, once.
        Call::refund_submission_deposit { index }.dispatch::<Test>(signed(5)).expect("refunded");
        Call::refund_decision_deposit { index }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("refunded");
        assert_eq!((reserved(1), reserved(2)), (0, 0));
        assert_eq!(Balances::free_balance(&account(2)), ENDOWMENT);
        assert_eq!(
            take_events(),
            vec![
                Event::SubmissionDepositRefunded {
                    index,
                    who: account(1),
                    amount: SUBMISSION_DEPOSIT
                },
                Event::DecisionDepositRefunded { index, who: account(2), amount: DECISION_DEPOSIT },
            ]
        );
        for call in
            [Call::refund_submission_deposit { index }, Call::refund_decision_deposit { index }]
        {
            assert_eq!(error(call.dispatch::<Test>(signed(1))), "NoDeposit");
        }
    });
}

#[test]
fn enactment_waits_at_least_the_minimum_enactment_period() {
    ExtBuilder::default().build().execute_with(|| {
        let early = submit_with(1, proposal(1), DispatchTime::At(1));
        place_deposit(1, early);
        vote(early, 1, 0, ISSUANCE);
        run_to_block(DECISION_START + CONFIRM_PERIOD);
        assert!(matches!(info(early), ReferendumInfo::Approved(..)));
        let approved = DECISION_START + CONFIRM_PERIOD;
        let late = submit_with(3, proposal(3), DispatchTime::At(1_000));
        place_deposit(3, late);
        vote(late, 1, 0, ISSUANCE);
        run_to_block(approved + PREPARE_PERIOD + CONFIRM_PERIOD);
        let whens: Vec<DispatchTime> = scheduled().iter().map(|t| t.when).collect();
        assert_eq!(
            whens,
            vec![DispatchTime::At(approved + MIN_ENACTMENT_PERIOD), DispatchTime::At(1_000)]
        );
    });
}

#[test]
fn approval_at_the_start_passes_exactly_at_the_threshold() {
    // At x = 0 the thresholds are 100% approval and 50% support.
    let start = |ayes, nays, support| {
        let mut confirming = None;
        ExtBuilder::default().build().execute_with(|| {
            let index = submit(1);
            place_deposit(2, index);
            vote(index, ayes, nays, support);
            run_to_block(DECISION_START);
            confirming = status(index).deciding.expect("deciding").confirming;
        });
        confirming
    };
    let confirming = Some(DECISION_START + CONFIRM_PERIOD);
    assert_eq!(start(1, 0, ISSUANCE / 2), confirming);
    assert_eq!(start(999_999_999, 1, ISSUANCE / 2), None, "approval one part below");
    assert_eq!(start(1, 0, ISSUANCE / 2 - 1), None, "support one unit below");
    assert_eq!(start(0, 0, ISSUANCE), None, "no votes, no approval");
}

#[test]
fn approval_midway_passes_exactly_at_the_threshold() {
    // Half-way through the decision period the thresholds are 75% approval and 25% support.
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_START + DECISION_PERIOD / 2 - 1);
        vote(index, 3, 1, ISSUANCE / 4);
        next_block();
        let midway = DECISION_START + DECISION_PERIOD / 2;
        assert_eq!(
            status(index).deciding.expect("deciding").confirming,
            Some(midway + CONFIRM_PERIOD)
        );
        assert_eq!(take_events(), vec![Event::ConfirmStarted { index }]);
    });
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_START + DECISION_PERIOD / 2 - 1);
        vote(index, 749_999_999, 250_000_001, ISSUANCE);
        next_block();
        assert_eq!(status(index).deciding.expect("deciding").confirming, None);
        // The falling threshold meets it one block later.
        let midway = DECISION_START + DECISION_PERIOD / 2;
        assert_eq!(status(index).alarm, Some(midway + 1));
        next_block();
        assert_eq!(
            status(index).deciding.expect("deciding").confirming,
            Some(midway + 1 + CONFIRM_PERIOD)
        );
    });
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_START + DECISION_PERIOD / 2 - 1);
        vote(index, 1, 0, ISSUANCE / 4 - 1);
        next_block();
        assert_eq!(status(index).deciding.expect("deciding").confirming, None);
        assert!(take_events().is_empty());
    });
}

#[test]
fn approval_at_the_end_passes_exactly_at_the_threshold() {
    // At the end the thresholds are 50% approval and 0% support.
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_END - 1);
        vote(index, 500_000_000, 500_000_000, 0);
        next_block();
        assert_eq!(
            status(index).deciding.expect("deciding").confirming,
            Some(DECISION_END + CONFIRM_PERIOD)
        );
        // Past the decision period the confirmation goes on, and ends in approval.
        run_to_block(DECISION_END + CONFIRM_PERIOD);
        assert!(matches!(info(index), ReferendumInfo::Approved(..)));
    });
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_END - 1);
        let tally = Tally { ayes: 499_999_999, nays: 500_000_001, support: ISSUANCE };
        vote(index, tally.ayes, tally.nays, tally.support);
        next_block();
        assert_eq!(
            info(index),
            ReferendumInfo::Rejected(
                DECISION_END,
                deposit(1, SUBMISSION_DEPOSIT),
                deposit(2, DECISION_DEPOSIT)
            )
        );
        assert_eq!(take_events(), vec![Event::Rejected { index, tally }]);
    });
}

#[test]
fn a_confirmation_is_aborted_when_the_tally_drops() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        vote(index, 100, 0, ISSUANCE);
        next_block();
        assert!(status(index).deciding.expect("deciding").confirming.is_some());
        vote(index, 100, 100, ISSUANCE);
        next_block();
        assert_eq!(status(index).deciding.expect("deciding").confirming, None);
        assert_eq!(
            take_events(),
            vec![Event::ConfirmStarted { index }, Event::ConfirmAborted { index }]
        );
        // Passing again starts a new, full confirmation period.
        vote(index, 100, 0, ISSUANCE);
        next_block();
        let restart = System::block_number();
        assert_eq!(
            status(index).deciding.expect("deciding").confirming,
            Some(restart + CONFIRM_PERIOD)
        );
        run_to_block(restart + CONFIRM_PERIOD - 1);
        assert!(matches!(info(index), ReferendumInfo::Ongoing(_)));
        next_block();
        assert!(matches!(info(index), ReferendumInfo::Approved(..)));
    });
}

#[test]
fn a_referendum_not_passing_by_the_end_is_rejected() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        run_to_block(DECISION_END - 1);
        assert!(matches!(info(index), ReferendumInfo::Ongoing(_)));
        next_block();
        assert_eq!(take_events(), vec![Event::Rejected { index, tally: Tally::default() }]);
        assert_eq!(DecidingCount::get(0), 0);
        assert!(scheduled().is_empty());
        // The decision deposit comes back; the submission deposit stays (Substrate's rule).
        assert_eq!(
            error(Call::refund_submission_deposit { index }.dispatch::<Test>(signed(1))),
            "BadStatus"
        );
        Call::refund_decision_deposit { index }.dispatch::<Test>(signed(1)).expect("refunded");
        assert_eq!((reserved(1), reserved(2)), (SUBMISSION_DEPOSIT, 0));
        let mut seen = None;
        Referenda::try_access_poll(index, |poll| {
            if let PollStatus::Completed(end, approved) = poll {
                seen = Some((end, approved));
            }
            Ok(())
        })
        .expect("accessed");
        assert_eq!(seen, Some((DECISION_END, false)));
    });
}

#[test]
fn a_referendum_never_decided_times_out() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        run_to_block(UNDECIDING_TIMEOUT);
        assert!(matches!(info(index), ReferendumInfo::Ongoing(_)));
        take_events();
        next_block();
        assert_eq!(take_events(), vec![Event::TimedOut { index, tally: Tally::default() }]);
        assert_eq!(
            info(index),
            ReferendumInfo::TimedOut(1 + UNDECIDING_TIMEOUT, deposit(1, SUBMISSION_DEPOSIT), None)
        );
        assert_eq!(
            error(Call::refund_decision_deposit { index }.dispatch::<Test>(signed(1))),
            "NoDeposit"
        );
        assert_eq!(
            error(Call::refund_submission_deposit { index }.dispatch::<Test>(signed(1))),
            "BadStatus"
        );
        assert_eq!(reserved(1), SUBMISSION_DEPOSIT);
        assert!(Alarms::iter().next().is_none());
    });
}

#[test]
fn a_timed_out_referendum_refunds_its_decision_deposit() {
    // A preparation longer than the time-out: the deposit is placed, but the referendum is not
    // deciding when it is next looked at after the time-out.
    ExtBuilder::default()
        .root_track(|t| t.prepare_period = 2 * UNDECIDING_TIMEOUT)
        .build()
        .execute_with(|| {
            let index = submit(1);
            place_deposit(2, index);
            run_to_block(1 + UNDECIDING_TIMEOUT);
            vote(index, 1, 0, 1);
            next_block();
            assert_eq!(
                info(index),
                ReferendumInfo::TimedOut(
                    2 + UNDECIDING_TIMEOUT,
                    deposit(1, SUBMISSION_DEPOSIT),
                    deposit(2, DECISION_DEPOSIT)
                )
            );
            Call::refund_decision_deposit { index }.dispatch::<Test>(signed(9)).expect("refunded");
            assert_eq!(reserved(2), 0);
            assert_eq!(reserved(1), SUBMISSION_DEPOSIT);
        });
}

#[test]
fn referenda_queue_for_a_slot_and_the_best_backed_is_decided_next() {
    // A decision period longer than the time-out, so the first is still deciding after it.
    ExtBuilder::default().root_track(|t| t.decision_period = 100).build().execute_with(|| {
        let (a, b, c) = (submit(1), submit(2), submit(3));
        for index in [a, b, c] {
            place_deposit(4, index);
        }
        // Three alarms at block 3, two serviced per block: the third is queued at block 4.
        run_to_block(DECISION_START);
        assert!(status(a).deciding.is_some());
        assert!(status(b).in_queue);
        assert_eq!(status(c).alarm, Some(DECISION_START));
        assert_eq!(TrackQueue::get(0), vec![(b, 0)]);
        next_block();
        assert!(status(c).in_queue && status(c).deciding.is_none());
        assert_eq!(status(c).alarm, None);
        // Among equals the earlier is next (the last entry).
        assert_eq!(TrackQueue::get(0), vec![(c, 0), (b, 0)]);
        assert_eq!(DecidingCount::get(0), 1);
        // Votes reorder the queue.
        vote(c, 50, 0, 10);
        next_block();
        assert_eq!(TrackQueue::get(0), vec![(b, 0), (c, 50)]);
        // Queued referenda do not time out.
        run_to_block(1 + UNDECIDING_TIMEOUT + 1);
        assert!(status(b).in_queue);
        // The slot frees: the queue's best starts deciding in the same block.
        take_events();
        Call::cancel { index: a }.dispatch::<Test>(RawOrigin::Root).expect("cancelled");
        let now = System::block_number();
        assert_eq!(
            take_events(),
            vec![
                Event::Cancelled { index: a, tally: Tally::default() },
                Event::DecisionStarted {
                    index: c,
                    track: 0,
                    proposal: proposal(3),
                    tally: Tally { ayes: 50, nays: 0, support: 10 }
                },
            ]
        );
        assert_eq!(status(c).deciding, Some(DecidingStatus { since: now, confirming: None }));
        assert!(!status(c).in_queue);
        assert_eq!(TrackQueue::get(0), vec![(b, 0)]);
        assert_eq!(DecidingCount::get(0), 1);
        // Killing the queued one takes it out of the queue; killing the deciding one frees
        // the slot for good.
        Call::kill { index: b }.dispatch::<Test>(RawOrigin::Root).expect("killed");
        assert!(!TrackQueue::contains_key(0));
        assert_eq!(DecidingCount::get(0), 1);
        Call::kill { index: c }.dispatch::<Test>(RawOrigin::Root).expect("killed");
        assert_eq!(DecidingCount::get(0), 0);
    });
}

#[test]
fn a_full_queue_keeps_the_best_backed() {
    ExtBuilder::default().build().execute_with(|| {
        let indices: Vec<PollIndex> = (1..=5).map(submit).collect();
        for index in &indices {
            place_deposit(6, *index);
        }
        run_to_block(DECISION_START + 2);
        // One deciding, three queued; the fifth has no room while as poorly backed.
        assert!(status(0).deciding.is_some());
        assert_eq!(TrackQueue::get(0), vec![(3, 0), (2, 0), (1, 0)]);
        assert!(status(4).in_queue);
        // Once backed better than the lowest, it takes that one's place.
        vote(4, 10, 0, 0);
        next_block();
        assert_eq!(TrackQueue::get(0), vec![(2, 0), (1, 0), (4, 10)]);
        assert_eq!(TrackQueue::get(0).len() as u32, MAX_QUEUED);
    });
}

#[test]
fn alarms_are_bounded_per_block() {
    ExtBuilder::default().build().execute_with(|| {
        let indices: Vec<PollIndex> = (1..=3).map(submit).collect();
        for index in &indices {
            vote(*index, 1, 0, 1);
        }
        assert_eq!(Alarms::get(2), indices);
        next_block();
        // Two serviced (back to their time-out alarm), the third moved to the next block.
        assert_eq!(status(0).alarm, Some(1 + UNDECIDING_TIMEOUT));
        assert_eq!(status(1).alarm, Some(1 + UNDECIDING_TIMEOUT));
        assert_eq!(status(2).alarm, Some(2));
        assert_eq!(Alarms::get(3), vec![2]);
        next_block();
        assert_eq!(status(2).alarm, Some(1 + UNDECIDING_TIMEOUT));
        assert_eq!(Alarms::get(1 + UNDECIDING_TIMEOUT), indices);
        assert!(!Alarms::contains_key(2) && !Alarms::contains_key(3));
    });
}

#[test]
fn cancel_is_root_only_and_leaves_the_deposits_refundable() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        let alarm = status(index).alarm.expect("alarm");
        assert_eq!(
            Call::cancel { index }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(
            error(Call::cancel { index: 9 }.dispatch::<Test>(RawOrigin::Root)),
            "NotOngoing"
        );
        vote(index, 1, 2, 3);
        Call::cancel { index }.dispatch::<Test>(RawOrigin::Root).expect("cancelled");
        let tally = Tally { ayes: 1, nays: 2, support: 3 };
        assert_eq!(take_events(), vec![Event::Cancelled { index, tally }]);
        assert_eq!(
            info(index),
            ReferendumInfo::Cancelled(
                DECISION_START,
                deposit(1, SUBMISSION_DEPOSIT),
                deposit(2, DECISION_DEPOSIT)
            )
        );
        assert_eq!(DecidingCount::get(0), 0);
        assert!(!Alarms::get(alarm).contains(&index) && !Alarms::contains_key(DECISION_START + 1));
        assert_eq!(error(Call::cancel { index }.dispatch::<Test>(RawOrigin::Root)), "NotOngoing");
        Call::refund_submission_deposit { index }.dispatch::<Test>(signed(3)).expect("refunded");
        Call::refund_decision_deposit { index }.dispatch::<Test>(signed(3)).expect("refunded");
        assert_eq!((reserved(1), reserved(2)), (0, 0));
        // A cancelled poll is no poll to voters.
        let none = Referenda::try_access_poll(index, |poll| Ok(matches!(poll, PollStatus::None)));
        assert_eq!(none, Ok(true));
        assert_eq!(Referenda::as_ongoing(index), None);
    });
}

#[test]
fn kill_is_root_only_and_slashes_the_deposits() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        let hash = note_preimage(b"what this is about");
        Call::set_metadata { index, maybe_hash: Some(hash) }
            .dispatch::<Test>(signed(1))
            .expect("set");
        take_events();
        assert_eq!(
            Call::kill { index }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        Call::kill { index }.dispatch::<Test>(RawOrigin::Root).expect("killed");
        assert_eq!(
            take_events(),
            vec![
                Event::Killed { index, tally: Tally::default() },
                Event::DepositSlashed { who: account(1), amount: SUBMISSION_DEPOSIT },
                Event::DepositSlashed { who: account(2), amount: DECISION_DEPOSIT },
                Event::MetadataCleared { index, hash },
            ]
        );
        assert_eq!(info(index), ReferendumInfo::Killed(DECISION_START));
        assert_eq!((reserved(1), reserved(2)), (0, 0));
        assert_eq!(Balances::free_balance(&account(1)), ENDOWMENT - SUBMISSION_DEPOSIT);
        assert_eq!(Balances::free_balance(&account(2)), ENDOWMENT - DECISION_DEPOSIT);
        assert_eq!(Balances::total_issuance(), ISSUANCE - SUBMISSION_DEPOSIT - DECISION_DEPOSIT);
        assert_eq!(DecidingCount::get(0), 0);
        assert_eq!(MetadataOf::get(index), None);
        assert_eq!(
            error(Call::refund_decision_deposit { index }.dispatch::<Test>(signed(1))),
            "NoDeposit"
        );
        assert_eq!(
            error(Call::refund_submission_deposit { index }.dispatch::<Test>(signed(1))),
            "BadStatus"
        );
        assert_eq!(error(Call::kill { index }.dispatch::<Test>(RawOrigin::Root)), "NotOngoing");
    });
}

#[test]
fn a_lookup_proposal_is_requested_while_ongoing() {
    ExtBuilder::default().build().execute_with(|| {
        let hash = note_preimage(&[7; 300]);
        let lookup = Bounded::Lookup { hash, len: 300 };
        let index = submit_with(1, lookup.clone(), DispatchTime::After(0));
        assert_eq!(requests(&hash), 1);
        place_deposit(1, index);
        vote(index, 1, 0, ISSUANCE);
        run_to_block(DECISION_START + CONFIRM_PERIOD);
        assert!(matches!(info(index), ReferendumInfo::Approved(..)));
        assert_eq!(requests(&hash), 0, "the scheduler holds its own request");
        assert_eq!(scheduled()[0].call, lookup);

        // The same for a referendum that is killed, or times out.
        let killed = submit_with(2, lookup.clone(), DispatchTime::After(0));
        let timed_out = submit_with(3, lookup, DispatchTime::After(0));
        assert_eq!(requests(&hash), 2);
        Call::kill { index: killed }.dispatch::<Test>(RawOrigin::Root).expect("killed");
        assert_eq!(requests(&hash), 1);
        run_to_block(System::block_number() + UNDECIDING_TIMEOUT);
        assert!(matches!(info(timed_out), ReferendumInfo::TimedOut(..)));
        assert_eq!(requests(&hash), 0);
    });
}

#[test]
fn a_failed_enactment_is_reported_and_the_referendum_approved() {
    ExtBuilder::default().build().execute_with(|| {
        scheduler_fails();
        let index = deciding_referendum();
        vote(index, 1, 0, ISSUANCE);
        run_to_block(DECISION_START + 1 + CONFIRM_PERIOD);
        assert_eq!(
            take_events(),
            vec![
                Event::ConfirmStarted { index },
                Event::Confirmed { index, tally: Tally { ayes: 1, nays: 0, support: ISSUANCE } },
                Event::EnactmentFailed { index, error: DispatchError::Exhausted },
                Event::Approved { index },
            ]
        );
        assert!(matches!(info(index), ReferendumInfo::Approved(..)));
        assert!(scheduled().is_empty());
    });
}

#[test]
fn nudge_services_a_referendum_at_once() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        vote(index, 1, 0, ISSUANCE);
        assert_eq!(
            Call::nudge_referendum { index }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(
            error(Call::nudge_referendum { index: 9 }.dispatch::<Test>(RawOrigin::Root)),
            "NotOngoing"
        );
        Call::nudge_referendum { index }.dispatch::<Test>(RawOrigin::Root).expect("nudged");
        let confirm_end = DECISION_START + CONFIRM_PERIOD;
        assert_eq!(status(index).deciding.expect("deciding").confirming, Some(confirm_end));
        assert_eq!(status(index).alarm, Some(confirm_end));
        assert_eq!(Alarms::get(confirm_end), vec![index]);
        assert!(!Alarms::contains_key(DECISION_START + 1));
        assert_eq!(Referenda::is_referendum_passing(index), Ok(true));
    });
}

#[test]
fn one_fewer_deciding_starts_the_next_or_lowers_the_count() {
    ExtBuilder::default().build().execute_with(|| {
        let (a, b) = (submit(1), submit(2));
        place_deposit(3, a);
        place_deposit(3, b);
        run_to_block(DECISION_START);
        assert!(status(b).in_queue);
        assert_eq!(
            Call::one_fewer_deciding { track: 0 }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(
            error(Call::one_fewer_deciding { track: 9 }.dispatch::<Test>(RawOrigin::Root)),
            "BadTrack"
        );
        Call::one_fewer_deciding { track: 0 }.dispatch::<Test>(RawOrigin::Root).expect("ok");
        assert!(status(b).deciding.is_some());
        assert_eq!(DecidingCount::get(0), 1);
        Call::one_fewer_deciding { track: 0 }.dispatch::<Test>(RawOrigin::Root).expect("ok");
        assert_eq!(DecidingCount::get(0), 0);
        assert!(status(a).deciding.is_some(), "root's repair tool trusts its caller");
    });
}

#[test]
fn votes_reach_ongoing_polls_only_and_are_looked_at_next_block() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        // A failing voter changes nothing.
        let failed: Result<(), DispatchError> = Referenda::try_access_poll(index, |poll| {
            if let PollStatus::Ongoing(tally, track) = poll {
                assert_eq!(track, 0);
                tally.ayes = 5;
            }
            Err(DispatchError::Other("no"))
        });
        assert!(failed.is_err());
        assert_eq!(status(index).tally, Tally::default());
        assert_eq!(status(index).alarm, Some(1 + UNDECIDING_TIMEOUT));
        vote(index, 5, 1, 2);
        assert_eq!(Referenda::as_ongoing(index), Some((Tally { ayes: 5, nays: 1, support: 2 }, 0)));
        assert_eq!(status(index).alarm, Some(2));
        assert_eq!(Alarms::get(2), vec![index]);
        assert!(!Alarms::contains_key(1 + UNDECIDING_TIMEOUT));
        next_block();
        assert_eq!(status(index).alarm, Some(1 + UNDECIDING_TIMEOUT));
        let none = Referenda::try_access_poll(42, |poll| Ok(matches!(poll, PollStatus::None)));
        assert_eq!(none, Ok(true));
        assert_eq!(Referenda::as_ongoing(42), None);
        assert_eq!(
            error(Call::refund_decision_deposit { index: 42 }.dispatch::<Test>(signed(1))),
            "BadReferendum"
        );
    });
}

#[test]
fn completed_polls_report_their_end() {
    ExtBuilder::default().build().execute_with(|| {
        let index = deciding_referendum();
        vote(index, 1, 0, ISSUANCE);
        run_to_block(DECISION_START + 1 + CONFIRM_PERIOD);
        let completed = Referenda::try_access_poll(index, |poll| match poll {
            PollStatus::Completed(end, approved) => Ok((end, approved)),
            _ => Err(DispatchError::Other("not completed")),
        });
        assert_eq!(completed, Ok((DECISION_START + 1 + CONFIRM_PERIOD, true)));
    });
}

#[test]
fn refunds_wait_for_the_end() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        assert_eq!(
            error(Call::refund_decision_deposit { index }.dispatch::<Test>(signed(1))),
            "NoDeposit"
        );
        place_deposit(2, index);
        assert_eq!(
            error(Call::refund_decision_deposit { index }.dispatch::<Test>(signed(1))),
            "Unfinished"
        );
        assert_eq!(
            error(Call::refund_submission_deposit { index }.dispatch::<Test>(signed(1))),
            "BadStatus"
        );
        assert_eq!(
            Call::refund_decision_deposit { index }
                .dispatch::<Test>(RawOrigin::None)
                .map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
    });
}

#[test]
fn metadata_is_set_by_the_submitter_and_cleared_by_anyone_once_ended() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        let hash = note_preimage(b"metadata");
        let set = |who: u8, maybe_hash| {
            Call::set_metadata { index, maybe_hash }.dispatch::<Test>(signed(who))
        };
        assert_eq!(error(set(2, Some(hash))), "NoPermission");
        assert_eq!(error(set(1, Some(H256::repeat_byte(9)))), "PreimageNotExist");
        set(1, Some(hash)).expect("set");
        assert_eq!(MetadataOf::get(index), Some(hash));
        assert_eq!(error(set(2, None)), "NoPermission");
        Call::cancel { index }.dispatch::<Test>(RawOrigin::Root).expect("cancelled");
        assert_eq!(error(set(1, Some(hash))), "NotOngoing");
        set(2, None).expect("cleared");
        assert_eq!(MetadataOf::get(index), None);
        let events = take_events();
        assert!(events.contains(&Event::MetadataSet { index, hash }));
        assert_eq!(events.last(), Some(&Event::MetadataCleared { index, hash }));
    });
}

#[test]
fn metadata_lists_the_tracks_from_the_state() {
    ExtBuilder::default().build().execute_with(|| {
        let meta = Referenda::metadata();
        let constant =
            |name: &str| meta.constants.iter().find(|c| c.name == name).expect(name).value.clone();
        assert_eq!(constant("Tracks"), Tracks::get().encode());
        assert_eq!(
            Vec::<(TrackId, TrackInfo)>::decode(&mut &constant("Tracks")[..]).expect("decodes"),
            vec![(0, root_track()), (1, Referenda::track(1).expect("track 1"))]
        );
        assert_eq!(constant("SubmissionDeposit"), SUBMISSION_DEPOSIT.encode());
        assert_eq!(constant("UndecidingTimeout"), UNDECIDING_TIMEOUT.encode());
        assert_eq!(constant("MaxQueued"), MAX_QUEUED.encode());
        let names: Vec<&str> = meta.storage.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "ReferendumCount",
                "ReferendumInfoFor",
                "TrackQueue",
                "DecidingCount",
                "MetadataOf",
                "Alarms",
                "Tracks"
            ]
        );
    });
}

#[test]
fn the_hook_reports_the_weight_of_what_it_serviced() {
    ExtBuilder::default().build().execute_with(|| {
        let index = submit(1);
        vote(index, 1, 0, 1);
        System::initialize(2, H256::zero(), &Default::default());
        assert_eq!(Referenda::on_initialize(2), weights::on_initialize(1));
        System::initialize(3, H256::zero(), &Default::default());
        assert_eq!(Referenda::on_initialize(3), weights::on_initialize(0));
        let info = Call::submit {
            proposal_origin: root(),
            proposal: proposal(1),
            enactment_moment: DispatchTime::After(0),
        }
        .get_dispatch_info();
        assert_eq!(info.weight, weights::SUBMIT);
    });
}

#[test]
fn encodings_are_substrates() {
    use scale_info::TypeInfo;
    // Call indices, the `{ system: Root }` origin, `DispatchTime::After`, `Bounded::Inline`.
    let submit = Call::submit {
        proposal_origin: root(),
        proposal: proposal(9),
        enactment_moment: DispatchTime::After(5),
    };
    assert_eq!(submit.encode(), [vec![0, 0, 0, 1, 12, 0, 0, 9, 1], 5u32.encode()].concat());
    assert_eq!(Call::kill { index: 7 }.encode(), [vec![4], 7u32.encode()].concat());
    assert_eq!(
        Call::refund_submission_deposit { index: 7 }.encode(),
        [vec![7], 7u32.encode()].concat()
    );
    assert_eq!(ReferendumInfo::Killed(5).encode(), [vec![5], 5u32.encode()].concat());
    let linear = approval_curve().encode();
    assert_eq!(linear[0], 0);
    assert_eq!(linear.len(), 1 + 3 * 4);
    let path = FixedI64::type_info().path.segments;
    assert_eq!(path, ["sp_arithmetic", "fixed_point", "FixedI64"]);
    assert_eq!(FixedI64(-1).encode(), (-1i64).encode());
}
