//! The Host API functions the runtime imports from module `env`, with the signatures of the
//! Polkadot Host API (see polkadot-spec, "Host API"). Each one reads its arguments from the
//! runtime's memory with bounds checks; any failure is a trap of the current call.

use codec::{Decode, Encode};
use lux_io::{crypto_native, Ext, Externalities, KillStorageResult, LogLevel, StateVersion};
use lux_primitives::hashing;
use wasmtime::{AsContextMut, Caller, Linker, Memory, StoreLimits};

use crate::allocator::{self, FreeingBumpAllocator};
use crate::SharedBackend;

/// The state of one runtime call, owned by its wasmtime store.
pub(crate) struct HostState {
    pub ext: Ext<SharedBackend>,
    pub memory: Option<Memory>,
    pub allocator: Option<FreeingBumpAllocator>,
    pub panic: Option<String>,
    pub limits: StoreLimits,
    pub signatures: std::sync::Arc<crate::SignatureCache>,
}

type HostResult<T> = wasmtime::Result<T>;

fn trap(message: impl Into<String>) -> wasmtime::Error {
    wasmtime::Error::msg(message.into())
}

fn memory(caller: &Caller<'_, HostState>) -> HostResult<Memory> {
    caller.data().memory.ok_or_else(|| trap("runtime memory is not set up"))
}

fn unpack(ptr_size: i64) -> (u32, u32) {
    lux_io::unpack_ptr_len(ptr_size as u64)
}

/// Copies `len` bytes at `ptr` out of the runtime's memory.
fn read(caller: &mut Caller<'_, HostState>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    let start = ptr as usize;
    let end = start.checked_add(len as usize).ok_or_else(|| trap("pointer overflow"))?;
    data.get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| trap(format!("out of bounds read of {len} bytes at {ptr:#x}")))
}

fn read_ptr_size(caller: &mut Caller<'_, HostState>, ptr_size: i64) -> HostResult<Vec<u8>> {
    let (ptr, len) = unpack(ptr_size);
    read(caller, ptr, len)
}

fn read_array<const N: usize>(caller: &mut Caller<'_, HostState>, ptr: i32) -> HostResult<[u8; N]> {
    let bytes = read(caller, ptr as u32, N as u32)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes);
    Ok(out)
}

fn write(caller: &mut Caller<'_, HostState>, ptr: u32, bytes: &[u8]) -> HostResult<()> {
    let memory = memory(caller)?;
    let data = memory.data_mut(&mut *caller);
    let start = ptr as usize;
    let end = start.checked_add(bytes.len()).ok_or_else(|| trap("pointer overflow"))?;
    data.get_mut(start..end)
        .ok_or_else(|| trap(format!("out of bounds write of {} bytes at {ptr:#x}", bytes.len())))?
        .copy_from_slice(bytes);
    Ok(())
}

/// The runtime's memory as the allocator sees it, through a store or a host call's caller.
struct AllocMemory<'a, C> {
    memory: Memory,
    ctx: &'a mut C,
}

impl<C: AsContextMut<Data = HostState>> allocator::Memory for AllocMemory<'_, C> {
    fn bytes(&mut self) -> &mut [u8] {
        self.memory.data_mut(&mut *self.ctx)
    }

    fn grow_to(&mut self, size: u32) -> bool {
        let current = self.memory.data_size(&*self.ctx) as u64;
        let pages = (size as u64).saturating_sub(current).div_ceil(65536);
        pages == 0 || self.memory.grow(&mut *self.ctx, pages).is_ok()
    }
}

/// Allocates `len` bytes in the runtime's heap (inside a host call, or for a call's input).
pub(crate) fn alloc_in(
    ctx: &mut impl AsContextMut<Data = HostState>,
    memory: Memory,
    len: u32,
) -> Result<u32, allocator::AllocError> {
    let Some(mut allocator) = ctx.as_context_mut().data_mut().allocator.take() else {
        return Err(allocator::AllocError::OutOfMemory(len));
    };
    let result = allocator.alloc(&mut AllocMemory { memory, ctx: &mut *ctx }, len);
    ctx.as_context_mut().data_mut().allocator = Some(allocator);
    result
}

/// Frees a heap buffer at `ptr` (between calls, or a host call's own).
pub(crate) fn free_in(
    ctx: &mut impl AsContextMut<Data = HostState>,
    memory: Memory,
    ptr: u32,
) -> Result<(), allocator::AllocError> {
    let Some(mut allocator) = ctx.as_context_mut().data_mut().allocator.take() else {
        return Err(allocator::AllocError::InvalidFree(ptr));
    };
    let result = allocator.free(&mut AllocMemory { memory, ctx: &mut *ctx }, ptr);
    ctx.as_context_mut().data_mut().allocator = Some(allocator);
    result
}

fn alloc(caller: &mut Caller<'_, HostState>, len: u32) -> HostResult<u32> {
    let memory = memory(caller)?;
    alloc_in(caller, memory, len).map_err(|e| trap(e.to_string()))
}

fn free(caller: &mut Caller<'_, HostState>, ptr: u32) -> HostResult<()> {
    let memory = memory(caller)?;
    free_in(caller, memory, ptr).map_err(|e| trap(e.to_string()))
}

/// Copies `bytes` into a new heap buffer; returns its pointer-size.
fn return_bytes(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> HostResult<i64> {
    let len = u32::try_from(bytes.len()).map_err(|_| trap("return value too large"))?;
    let ptr = alloc(caller, len)?;
    write(caller, ptr, bytes)?;
    Ok(lux_io::pack_ptr_len(ptr, len) as i64)
}

/// Copies a fixed-size value into a new heap buffer; returns its pointer.
fn return_array(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> HostResult<i32> {
    let ptr = alloc(caller, bytes.len() as u32)?;
    write(caller, ptr, bytes)?;
    Ok(ptr as i32)
}

fn backend<T>(r: Result<T, lux_io::BackendError>) -> HostResult<T> {
    r.map_err(|e| trap(e.to_string()))
}

fn state_version(v: i32) -> HostResult<StateVersion> {
    StateVersion::try_from(v as u8).map_err(|_| trap(format!("unknown state version {v}")))
}

/// Registers every host function on `linker`.
pub(crate) fn register(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    // Storage.
    linker.func_wrap(
        "env",
        "ext_storage_get_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let key = read_ptr_size(&mut c, key)?;
            let value = backend(c.data_mut().ext.storage(&key))?;
            return_bytes(&mut c, &value.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_read_version_1",
        |mut c: Caller<'_, HostState>, key: i64, out: i64, offset: i32| {
            let key = read_ptr_size(&mut c, key)?;
            let Some(value) = backend(c.data_mut().ext.storage(&key))? else {
                return return_bytes(&mut c, &None::<u32>.encode());
            };
            let rest = value.get(offset as u32 as usize..).unwrap_or(&[]);
            let (out_ptr, out_len) = unpack(out);
            // The whole output buffer must be the runtime's, whatever is written to it.
            let memory_size = memory(&c)?.data_size(&c);
            if (out_ptr as usize).saturating_add(out_len as usize) > memory_size {
                return Err(trap(format!("out of bounds output buffer at {out_ptr:#x}")));
            }
            let n = rest.len().min(out_len as usize);
            write(&mut c, out_ptr, &rest[..n])?;
            return_bytes(&mut c, &Some(rest.len() as u32).encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_set_version_1",
        |mut c: Caller<'_, HostState>, key: i64, value: i64| {
            let key = read_ptr_size(&mut c, key)?;
            let value = read_ptr_size(&mut c, value)?;
            c.data_mut().ext.set_storage(&key, Some(value));
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let key = read_ptr_size(&mut c, key)?;
            c.data_mut().ext.set_storage(&key, None);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_exists_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let key = read_ptr_size(&mut c, key)?;
            Ok(backend(c.data_mut().ext.exists(&key))? as i32)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_append_version_1",
        |mut c: Caller<'_, HostState>, key: i64, item: i64| {
            let key = read_ptr_size(&mut c, key)?;
            let item = read_ptr_size(&mut c, item)?;
            backend(c.data_mut().ext.append_storage(&key, &item))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_2",
        |mut c: Caller<'_, HostState>, prefix: i64, limit: i64| {
            let prefix = read_ptr_size(&mut c, prefix)?;
            let limit = read_ptr_size(&mut c, limit)?;
            let limit = Option::<u32>::decode(&mut &limit[..])
                .map_err(|e| trap(format!("bad clear_prefix limit: {e}")))?;
            let result: KillStorageResult = backend(c.data_mut().ext.clear_prefix(&prefix, limit))?;
            return_bytes(&mut c, &result.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_next_key_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let key = read_ptr_size(&mut c, key)?;
            let next = backend(c.data_mut().ext.next_storage_key(&key))?;
            return_bytes(&mut c, &next.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_root_version_2",
        |mut c: Caller<'_, HostState>, version: i32| {
            let version = state_version(version)?;
            let root = backend(c.data_mut().ext.storage_root(version))?;
            return_bytes(&mut c, &root)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_start_transaction_version_1",
        |mut c: Caller<'_, HostState>| {
            c.data_mut().ext.start_transaction();
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_rollback_transaction_version_1",
        |mut c: Caller<'_, HostState>| {
            c.data_mut().ext.rollback_transaction().map_err(|e| trap(e.to_string()))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_commit_transaction_version_1",
        |mut c: Caller<'_, HostState>| {
            c.data_mut().ext.commit_transaction().map_err(|e| trap(e.to_string()))
        },
    )?;

    // Hashing.
    linker.func_wrap(
        "env",
        "ext_hashing_blake2_128_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::blake2_128(&data))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_blake2_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::blake2_256(&data))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_64_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::twox_64(&data))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_128_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::twox_128(&data))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_keccak_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::keccak_256(&data))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_sha2_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| {
            let data = read_ptr_size(&mut c, data)?;
            return_array(&mut c, &hashing::sha2_256(&data))
        },
    )?;

    // Crypto.
    linker.func_wrap(
        "env",
        "ext_crypto_secp256k1_ecdsa_recover_version_2",
        |mut c: Caller<'_, HostState>, sig: i32, msg: i32| {
            let sig = read_array::<65>(&mut c, sig)?;
            let msg = read_array::<32>(&mut c, msg)?;
            let result = c.data().signatures.recover(&sig, &msg);
            return_bytes(&mut c, &result.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_verify_version_2",
        |mut c: Caller<'_, HostState>, sig: i32, msg: i64, key: i32| {
            let sig = read_array::<64>(&mut c, sig)?;
            let msg = read_ptr_size(&mut c, msg)?;
            let key = read_array::<32>(&mut c, key)?;
            Ok(crypto_native::sr25519_verify(&sig, &msg, &key) as i32)
        },
    )?;

    // BN254 for the EVM's precompiles 0x06-0x08 (LuxTensor's own: not in the Polkadot Host
    // API). Each takes its input as one buffer and returns a SCALE `Result`.
    linker.func_wrap(
        "env",
        "ext_crypto_bn254_g1_add_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let input: [u8; 128] =
                input.try_into().map_err(|_| trap("bn254 add: the input is not 128 bytes"))?;
            return_bytes(&mut c, &crypto_native::bn254_g1_add(&input).encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bn254_g1_mul_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let input: [u8; 96] =
                input.try_into().map_err(|_| trap("bn254 mul: the input is not 96 bytes"))?;
            return_bytes(&mut c, &crypto_native::bn254_g1_mul(&input).encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bn254_pairing_check_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            return_bytes(&mut c, &crypto_native::bn254_pairing_check(&input).encode())
        },
    )?;

    linker.func_wrap(
        "env",
        "ext_crypto_modexp_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let (base, exponent, modulus) = <(Vec<u8>, Vec<u8>, Vec<u8>)>::decode(&mut &input[..])
                .map_err(|_| trap("modexp: undecodable input"))?;
            return_bytes(&mut c, &crypto_native::modexp(&base, &exponent, &modulus).encode())
        },
    )?;

    // P-256, KZG and BLS12-381 for the EVM's precompiles 0x100, 0x0a and 0x0b-0x11 (LuxTensor's
    // own): in wasm they take up to six times longer per gas than the weight a gas buys.
    linker.func_wrap(
        "env",
        "ext_crypto_secp256r1_verify_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let input: [u8; 160] =
                input.try_into().map_err(|_| trap("p256 verify: the input is not 160 bytes"))?;
            let (msg, rest) = input.split_first_chunk::<32>().ok_or_else(|| trap("p256"))?;
            let (sig, public) = rest.split_first_chunk::<64>().ok_or_else(|| trap("p256"))?;
            let public: &[u8; 64] = public.try_into().map_err(|_| trap("p256"))?;
            Ok(i32::from(crypto_native::secp256r1_verify(msg, sig, public)))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_kzg_verify_proof_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let input: [u8; 160] =
                input.try_into().map_err(|_| trap("kzg proof: the input is not 160 bytes"))?;
            return_bytes(&mut c, &crypto_native::kzg_verify_proof(&input).encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bls12_381_version_1",
        |mut c: Caller<'_, HostState>, op: i32, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            return_bytes(&mut c, &crypto_native::bls12_381(op as u32, &input).encode())
        },
    )?;

    // Tries.
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_ordered_root_version_2",
        |mut c: Caller<'_, HostState>, data: i64, version: i32| {
            let data = read_ptr_size(&mut c, data)?;
            let values = Vec::<Vec<u8>>::decode(&mut &data[..])
                .map_err(|e| trap(format!("bad ordered_root input: {e}")))?;
            let root = lux_trie::ordered_trie_root(state_version(version)?, &values);
            return_array(&mut c, &root)
        },
    )?;

    // Misc.
    linker.func_wrap(
        "env",
        "ext_misc_runtime_version_version_1",
        |mut c: Caller<'_, HostState>, code: i64| {
            let code = read_ptr_size(&mut c, code)?;
            let version = c.data_mut().ext.runtime_version(&code);
            return_bytes(&mut c, &version.encode())
        },
    )?;

    // Logging.
    linker.func_wrap(
        "env",
        "ext_logging_log_version_1",
        |mut c: Caller<'_, HostState>, level: i32, target: i64, message: i64| {
            let target = read_ptr_size(&mut c, target)?;
            let message = read_ptr_size(&mut c, message)?;
            crypto_native::log(
                LogLevel::from_u32(level as u32),
                &String::from_utf8_lossy(&target),
                &message,
            );
            Ok(())
        },
    )?;
    linker.func_wrap("env", "ext_logging_max_level_version_1", |_c: Caller<'_, HostState>| {
        Ok(crypto_native::max_level() as i32)
    })?;

    // Allocator.
    linker.func_wrap(
        "env",
        "ext_allocator_malloc_version_1",
        |mut c: Caller<'_, HostState>, size: i32| Ok(alloc(&mut c, size as u32)? as i32),
    )?;
    linker.func_wrap(
        "env",
        "ext_allocator_free_version_1",
        |mut c: Caller<'_, HostState>, ptr: i32| free(&mut c, ptr as u32),
    )?;

    // Panics.
    linker.func_wrap(
        "env",
        "ext_panic_handler_abort_on_panic_version_1",
        |mut c: Caller<'_, HostState>, message: i64| -> HostResult<()> {
            let message = read_ptr_size(&mut c, message)?;
            let message = String::from_utf8_lossy(&message).into_owned();
            c.data_mut().panic = Some(message.clone());
            Err(trap(format!("runtime panicked: {message}")))
        },
    )?;
    Ok(())
}
