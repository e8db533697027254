//! `apply_changes` specifics: what it loads, what it returns, edge cases.

#![allow(clippy::unwrap_used)]

mod common;

use std::cell::Cell;
use std::sync::Arc;

use common::store_with;
use lux_trie::{
    apply_changes, blake2_256, get, get_value_hash, next_key, trie_root, Hash, MemoryStore,
    NodeStore, StateVersion, StoreError, EMPTY_ROOT,
};

/// Counts the loads it serves.
struct Counting<'a> {
    inner: &'a MemoryStore,
    loads: Cell<usize>,
}

impl NodeStore for Counting<'_> {
    fn get(&self, hash: &Hash) -> Result<Option<Arc<[u8]>>, StoreError> {
        self.loads.set(self.loads.get() + 1);
        self.inner.get(hash)
    }
}

fn hashed_pairs(n: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut pairs: Vec<_> =
        (0..n).map(|i| (blake2_256(&i.to_le_bytes()).to_vec(), vec![i as u8; 40])).collect();
    pairs.sort();
    pairs
}

#[test]
fn loads_only_the_touched_path() {
    let pairs = hashed_pairs(10_000);
    let (store, root) = store_with(StateVersion::V1, &pairs);
    let counting = Counting { inner: &store, loads: Cell::new(0) };
    let key = &pairs[1234].0;
    let (new_root, nodes) =
        apply_changes(&counting, &root, StateVersion::V1, [(key, Some(vec![1u8; 40]))]).unwrap();
    // 10k random keys: about 4 levels of branches, then the leaf.
    assert!(counting.loads.get() <= 6, "loaded {} nodes", counting.loads.get());
    // The new path, and the new value node.
    assert!(nodes.len() <= 7, "returned {} nodes", nodes.len());
    assert_ne!(new_root, root);
    let mut store = store.clone();
    store.extend(nodes);
    assert_eq!(get(&store, &new_root, key).unwrap(), Some(vec![1u8; 40]));
}

#[test]
fn no_effective_change_keeps_root_and_returns_nothing() {
    let pairs = hashed_pairs(500);
    let (store, root) = store_with(StateVersion::V1, &pairs);
    let none: Vec<(Vec<u8>, Option<Vec<u8>>)> = vec![];
    assert_eq!(apply_changes(&store, &root, StateVersion::V1, none).unwrap(), (root, vec![]));
    let absent = [(b"not there".to_vec(), None::<Vec<u8>>), (vec![0xff; 40], None)];
    assert_eq!(apply_changes(&store, &root, StateVersion::V1, absent).unwrap(), (root, vec![]));
    let same = [(pairs[7].0.clone(), Some(pairs[7].1.clone()))];
    assert_eq!(apply_changes(&store, &root, StateVersion::V1, same).unwrap(), (root, vec![]));
}

#[test]
fn deleting_everything_gives_the_empty_root() {
    let pairs = hashed_pairs(300);
    let (store, root) = store_with(StateVersion::V1, &pairs);
    let all = pairs.iter().map(|(k, _)| (k.clone(), None::<Vec<u8>>));
    let (new_root, nodes) = apply_changes(&store, &root, StateVersion::V1, all).unwrap();
    assert_eq!(new_root, EMPTY_ROOT);
    assert!(nodes.is_empty());
    assert_eq!(get(&store, &EMPTY_ROOT, &pairs[0].0), Ok(None));
    assert_eq!(next_key(&store, &EMPTY_ROOT, &[]), Ok(None));
}

#[test]
fn returned_nodes_are_unique_and_hash_right() {
    let pairs = hashed_pairs(2_000);
    let (store, root) = store_with(StateVersion::V1, &pairs);
    // Two keys with the same large value share one value node.
    let changes = [(b"a".to_vec(), Some(vec![5u8; 64])), (b"b".to_vec(), Some(vec![5u8; 64]))];
    let (_, nodes) = apply_changes(&store, &root, StateVersion::V1, changes).unwrap();
    for window in nodes.windows(2) {
        assert!(window[0].0 < window[1].0);
    }
    for (hash, bytes) in &nodes {
        assert_eq!(*hash, blake2_256(bytes));
    }
}

#[test]
fn unsorted_changes_are_sorted_and_the_last_wins() {
    let store = MemoryStore::new();
    let changes = [
        (b"b".to_vec(), Some(b"1".to_vec())),
        (b"a".to_vec(), Some(b"1".to_vec())),
        (b"b".to_vec(), None),
        (b"c".to_vec(), Some(b"1".to_vec())),
        (b"c".to_vec(), Some(b"2".to_vec())),
    ];
    let (root, _) = apply_changes(&store, &EMPTY_ROOT, StateVersion::V1, changes).unwrap();
    assert_eq!(root, trie_root(StateVersion::V1, [(b"a", b"1"), (b"c", b"2")]));
}

#[test]
fn value_hash_only_for_value_nodes() {
    let big = vec![3u8; 33];
    let pairs = vec![(b":code".to_vec(), big.clone()), (b":heappages".to_vec(), vec![0u8; 8])];
    let (store, root) = store_with(StateVersion::V1, &pairs);
    assert_eq!(get_value_hash(&store, &root, b":code"), Ok(Some(blake2_256(&big))));
    assert_eq!(get_value_hash(&store, &root, b":heappages"), Ok(None));
    assert_eq!(get_value_hash(&store, &root, b":nothing"), Ok(None));
    let (store, root) = store_with(StateVersion::V0, &pairs);
    assert_eq!(get_value_hash(&store, &root, b":code"), Ok(None));
    assert_eq!(get(&store, &root, b":code"), Ok(Some(big)));
}

#[test]
fn long_prefix_chains_work() {
    // Every key a prefix of the next: a path of 2,000 branches with values, deeper than a
    // recursion could go on a test thread's stack.
    let pairs: Vec<_> = (1..=2_000usize).map(|n| (vec![0x5a; n], vec![n as u8; n % 50])).collect();
    let (store, root) = store_with(StateVersion::V1, &pairs);
    let deletions = pairs.iter().step_by(2).map(|(k, _)| (k.clone(), None::<Vec<u8>>));
    let (new_root, nodes) = apply_changes(&store, &root, StateVersion::V1, deletions).unwrap();
    let rest: Vec<_> = pairs.iter().skip(1).step_by(2).cloned().collect();
    assert_eq!(new_root, trie_root(StateVersion::V1, rest.iter().map(|(k, v)| (k, v))));
    let mut store = store.clone();
    store.extend(nodes);
    assert_eq!(next_key(&store, &new_root, &pairs[0].0), Ok(Some(pairs[1].0.clone())));
    assert_eq!(next_key(&store, &new_root, &pairs[1_998].0), Ok(Some(pairs[1_999].0.clone())));
    assert_eq!(next_key(&store, &new_root, &pairs[1_999].0), Ok(None));
    assert_eq!(get(&store, &new_root, &pairs[1_999].0), Ok(Some(pairs[1_999].1.clone())));
}
