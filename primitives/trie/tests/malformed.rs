//! Malformed nodes, from a store or in a proof, give errors: never a panic, a hang or a huge
//! allocation.

#![allow(clippy::unwrap_used)]

mod common;

use common::{random_pairs, store_with};
use lux_trie::{
    apply_changes, blake2_256, get, get_value_hash, next_key, prove, verify_proof, Error, Hash,
    MemoryStore, StateVersion,
};
use proptest::prelude::*;

/// Runs every read path and an update against `root`; results are ignored, panics are not.
fn exercise(store: &MemoryStore, root: &Hash, keys: &[Vec<u8>]) -> Vec<Result<(), Error>> {
    let mut results = Vec::new();
    for key in keys {
        results.push(get(store, root, key).map(drop));
        results.push(get_value_hash(store, root, key).map(drop));
        results.push(next_key(store, root, key).map(drop));
    }
    results.push(prove(store, root, keys).map(drop));
    let changes =
        keys.iter().enumerate().map(|(i, k)| (k.clone(), (i % 2 == 0).then(|| vec![1u8; i])));
    results.push(apply_changes(store, root, StateVersion::V1, changes).map(drop));
    results
}

#[test]
fn truncated_root_node_is_an_error() {
    let pairs = random_pairs(1, 200);
    let (mut store, root) = store_with(StateVersion::V1, &pairs);
    let full = store.remove(&root).unwrap();
    let keys: Vec<Vec<u8>> = pairs.iter().take(20).map(|(k, _)| k.clone()).collect();
    for len in 0..full.len() {
        store.insert(root, full[..len].to_vec());
        assert!(
            matches!(get(&store, &root, &keys[0]), Err(Error::InvalidNode(_))),
            "truncated to {len}"
        );
        for result in exercise(&store, &root, &keys) {
            assert!(result.is_err(), "truncated to {len}");
        }
    }
}

#[test]
fn missing_node_is_reported_with_its_hash() {
    let pairs = random_pairs(2, 200);
    let (mut store, root) = store_with(StateVersion::V1, &pairs);
    store.remove(&root);
    assert_eq!(get(&store, &root, b"x"), Err(Error::MissingNode(root)));
    let result = apply_changes(&store, &root, StateVersion::V1, [(b"x", Some(b"y"))]);
    assert_eq!(result, Err(Error::MissingNode(root)));
}

#[test]
fn missing_value_node_is_reported() {
    let key = b"code".to_vec();
    let code = vec![7u8; 100];
    let (mut store, root) = store_with(StateVersion::V1, &[(key.clone(), code.clone())]);
    let value_hash = blake2_256(&code);
    assert_eq!(get_value_hash(&store, &root, &key), Ok(Some(value_hash)));
    store.remove(&value_hash);
    assert_eq!(get(&store, &root, &key), Err(Error::MissingNode(value_hash)));
    // The hash alone does not need the value.
    assert_eq!(get_value_hash(&store, &root, &key), Ok(Some(value_hash)));
    let proof = prove(&store, &root, &[&key]);
    assert_eq!(proof, Err(Error::MissingNode(value_hash)));
}

#[test]
fn huge_claimed_partial_key_is_rejected_without_allocating() {
    // Leaf header claiming 63 + 255 * 100_000 nibbles, then nothing.
    let mut node = vec![0x7f];
    node.extend(std::iter::repeat_n(0xff, 100_000));
    node.push(0x00);
    let root = blake2_256(&node);
    let mut store = MemoryStore::new();
    store.insert(root, node.clone());
    assert!(matches!(get(&store, &root, b"k"), Err(Error::InvalidNode(_))));
    assert!(matches!(verify_proof(&root, &[&node], &[b"k"]), Err(Error::InvalidNode(_))));
}

#[test]
fn tampered_proof_node_is_missing_from_the_proof() {
    let pairs = random_pairs(3, 300);
    let (store, root) = store_with(StateVersion::V1, &pairs);
    let keys: Vec<&Vec<u8>> = pairs.iter().step_by(37).map(|(k, _)| k).collect();
    let mut proof = prove(&store, &root, &keys).unwrap();
    assert!(verify_proof(&root, &proof, &keys).is_ok());
    for i in 0..proof.len() {
        let original = proof[i].clone();
        proof[i].pop();
        assert!(matches!(verify_proof(&root, &proof, &keys), Err(Error::IncompleteProof(_))));
        proof[i] = original;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn garbage_nodes_never_panic(
        garbage in prop::collection::vec(any::<u8>(), 0..80),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..4), 1..4),
    ) {
        let root = blake2_256(&garbage);
        let mut store = MemoryStore::new();
        store.insert(root, garbage.clone());
        exercise(&store, &root, &keys);
        let _ = verify_proof(&root, &[&garbage], &keys);
    }

    #[test]
    fn corrupted_store_nodes_never_panic(
        node_index in any::<prop::sample::Index>(),
        byte_index in any::<prop::sample::Index>(),
        new_byte in any::<u8>(),
        truncate in any::<bool>(),
    ) {
        let pairs = random_pairs(4, 60);
        let (mut store, root) = store_with(StateVersion::V1, &pairs);
        let hashes: Vec<Hash> = store.iter().map(|(h, _)| *h).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let target = hashes[node_index.index(hashes.len())];
        let mut bytes = store.remove(&target).unwrap().to_vec();
        let at = byte_index.index(bytes.len());
        if truncate {
            bytes.truncate(at);
        } else {
            bytes[at] = new_byte;
        }
        store.insert(target, bytes);
        let keys: Vec<Vec<u8>> = pairs.iter().step_by(5).map(|(k, _)| k.clone()).collect();
        exercise(&store, &root, &keys);
    }
}
