//! Property tests against a `BTreeMap` model: incremental updates give the from-scratch root,
//! reads agree with the model, and proofs verify (and fail when a node is removed).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;

use common::store_with;
use lux_trie::{
    apply_changes, get, next_key, prove, trie_root, verify_proof, Error, MemoryStore, StateVersion,
    EMPTY_ROOT,
};
use proptest::prelude::*;

type Map = BTreeMap<Vec<u8>, Vec<u8>>;
type Batch = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Keys that share prefixes a lot (short keys over a tiny alphabet, so that many are prefixes
/// of others) mixed with longer arbitrary ones.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(vec![0x00u8, 0x01, 0x10, 0xff]), 0..5),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

/// Values on both sides of the 33-byte value-node threshold.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        prop::collection::vec(any::<u8>(), 30..40),
        prop::collection::vec(any::<u8>(), 60..80),
    ]
}

fn version() -> impl Strategy<Value = StateVersion> {
    prop_oneof![Just(StateVersion::V0), Just(StateVersion::V1)]
}

fn map() -> impl Strategy<Value = Map> {
    prop::collection::btree_map(key(), value(), 0..150)
}

fn batch() -> impl Strategy<Value = Batch> {
    prop::collection::btree_map(key(), prop::option::weighted(0.6, value()), 0..60)
}

fn root_of(version: StateVersion, map: &Map) -> lux_trie::Hash {
    trie_root(version, map.iter())
}

/// Checks `get` and `next_key` against the model for its keys and for `probes`.
fn check_reads(store: &MemoryStore, root: &lux_trie::Hash, model: &Map, probes: &[Vec<u8>]) {
    for key in model.keys().chain(probes) {
        assert_eq!(get(store, root, key).unwrap().as_ref(), model.get(key), "get {key:?}");
        let expected = model.range::<Vec<u8>, _>((Bound::Excluded(key), Bound::Unbounded)).next();
        assert_eq!(
            next_key(store, root, key).unwrap().as_ref(),
            expected.map(|(k, _)| k),
            "next_key {key:?}"
        );
    }
    assert_eq!(next_key(store, root, &[]).unwrap().as_ref(), model.keys().find(|k| !k.is_empty()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn apply_changes_matches_root_from_scratch(
        version in version(),
        initial in map(),
        batches in prop::collection::vec(batch(), 1..5),
        probes in prop::collection::vec(key(), 0..10),
    ) {
        let mut model = initial.clone();
        let (mut store, mut root) = store_with(version, &model.clone().into_iter().collect::<Vec<_>>());
        prop_assert_eq!(root, root_of(version, &model));
        for batch in batches {
            let (new_root, nodes) = apply_changes(&store, &root, version, batch.clone()).unwrap();
            // Only the returned nodes are added: they must be enough for every read below.
            store.extend(nodes);
            root = new_root;
            for (key, value) in batch {
                match value {
                    Some(value) => { model.insert(key, value); },
                    None => { model.remove(&key); },
                }
            }
            prop_assert_eq!(root, root_of(version, &model));
            check_reads(&store, &root, &model, &probes);
        }
        if model.is_empty() {
            prop_assert_eq!(root, EMPTY_ROOT);
        }
    }

    #[test]
    fn unchanged_values_give_unchanged_root(version in version(), initial in map()) {
        let pairs: Vec<_> = initial.clone().into_iter().collect();
        let (store, root) = store_with(version, &pairs);
        let rewrite = initial.iter().map(|(k, v)| (k.clone(), Some(v.clone())));
        let (same, nodes) = apply_changes(&store, &root, version, rewrite).unwrap();
        prop_assert_eq!(same, root);
        prop_assert!(nodes.is_empty());
    }

    #[test]
    fn proofs_verify_and_fail_without_a_node(
        version in version(),
        model in map(),
        probes in prop::collection::vec(key(), 1..8),
    ) {
        let pairs: Vec<_> = model.clone().into_iter().collect();
        let (store, root) = store_with(version, &pairs);
        let mut keys: Vec<Vec<u8>> = model.keys().take(5).cloned().collect();
        keys.extend(probes);
        let proof = prove(&store, &root, &keys).unwrap();
        let proven = verify_proof(&root, &proof, &keys).unwrap();
        for (key, value) in &proven {
            prop_assert_eq!(value.as_ref(), model.get(key));
        }
        if root != EMPTY_ROOT {
            for skip in 0..proof.len() {
                let partial: Vec<&Vec<u8>> =
                    proof.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, n)| n).collect();
                let result = verify_proof(&root, &partial, &keys);
                prop_assert!(
                    matches!(result, Err(Error::IncompleteProof(_))),
                    "proof without node {} gave {:?}", skip, result
                );
            }
        }
    }
}
