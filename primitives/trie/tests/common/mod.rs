//! Helpers shared by the integration tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use lux_trie::{trie_root_with_nodes, Hash, MemoryStore, StateVersion};

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash(s: &str) -> Hash {
    unhex(s).try_into().unwrap()
}

/// SplitMix64, the generator the golden vectors were produced with.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// `n` pseudo-random pairs: half 32-byte keys, half short keys over a 5-letter alphabet (so
/// that keys are prefixes of others), values of mixed sizes around the 33-byte threshold.
/// Exactly the generator of the golden project.
pub fn random_pairs(seed: u64, n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rng = SplitMix(seed);
    let alphabet = [0x00u8, 0x01, 0x10, 0x11, 0xff];
    let mut map = BTreeMap::new();
    for _ in 0..n {
        let key = if rng.next().is_multiple_of(2) {
            rng.bytes(32)
        } else {
            let len = 1 + (rng.next() % 6) as usize;
            (0..len).map(|_| alphabet[(rng.next() % 5) as usize]).collect()
        };
        let vlen = match rng.next() % 4 {
            0 => (rng.next() % 8) as usize,
            1 => 32,
            2 => 33,
            _ => (rng.next() % 100) as usize,
        };
        let value = rng.bytes(vlen);
        map.insert(key, value);
    }
    map.into_iter().collect()
}

/// A store holding the trie of `pairs`, and its root.
pub fn store_with(version: StateVersion, pairs: &[(Vec<u8>, Vec<u8>)]) -> (MemoryStore, Hash) {
    let mut store = MemoryStore::new();
    let root =
        trie_root_with_nodes(version, pairs.iter().map(|(k, v)| (k, v)), |h, n| store.insert(h, n));
    (store, root)
}
