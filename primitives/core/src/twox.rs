//! xxHash64 as a `const fn`, so storage prefixes (`twox128(pallet) ++ twox128(item)`) are
//! compile-time constants in the runtime instead of two host calls per storage access.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

const fn read_u64(data: &[u8], at: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < 8 {
        v |= (data[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

const fn read_u32(data: &[u8], at: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < 4 {
        v |= (data[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

const fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}

const fn merge_round(acc: u64, val: u64) -> u64 {
    (acc ^ round(0, val)).wrapping_mul(P1).wrapping_add(P4)
}

/// xxHash64 of `data` with `seed`.
pub const fn xxh64(data: &[u8], seed: u64) -> u64 {
    let len = data.len();
    let mut at = 0;
    let mut h: u64;
    if len >= 32 {
        let mut v1 = seed.wrapping_add(P1).wrapping_add(P2);
        let mut v2 = seed.wrapping_add(P2);
        let mut v3 = seed;
        let mut v4 = seed.wrapping_sub(P1);
        while at + 32 <= len {
            v1 = round(v1, read_u64(data, at));
            v2 = round(v2, read_u64(data, at + 8));
            v3 = round(v3, read_u64(data, at + 16));
            v4 = round(v4, read_u64(data, at + 24));
            at += 32;
        }
        h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        h = merge_round(h, v1);
        h = merge_round(h, v2);
        h = merge_round(h, v3);
        h = merge_round(h, v4);
    } else {
        h = seed.wrapping_add(P5);
    }
    h = h.wrapping_add(len as u64);
    while at + 8 <= len {
        h ^= round(0, read_u64(data, at));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        at += 8;
    }
    if at + 4 <= len {
        h ^= read_u32(data, at).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        at += 4;
    }
    while at < len {
        h ^= (data[at] as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
        at += 1;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

/// Substrate's `twox_64`: xxHash64 with seed 0, little-endian.
pub const fn twox_64(data: &[u8]) -> [u8; 8] {
    xxh64(data, 0).to_le_bytes()
}

/// Substrate's `twox_128`: xxHash64 with seeds 0 and 1, little-endian, concatenated.
pub const fn twox_128(data: &[u8]) -> [u8; 16] {
    let a = xxh64(data, 0).to_le_bytes();
    let b = xxh64(data, 1).to_le_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 8 {
        out[i] = a[i];
        out[i + 8] = b[i];
        i += 1;
    }
    out
}

/// `twox_128(pallet) ++ twox_128(item)`: the key of a storage value, the prefix of a map.
pub const fn storage_prefix(pallet: &[u8], item: &[u8]) -> [u8; 32] {
    let a = twox_128(pallet);
    let b = twox_128(item);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 16 {
        out[i] = a[i];
        out[i + 16] = b[i];
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_substrate_prefixes() {
        assert_eq!(hex::encode(twox_128(b"System")), "26aa394eea5630e07c48ae0c9558cef7");
        assert_eq!(hex::encode(twox_128(b"Account")), "b99d880ec681799c0cf30e8886371da9");
        assert_eq!(hex::encode(twox_128(b"Balances")), "c2261276cc9d1f8598ea4b6a74b15c2f");
        assert_eq!(hex::encode(twox_128(b"TotalIssuance")), "57c875e4cff74148e4628f264b974c80");
    }

    #[test]
    fn matches_reference_xxhash_for_all_lengths() {
        let data: alloc::vec::Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            for seed in [0u64, 1, 0xdead_beef] {
                let expected = twox_hash::XxHash64::oneshot(seed, &data[..len]);
                assert_eq!(xxh64(&data[..len], seed), expected, "len {len} seed {seed}");
            }
        }
    }
}
