//! Tests of the scheduler: when tasks run, in which order, as whom, periodic and named tasks,
//! cancellation, the weight bound and overweight tasks, preimage-held calls.

use crate::mock::*;
use crate::{Agenda, Call, Error, Event, IncompleteSince, Lookup};
use codec::Encode;
use lux_support::governance::{Bounded, DispatchTime, OriginCaller, QueryPreimage, ScheduleNamed};
use lux_support::{DispatchError, RawOrigin};

fn schedule(when: u32, periodic: Option<(u32, u32)>, priority: u8, call: RuntimeCall) {
    Call::schedule { when, maybe_periodic: periodic, priority, call: Box::new(call) }
        .dispatch::<Test>(RawOrigin::Root)
        .expect("scheduled");
}

fn named(id: u8, when: u32, call: RuntimeCall) -> Result<(), DispatchError> {
    Call::schedule_named {
        id: [id; 32],
        when,
        maybe_periodic: None,
        priority: 127,
        call: Box::new(call),
    }
    .dispatch::<Test>(RawOrigin::Root)
    .map(|_| ())
    .map_err(|e| e.error)
}

#[test]
fn a_task_runs_as_root_at_its_block_and_not_before() {
    new_test_ext().execute_with(|| {
        schedule(4, None, 127, log(42, 1_000));
        assert_eq!(events(), vec![Event::Scheduled { when: 4, index: 0 }]);
        run_to_block(3);
        assert!(logged().is_empty());
        run_to_block(4);
        assert_eq!(logged(), vec![(true, 42)]);
        assert_eq!(events(), vec![Event::Dispatched { task: (4, 0), id: None, result: Ok(()) }]);
        assert!(!Agenda::contains_key(4), "a finished agenda is removed");
        run_to_block(10);
        assert_eq!(logged().len(), 1);
    });
}

#[test]
fn only_root_schedules_and_the_past_is_refused() {
    new_test_ext().execute_with(|| {
        let call = Call::schedule {
            when: 5,
            maybe_periodic: None,
            priority: 0,
            call: Box::new(log(1, 0)),
        };
        assert_eq!(
            call.dispatch::<Test>(RawOrigin::Signed(account(1))).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        let past = Call::schedule {
            when: 1,
            maybe_periodic: None,
            priority: 0,
            call: Box::new(log(1, 0)),
        };
        assert_eq!(
            past.dispatch::<Test>(RawOrigin::Root).map_err(|e| e.error),
            Err(Error::<Test>::TargetBlockNumberInPast.into())
        );
    });
}

#[test]
fn schedule_after_counts_from_the_next_block() {
    new_test_ext().execute_with(|| {
        Call::schedule_after {
            after: 2,
            maybe_periodic: None,
            priority: 0,
            call: Box::new(log(7, 0)),
        }
        .dispatch::<Test>(RawOrigin::Root)
        .expect("scheduled");
        assert_eq!(events(), vec![Event::Scheduled { when: 4, index: 0 }]);
        run_to_block(4);
        assert_eq!(logged(), vec![(true, 7)]);
    });
}

#[test]
fn priority_orders_a_block_and_failures_are_reported() {
    new_test_ext().execute_with(|| {
        schedule(3, None, 200, log(3, 0));
        schedule(3, None, 0, log(1, 0));
        schedule(3, None, 100, RuntimeCall::Logger(crate::mock::LoggerCall::fail));
        run_to_block(3);
        // The failed call's changes are discarded; the others ran in priority order.
        assert_eq!(logged(), vec![(true, 1), (true, 3)]);
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Dispatched { task: (3, 2), id: None, result: Err(DispatchError::Other(_)) }
        )));
    });
}

#[test]
fn periodic_tasks_run_count_times() {
    new_test_ext().execute_with(|| {
        schedule(2, Some((3, 3)), 0, log(9, 0));
        run_to_block(20);
        assert_eq!(logged(), vec![(true, 9); 3]);
        // Runs at 2, 5 and 8, then no agenda is left.
        assert!(Agenda::iter().next().is_none());
    });
}

#[test]
fn named_tasks_are_unique_cancellable_and_not_cancellable_by_position() {
    new_test_ext().execute_with(|| {
        named(1, 5, log(1, 0)).expect("named");
        assert_eq!(named(1, 6, log(2, 0)), Err(Error::<Test>::Named.into()));
        assert_eq!(Lookup::get([1; 32]), Some((5, 0)));
        assert_eq!(<Scheduler as ScheduleNamed>::next_dispatch_time([1; 32]), Some(5));
        assert_eq!(Scheduler::do_cancel(5, 0), Err(Error::<Test>::Named.into()));
        Call::<RuntimeCall>::cancel_named { id: [1; 32] }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("cancelled");
        assert!(events().contains(&Event::Canceled { when: 5, index: 0 }));
        assert_eq!(
            Call::<RuntimeCall>::cancel_named { id: [1; 32] }
                .dispatch::<Test>(RawOrigin::Root)
                .map_err(|e| e.error),
            Err(Error::<Test>::NotFound.into())
        );
        // The name is free again.
        named(1, 6, log(2, 0)).expect("named again");
        run_to_block(6);
        assert_eq!(logged(), vec![(true, 2)]);
        assert_eq!(Lookup::get([1; 32]), None);
    });
}

#[test]
fn anonymous_tasks_are_cancelled_by_position() {
    new_test_ext().execute_with(|| {
        schedule(4, None, 0, log(1, 0));
        schedule(4, None, 0, log(2, 0));
        Call::<RuntimeCall>::cancel { when: 4, index: 0 }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("cancelled");
        assert_eq!(Scheduler::do_cancel(4, 0), Err(Error::<Test>::NotFound.into()));
        run_to_block(4);
        assert_eq!(logged(), vec![(true, 2)]);
    });
}

#[test]
fn a_full_agenda_refuses_more_tasks() {
    new_test_ext().execute_with(|| {
        for i in 0..10 {
            schedule(3, None, 0, log(i, 0));
        }
        let call = Call::schedule {
            when: 3,
            maybe_periodic: None,
            priority: 0,
            call: Box::new(log(10, 0)),
        };
        assert_eq!(
            call.dispatch::<Test>(RawOrigin::Root).map_err(|e| e.error),
            Err(Error::<Test>::FailedToSchedule.into())
        );
    });
}

#[test]
fn calls_that_do_not_fit_are_postponed_to_the_next_blocks_in_order() {
    new_test_ext().execute_with(|| {
        // Each takes 40% of the scheduler's block weight: two fit per block.
        for i in 0..5 {
            schedule(3, None, i as u8, log(i, MAX_WEIGHT * 2 / 5));
        }
        run_to_block(3);
        assert_eq!(logged(), vec![(true, 0), (true, 1)]);
        assert!(events().contains(&Event::AgendaIncomplete { when: 3 }));
        assert_eq!(IncompleteSince::get(), Some(3));
        run_to_block(4);
        assert_eq!(logged().len(), 4);
        run_to_block(5);
        assert_eq!(logged(), (0..5).map(|i| (true, i)).collect::<Vec<_>>());
        assert_eq!(IncompleteSince::get(), None);
        assert!(!Agenda::contains_key(3));
    });
}

#[test]
fn a_permanently_overweight_task_is_reported_and_stays_until_cancelled() {
    new_test_ext().execute_with(|| {
        schedule(3, None, 0, log(1, MAX_WEIGHT * 2));
        schedule(3, None, 1, log(2, 0));
        run_to_block(3);
        assert_eq!(logged(), vec![(true, 2)], "the other task is not held up");
        assert!(events().contains(&Event::PermanentlyOverweight { task: (3, 0), id: None }));
        assert!(Agenda::get(3)[0].is_some());
        run_to_block(4);
        assert!(events().is_empty(), "reported once, not retried every block");
        Scheduler::do_cancel(3, 0).expect("cancellable");
        assert!(!Agenda::contains_key(3));
    });
}

#[test]
fn long_calls_go_through_a_requested_preimage_that_is_released_after_the_run() {
    new_test_ext().execute_with(|| {
        let call =
            RuntimeCall::Logger(crate::mock::LoggerCall::padded { i: 5, padding: vec![0; 300] });
        let hash = lux_primitives::H256(lux_io::hashing::blake2_256(&call.encode()));
        schedule(3, None, 0, call);
        assert!(matches!(
            Agenda::get(3)[0].as_ref().map(|t| &t.call),
            Some(Bounded::Lookup { .. })
        ));
        assert!(Preimage::is_requested(&hash));
        run_to_block(3);
        assert_eq!(logged(), vec![(true, 5)]);
        assert!(!Preimage::is_requested(&hash));
        assert_eq!(Preimage::len(&hash), None);
    });
}

#[test]
fn a_task_whose_preimage_is_missing_is_dropped_with_an_event() {
    new_test_ext().execute_with(|| {
        let call = Bounded::Lookup { hash: lux_primitives::H256([9; 32]), len: 200 };
        <Scheduler as ScheduleNamed>::schedule_named(
            [3; 32],
            DispatchTime::At(3),
            0,
            RawOrigin::Root,
            call,
        )
        .expect("scheduled");
        run_to_block(3);
        assert_eq!(events(), vec![Event::CallUnavailable { task: (3, 0), id: Some([3; 32]) }]);
        assert_eq!(Lookup::get([3; 32]), None);
        assert!(!Agenda::contains_key(3));
    });
}

#[test]
fn the_origin_is_kept() {
    new_test_ext().execute_with(|| {
        Scheduler::do_schedule(
            None,
            DispatchTime::At(2),
            None,
            0,
            OriginCaller::system(RawOrigin::Signed(account(1))),
            Bounded::Inline(log(4, 0).encode()),
        )
        .expect("scheduled");
        run_to_block(2);
        assert_eq!(logged(), vec![(false, 4)]);
    });
}

#[test]
fn a_missed_agenda_runs_when_the_chain_catches_up() {
    new_test_ext().execute_with(|| {
        schedule(3, None, 0, log(1, MAX_WEIGHT * 3 / 5));
        schedule(3, None, 1, log(2, MAX_WEIGHT * 3 / 5));
        schedule(4, None, 0, log(3, 0));
        run_to_block(3);
        assert_eq!(logged(), vec![(true, 1)]);
        run_to_block(4);
        // Block 3's leftover runs first, then block 4's agenda.
        assert_eq!(logged(), vec![(true, 1), (true, 2), (true, 3)]);
    });
}
