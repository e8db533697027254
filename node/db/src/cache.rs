//! In-memory caches in front of RocksDB, bounded by bytes: trie nodes by hash (valid for every
//! state, as nodes are content-addressed), and storage values of the best block's state.
//!
//! The value cache follows the best block: when a block on top of the cached state becomes
//! the best, its storage changes are applied to the cache and the cache moves to the new
//! state; any other move (a reorg) empties it. Reads of other states go to the trie. So the
//! pool validating transactions, the author building on the best block and the importer of its
//! child all read hot accounts from memory, across blocks.

use std::sync::Arc;

use lux_io::KeyChanges;
use lux_trie::Hash;
use parking_lot::Mutex;
use schnellru::{Limiter, LruMap};

/// Values larger than this are not cached (the runtime code, for example).
const MAX_CACHED_VALUE: usize = 16 * 1024;

/// What the allocator keeps beside each heap allocation (glibc's chunk header, rounding).
const ALLOCATION_OVERHEAD: usize = 16;

/// The heap bytes a cached key or value holds outside the map's table (which holds the key
/// and value themselves: a hash inline, a `Vec` or `Arc` as its pointer and length).
pub(crate) trait Bytes {
    fn bytes(&self) -> usize;
}

impl Bytes for [u8; 32] {
    fn bytes(&self) -> usize {
        0
    }
}

impl Bytes for Vec<u8> {
    fn bytes(&self) -> usize {
        match self.capacity() {
            0 => 0,
            capacity => capacity + ALLOCATION_OVERHEAD,
        }
    }
}

impl Bytes for Arc<[u8]> {
    fn bytes(&self) -> usize {
        // The strong and weak counts precede the bytes in one allocation.
        self.len() + 2 * std::mem::size_of::<usize>() + ALLOCATION_OVERHEAD
    }
}

impl Bytes for Option<Arc<[u8]>> {
    fn bytes(&self) -> usize {
        self.as_ref().map_or(0, Bytes::bytes)
    }
}

/// Limits an LRU map by all the memory it holds: its table (entries, links, control bytes),
/// and the heap bytes its keys and values point to. The table grows by doubling, so without
/// counting it a full cache could hold up to twice its budget.
pub(crate) struct ByBytes {
    max: usize,
    /// Heap bytes of the entries' keys and values.
    used: usize,
    /// Bytes of the map's table, as of its last growth.
    table: usize,
}

impl ByBytes {
    pub(crate) fn new(max: usize) -> Self {
        Self { max, used: 0, table: 0 }
    }

    /// Bytes held: the table and what its entries point to.
    fn held(&self) -> usize {
        self.used + self.table
    }
}

fn cost<K: Bytes, V: Bytes>(key: &K, value: &V) -> usize {
    key.bytes() + value.bytes()
}

impl<K: Bytes, V: Bytes> Limiter<K, V> for ByBytes {
    type KeyToInsert<'a> = K;
    type LinkType = u32;

    fn is_over_the_limit(&self, _length: usize) -> bool {
        self.held() > self.max
    }

    fn on_insert(&mut self, _length: usize, key: K, value: V) -> Option<(K, V)> {
        let cost = cost(&key, &value);
        if cost + self.table > self.max {
            return None;
        }
        self.used += cost;
        Some((key, value))
    }

    fn on_replace(
        &mut self,
        _length: usize,
        old_key: &mut K,
        _new_key: K,
        old_value: &mut V,
        new_value: &mut V,
    ) -> bool {
        let new_cost = cost(old_key, new_value);
        if new_cost + self.table > self.max {
            return false;
        }
        self.used = self.used - cost(old_key, old_value) + new_cost;
        true
    }

    fn on_removed(&mut self, key: &mut K, value: &mut V) {
        self.used = self.used.saturating_sub(cost(key, value));
    }

    fn on_cleared(&mut self) {
        self.used = 0;
    }

    fn on_grow(&mut self, new_memory_usage: usize) -> bool {
        // Refused, the map makes room by dropping its oldest entries instead.
        if self.used + new_memory_usage > self.max {
            return false;
        }
        self.table = new_memory_usage;
        true
    }
}

struct Values {
    /// The state root the values belong to.
    root: Option<Hash>,
    map: LruMap<Vec<u8>, Option<Arc<[u8]>>, ByBytes>,
}

/// Storage values of one state (the best block's), see the module docs.
pub struct StateCache {
    values: Mutex<Values>,
}

impl StateCache {
    /// A cache of at most `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            values: Mutex::new(Values { root: None, map: LruMap::new(ByBytes::new(max_bytes)) }),
        }
    }

    /// The cached value of `key` in the state `root`: `None` if not cached, `Some(None)` if
    /// cached as absent.
    pub fn get(&self, root: &Hash, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let mut values = self.values.lock();
        if values.root.as_ref() != Some(root) {
            return None;
        }
        values.map.get(key).map(|v| v.as_deref().map(<[u8]>::to_vec))
    }

    /// Remembers a value read from the trie of state `root`, if that is still the cached state.
    pub fn insert(&self, root: &Hash, key: &[u8], value: Option<&[u8]>) {
        if value.is_some_and(|v| v.len() > MAX_CACHED_VALUE) {
            return;
        }
        let mut values = self.values.lock();
        if values.root.as_ref() == Some(root) {
            values.map.insert(key.to_vec(), value.map(Arc::from));
        }
    }

    /// The best block moved from state `from` to state `to` with `changes`: the cache follows
    /// if it held `from`, and starts empty at `to` otherwise.
    pub fn advance(&self, from: &Hash, to: &Hash, changes: &KeyChanges) {
        let mut values = self.values.lock();
        if values.root.as_ref() != Some(from) {
            values.map.clear();
        } else {
            for (key, value) in changes {
                match value {
                    Some(v) if v.len() > MAX_CACHED_VALUE => {
                        values.map.remove(key.as_slice());
                    }
                    _ => {
                        values.map.insert(key.clone(), value.as_deref().map(Arc::from));
                    }
                }
            }
        }
        values.root = Some(*to);
    }

    /// Forgets everything (the best block moved to another fork).
    pub fn reset(&self, to: &Hash) {
        let mut values = self.values.lock();
        values.map.clear();
        values.root = Some(*to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_best_state() {
        let cache = StateCache::new(1 << 20);
        let (a, b, c) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        cache.reset(&a);
        cache.insert(&a, b"x", Some(b"1"));
        cache.insert(&a, b"missing", None);
        assert_eq!(cache.get(&a, b"x"), Some(Some(b"1".to_vec())));
        assert_eq!(cache.get(&a, b"missing"), Some(None));
        assert_eq!(cache.get(&b, b"x"), None, "another state");
        cache.advance(&a, &b, &vec![(b"x".to_vec(), Some(b"2".to_vec())), (b"y".to_vec(), None)]);
        assert_eq!(cache.get(&b, b"x"), Some(Some(b"2".to_vec())));
        assert_eq!(cache.get(&b, b"y"), Some(None));
        assert_eq!(cache.get(&a, b"x"), None, "the old state is no longer cached");
        // A late read of the old state is not cached.
        cache.insert(&a, b"z", Some(b"old"));
        assert_eq!(cache.get(&b, b"z"), None);
        // A block on another parent empties the cache.
        cache.advance(&a, &c, &vec![]);
        assert_eq!(cache.get(&c, b"x"), None);
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let cache = StateCache::new(64 * 1024);
        let root = [9u8; 32];
        cache.reset(&root);
        for i in 0..10_000u32 {
            cache.insert(&root, &i.to_le_bytes(), Some(&[0u8; 100]));
        }
        let values = cache.values.lock();
        // What the limiter counts is what the map holds.
        assert_eq!(values.map.limiter().table, values.map.memory_usage());
        assert!(cache_memory(&values.map) <= 64 * 1024, "{}", cache_memory(&values.map));
        // Full: the budget is used, not left mostly empty.
        assert!(cache_memory(&values.map) > 32 * 1024);
        drop(values);
        assert_eq!(cache.get(&root, &9_999u32.to_le_bytes()), Some(Some(vec![0u8; 100])));
    }

    /// The memory a cache holds, counted independently of its limiter: the table, and each
    /// key's and value's allocation.
    fn cache_memory<K: Bytes + std::hash::Hash + PartialEq, V: Bytes>(
        map: &LruMap<K, V, ByBytes>,
    ) -> usize {
        map.memory_usage() + map.iter().map(|(k, v)| k.bytes() + v.bytes()).sum::<usize>()
    }

    #[test]
    fn a_cache_of_small_entries_counts_its_table() {
        // Trie nodes: a 32-byte hash and a short node. The table is a large share of the
        // memory here, and a limit on entry bytes alone would let it double the budget.
        let budget = 1 << 20;
        let mut nodes = LruMap::<[u8; 32], Arc<[u8]>, ByBytes>::new(ByBytes::new(budget));
        for i in 0..100_000u32 {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_le_bytes());
            nodes.insert(hash, Arc::from(&[7u8; 40][..]));
            assert!(cache_memory(&nodes) <= budget, "{} after {i}", cache_memory(&nodes));
        }
        assert!(cache_memory(&nodes) > budget / 2, "{}", cache_memory(&nodes));
        // Once the table may not double, the map drops its oldest entries to make room, and
        // rehashes in place when half its slots are free: never fewer than half in use.
        assert!(nodes.len() >= 8192 * 7 / 8 / 2, "{}", nodes.len());
    }
}
