//! The hash functions key derivation and addresses need.

use tiny_keccak::{Hasher, Keccak};

/// keccak256 (the Ethereum flavour of SHA-3) of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak::v256();
    hasher.update(data);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// blake2b with a 256-bit output, as Substrate's `blake2_256`.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// blake2b with a 512-bit output.
pub fn blake2_512(data: &[u8]) -> [u8; 64] {
    let hash = blake2b_simd::Params::new().hash_length(64).hash(data);
    let mut out = [0u8; 64];
    out.copy_from_slice(hash.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes() {
        assert_eq!(
            hex::encode(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex::encode(blake2_256(b"")),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
        assert_eq!(blake2_512(b"").len(), 64);
    }
}
