//! Tests of the conviction voting pallet against a runtime with balances and a test poll store.

use crate::mock::*;
use crate::*;
use lux_support::traits::LockableCurrency;
use lux_support::DispatchError;

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

fn error(result: DispatchResultWithPostInfo) -> &'static str {
    match result.map_err(|e| e.error) {
        Err(DispatchError::Module(e)) => e.message.expect("named error"),
        other => panic!("not a module error: {other:?}"),
    }
}

fn aye(conviction: Conviction, balance: Balance) -> AccountVote {
    AccountVote::Standard { vote: Vote { aye: true, conviction }, balance }
}

fn nay(conviction: Conviction, balance: Balance) -> AccountVote {
    AccountVote::Standard { vote: Vote { aye: false, conviction }, balance }
}

fn vote(n: u8, poll_index: PollIndex, vote: AccountVote) -> DispatchResultWithPostInfo {
    Call::vote { poll_index, vote }.dispatch::<Test>(signed(n))
}

fn remove_vote(n: u8, class: Option<TrackId>, index: PollIndex) -> DispatchResultWithPostInfo {
    Call::remove_vote { class, index }.dispatch::<Test>(signed(n))
}

fn remove_other_vote(
    n: u8,
    target: u8,
    class: TrackId,
    index: PollIndex,
) -> DispatchResultWithPostInfo {
    Call::remove_other_vote { target: account(target), class, index }.dispatch::<Test>(signed(n))
}

fn unlock(n: u8, class: TrackId, target: u8) {
    Call::unlock { class, target: account(target) }.dispatch::<Test>(signed(n)).expect("unlock");
}

/// The vote lock on `n`.
fn vote_lock(n: u8) -> Balance {
    Balances::lock(CONVICTION_VOTING_ID, &account(n))
}

/// What `n` can no longer move.
fn frozen(n: u8) -> Balance {
    Balances::frozen_balance(&account(n))
}

fn transfer(n: u8, value: Balance) -> DispatchResultWithPostInfo {
    pallet_balances::Call::transfer_keep_alive { dest: account(10), value }
        .dispatch::<Test>(signed(n))
}

fn votes(n: u8, class: TrackId) -> Vec<(PollIndex, AccountVote)> {
    ConvictionVoting::voting_for(&account(n), class).votes().to_vec()
}

fn prior(n: u8, class: TrackId) -> PriorLock {
    ConvictionVoting::voting_for(&account(n), class).prior()
}

fn has_record(n: u8, class: TrackId) -> bool {
    VotingFor::contains_key(account(n), class)
}

#[test]
fn convictions_multiply_votes_and_double_lock_periods() {
    let multipliers: Vec<(Balance, u32)> =
        Conviction::ALL.iter().map(|c| (c.votes(1_000).votes, c.lock_periods())).collect();
    assert_eq!(
        multipliers,
        vec![(100, 0), (1_000, 1), (2_000, 2), (3_000, 4), (4_000, 8), (5_000, 16), (6_000, 32)]
    );
    // Without conviction a tenth counts, rounded down; the capital is the whole balance.
    assert_eq!(Conviction::None.votes(95), Delegations { votes: 9, capital: 95 });
    for (i, c) in Conviction::ALL.iter().enumerate() {
        assert_eq!(u8::from(*c), i as u8);
        assert_eq!(Conviction::try_from(i as u8), Ok(*c));
    }
    assert_eq!(Conviction::try_from(7), Err(()));
}

#[test]
fn aye_votes_count_with_their_conviction_and_their_balance_as_support() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        let expected_ayes = [10, 100, 200, 300, 400, 500, 600];
        let mut ayes = 0;
        for (i, conviction) in Conviction::ALL.iter().enumerate() {
            let n = i as u8 + 1;
            vote(n, 0, aye(*conviction, 100)).expect("voted");
            ayes += expected_ayes[i];
            let support = 100 * (i as Balance + 1);
            assert_eq!(tally(0), Tally { ayes, nays: 0, support });
            assert_eq!(votes(n, 0), vec![(0, aye(*conviction, 100))]);
            assert_eq!(vote_lock(n), 100);
            assert_eq!(ConvictionVoting::class_locks_for(&account(n)), vec![(0, 100)]);
        }
        assert_eq!(tally(0), Tally { ayes: 2_110, nays: 0, support: 700 });
        assert_eq!(
            voting_events().last(),
            Some(&Event::Voted { who: account(7), vote: aye(Conviction::Locked6x, 100) })
        );
    });
}

#[test]
fn nay_votes_count_with_their_conviction_and_no_support() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        let mut nays = 0;
        for (i, conviction) in Conviction::ALL.iter().enumerate() {
            vote(i as u8 + 1, 0, nay(*conviction, 50)).expect("voted");
            nays += conviction.votes(50).votes;
            assert_eq!(tally(0), Tally { ayes: 0, nays, support: 0 });
        }
        // 5 + 50 + 100 + ... + 300.
        assert_eq!(nays, 1_055);
        assert_eq!(vote_lock(1), 50);
    });
}

#[test]
fn changing_a_vote_replaces_it_in_the_tally() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(3, 0, aye(Conviction::Locked2x, 100)).expect("voted");
        vote(4, 0, nay(Conviction::Locked1x, 40)).expect("voted");
        assert_eq!(tally(0), Tally { ayes: 200, nays: 40, support: 100 });

        vote(3, 0, nay(Conviction::Locked1x, 250)).expect("changed");
        assert_eq!(tally(0), Tally { ayes: 0, nays: 290, support: 0 });
        assert_eq!(votes(3, 0), vec![(0, nay(Conviction::Locked1x, 250))]);
        assert_eq!(vote_lock(3), 250);

        vote(3, 0, aye(Conviction::None, 50)).expect("changed");
        assert_eq!(tally(0), Tally { ayes: 5, nays: 40, support: 50 });
        assert_eq!(votes(3, 0), vec![(0, aye(Conviction::None, 50))]);
        // A smaller vote does not shrink the lock by itself; `unlock` does.
        assert_eq!(vote_lock(3), 250);
        assert_eq!(ConvictionVoting::class_locks_for(&account(3)), vec![(0, 250)]);
        unlock(3, 0, 3);
        assert_eq!(vote_lock(3), 50);
        assert_eq!(ConvictionVoting::class_locks_for(&account(3)), vec![(0, 50)]);
    });
}

#[test]
fn split_votes_count_a_tenth_and_abstentions_count_as_support() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(2, 0, AccountVote::Split { aye: 100, nay: 50 }).expect("voted");
        assert_eq!(tally(0), Tally { ayes: 10, nays: 5, support: 100 });
        assert_eq!(vote_lock(2), 150);

        vote(3, 0, AccountVote::SplitAbstain { aye: 30, nay: 20, abstain: 40 }).expect("voted");
        assert_eq!(tally(0), Tally { ayes: 13, nays: 7, support: 170 });
        assert_eq!(vote_lock(3), 90);

        // Replacing a split vote with a standard one takes the split parts out.
        vote(2, 0, aye(Conviction::Locked1x, 10)).expect("changed");
        assert_eq!(tally(0), Tally { ayes: 13, nays: 2, support: 80 });
        remove_vote(3, None, 0).expect("removed");
        assert_eq!(tally(0), Tally { ayes: 10, nays: 0, support: 10 });
    });
}

#[test]
fn votes_need_the_free_balance() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        open_poll(1, 0);
        assert_eq!(error(vote(1, 0, aye(Conviction::Locked1x, 101))), "InsufficientFunds");
        assert_eq!(error(vote(1, 0, AccountVote::Split { aye: 60, nay: 41 })), "InsufficientFunds");
        assert_eq!(
            error(vote(1, 0, AccountVote::SplitAbstain { aye: 1, nay: 1, abstain: 99 })),
            "InsufficientFunds"
        );
        assert_eq!(tally(0), Tally::default());
        assert!(!has_record(1, 0));
        assert_eq!(vote_lock(1), 0);

        // All of it may vote, on several polls at once: the same funds are locked once.
        vote(1, 0, aye(Conviction::Locked1x, 100)).expect("voted");
        vote(1, 1, nay(Conviction::Locked3x, 100)).expect("voted");
        assert_eq!(vote_lock(1), 100);
        assert_eq!(frozen(1), 100);
        assert_eq!(tally(1), Tally { ayes: 0, nays: 300, support: 0 });
    });
}

#[test]
fn only_ongoing_polls_take_votes() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        close_poll(0, true);
        assert_eq!(error(vote(1, 0, aye(Conviction::Locked1x, 10))), "NotOngoing");
        // No such poll.
        assert_eq!(error(vote(1, 7, aye(Conviction::Locked1x, 10))), "NotOngoing");
        assert!(!has_record(1, 0));
        assert_eq!(vote_lock(1), 0);
        // Only signed accounts vote.
        open_poll(1, 0);
        let unsigned = Call::vote { poll_index: 1, vote: aye(Conviction::None, 1) }
            .dispatch::<Test>(RawOrigin::None);
        assert_eq!(unsigned.map_err(|e| e.error), Err(DispatchError::BadOrigin));
        let root = Call::unlock { class: 0, target: account(1) }.dispatch::<Test>(RawOrigin::Root);
        assert_eq!(root.map_err(|e| e.error), Err(DispatchError::BadOrigin));
    });
}

#[test]
fn an_account_has_at_most_max_votes_per_class_kept_sorted() {
    ExtBuilder::default().build().execute_with(|| {
        for index in 0..4 {
            open_poll(index, 0);
        }
        open_poll(4, 1);
        vote(5, 2, aye(Conviction::Locked1x, 10)).expect("voted");
        vote(5, 0, aye(Conviction::Locked1x, 20)).expect("voted");
        vote(5, 1, nay(Conviction::Locked1x, 30)).expect("voted");
        let indices: Vec<PollIndex> = votes(5, 0).iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, vec![0, 1, 2]);
        assert_eq!(votes(5, 0).len() as u32, MAX_VOTES);

        assert_eq!(error(vote(5, 3, aye(Conviction::Locked1x, 10))), "MaxVotesReached");
        assert_eq!(tally(3), Tally::default());
        // Changing a vote is not a new one; another class has its own limit.
        vote(5, 1, aye(Conviction::Locked1x, 40)).expect("changed");
        assert_eq!(votes(5, 0)[1], (1, aye(Conviction::Locked1x, 40)));
        vote(5, 4, aye(Conviction::Locked1x, 10)).expect("other class");
        assert_eq!(votes(5, 1), vec![(4, aye(Conviction::Locked1x, 10))]);
        // Once a vote is removed there is room again.
        remove_vote(5, None, 2).expect("removed");
        vote(5, 3, aye(Conviction::Locked1x, 10)).expect("voted");
        let indices: Vec<PollIndex> = votes(5, 0).iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, vec![0, 1, 3]);
    });
}

#[test]
fn removing_a_vote_on_an_ongoing_poll_restores_the_tally_and_unlock_frees_the_funds() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(1, 0, nay(Conviction::Locked1x, 20)).expect("voted");
        vote(2, 0, aye(Conviction::Locked3x, 150)).expect("voted");
        assert_eq!(tally(0), Tally { ayes: 450, nays: 20, support: 150 });
        assert_eq!(frozen(2), 150);
        // Account 2 holds 200: only 50 can move.
        assert_eq!(error(transfer(2, 51)), "LiquidityRestrictions");

        remove_vote(2, None, 0).expect("removed");
        assert_eq!(tally(0), Tally { ayes: 0, nays: 20, support: 0 });
        assert!(votes(2, 0).is_empty());
        assert!(!has_record(2, 0));
        assert_eq!(prior(2, 0), PriorLock::default());
        assert_eq!(
            voting_events().last(),
            Some(&Event::VoteRemoved { who: account(2), vote: aye(Conviction::Locked3x, 150) })
        );
        assert_eq!(error(remove_vote(2, None, 0)), "NotVoter");
        assert_eq!(error(remove_vote(2, Some(0), 0)), "NotVoter");

        // As in Substrate the lock stays until someone unlocks it; nothing is left to lock.
        assert_eq!(frozen(2), 150);
        unlock(5, 0, 2);
        assert_eq!(vote_lock(2), 0);
        assert_eq!(frozen(2), 0);
        assert!(ConvictionVoting::class_locks_for(&account(2)).is_empty());
        assert!(!ClassLocksFor::contains_key(account(2)));
        assert_eq!(
            voting_events().last(),
            Some(&Event::VoteUnlocked { who: account(2), class: 0 })
        );
        transfer(2, 150).expect("unlocked funds move");
        assert_eq!(Balances::free_balance(&account(2)), 50);
    });
}

#[test]
fn a_winning_vote_stays_locked_until_its_conviction_period_ends() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(3, 0, aye(Conviction::Locked2x, 200)).expect("voted");
        run_to_block(5);
        close_poll(0, true);
        // An ended poll's class cannot be looked up.
        assert_eq!(error(remove_vote(3, None, 0)), "ClassNeeded");
        remove_vote(3, Some(0), 0).expect("removed");
        // Ended at 5, locked for 2 periods of 10 blocks.
        assert_eq!(prior(3, 0), PriorLock(25, 200));
        assert!(votes(3, 0).is_empty());
        unlock(3, 0, 3);
        assert_eq!(vote_lock(3), 200);
        assert_eq!(ConvictionVoting::class_locks_for(&account(3)), vec![(0, 200)]);

        run_to_block(24);
        unlock(3, 0, 3);
        assert_eq!(vote_lock(3), 200);
        assert_eq!(error(transfer(3, 101)), "LiquidityRestrictions");
        transfer(3, 100).expect("the unlocked part moves");

        run_to_block(25);
        unlock(3, 0, 3);
        assert_eq!(vote_lock(3), 0);
        assert_eq!(frozen(3), 0);
        assert!(!has_record(3, 0));
        assert!(ConvictionVoting::class_locks_for(&account(3)).is_empty());
        transfer(3, 199).expect("all of it moves (but the existential deposit)");
    });
}

#[test]
fn every_conviction_locks_a_winning_vote_for_its_own_period() {
    for conviction in &Conviction::ALL[1..] {
        ExtBuilder::default().build().execute_with(|| {
            open_poll(0, 1);
            vote(4, 0, nay(*conviction, 300)).expect("voted");
            run_to_block(3);
            // Rejected: the nay won.
            close_poll(0, false);
            remove_vote(4, Some(1), 0).expect("removed");
            let unlock_at = 3 + PERIOD * conviction.lock_periods();
            assert_eq!(prior(4, 1), PriorLock(unlock_at, 300), "{conviction:?}");
            run_to_block(unlock_at - 1);
            unlock(4, 1, 4);
            assert_eq!(vote_lock(4), 300, "{conviction:?} still locked one block before");
            run_to_block(unlock_at);
            unlock(4, 1, 4);
            assert_eq!(vote_lock(4), 0, "{conviction:?} unlocked at the end of its period");
        });
    }
}

#[test]
fn losing_split_and_unconvicted_votes_unlock_at_once() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(1, 0, aye(Conviction::Locked6x, 100)).expect("voted");
        vote(2, 0, nay(Conviction::None, 100)).expect("voted");
        vote(3, 0, AccountVote::SplitAbstain { aye: 10, nay: 100, abstain: 10 }).expect("voted");
        vote(4, 0, AccountVote::Split { aye: 10, nay: 100 }).expect("voted");
        vote(5, 0, nay(Conviction::Locked1x, 100)).expect("voted");
        run_to_block(2);
        close_poll(0, false);
        for n in 1..=5 {
            remove_vote(n, Some(0), 0).expect("removed");
            unlock(n, 0, n);
        }
        // The losing aye, the nay without conviction and the split votes leave no lock.
        for n in 1..=4 {
            assert_eq!(prior(n, 0), PriorLock::default(), "account {n}");
            assert_eq!(vote_lock(n), 0, "account {n}");
            assert!(!has_record(n, 0), "account {n}");
        }
        transfer(1, 99).expect("the loser's funds move");
        // The winning nay with conviction stays locked.
        assert_eq!(prior(5, 0), PriorLock(12, 100));
        assert_eq!(vote_lock(5), 100);
    });
}

#[test]
fn votes_on_polls_that_are_gone_leave_no_lock() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(6, 0, aye(Conviction::Locked6x, 600)).expect("voted");
        kill_poll(0);
        assert_eq!(error(remove_vote(6, None, 0)), "ClassNeeded");
        assert_eq!(error(remove_vote(6, Some(1), 0)), "NotVoter");
        remove_vote(6, Some(0), 0).expect("removed");
        assert_eq!(prior(6, 0), PriorLock::default());
        unlock(6, 0, 6);
        assert_eq!(frozen(6), 0);
    });
}

#[test]
fn prior_locks_keep_the_largest_amount_until_the_latest_end() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        open_poll(1, 0);
        vote(5, 0, aye(Conviction::Locked1x, 300)).expect("voted");
        vote(5, 1, aye(Conviction::Locked3x, 100)).expect("voted");
        run_to_block(2);
        close_poll(0, true);
        close_poll(1, true);
        remove_vote(5, Some(0), 0).expect("removed");
        assert_eq!(prior(5, 0), PriorLock(12, 300));
        remove_vote(5, Some(0), 1).expect("removed");
        // Overlocking, as in Substrate: the larger amount until the later end.
        assert_eq!(prior(5, 0), PriorLock(42, 300));
        run_to_block(12);
        unlock(5, 0, 5);
        assert_eq!(vote_lock(5), 300);
        run_to_block(42);
        unlock(5, 0, 5);
        assert_eq!(vote_lock(5), 0);
    });
}

#[test]
fn remaining_votes_keep_their_lock_after_a_prior_lock_expires() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        open_poll(1, 0);
        vote(5, 0, aye(Conviction::Locked1x, 400)).expect("voted");
        vote(5, 1, aye(Conviction::None, 150)).expect("voted");
        close_poll(0, true);
        remove_vote(5, Some(0), 0).expect("removed");
        unlock(5, 0, 5);
        assert_eq!(vote_lock(5), 400);
        run_to_block(11);
        unlock(5, 0, 5);
        assert_eq!(vote_lock(5), 150);
        assert_eq!(ConvictionVoting::class_locks_for(&account(5)), vec![(0, 150)]);
        assert_eq!(votes(5, 0), vec![(1, aye(Conviction::None, 150))]);
    });
}

#[test]
fn the_account_lock_is_the_largest_class_lock() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        open_poll(1, 1);
        vote(5, 0, aye(Conviction::Locked1x, 100)).expect("voted");
        vote(5, 1, nay(Conviction::Locked1x, 300)).expect("voted");
        assert_eq!(ConvictionVoting::class_locks_for(&account(5)), vec![(0, 100), (1, 300)]);
        assert_eq!(vote_lock(5), 300);
        assert_eq!(frozen(5), 300);

        remove_vote(5, None, 1).expect("removed");
        unlock(5, 1, 5);
        assert_eq!(ConvictionVoting::class_locks_for(&account(5)), vec![(0, 100)]);
        assert_eq!(vote_lock(5), 100);
        // Unlocking a class with a standing vote changes nothing.
        unlock(5, 0, 5);
        assert_eq!(vote_lock(5), 100);
        assert_eq!(error(transfer(5, 401)), "LiquidityRestrictions");
        transfer(5, 399).expect("the rest moves");
    });
}

#[test]
fn vote_locks_and_other_locks_on_the_same_funds_lock_the_largest() {
    ExtBuilder::default().build().execute_with(|| {
        let staking = *b"staking ";
        Balances::set_lock(staking, &account(4), 300);
        open_poll(0, 0);
        open_poll(1, 0);
        // Bonded funds vote too.
        vote(4, 0, aye(Conviction::Locked1x, 250)).expect("voted");
        assert_eq!(vote_lock(4), 250);
        assert_eq!(frozen(4), 300);
        vote(4, 1, aye(Conviction::Locked1x, 350)).expect("voted");
        assert_eq!(frozen(4), 350);
        assert_eq!(error(transfer(4, 51)), "LiquidityRestrictions");
        transfer(4, 50).expect("above both locks");

        remove_vote(4, None, 0).expect("removed");
        remove_vote(4, None, 1).expect("removed");
        unlock(4, 0, 4);
        assert_eq!(vote_lock(4), 0);
        // The other lock is untouched.
        assert_eq!(Balances::lock(staking, &account(4)), 300);
        assert_eq!(frozen(4), 300);
    });
}

#[test]
fn others_may_remove_only_votes_that_need_no_lock() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        open_poll(1, 0);
        open_poll(2, 0);
        vote(1, 0, aye(Conviction::Locked1x, 100)).expect("voted");
        vote(3, 1, nay(Conviction::Locked6x, 100)).expect("voted");
        vote(4, 2, aye(Conviction::Locked6x, 100)).expect("voted");

        // Ongoing: only the voter.
        assert_eq!(error(remove_other_vote(2, 1, 0, 0)), "NoPermission");
        assert_eq!(tally(0), Tally { ayes: 100, nays: 0, support: 100 });
        assert_eq!(error(remove_other_vote(2, 5, 0, 0)), "NotVoter");

        // Won, still locked: not yet.
        run_to_block(3);
        close_poll(0, true);
        assert_eq!(error(remove_other_vote(2, 1, 0, 0)), "NoPermissionYet");
        assert_eq!(votes(1, 0).len(), 1);
        run_to_block(12);
        assert_eq!(error(remove_other_vote(2, 1, 0, 0)), "NoPermissionYet");
        run_to_block(13);
        remove_other_vote(2, 1, 0, 0).expect("expired");
        assert!(!has_record(1, 0));
        assert_eq!(
            voting_events().last(),
            Some(&Event::VoteRemoved { who: account(1), vote: aye(Conviction::Locked1x, 100) })
        );
        unlock(2, 0, 1);
        assert_eq!(vote_lock(1), 0);

        // Lost: at once, whatever the conviction.
        close_poll(1, true);
        remove_other_vote(2, 3, 0, 1).expect("lost");
        assert_eq!(prior(3, 0), PriorLock::default());

        // The poll is gone: at once.
        kill_poll(2);
        remove_other_vote(2, 4, 0, 2).expect("gone");
        unlock(2, 0, 4);
        assert_eq!(vote_lock(4), 0);

        // Naming oneself is `remove_vote`.
        open_poll(3, 1);
        vote(6, 3, aye(Conviction::Locked2x, 100)).expect("voted");
        remove_other_vote(6, 6, 1, 3).expect("own vote");
        assert_eq!(tally(3), Tally::default());
    });
}

#[test]
fn own_winning_votes_may_be_removed_early_keeping_their_lock() {
    ExtBuilder::default().build().execute_with(|| {
        open_poll(0, 0);
        vote(1, 0, aye(Conviction::Locked1x, 100)).expect("voted");
        close_poll(0, true);
        remove_other_vote(1, 1, 0, 0).expect("own vote");
        assert_eq!(prior(1, 0), PriorLock(11, 100));
        unlock(1, 0, 1);
        assert_eq!(vote_lock(1), 100);
    });
}

#[test]
fn encodings_match_substrate() {
    use codec::{Decode, Encode};
    use scale_info::TypeInfo;

    let standard = aye(Conviction::Locked1x, 100);
    assert_eq!(Vote { aye: true, conviction: Conviction::Locked1x }.encode(), vec![0x81]);
    assert_eq!(Vote { aye: false, conviction: Conviction::Locked6x }.encode(), vec![0x06]);
    assert_eq!(
        Vote::decode(&mut &[0x80][..]),
        Ok(Vote { aye: true, conviction: Conviction::None })
    );
    assert!(Vote::decode(&mut &[0x87][..]).is_err());
    for conviction in Conviction::ALL {
        for aye in [true, false] {
            let v = Vote { aye, conviction };
            assert_eq!(Vote::decode(&mut &v.encode()[..]), Ok(v));
        }
    }

    let mut expected = vec![0, 0x81];
    expected.extend_from_slice(&100u128.to_le_bytes());
    assert_eq!(standard.encode(), expected);
    let split = AccountVote::Split { aye: 1, nay: 2 }.encode();
    assert_eq!((split[0], split.len()), (1, 33));
    let abstain = AccountVote::SplitAbstain { aye: 1, nay: 2, abstain: 3 }.encode();
    assert_eq!((abstain[0], abstain.len()), (2, 49));
    assert_eq!(AccountVote::decode(&mut &expected[..]), Ok(standard));

    // vote(Compact(5), vote), then the other calls' indices.
    let call = Call::vote { poll_index: 5, vote: standard }.encode();
    assert_eq!(&call[..3], &[0, 5 << 2, 0]);
    assert_eq!(Call::unlock { class: 0, target: account(1) }.encode()[0], 3);
    assert_eq!(Call::remove_vote { class: None, index: 0 }.encode(), vec![4, 0, 0, 0, 0, 0]);
    assert_eq!(Call::remove_other_vote { target: account(1), class: 0, index: 0 }.encode()[0], 5);
    assert_eq!(Event::Voted { who: account(1), vote: standard }.encode()[0], 2);
    assert_eq!(Event::VoteUnlocked { who: account(1), class: 0 }.encode()[0], 4);

    // Casting(votes: [], delegations: (0, 0), prior: (0, 0)).
    let empty = Voting::default().encode();
    assert_eq!((empty[0], empty.len()), (0, 1 + 1 + 32 + 4 + 16));

    let path = |ty: scale_info::Type| ty.path.segments.join("::");
    assert_eq!(path(Vote::type_info()), "pallet_conviction_voting::vote::Vote");
    assert_eq!(path(AccountVote::type_info()), "pallet_conviction_voting::vote::AccountVote");
    assert_eq!(path(Voting::type_info()), "pallet_conviction_voting::vote::Voting");
    assert_eq!(path(Conviction::type_info()), "pallet_conviction_voting::conviction::Conviction");
}

#[test]
fn calls_pay_fees_and_metadata_describes_the_pallet() {
    let calls = [
        Call::vote { poll_index: 0, vote: aye(Conviction::None, 1) },
        Call::unlock { class: 0, target: account(1) },
        Call::remove_vote { class: None, index: 0 },
        Call::remove_other_vote { target: account(1), class: 0, index: 0 },
    ];
    for call in calls {
        let info = call.get_dispatch_info();
        assert_eq!((info.class, info.pays_fee), (DispatchClass::Normal, Pays::Yes));
        assert!(info.weight.ref_time > 0);
    }

    let meta = ConvictionVoting::metadata();
    let storage: Vec<&str> = meta.storage.iter().map(|s| s.name).collect();
    assert_eq!(storage, vec!["VotingFor", "ClassLocksFor"]);
    let constants: Vec<(&str, Vec<u8>)> =
        meta.constants.iter().map(|c| (c.name, c.value.clone())).collect();
    assert_eq!(
        constants,
        vec![
            ("VoteLockingPeriod", PERIOD.to_le_bytes().to_vec()),
            ("MaxVotes", MAX_VOTES.to_le_bytes().to_vec())
        ]
    );
    assert!(meta.calls.is_some() && meta.event.is_some() && meta.error.is_some());
}

#[test]
fn a_tally_overflow_fails_the_vote_and_leaves_the_tally() {
    let huge = u128::MAX / 4;
    ExtBuilder::default().balance(1, huge).balance(2, huge).build().execute_with(|| {
        open_poll(0, 0);
        // 6x of a quarter of u128::MAX saturates to the maximum.
        vote(1, 0, aye(Conviction::Locked6x, huge)).expect("voted");
        assert_eq!(tally(0), Tally { ayes: u128::MAX, nays: 0, support: huge });
        let result = vote(2, 0, aye(Conviction::None, huge)).map_err(|e| e.error);
        assert_eq!(result, Err(ArithmeticError::Overflow.into()));
        assert_eq!(tally(0), Tally { ayes: u128::MAX, nays: 0, support: huge });
        // A nay still fits.
        vote(2, 0, nay(Conviction::Locked1x, huge)).expect("voted");
        assert_eq!(tally(0).nays, huge);
    });
}
