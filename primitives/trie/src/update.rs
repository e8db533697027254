//! Applying a batch of changes to a stored trie.
//!
//! The changes, sorted by key, are pushed down the trie in one pass: each node on their paths
//! is loaded once, the changes below it are split by child nibble, and the node is rebuilt
//! from its children's results, bottom up. Untouched children keep their references, so no
//! untouched subtree is loaded or re-encoded.
//!
//! Structure follows Substrate's `TrieDBMut`: an insertion that leaves a node's partial key
//! splits it under a new branch; a branch left without value and with a single child merges
//! with that child; a value keeps the layout it was stored with unless it is rewritten. So
//! the new root is the root of the same key set built from scratch (when every value was
//! written under the same version).
//!
//! The walk is a loop over an explicit stack of the nodes being rebuilt (one per level of the
//! deepest changed path), so however deep the trie, the call stack does not grow.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::mem;

use crate::build::{sort_pairs, Encoder, Item, Sink};
use crate::lookup::fetch;
use crate::nibbles::{nibble_at, Bytes, Nibbles};
use crate::node::{decode_plan, read_hash, write_node, ChildRef, Value, ValuePlan};
use crate::{Error, Hash, NewNodes, NodeStore, Result, StateVersion, EMPTY_ROOT};

/// A child of a node being rebuilt.
enum Slot<'c> {
    Empty,
    /// A child that is stored (or was just encoded): its reference.
    Ref(ChildRef),
    /// A rebuilt child, not encoded yet.
    Node(Box<NodeBuf<'c>>),
    /// A new subtree's top node, encoded but not referenced yet.
    Encoded(Vec<u8>),
}

/// A node being rebuilt. Its bytes are borrowed from the changes or shared with the loaded
/// encoding it came from. Always boxed, so that moving it around is cheap.
struct NodeBuf<'c> {
    partial: Nibbles<'c>,
    value: Option<Value<Bytes<'c>>>,
    children: [Slot<'c>; 16],
    /// Whether the node differs from the stored encoding it was loaded from.
    dirty: bool,
}

fn empty_children<'c>() -> [Slot<'c>; 16] {
    core::array::from_fn(|_| Slot::Empty)
}

/// Decode a stored node encoding into a (clean) node to rebuild.
fn decode_node(data: Arc<[u8]>) -> Result<Box<NodeBuf<'static>>> {
    let plan = decode_plan(&data)?.ok_or(Error::InvalidNode("empty node inside a trie"))?;
    let whole = Bytes::Shared(data.clone(), 0..data.len());
    let partial = Nibbles::new(whole, plan.partial.start, plan.partial.end);
    let value = plan.value.as_ref().map(|value| match value {
        ValuePlan::Inline(range) => Value::Inline(Bytes::Shared(data.clone(), range.clone())),
        ValuePlan::Hashed(range) => Value::Hashed(read_hash(&data, range.start)),
    });
    let mut children = empty_children();
    for (i, slot) in children.iter_mut().enumerate() {
        if let Some(reference) = plan.child(&data, i) {
            *slot = Slot::Ref(reference);
        }
    }
    Ok(Box::new(NodeBuf { partial, value, children, dirty: false }))
}

/// A node whose changes are being applied.
struct Frame<'c> {
    node: Box<NodeBuf<'c>>,
    /// Nibble index where the node's partial key starts.
    depth: usize,
    /// The node's partial key (after any split), to tell which changes are below it.
    partial: Nibbles<'c>,
    /// The changes still to apply to this node are `changes[cursor..end]`.
    cursor: usize,
    end: usize,
    /// The child being updated on the frame above: its index, and its reference if it is
    /// stored (to keep when it comes back unchanged).
    pending: Option<(usize, Option<ChildRef>)>,
}

impl Frame<'_> {
    /// Nibble index of the child nibble.
    fn split_at(&self) -> usize {
        self.depth + self.partial.len()
    }

    /// Whether `key` is this node's key or below it.
    fn covers(&self, key: &[u8]) -> bool {
        key.len() * 2 >= self.split_at()
            && self.partial.as_slice().is_prefix_of_key(key, self.depth)
    }
}

struct Updater<'s, S> {
    store: &'s S,
    encoder: Encoder<NewNodes>,
    /// Stored nodes and hashed values the update stops using, once per place they held.
    removed: Vec<Hash>,
}

impl<S: NodeStore> Updater<'_, S> {
    fn load(&self, reference: &ChildRef) -> Result<Box<NodeBuf<'static>>> {
        let data = match reference {
            ChildRef::Hash(hash) => fetch(self.store, hash)?,
            ChildRef::Inline { .. } => Arc::from(reference.as_bytes()),
        };
        decode_node(data)
    }

    /// The node a slot holds, loaded or decoded if need be. A stored node taken out of its
    /// slot this way is always rewritten (merged into its parent), so it counts as removed.
    fn slot_node<'c>(&mut self, slot: Slot<'c>) -> Result<Option<Box<NodeBuf<'c>>>> {
        Ok(match slot {
            Slot::Empty => None,
            Slot::Ref(reference) => {
                let node = self.load(&reference)?;
                if let ChildRef::Hash(hash) = reference {
                    self.removed.push(hash);
                }
                Some(node)
            }
            Slot::Node(node) => Some(node),
            Slot::Encoded(encoding) => {
                let mut node = decode_node(Arc::from(encoding))?;
                node.dirty = true;
                Some(node)
            }
        })
    }

    /// Apply `changes` (sorted, unique) to the trie whose root node is `root`. `None` if the
    /// trie becomes empty.
    fn update<'c>(
        &mut self,
        root: Box<NodeBuf<'c>>,
        changes: &[Item<'c>],
    ) -> Result<Option<Box<NodeBuf<'c>>>> {
        let mut stack = Vec::new();
        stack.push(enter(root, 0, changes, 0, changes.len()));
        while let Some(frame) = stack.last_mut() {
            if let Some(child) = self.advance(frame, changes)? {
                stack.push(child);
                continue;
            }
            let Some(done) = stack.pop() else { break };
            let result = self.finish(done.node)?;
            let Some(parent) = stack.last_mut() else {
                return Ok(result);
            };
            let Some((index, stored)) = parent.pending.take() else {
                return Err(Error::InvalidNode("internal: update result without parent slot"));
            };
            let kept = matches!((&result, &stored), (Some(child), Some(_)) if !child.dirty);
            if let (false, Some(ChildRef::Hash(hash))) = (kept, &stored) {
                self.removed.push(*hash);
            }
            parent.node.children[index] = match (result, stored) {
                (None, _) => {
                    parent.node.dirty = true;
                    Slot::Empty
                }
                (Some(child), Some(reference)) if !child.dirty => Slot::Ref(reference),
                (Some(child), _) => {
                    parent.node.dirty = true;
                    Slot::Node(child)
                }
            };
        }
        Ok(None)
    }

    /// Apply the frame's next changes until one needs a stored child updated: return that
    /// child's frame, or `None` once all of the frame's changes are applied.
    fn advance<'c>(
        &mut self,
        frame: &mut Frame<'c>,
        changes: &[Item<'c>],
    ) -> Result<Option<Frame<'c>>> {
        let split_at = frame.split_at();
        while frame.cursor < frame.end {
            let start = frame.cursor;
            let (key, value) = changes[start];
            if !frame.covers(key) {
                // Deleting a key that is not there.
                frame.cursor += 1;
                continue;
            }
            if key.len() * 2 == split_at {
                self.set_value(&mut frame.node, value);
                frame.cursor += 1;
                continue;
            }
            let nibble = nibble_at(key, split_at);
            let mut end = start + 1;
            while end < frame.end
                && changes[end].0.len() * 2 > split_at
                && nibble_at(changes[end].0, split_at) == nibble
                && frame.covers(changes[end].0)
            {
                end += 1;
            }
            frame.cursor = end;
            let index = usize::from(nibble);
            let child_depth = split_at + 1;
            let (child, stored) = match mem::replace(&mut frame.node.children[index], Slot::Empty) {
                Slot::Empty => {
                    let mut encoding = Vec::new();
                    if self.encoder.build(&changes[start..end], child_depth, &mut encoding) {
                        frame.node.children[index] = Slot::Encoded(encoding);
                        frame.node.dirty = true;
                    }
                    continue;
                }
                Slot::Ref(reference) => (self.load(&reference)?, Some(reference)),
                slot => match self.slot_node(slot)? {
                    Some(child) => (child, None),
                    None => continue,
                },
            };
            frame.pending = Some((index, stored));
            return Ok(Some(enter(child, child_depth, changes, start, end)));
        }
        Ok(None)
    }

    fn set_value<'c>(&mut self, node: &mut NodeBuf<'c>, value: Option<&'c [u8]>) {
        let Some(value) = value else {
            let old = node.value.take();
            if let Some(Value::Hashed(hash)) = &old {
                self.removed.push(*hash);
            }
            node.dirty |= old.is_some();
            return;
        };
        let new = self.encoder.value_repr(value);
        let unchanged = match (&node.value, &new) {
            (Some(Value::Inline(old)), Value::Inline(new)) => old.as_slice() == *new,
            (Some(Value::Hashed(old)), Value::Hashed(new)) => old == new,
            _ => false,
        };
        if unchanged {
            return;
        }
        if let Some(Value::Hashed(old)) = &node.value {
            self.removed.push(*old);
        }
        node.value = Some(match new {
            Value::Inline(bytes) => Value::Inline(Bytes::Borrowed(bytes)),
            Value::Hashed(hash) => {
                self.encoder.sink.emit(hash, value);
                Value::Hashed(hash)
            }
        });
        node.dirty = true;
    }

    /// Restore the trie's shape around a changed node: drop it if it is empty, merge it with
    /// its only child if it has no value, and encode its new children.
    fn finish<'c>(&mut self, mut node: Box<NodeBuf<'c>>) -> Result<Option<Box<NodeBuf<'c>>>> {
        if !node.dirty {
            return Ok(Some(node));
        }
        if node.value.is_none() {
            let mut occupied = node
                .children
                .iter()
                .enumerate()
                .filter(|(_, slot)| !matches!(slot, Slot::Empty))
                .map(|(i, _)| i);
            match (occupied.next(), occupied.next()) {
                (None, _) => return Ok(None),
                (Some(index), None) => {
                    let slot = mem::replace(&mut node.children[index], Slot::Empty);
                    let Some(mut child) = self.slot_node(slot)? else {
                        return Ok(None);
                    };
                    // `index < 16`.
                    child.partial = Nibbles::concat(
                        node.partial.as_slice(),
                        index as u8,
                        child.partial.as_slice(),
                    );
                    child.dirty = true;
                    return Ok(Some(child));
                }
                _ => {}
            }
        }
        self.seal(&mut node.children)?;
        Ok(Some(node))
    }

    /// Encode every new child and return the references of all of them.
    ///
    /// A new child's own children are references already (nodes are sealed as they are
    /// finished), except below a node split by `enter`, whose children were loaded: so this
    /// goes at most two levels down.
    fn seal(&mut self, children: &mut [Slot<'_>; 16]) -> Result<[Option<ChildRef>; 16]> {
        let mut references = [None; 16];
        for (slot, reference) in children.iter_mut().zip(references.iter_mut()) {
            *reference = match mem::replace(slot, Slot::Empty) {
                Slot::Empty => None,
                Slot::Ref(child) => Some(child),
                Slot::Node(node) => {
                    let encoding = self.encode(node)?;
                    Some(self.encoder.child_ref(encoding))
                }
                Slot::Encoded(encoding) => Some(self.encoder.child_ref(encoding)),
            };
            if let Some(child) = reference {
                *slot = Slot::Ref(*child);
            }
        }
        Ok(references)
    }

    fn encode(&mut self, mut node: Box<NodeBuf<'_>>) -> Result<Vec<u8>> {
        let children = self.seal(&mut node.children)?;
        let mut encoding = Vec::new();
        write_node(&mut encoding, node.partial.as_slice(), node.value.as_ref(), &children);
        Ok(encoding)
    }
}

/// Start applying `changes[start..end]` (sorted, unique, sharing their first `depth` nibbles)
/// to `node`, whose partial key starts at nibble `depth`. An insertion whose key leaves the
/// partial key splits the node there first.
fn enter<'c>(
    mut node: Box<NodeBuf<'c>>,
    depth: usize,
    changes: &[Item<'c>],
    start: usize,
    end: usize,
) -> Frame<'c> {
    let partial_len = node.partial.len();
    let common = changes[start..end]
        .iter()
        .filter(|(_, value)| value.is_some())
        .map(|(key, _)| node.partial.as_slice().common_with_key(key, depth))
        .min()
        .unwrap_or(partial_len);
    if common < partial_len {
        node = split(node, common);
    }
    let partial = node.partial.clone();
    Frame { node, depth, partial, cursor: start, end, pending: None }
}

/// Put `node` under a new branch holding the first `at` nibbles of its partial key.
fn split(mut node: Box<NodeBuf<'_>>, at: usize) -> Box<NodeBuf<'_>> {
    let partial = node.partial.clone();
    let index = usize::from(partial.as_slice().at(at));
    node.partial = partial.slice(at + 1, partial.len());
    node.dirty = true;
    let mut children = empty_children();
    children[index] = Slot::Node(node);
    Box::new(NodeBuf { partial: partial.slice(0, at), value: None, children, dirty: true })
}

/// What an update did to a stored trie, for a store that counts references: the new root,
/// every node and hashed value it encoded (once per place it now holds in the trie, so the
/// same value under two keys is listed twice), and every stored node and hashed value it
/// stopped using (once per place it held). Applying `inserted` as +1 and `removed` as -1 to
/// per-hash reference counts keeps each count equal to the number of places that use the
/// hash across the tries kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrieUpdate {
    /// The new root.
    pub root: Hash,
    /// Nodes and hashed values encoded, with repetitions.
    pub inserted: NewNodes,
    /// Hashes of stored nodes and values no longer used at their place, with repetitions.
    pub removed: Vec<Hash>,
}

/// Apply `changes` to the trie with root `root` and return the new root with the nodes and
/// hashed values to persist.
///
/// `changes` maps keys to their new value, `None` deleting the key; it should be sorted by
/// key and unique (otherwise it is sorted, and the last change given for a key wins). New
/// values are laid out per `version`; values not rewritten keep their layout.
///
/// Only the nodes on the changed keys' paths are loaded (plus, where a deletion merges a
/// branch into its only child, that child). The returned list holds, once each and ordered
/// by hash, every node and hashed value (hash, bytes) that this update encoded: all of those
/// the new root needs and the store may lack, and possibly some the store already holds
/// (for instance when a key is set back to an earlier value). Nodes of untouched subtrees
/// are not listed, nor nodes that the new root no longer uses, and nothing is listed for the
/// empty trie. With no effective change the root is returned unchanged and the list is empty.
pub fn apply_changes<I, K, V>(
    store: &impl NodeStore,
    root: &Hash,
    version: StateVersion,
    changes: I,
) -> Result<(Hash, NewNodes)>
where
    I: IntoIterator<Item = (K, Option<V>)>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let update = apply_changes_counted(store, root, version, changes)?;
    let mut nodes = update.inserted;
    nodes.sort_unstable_by_key(|(hash, _)| *hash);
    nodes.dedup_by(|a, b| a.0 == b.0);
    Ok((update.root, nodes))
}

/// Like [`apply_changes`], with what a reference-counting store needs (see [`TrieUpdate`]).
pub fn apply_changes_counted<I, K, V>(
    store: &impl NodeStore,
    root: &Hash,
    version: StateVersion,
    changes: I,
) -> Result<TrieUpdate>
where
    I: IntoIterator<Item = (K, Option<V>)>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut changes: Vec<(K, Option<V>)> = changes.into_iter().collect();
    sort_pairs(&mut changes);
    let items: Vec<Item<'_>> =
        changes.iter().map(|(key, value)| (key.as_ref(), value.as_ref().map(V::as_ref))).collect();
    let mut updater =
        Updater { store, encoder: Encoder { version, sink: Vec::new() }, removed: Vec::new() };
    let new_root = if items.is_empty() {
        *root
    } else if *root == EMPTY_ROOT {
        let mut encoding = Vec::new();
        if updater.encoder.build(&items, 0, &mut encoding) {
            updater.encoder.root(encoding)
        } else {
            EMPTY_ROOT
        }
    } else {
        let node = decode_node(fetch(store, root)?)?;
        match updater.update(node, &items)? {
            None => {
                updater.removed.push(*root);
                EMPTY_ROOT
            }
            Some(node) if !node.dirty => *root,
            Some(node) => {
                updater.removed.push(*root);
                let encoding = updater.encode(node)?;
                updater.encoder.root(encoding)
            }
        }
    };
    Ok(TrieUpdate { root: new_root, inserted: updater.encoder.sink, removed: updater.removed })
}

#[cfg(test)]
mod counted {
    //! Reference counts kept from [`TrieUpdate`]s match the tries they describe.

    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::node::{decode_plan, ValuePlan};
    use crate::{trie_root_with_nodes, MemoryStore};

    /// How many places of the trie at `root` use each stored node and hashed value.
    fn places(store: &MemoryStore, root: &Hash) -> HashMap<Hash, i64> {
        let mut counts = HashMap::new();
        if *root == EMPTY_ROOT {
            return counts;
        }
        let mut stack: Vec<(Option<Hash>, Arc<[u8]>)> =
            vec![(Some(*root), store.get(root).expect("store").expect("root stored"))];
        while let Some((hash, data)) = stack.pop() {
            if let Some(hash) = hash {
                *counts.entry(hash).or_default() += 1;
            }
            let Some(plan) = decode_plan(&data).expect("decodes") else { continue };
            if let Some(ValuePlan::Hashed(range)) = &plan.value {
                *counts.entry(read_hash(&data, range.start)).or_default() += 1;
            }
            for i in 0..16 {
                match plan.child(&data, i) {
                    Some(ChildRef::Hash(h)) => {
                        stack.push((Some(h), store.get(&h).expect("store").expect("child stored")))
                    }
                    Some(inline @ ChildRef::Inline { .. }) => {
                        stack.push((None, Arc::from(inline.as_bytes())))
                    }
                    None => {}
                }
            }
        }
        counts
    }

    /// Changes of one batch: a key set to a value or (`None`) deleted.
    type Batch = Vec<(Vec<u8>, Option<Vec<u8>>)>;

    /// Applies batches to a trie kept in a reference-counting store: the state before each
    /// batch is pruned right after it, so the counts must equal the current trie's places
    /// and nothing else may be stored.
    fn check(initial: Vec<(Vec<u8>, Vec<u8>)>, batches: Vec<Batch>) {
        let mut store = MemoryStore::new();
        let mut counts: HashMap<Hash, i64> = HashMap::new();
        let mut root = trie_root_with_nodes(StateVersion::V1, initial, |hash, node| {
            *counts.entry(hash).or_default() += 1;
            store.insert(hash, node);
        });
        assert_eq!(counts, places(&store, &root), "genesis");
        for batch in batches {
            let update = apply_changes_counted(&store, &root, StateVersion::V1, batch.clone())
                .expect("applies");
            let (plain_root, _) =
                apply_changes(&store, &root, StateVersion::V1, batch).expect("applies");
            assert_eq!(update.root, plain_root);
            for (hash, node) in update.inserted {
                *counts.entry(hash).or_default() += 1;
                store.insert(hash, node);
            }
            for hash in update.removed {
                let count = counts.entry(hash).or_default();
                *count -= 1;
                assert!(*count >= 0, "removed more often than inserted");
                if *count == 0 {
                    counts.remove(&hash);
                    store.remove(&hash);
                }
            }
            root = update.root;
            assert_eq!(counts, places(&store, &root));
            assert_eq!(store.len(), counts.len(), "only live nodes stay");
        }
    }

    fn key() -> impl Strategy<Value = Vec<u8>> {
        // Short keys over a small alphabet: shared prefixes, splits and merges.
        proptest::collection::vec(0u8..4, 1..5)
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        // Long values repeat (one hashed value node used by several keys); short ones inline.
        prop_oneof![
            (0u8..3).prop_map(|b| vec![b; 40]),
            proptest::collection::vec(any::<u8>(), 0..8),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn counts_follow_the_trie(
            initial in proptest::collection::btree_map(key(), value(), 0..24),
            batches in proptest::collection::vec(
                proptest::collection::btree_map(key(), proptest::option::of(value()), 1..8),
                1..8,
            ),
        ) {
            check(
                initial.into_iter().collect(),
                batches.into_iter().map(|b| b.into_iter().collect()).collect(),
            );
        }
    }

    #[test]
    fn deleting_everything_removes_everything() {
        check(
            vec![(vec![1], vec![7; 40]), (vec![1, 2], vec![7; 40]), (vec![2], vec![1])],
            vec![vec![(vec![1], None), (vec![1, 2], None), (vec![2], None)]],
        );
    }
}
