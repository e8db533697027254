//! Native tests of the runtime: genesis presets, pallet indices, and building then executing
//! blocks with signed transfers. (The wasm build is compared with native execution in the
//! executor's tests.)

use super::*;
use crate::genesis_config_presets::{dev, DEV_PRESET};
use codec::Encode;
use lux_io::TestExternalities;
use lux_primitives::consensus::PreDigest;
use lux_primitives::extrinsic::{signing_message, Implicit};
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::transaction::{
    InvalidTransaction, TransactionSource, TransactionValidityError,
};
use lux_primitives::{AccountId20, Digest, EthereumSignature, SignedExtra, H256, LUX};
use lux_support::PalletInfo;

#[test]
fn dev_keys_match_their_derivation() {
    let names = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];
    for (name, account) in names.iter().zip(dev::ACCOUNTS) {
        assert_eq!(lux_keys::dev_account(name).expect("dev account").address(), account, "{name}");
    }
    for (name, key) in names.iter().zip([
        dev::ALICE_SESSION,
        dev::BOB_SESSION,
        dev::CHARLIE_SESSION,
        dev::DAVE_SESSION,
    ]) {
        assert_eq!(lux_keys::dev_session_key(name).expect("dev key").public(), key, "{name}");
    }
}

#[test]
fn pallet_indices_agree_with_call_and_event_encodings() {
    let index = |name: &str| PALLETS.iter().find(|(_, n)| *n == name).map(|(i, _)| *i);
    let call = RuntimeCall::Balances(pallet_balances::Call::transfer_all {
        dest: AccountId20::default(),
        keep_alive: true,
    });
    assert_eq!(Some(call.encode()[0]), index("Balances"));
    assert_eq!(RuntimePalletInfo::index::<Balances>(), Some(3));
    assert_eq!(RuntimePalletInfo::name::<Sudo>(), Some("Sudo"));
    let checks: [(Vec<u8>, &str); 4] = [
        (RuntimeEvent::System(pallet_system::Event::CodeUpdated).encode(), "System"),
        (RuntimeEvent::Sudo(pallet_sudo::Event::KeyRemoved).encode(), "Sudo"),
        (RuntimeCall::System(pallet_system::Call::remark { remark: vec![] }).encode(), "System"),
        (RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: 0 }).encode(), "Timestamp"),
    ];
    for (encoded, name) in checks {
        assert_eq!(Some(encoded[0]), index(name), "{name}");
    }
    let mut indices: Vec<u8> = PALLETS.iter().map(|(i, _)| *i).collect();
    indices.dedup();
    assert_eq!(indices.len(), PALLETS.len());
}

#[test]
fn the_node_wraps_and_reads_ethereum_transactions_as_the_runtime_encodes_them() {
    // The node builds and reads `Ethereum.transact` extrinsics without calling the runtime.
    let raw = vec![0x02, 0xf8, 0x01, 0x80];
    let call = RuntimeCall::Ethereum(pallet_ethereum::Call::transact { transaction: raw.clone() });
    let encoded = UncheckedExtrinsic::new_unsigned(call).encode();
    assert_eq!(encoded, lux_primitives::ethereum::transact_extrinsic(&raw));
    assert_eq!(lux_primitives::ethereum::transact_payload(&encoded), Some(raw));
}

#[test]
fn every_listed_api_is_exported() {
    let prefixes = [
        "Core_",
        "Metadata_",
        "BlockBuilder_",
        "TaggedTransactionQueue_",
        "AccountNonceApi_",
        "TransactionPaymentApi_",
        "GenesisBuilder_",
        "LuxConsensusApi_",
        "LuxBlockApi_",
        "TryRuntime_",
        "EthereumApi_",
    ];
    assert_eq!(prefixes.len(), RUNTIME_API_VERSIONS.len());
    for prefix in prefixes {
        assert!(apis::API_FUNCTIONS.iter().any(|f| f.starts_with(prefix)), "{prefix}");
    }
}

/// The dev chain's genesis state.
fn genesis() -> TestExternalities {
    let json = genesis_config_presets::get_preset(Some(DEV_PRESET)).expect("preset exists");
    let mut ext = TestExternalities::default();
    ext.execute_with(|| genesis_config_presets::build_state(&json)).expect("valid genesis");
    ext.commit_all();
    ext
}

fn genesis_hash() -> H256 {
    H256::repeat_byte(0x69)
}

fn signed_transfer(from: &str, to: [u8; 20], value: u128, nonce: u32) -> UncheckedExtrinsic {
    let era = (lux_primitives::Era::Immortal, genesis_hash());
    signed_transfer_in(from, to, value, nonce, era, genesis_hash()).0
}

/// A transfer signed for the chain whose block 0 has `genesis`, valid in `era` from the block
/// whose hash is given; and the message its signature signs.
fn signed_transfer_in(
    from: &str,
    to: [u8; 20],
    value: u128,
    nonce: u32,
    (era, era_block_hash): (lux_primitives::Era, H256),
    genesis: H256,
) -> (UncheckedExtrinsic, [u8; 32]) {
    let pair = lux_keys::dev_account(from).expect("dev account");
    let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
        dest: AccountId20(to),
        value,
    });
    let extra = SignedExtra { era, nonce, tip: 0 };
    let implicit = Implicit {
        spec_version: VERSION.spec_version,
        transaction_version: VERSION.transaction_version,
        genesis_hash: genesis,
        era_block_hash,
    };
    let message = signing_message(&call, &extra, &implicit);
    let signature = pair.sign(&message);
    let tx = UncheckedExtrinsic::new_signed(
        call,
        AccountId20(pair.address()),
        EthereumSignature(signature),
        extra,
    );
    (tx, lux_primitives::hashing::keccak_256(&message))
}

fn header(number: u32, parent_hash: H256) -> Header {
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot: number as u64 }.to_digest_item());
    Header { parent_hash, number, state_root: H256::zero(), extrinsics_root: H256::zero(), digest }
}

fn inherent_data(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &now);
    data
}

/// Builds block 1 with the given transactions the way the node's block builder does.
fn build_block(ext: &mut TestExternalities, txs: Vec<UncheckedExtrinsic>) -> Block {
    ext.execute_with(|| {
        let header = header(1, genesis_hash());
        executive::initialize_block(&header);
        let mut extrinsics = executive::inherent_extrinsics(inherent_data(1_000));
        for xt in &extrinsics {
            executive::apply_extrinsic(xt.clone()).expect("inherent applies").expect("succeeds");
        }
        for tx in txs {
            executive::apply_extrinsic(tx.clone())
                .expect("transaction applies")
                .expect("dispatch ok");
            extrinsics.push(tx);
        }
        let header = executive::finalize_block();
        Block { header, extrinsics }
    })
}

#[test]
fn transfer_block_builds_and_executes_to_the_same_root() {
    let txs = vec![
        signed_transfer("alice", dev::BOB, 5 * LUX, 0),
        signed_transfer("alice", [7; 20], LUX, 1),
    ];
    let mut builder = genesis();
    let block = build_block(&mut builder, txs);
    assert_eq!(block.header.state_root, H256(builder.storage_root()));

    let mut importer = genesis();
    importer.execute_with(|| executive::execute_block(block.clone()));
    assert_eq!(H256(importer.storage_root()), block.header.state_root);
    importer.execute_with(|| {
        assert_eq!(Balances::free_balance(&AccountId20([7; 20])), LUX);
        assert_eq!(System::account_nonce(&AccountId20(dev::ALICE)), 2);
        let events = System::events();
        assert!(events.iter().any(|r| r.event
            == RuntimeEvent::Balances(pallet_balances::Event::Transfer {
                from: AccountId20(dev::ALICE),
                to: AccountId20(dev::BOB),
                amount: 5 * LUX,
            })));
        let successes = events
            .iter()
            .filter(|r| {
                matches!(
                    r.event,
                    RuntimeEvent::System(pallet_system::Event::ExtrinsicSuccess { .. })
                )
            })
            .count();
        assert_eq!(successes, 3);
        // Events carry the index of the extrinsic that emitted them: 0 is the timestamp.
        let phase_of_success = |index: u32| {
            events.iter().any(|r| {
                r.phase == pallet_system::Phase::ApplyExtrinsic(index)
                    && matches!(
                        r.event,
                        RuntimeEvent::System(pallet_system::Event::ExtrinsicSuccess { .. })
                    )
            })
        };
        assert!(phase_of_success(0) && phase_of_success(1) && phase_of_success(2));
    });
}

/// What the host is told to recover while a block executes (`LuxBlockApi_signed_messages`,
/// called on the parent's state) is what the block's execution checks, also where the
/// parent's state does not know the hash signed: block 0's before block 1, and the parent's
/// for a transaction born there (what wallets sign by default).
#[test]
fn the_signed_messages_listed_for_a_block_are_the_ones_it_checks() {
    let signature = |tx: &UncheckedExtrinsic| tx.signature.as_ref().expect("signed").1 .0;
    // Block 1 of a chain whose genesis hash the genesis state holds only a placeholder for.
    let real_genesis = H256::repeat_byte(0x42);
    let immortal = (lux_primitives::Era::Immortal, real_genesis);
    let (first, message) = signed_transfer_in("alice", dev::BOB, LUX, 0, immortal, real_genesis);
    genesis().execute_with(|| {
        let listed = executive::signed_messages(&header(1, real_genesis), vec![first.clone()]);
        assert_eq!(listed, vec![(signature(&first), message)]);
    });

    // Block 2, with a transfer born at block 1, its parent.
    let mut ext = genesis();
    let one = build_block(&mut ext, Vec::new()).header.hash();
    let born_at_one = (lux_primitives::Era::mortal(64, 1), one);
    let (tx, message) = signed_transfer_in("alice", dev::BOB, LUX, 0, born_at_one, genesis_hash());
    ext.execute_with(|| {
        let listed = executive::signed_messages(&header(2, one), vec![tx.clone()]);
        assert_eq!(listed, vec![(signature(&tx), message)]);
    });
    // And block 2 accepts it: that message is the one its execution checks.
    ext.execute_with(|| {
        executive::initialize_block(&header(2, one));
        executive::apply_extrinsic(tx).expect("applies").expect("succeeds");
    });
}

#[test]
#[should_panic(expected = "invalid block: state root")]
fn a_block_with_a_wrong_state_root_is_rejected() {
    let mut builder = genesis();
    let mut block = build_block(&mut builder, vec![signed_transfer("alice", dev::BOB, LUX, 0)]);
    block.header.state_root = H256::repeat_byte(1);
    genesis().execute_with(|| executive::execute_block(block));
}

#[test]
fn invalid_transactions_are_rejected_with_a_reason() {
    let mut ext = genesis();
    ext.execute_with(|| {
        let validate = |tx: UncheckedExtrinsic| {
            executive::validate_transaction(TransactionSource::External, tx, genesis_hash())
        };
        assert!(validate(signed_transfer("alice", dev::BOB, LUX, 0)).is_ok());
        let mut bad_signature = signed_transfer("alice", dev::BOB, LUX, 0);
        if let Some((_, sig, _)) = bad_signature.signature.as_mut() {
            sig.0[10] ^= 1;
        }
        assert_eq!(validate(bad_signature), Err(InvalidTransaction::BadProof.into()));
        // Signed by bob but claiming to be alice.
        let mut impostor = signed_transfer("bob", dev::CHARLIE, LUX, 0);
        if let Some((who, _, _)) = impostor.signature.as_mut() {
            *who = AccountId20(dev::ALICE);
        }
        assert_eq!(validate(impostor), Err(InvalidTransaction::BadProof.into()));
        // A future nonce is valid but requires its predecessor.
        let future = validate(signed_transfer("alice", dev::BOB, LUX, 3)).expect("future is valid");
        assert_eq!(future.requires.len(), 1);
        // An account without funds cannot pay.
        let pair = lux_keys::EthereumPair::from_secret_key(&[9; 32]).expect("key");
        let call = RuntimeCall::System(pallet_system::Call::remark { remark: vec![1] });
        let extra = SignedExtra::default();
        let implicit = Implicit {
            spec_version: VERSION.spec_version,
            transaction_version: VERSION.transaction_version,
            genesis_hash: genesis_hash(),
            era_block_hash: genesis_hash(),
        };
        let sig = pair.sign(&signing_message(&call, &extra, &implicit));
        let poor = UncheckedExtrinsic::new_signed(
            call,
            AccountId20(pair.address()),
            EthereumSignature(sig),
            extra,
        );
        assert_eq!(validate(poor), Err(InvalidTransaction::Payment.into()));
        // Nothing is free for an account that does not exist: not even a call declared free
        // after sudo refunds it (set_code), which would let anyone fill blocks.
        let call = RuntimeCall::System(pallet_system::Call::set_code { code: vec![0; 1024] });
        let sig = pair.sign(&signing_message(&call, &extra, &implicit));
        let free_ride = UncheckedExtrinsic::new_signed(
            call,
            AccountId20(pair.address()),
            EthereumSignature(sig),
            extra,
        );
        assert_eq!(validate(free_ride), Err(InvalidTransaction::Payment.into()));
        // Inherents cannot be submitted as transactions.
        let inherent =
            UncheckedExtrinsic::new_unsigned(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
                now: 1,
            }));
        assert_eq!(
            validate(inherent),
            Err(TransactionValidityError::Invalid(InvalidTransaction::MandatoryValidation))
        );
    });
}

#[test]
fn locked_funds_cannot_pay_fees() {
    use lux_support::traits::LockableCurrency;
    let mut ext = genesis();
    ext.execute_with(|| {
        let validate = |tx: UncheckedExtrinsic| {
            executive::validate_transaction(TransactionSource::External, tx, genesis_hash())
        };
        let alice = AccountId20(dev::ALICE);
        let free = Balances::free_balance(&alice);
        // Everything but a thousandth of a LUX locked: less than a transfer's fee is left.
        Balances::set_lock(*b"staking ", &alice, free - LUX / 1000);
        assert_eq!(
            validate(signed_transfer("alice", dev::BOB, 1, 0)),
            Err(InvalidTransaction::Payment.into())
        );
        Balances::remove_lock(*b"staking ", &alice);
        assert!(validate(signed_transfer("alice", dev::BOB, 1, 0)).is_ok());
    });
}

#[test]
fn stale_nonce_is_rejected_after_inclusion() {
    let mut ext = genesis();
    build_block(&mut ext, vec![signed_transfer("alice", dev::BOB, LUX, 0)]);
    ext.commit_all();
    ext.execute_with(|| {
        let r = executive::validate_transaction(
            TransactionSource::External,
            signed_transfer("alice", dev::BOB, LUX, 0),
            H256::repeat_byte(2),
        );
        assert_eq!(r, Err(InvalidTransaction::Stale.into()));
    });
}

#[test]
fn failed_dispatch_is_included_and_charged() {
    let mut ext = genesis();
    ext.execute_with(|| {
        executive::initialize_block(&header(1, genesis_hash()));
        for xt in executive::inherent_extrinsics(inherent_data(1_000)) {
            executive::apply_extrinsic(xt).expect("applies").expect("ok");
        }
        let before = Balances::free_balance(&AccountId20(dev::ALICE));
        let result = executive::apply_extrinsic(signed_transfer("alice", dev::BOB, 2_000_000 * LUX, 0));
        let error = result.expect("included").expect_err("dispatch fails");
        assert!(matches!(error, lux_support::DispatchError::Module(m) if m.index == 3 && m.error[0] == 0));
        let after = Balances::free_balance(&AccountId20(dev::ALICE));
        assert!(after < before, "the fee is charged");
        assert_eq!(System::account_nonce(&AccountId20(dev::ALICE)), 1);
        let failed = System::events().iter().any(|r| {
            matches!(r.event, RuntimeEvent::System(pallet_system::Event::ExtrinsicFailed { .. }))
        });
        assert!(failed);
    });
}

#[test]
fn genesis_presets_are_listed_and_build() {
    assert_eq!(genesis_config_presets::preset_names(), vec!["development", "local_testnet"]);
    assert!(genesis_config_presets::get_preset(Some("nope")).is_none());
    let default = genesis_config_presets::get_preset(None).expect("default");
    let config: genesis_config_presets::RuntimeGenesisConfig =
        serde_json::from_slice(&default).expect("default parses");
    assert_eq!(config, Default::default());
    let local = genesis_config_presets::get_preset(Some("local_testnet")).expect("local");
    let local: genesis_config_presets::RuntimeGenesisConfig =
        serde_json::from_slice(&local).expect("parses");
    assert_eq!(local.session.keys.len(), 4);
    assert_eq!(local.staking.stakers.len(), 6);
    // Balances survive the JSON round trip exactly (u128 beyond u64).
    assert_eq!(local.balances.balances[0].1, genesis_config_presets::DEV_ENDOWMENT);
    let mut ext = TestExternalities::default();
    let bad = br#"{"balances":{"balances":[["0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac",1]]}}"#;
    assert!(ext.execute_with(|| genesis_config_presets::build_state(bad)).is_err());
    assert!(ext.execute_with(|| genesis_config_presets::build_state(b"{\"nope\":1}")).is_err());
}

#[test]
fn the_author_gets_a_share_of_fees_and_era_points() {
    let mut ext = genesis();
    let (alice, bob) = (AccountId20(dev::ALICE), AccountId20(dev::BOB));
    let (before, issuance) = ext
        .execute_with(|| (Balances::free_balance(&alice), pallet_balances::TotalIssuance::get()));
    build_block(&mut ext, vec![signed_transfer("bob", dev::CHARLIE, LUX, 0)]);
    ext.execute_with(|| {
        // Bob paid `fee`; the author (alice, authority 0) got 20% of it, the rest is burned.
        let fee = DEV_ENDOWMENT_AFTER_TRANSFER - Balances::free_balance(&bob);
        assert!(fee > 0);
        let share = configs::AUTHOR_FEE_SHARE.mul_floor(fee);
        assert_eq!(Balances::free_balance(&alice), before + share);
        assert_eq!(pallet_balances::TotalIssuance::get(), issuance - (fee - share));
        let points = pallet_staking::ErasRewardPoints::get(0);
        assert_eq!(points.individual.get(&alice), Some(&pallet_staking::POINTS_PER_BLOCK));
    });
}

/// Bob's balance after sending 1 LUX, before fees.
const DEV_ENDOWMENT_AFTER_TRANSFER: u128 = genesis_config_presets::DEV_ENDOWMENT - LUX;

#[test]
fn the_local_genesis_elects_its_validators_by_stake() {
    let json = genesis_config_presets::get_preset(Some("local_testnet")).expect("preset");
    let mut ext = TestExternalities::default();
    ext.execute_with(|| genesis_config_presets::build_state(&json)).expect("valid genesis");
    ext.execute_with(|| {
        use genesis_config_presets::{NOMINATOR_BOND, VALIDATOR_BOND};
        let validators = Session::validators();
        assert_eq!(validators.len(), 4);
        let mut total = 0;
        for v in &validators {
            let exposure = pallet_staking::ErasStakers::get(0, v);
            assert_eq!(exposure.own, VALIDATOR_BOND);
            total += exposure.total;
        }
        // Eve and Ferdie's bonds are spread over their targets.
        assert_eq!(total, 4 * VALIDATOR_BOND + 2 * NOMINATOR_BOND);
        let epoch = Session::current_epoch();
        assert_eq!(epoch.authorities.len(), 4);
        assert!(epoch.authorities.iter().all(|(_, w)| *w > 0));
        // Bonded funds are frozen.
        let alice = pallet_system::Account::get(AccountId20(dev::ALICE));
        assert_eq!(alice.data.frozen, VALIDATOR_BOND);
        assert_eq!(Session::finality_set().set_id, 0);
    });
}
