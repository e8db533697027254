//! Golden encodings: the SCALE bytes of a header, a transfer call and a signed transfer are
//! pinned in `tests/fixtures/*.hex`, and the BLAKE2-256 hashes of the V14 and V15 metadata in
//! `tests/fixtures/metadata_v*.blake2_256`, so any change of these formats (a call, event,
//! error, storage item, type or doc line) shows up as a reviewed diff. After an intended
//! change, regenerate them with
//! `LUX_UPDATE_FIXTURES=1 cargo test -p luxtensor-runtime --test golden`.

use std::path::PathBuf;

use codec::{Decode, Encode};
use lux_primitives::consensus::PreDigest;
use lux_primitives::extrinsic::{signing_message, Implicit};
use lux_primitives::{
    AccountId20, Digest, DigestItem, Era, EthereumSignature, Header, SignedExtra, H256, LUX,
};
use luxtensor_runtime::genesis_config_presets::dev;
use luxtensor_runtime::{RuntimeCall, UncheckedExtrinsic};

fn check<T: Encode + Decode + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.hex"));
    let encoded = hex::encode(value.encode());
    if std::env::var_os("LUX_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, format!("{encoded}\n")).expect("write fixture");
    }
    let pinned = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing fixture {}", path.display()));
    assert_eq!(encoded, pinned.trim(), "the encoding of {name} changed; see the module docs");
    let bytes = hex::decode(pinned.trim()).expect("hex");
    assert_eq!(&T::decode(&mut &bytes[..]).expect("decodes"), value, "{name} round trip");
}

/// Compares the hash of `bytes` with the pinned one (rewritten first under LUX_UPDATE_FIXTURES).
fn check_hash(name: &str, bytes: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.blake2_256"));
    let hash = hex::encode(lux_io::hashing::blake2_256(bytes));
    if std::env::var_os("LUX_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, format!("{hash}\n")).expect("write fixture");
    }
    let pinned = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing fixture {}", path.display()));
    assert_eq!(hash, pinned.trim(), "{name} changed; see the module docs");
}

fn transfer_call() -> RuntimeCall {
    RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
        dest: AccountId20(dev::BOB),
        value: LUX,
    })
}

#[test]
fn header() {
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot: 1_764_000_000 }.to_digest_item());
    digest.push(DigestItem::Seal(*b"LUXT", vec![7; 64]));
    check(
        "header",
        &Header {
            parent_hash: H256::repeat_byte(0x11),
            number: 1_234,
            state_root: H256::repeat_byte(0x22),
            extrinsics_root: H256::repeat_byte(0x33),
            digest,
        },
    );
}

#[test]
fn transfer_call_encoding() {
    check("transfer_call", &transfer_call());
}

#[test]
fn signed_transfer() {
    // Deterministic: secp256k1 signatures are RFC 6979.
    let alice = lux_keys::dev_account("alice").expect("alice");
    let extra = SignedExtra { era: Era::mortal(64, 1_234), nonce: 5, tip: LUX / 1000 };
    let implicit = Implicit {
        spec_version: 100,
        transaction_version: 1,
        genesis_hash: H256::repeat_byte(0x44),
        era_block_hash: H256::repeat_byte(0x55),
    };
    let signature = alice.sign(&signing_message(&transfer_call(), &extra, &implicit));
    check(
        "signed_transfer",
        &UncheckedExtrinsic::new_signed(
            transfer_call(),
            AccountId20(alice.address()),
            EthereumSignature(signature),
            extra,
        ),
    );
}

#[test]
fn metadata() {
    for version in [14u32, 15] {
        let mut ext = lux_io::TestExternalities::default();
        let output = ext
            .execute_with(|| {
                luxtensor_runtime::apis::dispatch("Metadata_metadata_at_version", &version.encode())
            })
            .expect("the function exists")
            .expect("the input decodes");
        let metadata = Option::<lux_primitives::OpaqueMetadata>::decode(&mut &output[..])
            .expect("decodes")
            .expect("provided");
        check_hash(&format!("metadata_v{version}"), &metadata.0);
    }
}
