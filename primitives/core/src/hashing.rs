//! Native implementations of the hashes used on chain (`std` only; the runtime hashes through
//! the host).

/// blake2b with a 256-bit output.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// blake2b with a 128-bit output.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    let hash = blake2b_simd::Params::new().hash_length(16).hash(data);
    let mut out = [0u8; 16];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// blake2b with a 64-bit output (runtime API identifiers).
pub fn blake2_64(data: &[u8]) -> [u8; 8] {
    let hash = blake2b_simd::Params::new().hash_length(8).hash(data);
    let mut out = [0u8; 8];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// Keccak-256 as Ethereum uses it.
pub fn keccak_256(data: &[u8]) -> [u8; 32] {
    use tiny_keccak::Hasher;
    let mut keccak = tiny_keccak::Keccak::v256();
    keccak.update(data);
    let mut out = [0u8; 32];
    keccak.finalize(&mut out);
    out
}

/// SHA-256.
pub fn sha2_256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// xxHash64, seed 0.
pub fn twox_64(data: &[u8]) -> [u8; 8] {
    twox_hash::XxHash64::oneshot(0, data).to_le_bytes()
}

/// xxHash64 with seeds 0 and 1.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
    out
}

/// xxHash64 with seeds 0 to 3.
pub fn twox_256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for seed in 0..4u64 {
        let at = seed as usize * 8;
        out[at..at + 8].copy_from_slice(&twox_hash::XxHash64::oneshot(seed, data).to_le_bytes());
    }
    out
}
