//! A storage map: `prefix ++ hasher(encode(key)) => value`.

use alloc::vec::Vec;
use codec::{Decode, EncodeLike, FullCodec};
use core::marker::PhantomData;
use scale_info::{meta_type, TypeInfo};

use super::{
    unhashed, OptionQuery, QueryKind, StorageEntryMeta, StorageEntryMetadata, StorageEntryType,
    StorageInstance,
};
use crate::hash::{ReversibleStorageHasher, StorageHasher};

/// A map from `K` to `V` under the item's prefix, keys hashed with `H`.
pub struct StorageMap<P, H, K, V, Q = OptionQuery>(PhantomData<(P, H, K, V, Q)>);

impl<P, H, K, V, Q> StorageMap<P, H, K, V, Q>
where
    P: StorageInstance,
    H: StorageHasher,
    K: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The storage key of `key`.
    pub fn hashed_key_for<A: EncodeLike<K>>(key: A) -> Vec<u8> {
        let hashed = key.using_encoded(H::hash);
        let mut out = Vec::with_capacity(32 + hashed.len());
        out.extend_from_slice(&P::PREFIX);
        out.extend_from_slice(&hashed);
        out
    }

    /// The value at `key`.
    pub fn get<A: EncodeLike<K>>(key: A) -> Q::Query {
        Q::from_optional(unhashed::get(&Self::hashed_key_for(key)))
    }

    /// The value at `key`, if stored.
    pub fn try_get<A: EncodeLike<K>>(key: A) -> Option<V> {
        unhashed::get(&Self::hashed_key_for(key))
    }

    /// Stores `value` at `key`.
    pub fn insert<A: EncodeLike<K>, B: EncodeLike<V>>(key: A, value: B) {
        unhashed::put(&Self::hashed_key_for(key), &value);
    }

    /// Stores the value a query represents (`None`: removes).
    pub fn set<A: EncodeLike<K>>(key: A, query: Q::Query) {
        let k = Self::hashed_key_for(key);
        match Q::to_optional(query) {
            Some(v) => unhashed::put(&k, &v),
            None => unhashed::kill(&k),
        }
    }

    /// Removes the value at `key`.
    pub fn remove<A: EncodeLike<K>>(key: A) {
        unhashed::kill(&Self::hashed_key_for(key));
    }

    /// Removes and returns the value at `key`.
    pub fn take<A: EncodeLike<K>>(key: A) -> Q::Query {
        let k = Self::hashed_key_for(key);
        let v = unhashed::get(&k);
        unhashed::kill(&k);
        Q::from_optional(v)
    }

    /// Whether `key` has a value.
    pub fn contains_key<A: EncodeLike<K>>(key: A) -> bool {
        unhashed::exists(&Self::hashed_key_for(key))
    }

    /// Changes the value at `key` with `f`.
    pub fn mutate<A: EncodeLike<K>, R>(key: A, f: impl FnOnce(&mut Q::Query) -> R) -> R {
        let k = Self::hashed_key_for(key);
        let mut q = Q::from_optional(unhashed::get(&k));
        let r = f(&mut q);
        match Q::to_optional(q) {
            Some(v) => unhashed::put(&k, &v),
            None => unhashed::kill(&k),
        }
        r
    }

    /// Changes the value at `key` with `f`, leaving it unchanged if `f` fails.
    pub fn try_mutate<A: EncodeLike<K>, R, E>(
        key: A,
        f: impl FnOnce(&mut Q::Query) -> Result<R, E>,
    ) -> Result<R, E> {
        let k = Self::hashed_key_for(key);
        let mut q = Q::from_optional(unhashed::get(&k));
        let r = f(&mut q)?;
        match Q::to_optional(q) {
            Some(v) => unhashed::put(&k, &v),
            None => unhashed::kill(&k),
        }
        Ok(r)
    }

    /// Changes the value at `key` with `f`, which sees and sets whether the entry exists.
    pub fn mutate_exists<A: EncodeLike<K>, R>(key: A, f: impl FnOnce(&mut Option<V>) -> R) -> R {
        let k = Self::hashed_key_for(key);
        let mut v = unhashed::get(&k);
        let r = f(&mut v);
        match v {
            Some(v) => unhashed::put(&k, &v),
            None => unhashed::kill(&k),
        }
        r
    }

    /// Removes up to `limit` entries (all if `None`); returns whether all are gone.
    pub fn clear(limit: Option<u32>) -> bool {
        matches!(
            lux_io::storage::clear_prefix(&P::PREFIX, limit),
            lux_io::KillStorageResult::AllRemoved(_)
        )
    }
}

impl<P, H, K, V, Q> StorageMap<P, H, K, V, Q>
where
    P: StorageInstance,
    H: ReversibleStorageHasher,
    K: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// Iterates over all entries in storage-key order.
    pub fn iter() -> MapIterator<(K, V)> {
        MapIterator::new(P::PREFIX.to_vec(), |suffix, value| {
            let key = H::reverse(suffix).and_then(|k| K::decode(&mut &k[..]).ok())?;
            let value = V::decode(&mut &value[..]).ok()?;
            Some((key, value))
        })
    }

    /// Iterates over all keys in storage-key order.
    pub fn iter_keys() -> impl Iterator<Item = K> {
        Self::iter().map(|(k, _)| k)
    }
}

impl<P, H, K, V, Q> StorageEntryMetadata for StorageMap<P, H, K, V, Q>
where
    P: StorageInstance,
    H: StorageHasher,
    K: FullCodec + TypeInfo + 'static,
    V: FullCodec + TypeInfo + 'static,
    Q: QueryKind<V>,
{
    fn metadata(name: &'static str, docs: &[&'static str]) -> StorageEntryMeta {
        StorageEntryMeta {
            name,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![H::KIND],
                key: meta_type::<K>(),
                value: meta_type::<V>(),
            },
            default: Q::default_encoded(),
            docs: docs.to_vec(),
        }
    }
}

/// Iterates over the entries under a prefix, decoding each with a closure; undecodable entries
/// are skipped.
pub struct MapIterator<T> {
    prefix: Vec<u8>,
    last: Vec<u8>,
    decode: fn(&[u8], Vec<u8>) -> Option<T>,
    done: bool,
}

impl<T> MapIterator<T> {
    /// Iterates over keys starting with `prefix`; `decode` gets the key suffix after the
    /// prefix and the raw value.
    pub fn new(prefix: Vec<u8>, decode: fn(&[u8], Vec<u8>) -> Option<T>) -> Self {
        Self { last: prefix.clone(), prefix, decode, done: false }
    }
}

impl<T> Iterator for MapIterator<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        while !self.done {
            let Some(key) = lux_io::storage::next_key(&self.last) else {
                self.done = true;
                break;
            };
            if !key.starts_with(&self.prefix) {
                self.done = true;
                break;
            }
            self.last = key;
            let Some(value) = lux_io::storage::get(&self.last) else { continue };
            if let Some(item) = (self.decode)(&self.last[self.prefix.len()..], value) {
                return Some(item);
            }
        }
        None
    }
}

/// Used by the double map to decode its second key.
pub(super) fn decode_key<K: Decode>(bytes: Option<&[u8]>) -> Option<K> {
    bytes.and_then(|mut b| K::decode(&mut b).ok())
}
