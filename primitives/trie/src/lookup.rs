//! Reading a trie: values by key, value hashes, and key order.
//!
//! Every walk is a loop, never a recursion. Walking towards a key consumes at least one of its
//! nibbles per node, so it ends after at most `2 * key.len() + 1` nodes.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

use crate::nibbles::nibble_at;
use crate::node::{decode_plan, read_hash, NodePlan, ValuePlan};
use crate::{Error, Hash, NodeStore, Result, EMPTY_ROOT};

/// The encoding of one node: `data[range]` (a node inside its parent when inline).
#[derive(Clone)]
pub(crate) struct NodeAt {
    pub data: Arc<[u8]>,
    pub range: Range<usize>,
}

impl NodeAt {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data[self.range.clone()]
    }

    /// The decoded node; the empty node is an error (it is only ever a whole trie).
    fn plan(&self) -> Result<NodePlan> {
        decode_plan(self.bytes())?.ok_or(Error::InvalidNode("empty node inside a trie"))
    }
}

/// What `store` holds under `hash`, or [`Error::MissingNode`].
pub(crate) fn fetch(store: &impl NodeStore, hash: &Hash) -> Result<Arc<[u8]>> {
    store.get(hash)?.ok_or(Error::MissingNode(*hash))
}

/// Where a key's value was found.
pub(crate) enum Found {
    /// In its node: `data[range]`.
    Inline(Arc<[u8]>, Range<usize>),
    /// In the value node with this hash.
    Hashed(Hash),
}

/// Load the root node; `None` for the empty trie.
fn root_node(
    store: &impl NodeStore,
    root: &Hash,
    on_fetch: &mut impl FnMut(&Hash, &Arc<[u8]>),
) -> Result<Option<NodeAt>> {
    if *root == EMPTY_ROOT {
        return Ok(None);
    }
    let data = fetch(store, root)?;
    on_fetch(root, &data);
    let range = 0..data.len();
    Ok(Some(NodeAt { data, range }))
}

/// Child `index` of `node` (whose plan is `plan`), fetched if referenced by hash.
fn child_node(
    store: &impl NodeStore,
    node: &NodeAt,
    plan: &NodePlan,
    index: usize,
    on_fetch: &mut impl FnMut(&Hash, &Arc<[u8]>),
) -> Result<Option<NodeAt>> {
    let Some(child) = plan.children[index].clone() else {
        return Ok(None);
    };
    if child.len() == 32 {
        let hash = read_hash(node.bytes(), child.start);
        let data = fetch(store, &hash)?;
        on_fetch(&hash, &data);
        let range = 0..data.len();
        Ok(Some(NodeAt { data, range }))
    } else {
        let start = node.range.start;
        Ok(Some(NodeAt { data: node.data.clone(), range: start + child.start..start + child.end }))
    }
}

/// Walk from `root` towards `key`, calling `on_fetch` for every node fetched by hash.
pub(crate) fn lookup(
    store: &impl NodeStore,
    root: &Hash,
    key: &[u8],
    on_fetch: &mut impl FnMut(&Hash, &Arc<[u8]>),
) -> Result<Option<Found>> {
    let Some(mut node) = root_node(store, root, on_fetch)? else {
        return Ok(None);
    };
    let key_len = key.len() * 2;
    let mut pos = 0;
    loop {
        let plan = node.plan()?;
        let partial = plan.partial(node.bytes());
        if !partial.is_prefix_of_key(key, pos) {
            return Ok(None);
        }
        pos += partial.len();
        if pos == key_len {
            let start = node.range.start;
            return Ok(plan.value.map(|value| match value {
                ValuePlan::Inline(range) => {
                    Found::Inline(node.data.clone(), start + range.start..start + range.end)
                }
                ValuePlan::Hashed(range) => Found::Hashed(read_hash(node.bytes(), range.start)),
            }));
        }
        let index = usize::from(nibble_at(key, pos));
        pos += 1;
        match child_node(store, &node, &plan, index, on_fetch)? {
            Some(child) => node = child,
            None => return Ok(None),
        }
    }
}

/// The value stored under `key` in the trie with root `root`, `None` if there is none.
///
/// Loads only the nodes on the key's path (and its value node, if the value is hashed).
pub fn get(store: &impl NodeStore, root: &Hash, key: &[u8]) -> Result<Option<Vec<u8>>> {
    match lookup(store, root, key, &mut |_, _| {})? {
        None => Ok(None),
        Some(Found::Inline(data, range)) => Ok(Some(data[range].to_vec())),
        Some(Found::Hashed(hash)) => Ok(Some(fetch(store, &hash)?.to_vec())),
    }
}

/// The hash of the value at `key` if it is stored as a hashed value node, else `None` (no
/// value, or an inline one).
///
/// Lets the node learn the hash of `:code` without loading the code.
pub fn get_value_hash(store: &impl NodeStore, root: &Hash, key: &[u8]) -> Result<Option<Hash>> {
    match lookup(store, root, key, &mut |_, _| {})? {
        Some(Found::Hashed(hash)) => Ok(Some(hash)),
        _ => Ok(None),
    }
}

/// A branch on the way down to the target key, to come back to.
struct Frame {
    node: NodeAt,
    /// Length of the path up to this node's children.
    path_len: usize,
    /// The child that was taken.
    child: usize,
}

/// The smallest key strictly greater than `key` that has a value, for
/// `ext_storage_next_key` and paging through keys.
///
/// Loads the nodes on `key`'s path and on the path to the answer. The store must return the
/// bytes whose hash is asked for (a store that does not can make this walk go on forever).
pub fn next_key(store: &impl NodeStore, root: &Hash, key: &[u8]) -> Result<Option<Vec<u8>>> {
    let no_fetch = &mut |_: &Hash, _: &Arc<[u8]>| {};
    let Some(mut node) = root_node(store, root, no_fetch)? else {
        return Ok(None);
    };
    let key_len = key.len() * 2;
    // Nibbles of the key of the node being looked at.
    let mut path: Vec<u8> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        let plan = node.plan()?;
        let partial = plan.partial(node.bytes());
        let base = path.len();
        let common = partial.common_with_key(key, base);
        if common < partial.len() {
            // The node's key leaves the target's path here: its whole subtree is after the
            // target (target ended, or its nibble is smaller) or before it.
            if base + common == key_len || partial.at(common) > nibble_at(key, base + common) {
                return leftmost(store, node, path).map(Some);
            }
            break;
        }
        path.extend(partial.iter());
        // Children at `from` or above are all after the target.
        let from = if path.len() == key_len {
            0
        } else {
            let index = usize::from(nibble_at(key, path.len()));
            if let Some(child) = child_node(store, &node, &plan, index, no_fetch)? {
                let path_len = path.len();
                path.push(index as u8);
                stack.push(Frame { node, path_len, child: index });
                node = child;
                continue;
            }
            index + 1
        };
        if let Some(index) = plan.first_child_from(from) {
            return first_below(store, node, &plan, index, path).map(Some);
        }
        break;
    }
    while let Some(frame) = stack.pop() {
        path.truncate(frame.path_len);
        let plan = frame.node.plan()?;
        if let Some(index) = plan.first_child_from(frame.child + 1) {
            return first_below(store, frame.node, &plan, index, path).map(Some);
        }
    }
    Ok(None)
}

/// The first key in child `index` of `node`, whose key is `path`.
fn first_below(
    store: &impl NodeStore,
    node: NodeAt,
    plan: &NodePlan,
    index: usize,
    mut path: Vec<u8>,
) -> Result<Vec<u8>> {
    let child = child_node(store, &node, plan, index, &mut |_, _| {})?
        .ok_or(Error::InvalidNode("child vanished"))?;
    path.push(index as u8);
    leftmost(store, child, path)
}

/// The first key in the subtree of `node`, whose position is `path` (before its partial key).
fn leftmost(store: &impl NodeStore, mut node: NodeAt, mut path: Vec<u8>) -> Result<Vec<u8>> {
    loop {
        let plan = node.plan()?;
        path.extend(plan.partial(node.bytes()).iter());
        if plan.value.is_some() {
            return pack(&path);
        }
        let index = plan.first_child_from(0).ok_or(Error::InvalidNode("node without value"))?;
        node = child_node(store, &node, &plan, index, &mut |_, _| {})?
            .ok_or(Error::InvalidNode("child vanished"))?;
        path.push(index as u8);
    }
}

/// Bytes from a path of nibbles; a value can only sit at a whole byte.
fn pack(path: &[u8]) -> Result<Vec<u8>> {
    if path.len() % 2 == 1 {
        return Err(Error::InvalidNode("value at an odd nibble position"));
    }
    Ok(path.chunks_exact(2).map(|pair| pair[0] << 4 | pair[1]).collect())
}
