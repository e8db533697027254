//! Unit tests of the sudo pallet.

use super::*;
use lux_io::TestExternalities;
use lux_primitives::dispatch::ModuleError;
use lux_primitives::H256;
use lux_support::DispatchError;

struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
enum RuntimeCall {
    #[codec(index = 0)]
    System(pallet_system::Call),
    #[codec(index = 9)]
    Sudo(Call<RuntimeCall>),
}

impl Dispatchable for RuntimeCall {
    fn dispatch(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::System(c) => c.dispatch::<Test>(origin),
            Self::Sudo(c) => c.dispatch::<Test>(origin),
        }
    }
}

impl GetDispatchInfo for RuntimeCall {
    fn get_dispatch_info(&self) -> DispatchInfo {
        match self {
            Self::System(c) => c.get_dispatch_info(),
            Self::Sudo(c) => c.get_dispatch_info(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
enum RuntimeEvent {
    System(pallet_system::Event),
    Sudo(Event),
}

impl From<pallet_system::Event> for RuntimeEvent {
    fn from(e: pallet_system::Event) -> Self {
        Self::System(e)
    }
}
impl From<Event> for RuntimeEvent {
    fn from(e: Event) -> Self {
        Self::Sudo(e)
    }
}

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = Info,
    pallets = [Pallet<Test> => 9],
);

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
}

fn key() -> AccountId20 {
    AccountId20([1; 20])
}

fn ext(sudo_key: Option<AccountId20>) -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        GenesisConfig { key: sudo_key }.build::<Test>().expect("sudo genesis");
        pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
    });
    ext
}

fn sudo_events() -> Vec<Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Sudo(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn remark_with_event() -> Box<RuntimeCall> {
    Box::new(RuntimeCall::System(pallet_system::Call::remark_with_event { remark: vec![1] }))
}

#[test]
fn sudo_dispatches_as_root_for_free() {
    ext(Some(key())).execute_with(|| {
        // remark_with_event needs a signed origin, so as root it fails with BadOrigin.
        let post = Call::<RuntimeCall>::sudo { call: remark_with_event() }
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .expect("sudo itself succeeds");
        assert_eq!(post.pays_fee, Pays::No);
        assert_eq!(
            sudo_events(),
            vec![Event::Sudid { sudo_result: Err(DispatchError::BadOrigin) }]
        );
    });
}

#[test]
fn sudo_as_dispatches_signed() {
    ext(Some(key())).execute_with(|| {
        Call::<RuntimeCall>::sudo_as { who: AccountId20([7; 20]), call: remark_with_event() }
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .expect("ok");
        assert_eq!(sudo_events(), vec![Event::SudoAsDone { sudo_result: Ok(()) }]);
    });
}

#[test]
fn only_the_key_may_use_sudo() {
    for state in [Some(key()), None] {
        ext(state).execute_with(|| {
            let r = Call::<RuntimeCall>::sudo { call: remark_with_event() }
                .dispatch::<Test>(RawOrigin::Signed(AccountId20([2; 20])));
            let expected = DispatchError::Module(ModuleError {
                index: 9,
                error: [0, 0, 0, 0],
                message: Some("RequireSudo"),
            });
            assert_eq!(r.map_err(|e| e.error), Err(expected));
        });
    }
}

#[test]
fn key_can_be_changed_and_removed() {
    ext(Some(key())).execute_with(|| {
        let new = AccountId20([3; 20]);
        Call::<RuntimeCall>::set_key { new }
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .expect("ok");
        assert_eq!(Pallet::<Test>::key(), Some(new));
        assert!(Call::<RuntimeCall>::remove_key
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .is_err());
        Call::<RuntimeCall>::remove_key.dispatch::<Test>(RawOrigin::Signed(new)).expect("ok");
        assert_eq!(Pallet::<Test>::key(), None);
    });
}

#[test]
fn weight_includes_the_inner_call() {
    let inner = remark_with_event().get_dispatch_info().weight;
    let outer = Call::<RuntimeCall>::sudo { call: remark_with_event() }.get_dispatch_info().weight;
    assert!(outer.ref_time > inner.ref_time);
}

/// The `spec_version + 1` sudo: version 0's key migrates to `KeyInfo` once.
#[cfg(feature = "next-version")]
#[test]
fn the_next_version_migrates_the_key_once_and_adds_force_remove_key() {
    use lux_support::storage::{unhashed, StorageVersion};
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        // Version 0's layout: the bare account, no storage version.
        unhashed::put(&Key::hashed_key(), &key());
        pallet_system::Pallet::<Test>::initialize(7, H256::zero(), &Default::default());
        assert_eq!(StorageVersion::get("Sudo"), 0);
        Pallet::<Test>::on_runtime_upgrade();
        assert_eq!(StorageVersion::get("Sudo"), 1);
        assert_eq!(Key::get(), Some(KeyInfo { account: key(), since: 7 }));
        assert_eq!(Pallet::<Test>::key(), Some(key()));
        // A second run changes nothing.
        pallet_system::Pallet::<Test>::initialize(8, H256::zero(), &Default::default());
        Pallet::<Test>::on_runtime_upgrade();
        assert_eq!(Key::get(), Some(KeyInfo { account: key(), since: 7 }));
        // The key still works, and root can end sudo.
        Call::<RuntimeCall>::sudo { call: remark_with_event() }
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .expect("sudo works after the migration");
        assert!(Call::<RuntimeCall>::force_remove_key
            .dispatch::<Test>(RawOrigin::Signed(key()))
            .is_err());
        Call::<RuntimeCall>::force_remove_key.dispatch::<Test>(RawOrigin::Root).expect("removed");
        assert_eq!(Pallet::<Test>::key(), None);
    });
}

#[cfg(feature = "next-version")]
#[test]
fn a_new_chain_on_the_next_version_starts_at_storage_version_1() {
    ext(Some(key())).execute_with(|| {
        assert_eq!(lux_support::storage::StorageVersion::get("Sudo"), 1);
        assert_eq!(Key::get(), Some(KeyInfo { account: key(), since: 0 }));
    });
}
