//! Building and signing extrinsics.

use codec::Encode;
use lux_keys::EthereumPair;
use lux_primitives::extrinsic::{signing_message, Implicit};
use lux_primitives::{AccountId20, Era, EthereumSignature, Nonce, SignedExtra, H256};
use luxtensor_runtime::{RuntimeCall, UncheckedExtrinsic};

/// What a signature commits to besides the call: the chain and runtime it is valid for.
#[derive(Clone, Copy, Debug)]
pub struct SigningContext {
    /// The chain's genesis hash.
    pub genesis_hash: H256,
    /// The runtime's `spec_version`.
    pub spec_version: u32,
    /// The runtime's `transaction_version`.
    pub transaction_version: u32,
}

/// Signs `call` from `pair` with `nonce` and `tip`, immortal (valid until the nonce is used).
pub fn sign_extrinsic(
    pair: &EthereumPair,
    call: RuntimeCall,
    nonce: Nonce,
    tip: u128,
    context: &SigningContext,
) -> UncheckedExtrinsic {
    let extra = SignedExtra { era: Era::Immortal, nonce, tip };
    let implicit = Implicit {
        spec_version: context.spec_version,
        transaction_version: context.transaction_version,
        genesis_hash: context.genesis_hash,
        era_block_hash: context.genesis_hash,
    };
    let signature = pair.sign(&signing_message(&call, &extra, &implicit));
    UncheckedExtrinsic::new_signed(
        call,
        AccountId20(pair.address()),
        EthereumSignature(signature),
        extra,
    )
}

/// The storage key of `System::Account(who)`: `twox128("System") ++ twox128("Account") ++
/// blake2_128(who) ++ who`.
pub fn account_storage_key(who: &AccountId20) -> Vec<u8> {
    let mut key = lux_primitives::twox::storage_prefix(b"System", b"Account").to_vec();
    key.extend_from_slice(&lux_primitives::hashing::blake2_128(&who.encode()));
    key.extend_from_slice(&who.0);
    key
}
