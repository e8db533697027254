//! Unit tests of the system pallet.

use crate::mock::*;
use crate::*;
use alloc::sync::Arc;
use lux_io::{RuntimeVersionFetcher, TestExternalities};
use lux_primitives::dispatch::ModuleError;
use lux_primitives::transaction::InvalidTransaction;
use lux_primitives::Era;

fn alice() -> AccountId20 {
    AccountId20([1; 20])
}

#[test]
fn initialize_records_parent_and_prunes_old_hashes() {
    new_test_ext().execute_with(|| {
        assert_eq!(System::block_number(), 1);
        assert_eq!(BlockHash::get(0), H256::repeat_byte(1));
        for n in 2..=20u32 {
            System::initialize(n, H256::repeat_byte(n as u8), &Default::default());
        }
        // BLOCK_HASH_COUNT = 10: blocks 10..=19 are kept, and the genesis hash forever.
        assert!(BlockHash::contains_key(0));
        assert!(!BlockHash::contains_key(9));
        assert!(BlockHash::contains_key(10));
        assert_eq!(BlockHash::get(19), H256::repeat_byte(20));
    });
}

#[test]
fn events_are_recorded_with_their_phase_and_cleared_each_block() {
    new_test_ext().execute_with(|| {
        Call::remark_with_event { remark: b"hi".to_vec() }
            .dispatch::<Test>(RawOrigin::Signed(alice()))
            .expect("dispatches");
        let records = System::events();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].phase, Phase::Initialization);
        assert_eq!(
            records[0].event,
            RuntimeEvent::System(Event::Remarked {
                sender: alice(),
                hash: H256(lux_io::hashing::blake2_256(b"hi")),
            })
        );
        assert_eq!(EventCount::get(), 1);
        System::initialize(2, H256::zero(), &Default::default());
        assert!(System::events().is_empty());
    });
}

#[test]
fn no_events_at_genesis() {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        System::deposit_event(Event::CodeUpdated);
        assert!(System::events().is_empty());
    });
}

#[test]
fn remark_needs_a_signed_origin() {
    new_test_ext().execute_with(|| {
        let r = Call::remark { remark: vec![1] }.dispatch::<Test>(RawOrigin::None);
        assert_eq!(r.map_err(|e| e.error), Err(DispatchError::BadOrigin));
        assert!(Call::remark { remark: vec![1] }.dispatch::<Test>(RawOrigin::Root).is_err());
        assert!(Call::remark { remark: vec![1] }
            .dispatch::<Test>(RawOrigin::Signed(alice()))
            .is_ok());
    });
}

/// Answers `runtime_version` with a fixed version, or fails for code that is only the wasm
/// magic (a module without a runtime).
struct FixedVersion(RuntimeVersion);

impl RuntimeVersionFetcher for FixedVersion {
    fn runtime_version(&self, code: &[u8]) -> Option<Vec<u8>> {
        (code != b"\0asm").then(|| self.0.encode())
    }
}

fn ext_with_version(version: RuntimeVersion) -> TestExternalities {
    let mut ext = new_test_ext().with_version_fetcher(Arc::new(FixedVersion(version)));
    ext.commit_all();
    ext
}

fn set_code(code: &[u8]) -> Result<(), DispatchError> {
    Call::set_code { code: code.to_vec() }
        .dispatch::<Test>(RawOrigin::Root)
        .map(|_| ())
        .map_err(|e| e.error)
}

fn module_error(index: u8) -> DispatchError {
    DispatchError::Module(ModuleError { index: 0, error: [index, 0, 0, 0], message: None })
}

fn strip_message<R>(e: Result<R, DispatchError>) -> Result<R, DispatchError> {
    e.map_err(|e| match e {
        DispatchError::Module(m) => DispatchError::Module(ModuleError { message: None, ..m }),
        other => other,
    })
}

#[test]
fn set_code_checks_the_version_and_writes_code() {
    let newer = RuntimeVersion { spec_version: 11, ..VERSION };
    let mut ext = ext_with_version(newer);
    ext.execute_with(|| {
        assert_eq!(
            Call::set_code { code: vec![1] }
                .dispatch::<Test>(RawOrigin::Signed(alice()))
                .map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        // Not wasm at all; wasm whose version cannot be read.
        assert_eq!(strip_message(set_code(b"new code")), Err(module_error(9)));
        assert_eq!(strip_message(set_code(b"\0asm")), Err(module_error(2)));
        assert_eq!(set_code(b"\0asm new code"), Ok(()));
        assert_eq!(lux_io::storage::get(b":code"), Some(b"\0asm new code".to_vec()));
        assert!(Digest::get().logs.contains(&DigestItem::RuntimeEnvironmentUpdated));
        assert!(events().contains(&Event::CodeUpdated));
    });
}

#[test]
fn root_sets_and_kills_storage_but_not_the_keys_the_node_runs_on() {
    new_test_ext().execute_with(|| {
        let set = |items: Vec<(&[u8], &[u8])>, origin| {
            let items = items.into_iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
            strip_message(Call::set_storage { items }.dispatch::<Test>(origin).map_err(|e| e.error))
        };
        let kill = |keys: Vec<&[u8]>| {
            let keys = keys.into_iter().map(<[u8]>::to_vec).collect();
            strip_message(
                Call::kill_storage { keys }.dispatch::<Test>(RawOrigin::Root).map_err(|e| e.error),
            )
        };
        let items = vec![(&b"a"[..], &b"1"[..]), (b"b", b"2")];
        assert_eq!(set(items.clone(), RawOrigin::Signed(alice())), Err(DispatchError::BadOrigin));
        assert_eq!(lux_io::storage::get(b"a"), None);
        assert!(set(items, RawOrigin::Root).is_ok());
        assert_eq!(lux_io::storage::get(b"a"), Some(b"1".to_vec()));
        assert_eq!(lux_io::storage::get(b"b"), Some(b"2".to_vec()));
        assert!(kill(vec![b"a"]).is_ok());
        assert_eq!(lux_io::storage::get(b"a"), None);

        // The code and heap pages change only through set_code's checks: nothing is written,
        // not even the items before the refused one.
        lux_io::storage::set(b":code", b"\0asm old");
        for protected in [&b":code"[..], b":heappages", lux_primitives::storage::PREVIOUS_CODE] {
            let items = vec![(&b"c"[..], &b"3"[..]), (protected, b"\0asm new")];
            assert_eq!(set(items, RawOrigin::Root), Err(module_error(10)));
            assert_eq!(kill(vec![b"b", protected]), Err(module_error(10)));
        }
        assert_eq!(lux_io::storage::get(b"c"), None);
        assert_eq!(lux_io::storage::get(b"b"), Some(b"2".to_vec()));
        assert_eq!(lux_io::storage::get(b":code"), Some(b"\0asm old".to_vec()));
    });
}

#[test]
fn set_code_rejects_same_version_and_other_chains() {
    let mut ext = ext_with_version(VERSION);
    ext.execute_with(|| {
        assert_eq!(strip_message(set_code(b"\0asm same")), Err(module_error(1)));
        assert_eq!(lux_io::storage::get(b":code"), None);
    });
    let other = RuntimeVersion { spec_name: "other".into(), spec_version: 99, ..VERSION };
    let mut ext = ext_with_version(other);
    ext.execute_with(|| {
        assert_eq!(strip_message(set_code(b"\0asm other")), Err(module_error(0)));
    });
}

fn apply(code: &[u8], origin: RawOrigin) -> Result<Pays, DispatchError> {
    Call::apply_authorized_upgrade { code: code.to_vec() }
        .dispatch::<Test>(origin)
        .map(|post| post.pays_fee)
        .map_err(|e| e.error)
}

fn hash(code: &[u8]) -> H256 {
    H256(lux_io::hashing::blake2_256(code))
}

#[test]
fn an_authorized_upgrade_is_applied_by_anyone_for_free_once() {
    let newer = RuntimeVersion { spec_version: 11, ..VERSION };
    let mut ext = ext_with_version(newer);
    ext.execute_with(|| {
        let code = b"\0asm v11".to_vec();
        assert_eq!(strip_message(apply(&code, RawOrigin::None)), Err(module_error(7)));
        assert_eq!(
            Call::authorize_upgrade { code_hash: hash(&code) }
                .dispatch::<Test>(RawOrigin::Signed(alice()))
                .map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        Call::authorize_upgrade { code_hash: hash(&code) }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("authorized");
        assert!(events()
            .contains(&Event::UpgradeAuthorized { code_hash: hash(&code), check_version: true }));
        // Other code is refused, and the pool refuses it too.
        assert_eq!(strip_message(apply(b"\0asm v12", RawOrigin::None)), Err(module_error(8)));
        let other = Call::apply_authorized_upgrade { code: b"\0asm v12".to_vec() };
        assert_eq!(System::validate_unsigned(&other), Err(InvalidTransaction::Call.into()));
        let valid = Call::apply_authorized_upgrade { code: code.clone() };
        assert!(System::validate_unsigned(&valid).is_ok());
        assert_eq!(apply(&code, RawOrigin::Signed(alice())), Ok(Pays::No));
        assert_eq!(lux_io::storage::get(b":code"), Some(code.clone()));
        assert!(events().contains(&Event::CodeUpdated));
        assert_eq!(AuthorizedUpgrade::get(), None);
        assert_eq!(strip_message(apply(&code, RawOrigin::None)), Err(module_error(7)));
    });
}

#[test]
fn an_authorized_upgrade_still_checks_the_version_unless_told_not_to() {
    let mut ext = ext_with_version(VERSION);
    ext.execute_with(|| {
        let code = b"\0asm same version".to_vec();
        Call::authorize_upgrade { code_hash: hash(&code) }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("authorized");
        assert_eq!(strip_message(apply(&code, RawOrigin::None)), Err(module_error(1)));
        assert!(AuthorizedUpgrade::get().is_some(), "a refused upgrade stays authorized");
        Call::authorize_upgrade_without_checks { code_hash: hash(&code) }
            .dispatch::<Test>(RawOrigin::Root)
            .expect("authorized");
        assert_eq!(apply(&code, RawOrigin::None), Ok(Pays::No));
        assert_eq!(lux_io::storage::get(b":code"), Some(code));
    });
}

#[test]
fn runtime_upgrade_is_noticed_once() {
    new_test_ext().execute_with(|| {
        assert!(!System::take_runtime_upgraded());
        LastRuntimeUpgrade::put(LastRuntimeUpgradeInfo {
            spec_version: 9,
            spec_name: "test".into(),
        });
        assert!(System::take_runtime_upgraded());
        assert!(!System::take_runtime_upgraded());
    });
}

#[test]
fn finalize_computes_both_roots() {
    let mut ext = new_test_ext();
    let header = ext.execute_with(|| {
        System::note_extrinsic(vec![1, 2, 3]);
        System::note_applied_extrinsic(&Ok(Default::default()), Default::default());
        System::note_extrinsic(vec![4, 5]);
        System::note_applied_extrinsic(&Ok(Default::default()), Default::default());
        System::note_finished_extrinsics();
        System::finalize()
    });
    assert_eq!(header.number, 1);
    assert_eq!(header.parent_hash, H256::repeat_byte(1));
    let expected =
        lux_trie::ordered_trie_root(lux_trie::StateVersion::V1, [vec![1u8, 2, 3], vec![4, 5]]);
    assert_eq!(header.extrinsics_root, H256(expected));
    assert_eq!(header.state_root, H256(ext.storage_root()));
    ext.execute_with(|| assert!(!ExtrinsicData::contains_key(0)));
}

#[test]
fn nonce_checks() {
    new_test_ext().execute_with(|| {
        assert_eq!(
            extensions::validate_nonce(&alice(), 0),
            Err(InvalidTransaction::Payment.into()),
            "an account that does not exist cannot send"
        );
        assert_eq!(
            extensions::pre_dispatch_nonce::<Test>(&alice(), 0),
            Err(InvalidTransaction::Payment.into())
        );
        assert!(!Account::contains_key(alice()), "and it is not created");
        Account::mutate(alice(), |a| {
            a.nonce = 5;
            a.providers = 1;
        });
        assert_eq!(extensions::validate_nonce(&alice(), 4), Err(InvalidTransaction::Stale.into()));
        let ready = extensions::validate_nonce(&alice(), 5).expect("valid");
        assert!(ready.requires.is_empty());
        assert_eq!(ready.provides, vec![(alice(), 5u32).encode()]);
        let future = extensions::validate_nonce(&alice(), 7).expect("valid later");
        assert_eq!(future.requires, vec![(alice(), 6u32).encode()]);
        assert_eq!(
            extensions::pre_dispatch_nonce::<Test>(&alice(), 6),
            Err(InvalidTransaction::Future.into())
        );
        assert_eq!(extensions::pre_dispatch_nonce::<Test>(&alice(), 5), Ok(()));
        assert_eq!(System::account_nonce(&alice()), 6);
        assert_eq!(
            extensions::check_non_zero_sender(&AccountId20([0; 20])),
            Err(InvalidTransaction::BadSigner.into())
        );
    });
}

#[test]
fn mortality_needs_a_known_birth_block() {
    new_test_ext().execute_with(|| {
        for n in 2..=30u32 {
            System::initialize(n, H256::repeat_byte(n as u8), &Default::default());
        }
        let immortal = extensions::implicit::<Test>(Era::Immortal).expect("genesis is kept");
        assert_eq!(immortal.genesis_hash, H256::repeat_byte(1));
        assert_eq!(immortal.era_block_hash, H256::repeat_byte(1));
        let recent = extensions::implicit::<Test>(Era::mortal(8, 28)).expect("recent birth");
        assert_eq!(recent.era_block_hash, BlockHash::get(Era::mortal(8, 28).birth(30) as u32));
        // Born at block 16 with period 64: block 16's hash was pruned (kept: 20..=29).
        assert_eq!(
            extensions::implicit::<Test>(Era::mortal(64, 16)),
            Err(InvalidTransaction::AncientBirthBlock.into())
        );
        assert_eq!(extensions::longevity(Era::mortal(8, 28)), 6);
    });
}

#[test]
fn weight_limits() {
    new_test_ext().execute_with(|| {
        let info = |w: u64, class| DispatchInfo {
            weight: Weight::from_parts(w, 0),
            class,
            pays_fee: Pays::Yes,
        };
        // Normal class may use 75% of 1_000_000.
        assert!(
            extensions::validate_weight::<Test>(&info(800_000, DispatchClass::Normal), 10).is_err()
        );
        assert!(
            extensions::validate_weight::<Test>(&info(700_000, DispatchClass::Normal), 10).is_ok()
        );
        assert!(extensions::validate_weight::<Test>(&info(1, DispatchClass::Normal), 751).is_err());
        assert!(extensions::pre_dispatch_weight::<Test>(&info(400_000, DispatchClass::Normal), 10)
            .is_ok());
        assert!(extensions::pre_dispatch_weight::<Test>(&info(400_000, DispatchClass::Normal), 10)
            .is_err());
        assert!(extensions::pre_dispatch_weight::<Test>(
            &info(400_000, DispatchClass::Operational),
            10
        )
        .is_ok());
        assert_eq!(BlockWeight::get().normal, Weight::from_parts(400_100, 0));
        let post = PostDispatchInfo {
            actual_weight: Some(Weight::from_parts(100_000, 0)),
            pays_fee: Pays::Yes,
        };
        extensions::post_dispatch_weight(&info(400_000, DispatchClass::Normal), &post);
        assert_eq!(BlockWeight::get().normal, Weight::from_parts(100_100, 0));
    });
}

#[test]
fn an_upgrade_keeps_the_replaced_code_until_the_new_code_runs_or_is_rolled_back() {
    use lux_primitives::storage::{CODE, PREVIOUS_CODE};
    let newer = RuntimeVersion { spec_version: 11, ..VERSION };
    let mut ext = ext_with_version(newer);
    ext.execute_with(|| {
        lux_io::storage::set(CODE, b"\0asm old");
        assert_eq!(set_code(b"\0asm new"), Ok(()));
        assert_eq!(lux_io::storage::get(PREVIOUS_CODE), Some(b"\0asm old".to_vec()));
        // A second upgrade in the same block keeps the first replaced code.
        let newest = b"\0asm newest";
        Pallet::<Test>::update_code(newest);
        assert_eq!(lux_io::storage::get(PREVIOUS_CODE), Some(b"\0asm old".to_vec()));

        // The rollback puts the old code back and says which code failed.
        System::initialize(2, H256::zero(), &Default::default());
        System::roll_back_code();
        assert_eq!(lux_io::storage::get(CODE), Some(b"\0asm old".to_vec()));
        assert_eq!(lux_io::storage::get(PREVIOUS_CODE), None);
        assert!(Digest::get().logs.contains(&DigestItem::RuntimeEnvironmentUpdated));
        assert!(events().contains(&Event::CodeRolledBack {
            failed_code_hash: H256(lux_io::hashing::blake2_256(newest)),
        }));

        // Otherwise the new code's first block drops the kept code.
        Pallet::<Test>::update_code(b"\0asm again");
        System::end_code_probation();
        assert_eq!(lux_io::storage::get(PREVIOUS_CODE), None);
        assert_eq!(lux_io::storage::get(CODE), Some(b"\0asm again".to_vec()));
    });
}

#[test]
#[should_panic(expected = "no upgrade is on probation")]
fn a_rollback_without_an_upgrade_is_an_invalid_block() {
    new_test_ext().execute_with(System::roll_back_code);
}
