//! The native side of the Host API: every function runs against the [`Externalities`] of the
//! current thread (see [`crate::set_and_run_with_externalities`]). Backend failures panic,
//! which is how a native execution reports them (the executor turns them into errors).

use alloc::vec::Vec;
use lux_primitives::hashing;
use lux_trie::StateVersion;

use crate::ext::with_externalities;
use crate::{crypto_native, Bn254Error, EcdsaVerifyError, KillStorageResult, LogLevel};

fn backend<T>(r: Result<T, crate::BackendError>) -> T {
    r.unwrap_or_else(|e| panic!("state backend failed: {e}"))
}

pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    with_externalities(|ext| backend(ext.storage(key)))
}

pub fn storage_read(key: &[u8], out: &mut [u8], offset: u32) -> Option<u32> {
    let value = storage_get(key)?;
    let offset = (offset as usize).min(value.len());
    let rest = &value[offset..];
    let n = rest.len().min(out.len());
    out[..n].copy_from_slice(&rest[..n]);
    Some(rest.len() as u32)
}

pub fn storage_set(key: &[u8], value: &[u8]) {
    with_externalities(|ext| ext.set_storage(key, Some(value.to_vec())))
}

pub fn storage_clear(key: &[u8]) {
    with_externalities(|ext| ext.set_storage(key, None))
}

pub fn storage_exists(key: &[u8]) -> bool {
    with_externalities(|ext| backend(ext.exists(key)))
}

pub fn storage_append(key: &[u8], item: &[u8]) {
    with_externalities(|ext| backend(ext.append_storage(key, item)))
}

pub fn storage_clear_prefix(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
    with_externalities(|ext| backend(ext.clear_prefix(prefix, limit)))
}

pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    with_externalities(|ext| backend(ext.next_storage_key(key)))
}

pub fn storage_root(version: StateVersion) -> [u8; 32] {
    with_externalities(|ext| backend(ext.storage_root(version)))
}

pub fn storage_start_transaction() {
    with_externalities(|ext| ext.start_transaction())
}

pub fn storage_rollback_transaction() {
    with_externalities(|ext| {
        ext.rollback_transaction().unwrap_or_else(|e| panic!("{e}"));
    })
}

pub fn storage_commit_transaction() {
    with_externalities(|ext| {
        ext.commit_transaction().unwrap_or_else(|e| panic!("{e}"));
    })
}

pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    hashing::blake2_128(data)
}

pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    hashing::blake2_256(data)
}

pub fn twox_64(data: &[u8]) -> [u8; 8] {
    hashing::twox_64(data)
}

pub fn twox_128(data: &[u8]) -> [u8; 16] {
    hashing::twox_128(data)
}

pub fn keccak_256(data: &[u8]) -> [u8; 32] {
    hashing::keccak_256(data)
}

pub fn sha2_256(data: &[u8]) -> [u8; 32] {
    hashing::sha2_256(data)
}

pub fn secp256k1_ecdsa_recover(
    sig: &[u8; 65],
    msg: &[u8; 32],
) -> Result<[u8; 64], EcdsaVerifyError> {
    crypto_native::secp256k1_ecdsa_recover(sig, msg)
}

pub fn bn254_g1_add(input: &[u8; 128]) -> Result<[u8; 64], Bn254Error> {
    crypto_native::bn254_g1_add(input)
}

pub fn bn254_g1_mul(input: &[u8; 96]) -> Result<[u8; 64], Bn254Error> {
    crypto_native::bn254_g1_mul(input)
}

pub fn bn254_pairing_check(input: &[u8]) -> Result<bool, Bn254Error> {
    crypto_native::bn254_pairing_check(input)
}

pub fn modexp(base: &[u8], exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
    crypto_native::modexp(base, exponent, modulus)
}

pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], public: &[u8; 64]) -> bool {
    crypto_native::secp256r1_verify(msg, sig, public)
}

pub fn kzg_verify_proof(input: &[u8; 160]) -> Result<(), String> {
    crypto_native::kzg_verify_proof(input)
}

pub fn bls12_381(op: u32, input: &[u8]) -> Result<Vec<u8>, String> {
    crypto_native::bls12_381(op, input)
}

pub fn sr25519_verify(sig: &[u8; 64], msg: &[u8], public: &[u8; 32]) -> bool {
    crypto_native::sr25519_verify(sig, msg, public)
}

pub fn ordered_root(values: &[Vec<u8>], version: StateVersion) -> [u8; 32] {
    lux_trie::ordered_trie_root(version, values)
}

pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
    with_externalities(|ext| ext.runtime_version(code))
}

pub fn log(level: LogLevel, target: &str, message: &[u8]) {
    crypto_native::log(level, target, message)
}

pub fn max_level() -> u32 {
    crypto_native::max_level()
}
