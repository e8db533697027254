//! Native tests of governance in the whole runtime: a referendum on the dev chain's root track
//! passes, its proposal is scheduled and enacted as root, and authorizes a runtime upgrade;
//! one without enough support is rejected and changes nothing; vote locks overlap bonds; a
//! block claiming a code rollback restores the previous code, and only with its true
//! inherent count.

use super::*;
use crate::genesis_config_presets::{dev, DEV_PRESET};
use codec::Encode;
use lux_io::TestExternalities;
use lux_primitives::consensus::PreDigest;
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::{AccountId20, Digest, H256, LUX};
use lux_support::governance::{Bounded, DispatchTime, OriginCaller};
use lux_support::traits::{Currency, LockableCurrency, ReservableCurrency};
use lux_support::{Dispatchable, RawOrigin};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::ReferendumInfo;

/// The dev chain, producing blocks natively.
struct Chain {
    ext: TestExternalities,
    parent: H256,
    number: u32,
}

impl Chain {
    fn dev() -> Self {
        let json = genesis_config_presets::get_preset(Some(DEV_PRESET)).expect("preset exists");
        let mut ext = TestExternalities::default();
        ext.execute_with(|| genesis_config_presets::build_state(&json)).expect("valid genesis");
        ext.commit_all();
        Self { ext, parent: H256::repeat_byte(0x69), number: 0 }
    }

    /// Produces the next block, running `f` as its transactions.
    fn block<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.number += 1;
        let (number, parent) = (self.number, self.parent);
        let (result, header) = self.ext.execute_with(|| {
            let mut digest = Digest::default();
            digest.push(
                PreDigest::Secondary { authority_index: 0, slot: number as u64 }.to_digest_item(),
            );
            let header = Header {
                parent_hash: parent,
                number,
                state_root: H256::zero(),
                extrinsics_root: H256::zero(),
                digest,
            };
            executive::initialize_block(&header);
            let mut data = InherentData::new();
            data.put(TIMESTAMP_INHERENT_ID, &(u64::from(number) * 1_000));
            for xt in executive::inherent_extrinsics(data) {
                executive::apply_extrinsic(xt).expect("inherent applies").expect("succeeds");
            }
            let result = f();
            (result, executive::finalize_block())
        });
        self.ext.commit_all();
        self.parent = header.hash();
        result
    }

    /// Produces blocks until `done` holds, at most `max` of them; returns how many.
    fn until(&mut self, max: u32, mut done: impl FnMut() -> bool) -> u32 {
        for n in 1..=max {
            self.block(|| ());
            if self.ext.execute_with(&mut done) {
                return n;
            }
        }
        panic!("not done after {max} blocks");
    }
}

fn who(account: [u8; 20]) -> RawOrigin {
    RawOrigin::Signed(AccountId20(account))
}

fn dispatch(call: RuntimeCall, origin: RawOrigin) {
    call.dispatch(origin).unwrap_or_else(|e| panic!("dispatch failed: {:?}", e.error));
}

/// Submits a root referendum for `call`, with alice's decision deposit.
fn submit(call: RuntimeCall) -> u32 {
    let index = pallet_referenda::ReferendumCount::get();
    dispatch(
        RuntimeCall::Referenda(pallet_referenda::Call::submit {
            proposal_origin: Box::new(OriginCaller::system(RawOrigin::Root)),
            proposal: Bounded::Inline(call.encode()),
            enactment_moment: DispatchTime::After(1),
        }),
        who(dev::ALICE),
    );
    dispatch(
        RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index }),
        who(dev::ALICE),
    );
    index
}

fn vote(account: [u8; 20], poll_index: u32, aye: bool, balance: u128) {
    let vote =
        AccountVote::Standard { vote: Vote { aye, conviction: Conviction::Locked1x }, balance };
    dispatch(
        RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote { poll_index, vote }),
        who(account),
    );
}

#[test]
fn a_referendum_with_enough_support_authorizes_an_upgrade() {
    let mut chain = Chain::dev();
    let code_hash = H256([0xab; 32]);
    let authorize = RuntimeCall::System(pallet_system::Call::authorize_upgrade { code_hash });
    let index = chain.block(|| {
        let index = submit(authorize);
        // Three dev accounts, 100 000 LUX each: 5% of the issuance, the track's support.
        for account in [dev::ALICE, dev::BOB, dev::CHARLIE] {
            vote(account, index, true, 100_000 * LUX);
        }
        index
    });
    // Bob's vote is locked (funds stay his, but cannot move); alice's vote and her validator
    // bond lock the same funds once.
    chain.ext.execute_with(|| {
        let bob = AccountId20(dev::BOB);
        assert_eq!(Balances::frozen_balance(&bob), 100_000 * LUX);
        let too_much = Balances::free_balance(&bob) - 50_000 * LUX;
        let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
            dest: AccountId20(dev::EVE),
            value: too_much,
        });
        assert!(transfer.dispatch(who(dev::BOB)).is_err());
        let alice = AccountId20(dev::ALICE);
        assert_eq!(Balances::lock(*b"pyconvot", &alice), 100_000 * LUX);
        assert_eq!(Balances::lock(*b"staking ", &alice), 100_000 * LUX);
        assert_eq!(Balances::frozen_balance(&alice), 100_000 * LUX);
        assert_eq!(Balances::reserved_balance(&alice), 1_010 * LUX, "both deposits");
    });
    let blocks = chain.until(30, || pallet_system::AuthorizedUpgrade::get().is_some());
    chain.ext.execute_with(|| {
        assert_eq!(
            pallet_system::AuthorizedUpgrade::get(),
            Some(pallet_system::CodeUpgradeAuthorization { code_hash, check_version: true })
        );
        assert!(matches!(
            pallet_referenda::ReferendumInfoFor::get(index),
            Some(ReferendumInfo::Approved(..))
        ));
        // The submission and decision deposits come back on request after approval.
        dispatch(
            RuntimeCall::Referenda(pallet_referenda::Call::refund_decision_deposit { index }),
            who(dev::ALICE),
        );
        dispatch(
            RuntimeCall::Referenda(pallet_referenda::Call::refund_submission_deposit { index }),
            who(dev::ALICE),
        );
        assert_eq!(Balances::reserved_balance(&AccountId20(dev::ALICE)), 0);
    });
    // Prepare (2) + confirm (4) + enactment: about ten blocks.
    assert!(blocks <= 15, "took {blocks} blocks");
}

#[test]
fn a_referendum_short_of_support_is_rejected_and_changes_nothing() {
    let mut chain = Chain::dev();
    let remark =
        RuntimeCall::System(pallet_system::Call::authorize_upgrade { code_hash: H256([1; 32]) });
    let index = chain.block(|| {
        let index = submit(remark);
        vote(dev::EVE, index, true, 1_000 * LUX);
        index
    });
    let issuance = chain.ext.execute_with(Balances::total_issuance);
    chain.until(60, || {
        matches!(
            pallet_referenda::ReferendumInfoFor::get(index),
            Some(ReferendumInfo::Rejected(..))
        )
    });
    chain.ext.execute_with(|| {
        assert_eq!(pallet_system::AuthorizedUpgrade::get(), None);
        assert!(Balances::total_issuance() <= issuance);
        // The losing side's vote is removed and unlocked at once.
        let eve = AccountId20(dev::EVE);
        dispatch(
            RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::remove_vote {
                class: Some(0),
                index,
            }),
            who(dev::EVE),
        );
        dispatch(
            RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::unlock {
                class: 0,
                target: eve,
            }),
            who(dev::EVE),
        );
        assert_eq!(Balances::frozen_balance(&eve), 0);
    });
}

/// A block claiming a code rollback on the dev chain, built natively: the state keeps an
/// upgrade on probation (`old` replaced by `new`), the block's timestamp is 1,000 and its claim
/// names `claimed` as its inherent data.
fn rollback_block(claimed: InherentData) -> (TestExternalities, Block) {
    use lux_primitives::upgrade::CodeRollback;
    let on_probation = || {
        let mut chain = Chain::dev();
        chain.ext.execute_with(|| {
            lux_io::storage::set(lux_primitives::storage::CODE, b"\0asm new");
            lux_io::storage::set(lux_primitives::storage::PREVIOUS_CODE, b"\0asm old");
        });
        chain.ext.commit_all();
        chain
    };
    let mut chain = on_probation();
    let before = on_probation().ext;
    let block = chain.ext.execute_with(|| {
        let mut digest = Digest::default();
        digest.push(PreDigest::Secondary { authority_index: 0, slot: 1 }.to_digest_item());
        digest.push(CodeRollback { inherent_data: claimed }.to_digest_item());
        let header = Header {
            parent_hash: chain.parent,
            number: 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest,
        };
        executive::initialize_block(&header);
        let extrinsics = executive::inherent_extrinsics(timestamp(1_000));
        for xt in &extrinsics {
            executive::apply_extrinsic(xt.clone()).expect("inherent applies").expect("succeeds");
        }
        // The claim is checked when the block ends: a block with a false one cannot be built.
        let header =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(executive::finalize_block))
                .unwrap_or_else(|_| {
                    let mut header = header.clone();
                    header.state_root = H256::repeat_byte(1);
                    header
                });
        Block { header, extrinsics }
    });
    (before, block)
}

fn timestamp(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &now);
    data
}

#[test]
fn a_rollback_block_restores_the_previous_code_for_every_importer() {
    let (mut importer, block) = rollback_block(timestamp(1_000));
    importer.execute_with(|| executive::execute_block(block.clone()));
    importer.execute_with(|| {
        assert_eq!(lux_io::storage::get(b":code"), Some(b"\0asm old".to_vec()));
        assert_eq!(lux_io::storage::get(lux_primitives::storage::PREVIOUS_CODE), None);
        let failed_code_hash = H256(lux_io::hashing::blake2_256(b"\0asm new"));
        assert!(System::events().iter().any(|r| r.event
            == RuntimeEvent::System(pallet_system::Event::CodeRolledBack { failed_code_hash })));
    });
    assert_eq!(H256(importer.storage_root()), block.header.state_root);
}

#[test]
#[should_panic(expected = "claims other inherent data than its own")]
fn a_rollback_claim_must_carry_the_blocks_timestamp() {
    let (mut importer, block) = rollback_block(timestamp(999));
    importer.execute_with(|| executive::execute_block(block));
}

#[test]
#[should_panic(expected = "claims other inherent data than its own")]
fn a_rollback_claim_may_carry_nothing_but_the_blocks_inherent_data() {
    let mut claimed = timestamp(1_000);
    claimed.put(*b"testinh0", &7u32);
    let (mut importer, block) = rollback_block(claimed);
    importer.execute_with(|| executive::execute_block(block));
}
