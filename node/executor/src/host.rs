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

/// The runtime's memory and the host state together, so that arguments are read where they
/// are instead of being copied out first.
fn split<'a>(
    caller: &'a mut Caller<'_, HostState>,
) -> HostResult<(&'a mut [u8], &'a mut HostState)> {
    let memory = memory(caller)?;
    Ok(memory.data_and_store_mut(caller))
}

/// The `len` bytes at `ptr` of the runtime's memory `data`.
fn slice(data: &[u8], ptr: u32, len: u32) -> HostResult<&[u8]> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize).ok_or_else(|| trap("pointer overflow"))?;
    data.get(start..end)
        .ok_or_else(|| trap(format!("out of bounds read of {len} bytes at {ptr:#x}")))
}

/// The bytes a pointer-size designates in the runtime's memory `data`.
fn slice_ptr_size(data: &[u8], ptr_size: i64) -> HostResult<&[u8]> {
    let (ptr, len) = unpack(ptr_size);
    slice(data, ptr, len)
}

/// The `N` bytes at `ptr` of the runtime's memory `data`.
fn array<const N: usize>(data: &[u8], ptr: i32) -> HostResult<&[u8; N]> {
    let bytes = slice(data, ptr as u32, N as u32)?;
    bytes.try_into().map_err(|_| trap("array length"))
}

/// Runs `f` on the bytes a pointer-size designates, in place.
fn with_bytes<R>(
    caller: &mut Caller<'_, HostState>,
    ptr_size: i64,
    f: impl FnOnce(&[u8]) -> R,
) -> HostResult<R> {
    let memory = memory(caller)?;
    Ok(f(slice_ptr_size(memory.data(&*caller), ptr_size)?))
}

/// Copies the bytes a pointer-size designates out of the runtime's memory.
fn read_ptr_size(caller: &mut Caller<'_, HostState>, ptr_size: i64) -> HostResult<Vec<u8>> {
    with_bytes(caller, ptr_size, <[u8]>::to_vec)
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

/// The runtime's memory as it is, borrowed beside the allocator: enough for every free and for
/// an allocation that does not need the memory to grow (nearly all of them).
struct FixedMemory<'a>(&'a mut [u8]);

impl allocator::Memory for FixedMemory<'_> {
    fn bytes(&mut self) -> &mut [u8] {
        self.0
    }

    fn grow_to(&mut self, _size: u32) -> bool {
        false
    }
}

/// Allocates `len` bytes in the runtime's heap (inside a host call, or for a call's input).
pub(crate) fn alloc_in(
    ctx: &mut impl AsContextMut<Data = HostState>,
    memory: Memory,
    len: u32,
) -> Result<u32, allocator::AllocError> {
    let (data, state) = memory.data_and_store_mut(ctx.as_context_mut());
    let Some(allocator) = state.allocator.as_mut() else {
        return Err(allocator::AllocError::OutOfMemory(len));
    };
    // Without growing the memory first. The allocator changes nothing before it finds that
    // the memory must grow, so on `OutOfMemory` it is asked again with a memory that can.
    match allocator.alloc(&mut FixedMemory(data), len) {
        Err(allocator::AllocError::OutOfMemory(_)) => {}
        done => return done,
    }
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
    let (data, state) = memory.data_and_store_mut(ctx.as_context_mut());
    let Some(allocator) = state.allocator.as_mut() else {
        return Err(allocator::AllocError::InvalidFree(ptr));
    };
    allocator.free(&mut FixedMemory(data), ptr)
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

/// SCALE-encodes `value` straight into a new heap buffer; returns its pointer-size.
fn return_encoded(caller: &mut Caller<'_, HostState>, value: &impl Encode) -> HostResult<i64> {
    let len = u32::try_from(value.encoded_size()).map_err(|_| trap("return value too large"))?;
    let ptr = alloc(caller, len)?;
    let memory = memory(caller)?;
    let buffer = memory
        .data_mut(&mut *caller)
        .get_mut(ptr as usize..ptr as usize + len as usize)
        .ok_or_else(|| trap(format!("out of bounds write of {len} bytes at {ptr:#x}")))?;
    let mut out = SliceOutput { rest: buffer, overflow: false };
    value.encode_to(&mut out);
    if out.overflow || !out.rest.is_empty() {
        return Err(trap("a return value's encoding does not have its encoded size"));
    }
    Ok(lux_io::pack_ptr_len(ptr, len) as i64)
}

/// A SCALE output over a buffer of the size the value said it would take.
struct SliceOutput<'a> {
    rest: &'a mut [u8],
    overflow: bool,
}

impl codec::Output for SliceOutput<'_> {
    fn write(&mut self, bytes: &[u8]) {
        if bytes.len() > self.rest.len() {
            self.overflow = true;
            return;
        }
        let (head, tail) = std::mem::take(&mut self.rest).split_at_mut(bytes.len());
        head.copy_from_slice(bytes);
        self.rest = tail;
    }
}

/// Copies a fixed-size value into a new heap buffer; returns its pointer.
fn return_array(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> HostResult<i32> {
    let ptr = alloc(caller, bytes.len() as u32)?;
    write(caller, ptr, bytes)?;
    Ok(ptr as i32)
}

/// Hashes the bytes a pointer-size designates, in place, into a new heap buffer.
fn return_hash<const N: usize>(
    caller: &mut Caller<'_, HostState>,
    data: i64,
    hash: fn(&[u8]) -> [u8; N],
) -> HostResult<i32> {
    let digest = with_bytes(caller, data, hash)?;
    return_array(caller, &digest)
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
            let (data, state) = split(&mut c)?;
            let value = backend(state.ext.storage(slice_ptr_size(data, key)?))?;
            return_encoded(&mut c, &value)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_read_version_1",
        |mut c: Caller<'_, HostState>, key: i64, out: i64, offset: i32| {
            let (data, state) = split(&mut c)?;
            let Some(value) = backend(state.ext.storage(slice_ptr_size(data, key)?))? else {
                return return_encoded(&mut c, &None::<u32>);
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
            return_encoded(&mut c, &Some(rest.len() as u32))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_set_version_1",
        |mut c: Caller<'_, HostState>, key: i64, value: i64| {
            let (data, state) = split(&mut c)?;
            let value = slice_ptr_size(data, value)?.to_vec();
            state.ext.set_storage(slice_ptr_size(data, key)?, Some(value));
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let (data, state) = split(&mut c)?;
            state.ext.set_storage(slice_ptr_size(data, key)?, None);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_exists_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let (data, state) = split(&mut c)?;
            Ok(backend(state.ext.exists(slice_ptr_size(data, key)?))? as i32)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_append_version_1",
        |mut c: Caller<'_, HostState>, key: i64, item: i64| {
            let (data, state) = split(&mut c)?;
            let (key, item) = (slice_ptr_size(data, key)?, slice_ptr_size(data, item)?);
            backend(state.ext.append_storage(key, item))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_2",
        |mut c: Caller<'_, HostState>, prefix: i64, limit: i64| {
            let (data, state) = split(&mut c)?;
            let limit = Option::<u32>::decode(&mut slice_ptr_size(data, limit)?)
                .map_err(|e| trap(format!("bad clear_prefix limit: {e}")))?;
            let prefix = slice_ptr_size(data, prefix)?;
            let result: KillStorageResult = backend(state.ext.clear_prefix(prefix, limit))?;
            return_encoded(&mut c, &result)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_next_key_version_1",
        |mut c: Caller<'_, HostState>, key: i64| {
            let (data, state) = split(&mut c)?;
            let next = backend(state.ext.next_storage_key(slice_ptr_size(data, key)?))?;
            return_encoded(&mut c, &next)
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
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::blake2_128),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_blake2_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::blake2_256),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_64_version_1",
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::twox_64),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_128_version_1",
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::twox_128),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_keccak_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::keccak_256),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_sha2_256_version_1",
        |mut c: Caller<'_, HostState>, data: i64| return_hash(&mut c, data, hashing::sha2_256),
    )?;

    // Crypto.
    linker.func_wrap(
        "env",
        "ext_crypto_secp256k1_ecdsa_recover_version_2",
        |mut c: Caller<'_, HostState>, sig: i32, msg: i32| {
            let (data, state) = split(&mut c)?;
            let result = state.signatures.recover(array(data, sig)?, array(data, msg)?);
            return_encoded(&mut c, &result)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_verify_version_2",
        |c: Caller<'_, HostState>, sig: i32, msg: i64, key: i32| {
            let data = memory(&c)?.data(&c);
            let (sig, key) = (array::<64>(data, sig)?, array::<32>(data, key)?);
            Ok(crypto_native::sr25519_verify(sig, slice_ptr_size(data, msg)?, key) as i32)
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
            return_encoded(&mut c, &crypto_native::bn254_g1_add(&input))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bn254_g1_mul_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let input = read_ptr_size(&mut c, input)?;
            let input: [u8; 96] =
                input.try_into().map_err(|_| trap("bn254 mul: the input is not 96 bytes"))?;
            return_encoded(&mut c, &crypto_native::bn254_g1_mul(&input))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bn254_pairing_check_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let result = with_bytes(&mut c, input, crypto_native::bn254_pairing_check)?;
            return_encoded(&mut c, &result)
        },
    )?;

    linker.func_wrap(
        "env",
        "ext_crypto_modexp_version_1",
        |mut c: Caller<'_, HostState>, input: i64| {
            let (base, exponent, modulus) = with_bytes(&mut c, input, |mut input| {
                <(Vec<u8>, Vec<u8>, Vec<u8>)>::decode(&mut input)
            })?
            .map_err(|_| trap("modexp: undecodable input"))?;
            return_encoded(&mut c, &crypto_native::modexp(&base, &exponent, &modulus))
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
            return_encoded(&mut c, &crypto_native::kzg_verify_proof(&input))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_bls12_381_version_1",
        |mut c: Caller<'_, HostState>, op: i32, input: i64| {
            let result =
                with_bytes(&mut c, input, |input| crypto_native::bls12_381(op as u32, input))?;
            return_encoded(&mut c, &result)
        },
    )?;

    // Tries.
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_ordered_root_version_2",
        |mut c: Caller<'_, HostState>, data: i64, version: i32| {
            let values = with_bytes(&mut c, data, |mut data| Vec::<Vec<u8>>::decode(&mut data))?
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
            let (data, state) = split(&mut c)?;
            let version = state.ext.runtime_version(slice_ptr_size(data, code)?);
            return_encoded(&mut c, &version)
        },
    )?;

    // Logging.
    linker.func_wrap(
        "env",
        "ext_logging_log_version_1",
        |c: Caller<'_, HostState>, level: i32, target: i64, message: i64| {
            let data = memory(&c)?.data(&c);
            let (target, message) = (slice_ptr_size(data, target)?, slice_ptr_size(data, message)?);
            crypto_native::log(
                LogLevel::from_u32(level as u32),
                &String::from_utf8_lossy(target),
                message,
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
            let message = with_bytes(&mut c, message, |m| String::from_utf8_lossy(m).into_owned())?;
            c.data_mut().panic = Some(message.clone());
            Err(trap(format!("runtime panicked: {message}")))
        },
    )?;
    Ok(())
}
