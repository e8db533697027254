//! Unit tests of the transaction-payment pallet.

use super::*;
use lux_io::TestExternalities;
use lux_primitives::H256;
use lux_support::DispatchClass;

struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Payment(Event),
}

impl From<pallet_system::Event> for RuntimeEvent {
    fn from(e: pallet_system::Event) -> Self {
        Self::System(e)
    }
}
impl From<pallet_balances::Event> for RuntimeEvent {
    fn from(e: pallet_balances::Event) -> Self {
        Self::Balances(e)
    }
}
impl From<Event> for RuntimeEvent {
    fn from(e: Event) -> Self {
        Self::Payment(e)
    }
}

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = Info,
    pallets = [pallet_balances::Pallet<Test> => 3],
    base_extrinsic = Weight::from_parts(10_000_000, 0),
);

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = 100;
}

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = pallet_balances::Pallet<Test>;
    const TRANSACTION_BYTE_FEE: Balance = 1;
    const WEIGHT_FEE_PER_MICROS: Balance = 10;
    type FindAuthor = Author;
    const AUTHOR_FEE_SHARE: lux_primitives::Perbill = lux_primitives::Perbill::from_percent(20);
}

/// Account 9 authors every block.
pub struct Author;

impl lux_support::traits::FindAuthor for Author {
    fn find_author() -> Option<AccountId20> {
        Some(AccountId20([9; 20]))
    }
}

type Payment = Pallet<Test>;
type Balances = pallet_balances::Pallet<Test>;

fn who() -> AccountId20 {
    AccountId20([1; 20])
}

fn ext(balance: Balance) -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        pallet_system::GenesisConfig::default().build::<Test>().expect("system genesis");
        pallet_balances::GenesisConfig { balances: vec![(who(), balance)] }
            .build::<Test>()
            .expect("genesis");
        pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
    });
    ext
}

fn info(micros: u64, pays_fee: Pays) -> DispatchInfo {
    DispatchInfo {
        weight: Weight::from_parts(micros * 1_000_000, 0),
        class: DispatchClass::Normal,
        pays_fee,
    }
}

#[test]
fn fee_is_base_plus_length_plus_weight_plus_tip() {
    ext(10_000).execute_with(|| {
        // base: 10 µs * 10 = 100; length: 50 bytes * 1; weight: 20 µs * 10 = 200; tip 7.
        assert_eq!(Payment::compute_fee(50, &info(20, Pays::Yes), 7), 100 + 50 + 200 + 7);
        assert_eq!(Payment::compute_fee(50, &info(20, Pays::No), 7), 7);
        let details = Payment::query_fee_details(50, &info(20, Pays::Yes), 7, true);
        assert_eq!(
            details.inclusion_fee,
            Some(InclusionFee { base_fee: 100, len_fee: 50, adjusted_weight_fee: 200 })
        );
        assert_eq!(Payment::query_info(50, &info(20, Pays::Yes), true).partial_fee, 350);
        assert_eq!(Payment::query_info(50, &info(20, Pays::Yes), false).partial_fee, 0);
    });
}

#[test]
fn fees_are_burned_and_unused_weight_refunded() {
    ext(10_000).execute_with(|| {
        let info = info(20, Pays::Yes);
        let withdrawn = Payment::withdraw_fee(&who(), &info, 50, 0).expect("can pay");
        assert_eq!(withdrawn, 350);
        assert_eq!(Balances::free_balance(&who()), 10_000 - 350);
        let post = PostDispatchInfo {
            actual_weight: Some(Weight::from_parts(5_000_000, 0)),
            pays_fee: Pays::Yes,
        };
        Payment::correct_and_deposit_fee(&who(), &info, &post, 50, 0, withdrawn);
        // Actual: 100 + 50 + 5 µs * 10 = 200, so 150 comes back.
        assert_eq!(Balances::free_balance(&who()), 10_000 - 200);
        assert_eq!(pallet_balances::TotalIssuance::get(), 10_000 - 200);
        let paid = pallet_system::Pallet::<Test>::events().into_iter().any(|r| {
            r.event
                == RuntimeEvent::Payment(Event::TransactionFeePaid {
                    who: who(),
                    actual_fee: 200,
                    tip: 0,
                })
        });
        assert!(paid);
    });
}

#[test]
fn the_author_gets_the_tips_and_a_share_of_the_fees_at_the_end_of_the_block() {
    ext(10_000).execute_with(|| {
        let author = AccountId20([9; 20]);
        let info = info(20, Pays::Yes);
        let post = PostDispatchInfo { actual_weight: None, pays_fee: Pays::Yes };
        // Two transactions: fees 350 each, tips 0 and 150 (for 1_000 tipped after a 350 fee).
        let first = Payment::withdraw_fee(&who(), &info, 50, 0).expect("can pay");
        Payment::correct_and_deposit_fee(&who(), &info, &post, 50, 0, first);
        let second = Payment::withdraw_fee(&who(), &info, 50, 150).expect("can pay");
        Payment::correct_and_deposit_fee(&who(), &info, &post, 50, 150, second);
        assert_eq!(BlockFees::get(), (700, 150));
        assert_eq!(Balances::free_balance(&author), 0);
        Payment::on_finalize(1);
        // 20% of 700 plus the tip; the other 560 stays burned.
        assert_eq!(Balances::free_balance(&author), 140 + 150);
        assert_eq!(pallet_balances::TotalIssuance::get(), 10_000 - 560);
        assert!(!BlockFees::exists());
    });
}

#[test]
fn cannot_pay_means_invalid_payment() {
    // Paying 350 would leave 50 < existential deposit 100.
    ext(400).execute_with(|| {
        assert_eq!(
            Payment::withdraw_fee(&who(), &info(20, Pays::Yes), 50, 0),
            Err(InvalidTransaction::Payment.into())
        );
        assert_eq!(Balances::free_balance(&who()), 400);
    });
}

#[test]
fn priority_is_the_tip() {
    assert_eq!(Payment::priority(5), 5);
    assert_eq!(Payment::priority(u128::MAX), u64::MAX);
}
