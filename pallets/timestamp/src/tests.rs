//! Unit tests of the timestamp pallet.

use super::*;
use lux_io::TestExternalities;
use lux_primitives::H256;

struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
enum RuntimeEvent {
    System(pallet_system::Event),
}

impl From<pallet_system::Event> for RuntimeEvent {
    fn from(e: pallet_system::Event) -> Self {
        Self::System(e)
    }
}

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = Info,
    pallets = [Pallet<Test> => 2],
);

impl Config for Test {
    const MINIMUM_PERIOD: Moment = 50;
    const MAX_DRIFT: Moment = 30_000;
}

fn ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default())
    });
    ext
}

fn set(now: Moment) -> Result<(), lux_support::DispatchError> {
    Call::set { now }.dispatch::<Test>(RawOrigin::None).map(|_| ()).map_err(|e| e.error)
}

#[test]
fn set_once_per_block_and_increasing() {
    ext().execute_with(|| {
        assert_eq!(set(1_000), Ok(()));
        assert_eq!(Pallet::<Test>::now(), 1_000);
        assert!(set(2_000).is_err(), "only once per block");
        Pallet::<Test>::on_finalize(1);
        assert!(set(1_020).is_err(), "less than the minimum period later");
        assert_eq!(set(1_050), Ok(()));
    });
}

#[test]
fn signed_origin_is_rejected() {
    ext().execute_with(|| {
        let r = Call::set { now: 5 }.dispatch::<Test>(RawOrigin::Signed(Default::default()));
        assert_eq!(r.map_err(|e| e.error), Err(lux_support::DispatchError::BadOrigin));
    });
}

#[test]
#[should_panic(expected = "Timestamp must be updated once in the block")]
fn block_without_timestamp_is_invalid() {
    ext().execute_with(|| Pallet::<Test>::on_finalize(1));
}

#[test]
fn inherent_creation_and_check() {
    ext().execute_with(|| {
        let mut data = InherentData::new();
        data.put(TIMESTAMP_INHERENT_ID, &10_000u64);
        assert_eq!(Pallet::<Test>::create_inherent(&data), Some(Call::set { now: 10_000 }));
        set(10_000).expect("set");
        Pallet::<Test>::on_finalize(1);
        // A slow clock still produces a valid next time.
        data.put(TIMESTAMP_INHERENT_ID, &9_000u64);
        assert_eq!(Pallet::<Test>::create_inherent(&data), Some(Call::set { now: 10_050 }));
        assert_eq!(Pallet::<Test>::check_inherent(&Call::set { now: 38_000 }, &data), Ok(()));
        assert_eq!(
            Pallet::<Test>::check_inherent(&Call::set { now: 40_000 }, &data),
            Err(InherentError::TooFarInFuture)
        );
        assert_eq!(
            Pallet::<Test>::check_inherent(&Call::set { now: 1 }, &InherentData::new()),
            Err(InherentError::Missing)
        );
    });
}
