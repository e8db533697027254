//! The runtime side of the Host API: imports from module `env`, the global allocator backed by
//! `ext_allocator_*`, and the panic handler that reports through
//! `ext_panic_handler_abort_on_panic_version_1`.

use alloc::string::String;
use alloc::vec::Vec;
use codec::Decode;

use crate::{
    pack_ptr_len, unpack_ptr_len, Bn254Error, EcdsaVerifyError, KillStorageResult, LogLevel,
};
use lux_trie::StateVersion;

#[allow(missing_docs)]
mod ffi {
    extern "C" {
        pub fn ext_storage_get_version_1(key: u64) -> u64;
        pub fn ext_storage_read_version_1(key: u64, value_out: u64, offset: u32) -> u64;
        pub fn ext_storage_set_version_1(key: u64, value: u64);
        pub fn ext_storage_clear_version_1(key: u64);
        pub fn ext_storage_exists_version_1(key: u64) -> u32;
        pub fn ext_storage_append_version_1(key: u64, value: u64);
        pub fn ext_storage_clear_prefix_version_2(prefix: u64, limit: u64) -> u64;
        pub fn ext_storage_next_key_version_1(key: u64) -> u64;
        pub fn ext_storage_root_version_2(version: u32) -> u64;
        pub fn ext_storage_start_transaction_version_1();
        pub fn ext_storage_rollback_transaction_version_1();
        pub fn ext_storage_commit_transaction_version_1();

        pub fn ext_hashing_blake2_128_version_1(data: u64) -> u32;
        pub fn ext_hashing_blake2_256_version_1(data: u64) -> u32;
        pub fn ext_hashing_twox_64_version_1(data: u64) -> u32;
        pub fn ext_hashing_twox_128_version_1(data: u64) -> u32;
        pub fn ext_hashing_keccak_256_version_1(data: u64) -> u32;
        pub fn ext_hashing_sha2_256_version_1(data: u64) -> u32;

        pub fn ext_crypto_secp256k1_ecdsa_recover_version_2(sig: u32, msg: u32) -> u64;
        pub fn ext_crypto_sr25519_verify_version_2(sig: u32, msg: u64, key: u32) -> u32;
        pub fn ext_crypto_bn254_g1_add_version_1(input: u64) -> u64;
        pub fn ext_crypto_bn254_g1_mul_version_1(input: u64) -> u64;
        pub fn ext_crypto_bn254_pairing_check_version_1(input: u64) -> u64;
        pub fn ext_crypto_modexp_version_1(input: u64) -> u64;
        pub fn ext_crypto_secp256r1_verify_version_1(input: u64) -> u32;
        pub fn ext_crypto_kzg_verify_proof_version_1(input: u64) -> u64;
        pub fn ext_crypto_bls12_381_version_1(op: u32, input: u64) -> u64;

        pub fn ext_trie_blake2_256_ordered_root_version_2(data: u64, version: u32) -> u32;

        pub fn ext_misc_runtime_version_version_1(data: u64) -> u64;

        pub fn ext_logging_log_version_1(level: u32, target: u64, message: u64);
        pub fn ext_logging_max_level_version_1() -> u32;

        pub fn ext_allocator_malloc_version_1(size: u32) -> u32;
        pub fn ext_allocator_free_version_1(ptr: u32);

        pub fn ext_panic_handler_abort_on_panic_version_1(message: u64);
    }
}

fn arg(data: &[u8]) -> u64 {
    pack_ptr_len(data.as_ptr() as u32, data.len() as u32)
}

/// Takes ownership of a buffer the host allocated in our heap.
fn take(ptr_len: u64) -> Vec<u8> {
    let (ptr, len) = unpack_ptr_len(ptr_len);
    if len == 0 {
        if ptr != 0 {
            // SAFETY: the host allocated `ptr` with our allocator and hands it over to us.
            unsafe { ffi::ext_allocator_free_version_1(ptr) };
        }
        return Vec::new();
    }
    // SAFETY: the host allocated `len` bytes at `ptr` with `ext_allocator_malloc`, the allocator
    // behind our global allocator, and transfers ownership; freeing ignores the capacity.
    unsafe { Vec::from_raw_parts(ptr as *mut u8, len as usize, len as usize) }
}

/// Decodes a host answer; the host is trusted, so a malformed answer is a bug worth aborting on.
fn decode<T: Decode>(ptr_len: u64) -> T {
    let bytes = take(ptr_len);
    T::decode(&mut &bytes[..]).unwrap_or_else(|_| panic!("host returned an undecodable value"))
}

/// Reads `N` bytes the host placed at `ptr` in our heap and frees them.
fn take_array<const N: usize>(ptr: u32) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: the host wrote exactly N bytes at `ptr`, allocated with our allocator.
    unsafe {
        core::ptr::copy_nonoverlapping(ptr as *const u8, out.as_mut_ptr(), N);
        ffi::ext_allocator_free_version_1(ptr);
    }
    out
}

pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    // SAFETY (all calls below): the arguments point at live buffers of the given lengths.
    decode(unsafe { ffi::ext_storage_get_version_1(arg(key)) })
}

pub fn storage_read(key: &[u8], out: &mut [u8], offset: u32) -> Option<u32> {
    decode(unsafe { ffi::ext_storage_read_version_1(arg(key), arg(out), offset) })
}

pub fn storage_set(key: &[u8], value: &[u8]) {
    unsafe { ffi::ext_storage_set_version_1(arg(key), arg(value)) }
}

pub fn storage_clear(key: &[u8]) {
    unsafe { ffi::ext_storage_clear_version_1(arg(key)) }
}

pub fn storage_exists(key: &[u8]) -> bool {
    unsafe { ffi::ext_storage_exists_version_1(arg(key)) == 1 }
}

pub fn storage_append(key: &[u8], item: &[u8]) {
    unsafe { ffi::ext_storage_append_version_1(arg(key), arg(item)) }
}

pub fn storage_clear_prefix(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
    let limit = codec::Encode::encode(&limit);
    decode(unsafe { ffi::ext_storage_clear_prefix_version_2(arg(prefix), arg(&limit)) })
}

pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    decode(unsafe { ffi::ext_storage_next_key_version_1(arg(key)) })
}

pub fn storage_root(version: StateVersion) -> [u8; 32] {
    let bytes = take(unsafe { ffi::ext_storage_root_version_2(version as u32) });
    let mut out = [0u8; 32];
    if bytes.len() == 32 {
        out.copy_from_slice(&bytes);
    } else {
        panic!("host returned a storage root that is not 32 bytes");
    }
    out
}

pub fn storage_start_transaction() {
    unsafe { ffi::ext_storage_start_transaction_version_1() }
}

pub fn storage_rollback_transaction() {
    unsafe { ffi::ext_storage_rollback_transaction_version_1() }
}

pub fn storage_commit_transaction() {
    unsafe { ffi::ext_storage_commit_transaction_version_1() }
}

pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    take_array(unsafe { ffi::ext_hashing_blake2_128_version_1(arg(data)) })
}

pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    take_array(unsafe { ffi::ext_hashing_blake2_256_version_1(arg(data)) })
}

pub fn twox_64(data: &[u8]) -> [u8; 8] {
    take_array(unsafe { ffi::ext_hashing_twox_64_version_1(arg(data)) })
}

pub fn twox_128(data: &[u8]) -> [u8; 16] {
    take_array(unsafe { ffi::ext_hashing_twox_128_version_1(arg(data)) })
}

pub fn keccak_256(data: &[u8]) -> [u8; 32] {
    take_array(unsafe { ffi::ext_hashing_keccak_256_version_1(arg(data)) })
}

pub fn sha2_256(data: &[u8]) -> [u8; 32] {
    take_array(unsafe { ffi::ext_hashing_sha2_256_version_1(arg(data)) })
}

pub fn secp256k1_ecdsa_recover(
    sig: &[u8; 65],
    msg: &[u8; 32],
) -> Result<[u8; 64], EcdsaVerifyError> {
    decode(unsafe {
        ffi::ext_crypto_secp256k1_ecdsa_recover_version_2(sig.as_ptr() as u32, msg.as_ptr() as u32)
    })
}

pub fn bn254_g1_add(input: &[u8; 128]) -> Result<[u8; 64], Bn254Error> {
    decode(unsafe { ffi::ext_crypto_bn254_g1_add_version_1(arg(input)) })
}

pub fn bn254_g1_mul(input: &[u8; 96]) -> Result<[u8; 64], Bn254Error> {
    decode(unsafe { ffi::ext_crypto_bn254_g1_mul_version_1(arg(input)) })
}

pub fn bn254_pairing_check(input: &[u8]) -> Result<bool, Bn254Error> {
    decode(unsafe { ffi::ext_crypto_bn254_pairing_check_version_1(arg(input)) })
}

pub fn modexp(base: &[u8], exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
    let input = codec::Encode::encode(&(base, exponent, modulus));
    decode(unsafe { ffi::ext_crypto_modexp_version_1(arg(&input)) })
}

pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], public: &[u8; 64]) -> bool {
    let mut input = [0u8; 160];
    input[..32].copy_from_slice(msg);
    input[32..96].copy_from_slice(sig);
    input[96..].copy_from_slice(public);
    unsafe { ffi::ext_crypto_secp256r1_verify_version_1(arg(&input)) != 0 }
}

pub fn kzg_verify_proof(input: &[u8; 160]) -> Result<(), String> {
    decode(unsafe { ffi::ext_crypto_kzg_verify_proof_version_1(arg(input)) })
}

pub fn bls12_381(op: u32, input: &[u8]) -> Result<Vec<u8>, String> {
    decode(unsafe { ffi::ext_crypto_bls12_381_version_1(op, arg(input)) })
}

pub fn sr25519_verify(sig: &[u8; 64], msg: &[u8], public: &[u8; 32]) -> bool {
    unsafe {
        ffi::ext_crypto_sr25519_verify_version_2(
            sig.as_ptr() as u32,
            arg(msg),
            public.as_ptr() as u32,
        ) == 1
    }
}

pub fn ordered_root(values: &[Vec<u8>], version: StateVersion) -> [u8; 32] {
    let encoded = codec::Encode::encode(values);
    take_array(unsafe {
        ffi::ext_trie_blake2_256_ordered_root_version_2(arg(&encoded), version as u32)
    })
}

pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
    decode(unsafe { ffi::ext_misc_runtime_version_version_1(arg(code)) })
}

pub fn log(level: LogLevel, target: &str, message: &[u8]) {
    unsafe { ffi::ext_logging_log_version_1(level as u32, arg(target.as_bytes()), arg(message)) }
}

pub fn max_level() -> u32 {
    unsafe { ffi::ext_logging_max_level_version_1() }
}

/// The runtime's heap lives in wasm memory and is managed by the host (`ext_allocator_*`), as
/// the Host API requires; the host hands out 16-byte aligned blocks.
struct HostAllocator;

// SAFETY: the host allocator returns blocks of at least `size` bytes aligned to 16 (or 0 on
// exhaustion, which the caller treats as an allocation failure) and frees by pointer.
unsafe impl core::alloc::GlobalAlloc for HostAllocator {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        if layout.align() > 16 {
            return core::ptr::null_mut();
        }
        // SAFETY: plain host call.
        unsafe { ffi::ext_allocator_malloc_version_1(layout.size() as u32) as *mut u8 }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: core::alloc::Layout) {
        // SAFETY: `ptr` came from `alloc` above.
        unsafe { ffi::ext_allocator_free_version_1(ptr as u32) }
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: HostAllocator = HostAllocator;

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let message = alloc::format!("{info}");
    // SAFETY: the message buffer is live for the call; the host aborts the execution.
    unsafe { ffi::ext_panic_handler_abort_on_panic_version_1(arg(message.as_bytes())) };
    core::arch::wasm32::unreachable()
}
