//! Read proofs: Substrate's `StorageProof`, the set of encoded nodes (hashed value nodes
//! included) that a lookup of each proven key loads, starting with the root.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::lookup::{fetch, lookup, Found};
use crate::node::EMPTY_NODE;
use crate::{blake2_256, Error, Hash, NodeStore, ProvenValues, Result, StoreError, EMPTY_ROOT};

/// The proof that `keys` have (or lack) their values in the trie with root `root`.
///
/// Returns the encoded nodes, each once, in ascending byte order: the order (and, SCALE
/// encoded as `Vec<Vec<u8>>`, the bytes) of Substrate's `StorageProof` recorded for the same
/// reads. For the empty trie that is the empty node alone, as Substrate records it.
pub fn prove<K: AsRef<[u8]>>(
    store: &impl NodeStore,
    root: &Hash,
    keys: &[K],
) -> Result<Vec<Vec<u8>>> {
    if *root == EMPTY_ROOT {
        return Ok(vec![vec![EMPTY_NODE]]);
    }
    let mut recorded: BTreeMap<Hash, Arc<[u8]>> = BTreeMap::new();
    let mut record = |hash: &Hash, data: &Arc<[u8]>| {
        recorded.entry(*hash).or_insert_with(|| data.clone());
    };
    for key in keys {
        if let Some(Found::Hashed(hash)) = lookup(store, root, key.as_ref(), &mut record)? {
            let value = fetch(store, &hash)?;
            record(&hash, &value);
        }
    }
    let nodes: BTreeSet<Vec<u8>> = recorded.into_values().map(|data| data.to_vec()).collect();
    Ok(nodes.into_iter().collect())
}

/// The nodes of a proof, keyed by their hash.
struct ProofStore(BTreeMap<Hash, Arc<[u8]>>);

impl NodeStore for ProofStore {
    fn get(&self, hash: &Hash) -> Result<Option<Arc<[u8]>>, StoreError> {
        Ok(self.0.get(hash).cloned())
    }
}

/// Check `proof` against `root` and return each of `keys` with its proven value: `None` when
/// the proof shows the key has no value.
///
/// Fails with [`Error::IncompleteProof`] if the proof lacks a node needed for a key, and with
/// [`Error::InvalidNode`] if a node on a key's path does not decode. Nodes the keys do not
/// need are ignored, as Substrate does.
pub fn verify_proof<P, K>(root: &Hash, proof: &[P], keys: &[K]) -> Result<ProvenValues>
where
    P: AsRef<[u8]>,
    K: AsRef<[u8]>,
{
    let store = ProofStore(
        proof.iter().map(|node| (blake2_256(node.as_ref()), Arc::from(node.as_ref()))).collect(),
    );
    keys.iter()
        .map(|key| {
            let key = key.as_ref();
            let value = crate::get(&store, root, key).map_err(|err| match err {
                Error::MissingNode(hash) => Error::IncompleteProof(hash),
                other => other,
            })?;
            Ok((key.to_vec(), value))
        })
        .collect()
}
