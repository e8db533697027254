//! Trie benchmarks at block-import scale: a block of ~2,000 transfers changes ~4,000 keys of a
//! state of ~100k keys, and genesis builds a whole trie at once.
//!
//! Keys are 32-byte blake2 hashes (random, as hashed storage keys are); values are 80 bytes,
//! the size of an account record, so under V1 every value is a hashed value node.
//! `cargo bench -p lux-trie` measures; `cargo test -p lux-trie --benches` runs each once.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lux_trie::{
    apply_changes, blake2_256, trie_root, trie_root_with_nodes, MemoryStore, StateVersion,
};

const STATE_KEYS: u32 = 100_000;
const CHANGED_KEYS: u32 = 4_000;

fn key(i: u32) -> Vec<u8> {
    blake2_256(&i.to_le_bytes()).to_vec()
}

fn value(i: u32, round: u32) -> Vec<u8> {
    let seed = blake2_256(&[i.to_le_bytes(), round.to_le_bytes()].concat());
    seed.iter().cycle().take(80).copied().collect()
}

fn state() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut pairs: Vec<_> = (0..STATE_KEYS).map(|i| (key(i), value(i, 0))).collect();
    pairs.sort();
    pairs
}

fn benches(c: &mut Criterion) {
    let version = StateVersion::V1;
    let pairs = state();
    let mut store = MemoryStore::new();
    let root =
        trie_root_with_nodes(version, pairs.iter().map(|(k, v)| (k, v)), |h, n| store.insert(h, n));

    let mut group = c.benchmark_group("trie");
    group.sample_size(10);

    // 4,000 existing keys (every 25th) get new values.
    let mut updates: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..STATE_KEYS)
        .step_by((STATE_KEYS / CHANGED_KEYS) as usize)
        .map(|i| (key(i), Some(value(i, 1))))
        .collect();
    updates.sort();
    group.bench_function("apply_changes/4k_updates_into_100k", |b| {
        b.iter(|| {
            apply_changes(
                &store,
                &root,
                version,
                black_box(&updates).iter().map(|(k, v)| (k, v.as_ref())),
            )
            .unwrap()
        })
    });

    // 4,000 new keys.
    let mut inserts: Vec<(Vec<u8>, Option<Vec<u8>>)> =
        (STATE_KEYS..STATE_KEYS + CHANGED_KEYS).map(|i| (key(i), Some(value(i, 1)))).collect();
    inserts.sort();
    group.bench_function("apply_changes/4k_inserts_into_100k", |b| {
        b.iter(|| {
            apply_changes(
                &store,
                &root,
                version,
                black_box(&inserts).iter().map(|(k, v)| (k, v.as_ref())),
            )
            .unwrap()
        })
    });

    // 2,000 updates, 1,000 inserts, 1,000 deletions.
    let mut mixed: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..2_000)
        .map(|i| (key(i * 50), Some(value(i * 50, 1))))
        .chain((0..1_000).map(|i| (key(i * 50 + 25), None)))
        .chain((0..1_000).map(|i| (key(STATE_KEYS + i), Some(value(i, 1)))))
        .collect();
    mixed.sort();
    group.bench_function("apply_changes/4k_mixed_into_100k", |b| {
        b.iter(|| {
            apply_changes(
                &store,
                &root,
                version,
                black_box(&mixed).iter().map(|(k, v)| (k, v.as_ref())),
            )
            .unwrap()
        })
    });

    group.bench_function("trie_root/100k_sorted", |b| {
        b.iter(|| trie_root(version, black_box(&pairs).iter().map(|(k, v)| (k, v))))
    });

    group.bench_function("trie_root_with_nodes/100k_into_memory_store", |b| {
        b.iter_batched(
            MemoryStore::new,
            |mut store| {
                trie_root_with_nodes(version, pairs.iter().map(|(k, v)| (k, v)), |h, n| {
                    store.insert(h, n)
                });
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(trie, benches);
criterion_main!(trie);
