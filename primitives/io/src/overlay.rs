//! Changes made by executing runtime code, on top of a state backend, with nested transactions.
//!
//! Every mutation inside an open transaction pushes an undo record; rolling back replays the
//! records of the innermost transaction in reverse, committing hands them to the enclosing one.
//! Appends (`ext_storage_append`) update the stored `Vec` in place and record only the previous
//! length, so appending thousands of events inside per-extrinsic transactions stays linear.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use codec::{Compact, CompactLen, Decode, Encode};
use core::ops::Bound;

/// Rolling back or committing with no transaction open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no storage transaction is open")]
pub struct NoOpenTransaction;

enum Undo {
    /// Put back the key's previous overlay entry (`None`: the key was not in the overlay).
    Restore { key: Vec<u8>, previous: Option<Option<Vec<u8>>> },
    /// Undo an in-place append: the value had `len` bytes and `count` items before.
    Append { key: Vec<u8>, len: usize, count: u32 },
}

/// The overlay of changes.
#[derive(Default)]
pub struct OverlayedChanges {
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    undo: Vec<Undo>,
    /// Length of `undo` when each open transaction started.
    layers: Vec<usize>,
    /// Bumped on every mutation, so a computed root can be reused while nothing changed.
    generation: u64,
}

impl core::fmt::Debug for OverlayedChanges {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OverlayedChanges")
            .field("changes", &self.changes.len())
            .field("depth", &self.layers.len())
            .finish()
    }
}

/// Reads the `Compact<u32>` item count at the start of an encoded `Vec`.
fn vec_count(value: &[u8]) -> Option<(u32, usize)> {
    let count = Compact::<u32>::decode(&mut &value[..]).ok()?.0;
    Some((count, Compact::<u32>::compact_len(&count)))
}

/// Rewrites the item-count prefix of an encoded `Vec`, moving the items if the prefix changes
/// size (which happens only when crossing 2^6, 2^14 and 2^30 items).
fn set_vec_count(value: &mut Vec<u8>, old_prefix_len: usize, count: u32) {
    let prefix = Compact(count).encode();
    if prefix.len() == old_prefix_len {
        value[..old_prefix_len].copy_from_slice(&prefix);
    } else {
        value.splice(..old_prefix_len, prefix);
    }
}

impl OverlayedChanges {
    /// An empty overlay.
    pub fn new() -> Self {
        Self::default()
    }

    /// The overlay's entry for `key`: `None` if untouched, `Some(None)` if deleted.
    pub fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.changes.get(key).map(|v| v.as_deref())
    }

    /// Whether `key` has an entry in the overlay.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.changes.contains_key(key)
    }

    /// Sets (`Some`) or deletes (`None`) `key`.
    pub fn set(&mut self, key: &[u8], value: Option<Vec<u8>>) {
        self.generation += 1;
        let previous = self.changes.insert(key.to_vec(), value);
        if !self.layers.is_empty() {
            self.undo.push(Undo::Restore { key: key.to_vec(), previous });
        }
    }

    /// Appends `item` to the SCALE `Vec` at `key`. `base` is the backend's value, used only if
    /// the overlay has no entry for the key. A value that is not a valid `Vec` is replaced by a
    /// one-item `Vec`, as the Host API specifies.
    pub fn append(&mut self, key: &[u8], item: &[u8], base: Option<Vec<u8>>) {
        self.generation += 1;
        let in_transaction = !self.layers.is_empty();
        match self.changes.get_mut(key) {
            Some(Some(value)) => {
                if let Some((count, prefix_len)) = vec_count(value) {
                    if let Some(new_count) = count.checked_add(1) {
                        if in_transaction {
                            self.undo.push(Undo::Append {
                                key: key.to_vec(),
                                len: value.len(),
                                count,
                            });
                        }
                        set_vec_count(value, prefix_len, new_count);
                        value.extend_from_slice(item);
                        return;
                    }
                }
                let previous = core::mem::replace(value, one_item_vec(item));
                if in_transaction {
                    self.undo
                        .push(Undo::Restore { key: key.to_vec(), previous: Some(Some(previous)) });
                }
            }
            Some(entry @ None) => {
                *entry = Some(one_item_vec(item));
                if in_transaction {
                    self.undo.push(Undo::Restore { key: key.to_vec(), previous: Some(None) });
                }
            }
            None => {
                let value = match base {
                    Some(mut value) => match vec_count(&value) {
                        Some((count, prefix_len)) if count < u32::MAX => {
                            set_vec_count(&mut value, prefix_len, count + 1);
                            value.extend_from_slice(item);
                            value
                        }
                        _ => one_item_vec(item),
                    },
                    None => one_item_vec(item),
                };
                self.changes.insert(key.to_vec(), Some(value));
                if in_transaction {
                    self.undo.push(Undo::Restore { key: key.to_vec(), previous: None });
                }
            }
        }
    }

    /// Deletes every overlay entry under `prefix` (backend keys are the caller's business).
    pub fn clear_prefix(&mut self, prefix: &[u8]) {
        let keys: Vec<Vec<u8>> = self
            .changes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            self.set(&key, None);
        }
    }

    /// The first overlay entry with a key strictly greater than `key`.
    pub fn next_after(&self, key: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
        self.changes
            .range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded))
            .next()
            .map(|(k, v)| (&k[..], v.as_deref()))
    }

    /// All changes, sorted by key.
    pub fn changes(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.changes.iter().map(|(k, v)| (&k[..], v.as_deref()))
    }

    /// Consumes the overlay into its changes, sorted by key.
    pub fn into_changes(self) -> crate::KeyChanges {
        self.changes.into_iter().collect()
    }

    /// Number of changed keys.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// A counter bumped by every mutation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of open transactions.
    pub fn transaction_depth(&self) -> usize {
        self.layers.len()
    }

    /// Opens a nested transaction.
    pub fn start_transaction(&mut self) {
        self.layers.push(self.undo.len());
    }

    /// Discards the changes of the innermost transaction.
    pub fn rollback_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        let start = self.layers.pop().ok_or(NoOpenTransaction)?;
        self.generation += 1;
        while self.undo.len() > start {
            match self.undo.pop() {
                Some(Undo::Restore { key, previous }) => match previous {
                    Some(value) => {
                        self.changes.insert(key, value);
                    }
                    None => {
                        self.changes.remove(&key);
                    }
                },
                Some(Undo::Append { key, len, count }) => {
                    if let Some(Some(value)) = self.changes.get_mut(&key) {
                        let current_prefix = vec_count(value).map(|(_, p)| p).unwrap_or(0);
                        let old_prefix = Compact::<u32>::compact_len(&count);
                        // Drop the appended items, then restore the old count.
                        value.truncate(len - old_prefix + current_prefix);
                        set_vec_count(value, current_prefix, count);
                    }
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Keeps the changes of the innermost transaction (they now belong to the enclosing one).
    pub fn commit_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.layers.pop().ok_or(NoOpenTransaction)?;
        if self.layers.is_empty() {
            self.undo.clear();
        }
        Ok(())
    }

    /// Rolls back open transactions until `depth` remain.
    pub fn rollback_to_depth(&mut self, depth: usize) {
        while self.layers.len() > depth {
            // Cannot fail: there is an open transaction.
            let _ = self.rollback_transaction();
        }
    }
}

fn one_item_vec(item: &[u8]) -> Vec<u8> {
    let mut value = Compact(1u32).encode();
    value.extend_from_slice(item);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(o: &OverlayedChanges, k: &[u8]) -> Option<Vec<u8>> {
        o.get(k).flatten().map(|v| v.to_vec())
    }

    #[test]
    fn nested_transactions() {
        let mut o = OverlayedChanges::new();
        o.set(b"a", Some(vec![1]));
        o.start_transaction();
        o.set(b"a", Some(vec![2]));
        o.set(b"b", Some(vec![3]));
        o.start_transaction();
        o.set(b"a", None);
        o.rollback_transaction().expect("open");
        assert_eq!(get(&o, b"a"), Some(vec![2]));
        o.commit_transaction().expect("open");
        assert_eq!(get(&o, b"b"), Some(vec![3]));
        o.start_transaction();
        o.set(b"c", Some(vec![4]));
        o.rollback_transaction().expect("open");
        assert!(!o.contains(b"c"));
        assert_eq!(o.rollback_transaction(), Err(NoOpenTransaction));
    }

    #[test]
    fn commit_into_outer_then_rollback_outer() {
        let mut o = OverlayedChanges::new();
        o.start_transaction();
        o.start_transaction();
        o.set(b"k", Some(vec![1]));
        o.commit_transaction().expect("open");
        o.rollback_transaction().expect("open");
        assert!(!o.contains(b"k"));
    }

    #[test]
    fn append_matches_decoding_and_rolls_back() {
        let mut o = OverlayedChanges::new();
        let base = vec![7u16, 8].encode();
        o.append(b"v", &9u16.encode(), Some(base));
        assert_eq!(
            Vec::<u16>::decode(&mut &get(&o, b"v").expect("set")[..]).expect("vec"),
            vec![7, 8, 9]
        );
        // Cross the one-byte/two-byte compact boundary inside a transaction, then roll back.
        o.start_transaction();
        for i in 0..100u16 {
            o.append(b"v", &i.encode(), None);
        }
        let long = Vec::<u16>::decode(&mut &get(&o, b"v").expect("set")[..]).expect("vec");
        assert_eq!(long.len(), 103);
        o.rollback_transaction().expect("open");
        assert_eq!(
            Vec::<u16>::decode(&mut &get(&o, b"v").expect("set")[..]).expect("vec"),
            vec![7, 8, 9]
        );
    }

    #[test]
    fn append_to_garbage_or_deleted_starts_fresh() {
        let mut o = OverlayedChanges::new();
        o.append(b"g", &1u8.encode(), Some(vec![0xff]));
        assert_eq!(get(&o, b"g"), Some(vec![4, 1]));
        o.set(b"d", None);
        o.append(b"d", &2u8.encode(), None);
        assert_eq!(get(&o, b"d"), Some(vec![4, 2]));
    }

    #[test]
    fn clear_prefix_and_iteration() {
        let mut o = OverlayedChanges::new();
        o.set(b"aa", Some(vec![1]));
        o.set(b"ab", Some(vec![2]));
        o.set(b"b", Some(vec![3]));
        o.clear_prefix(b"a");
        assert_eq!(o.get(b"aa"), Some(None));
        assert_eq!(o.next_after(b"aa").map(|(k, _)| k.to_vec()), Some(b"ab".to_vec()));
        assert_eq!(o.changes().filter(|(_, v)| v.is_some()).count(), 1);
    }
}
