//! A storage map with a two-part key: `prefix ++ h1(k1) ++ h2(k2) => value`.

use alloc::vec::Vec;
use codec::{EncodeLike, FullCodec};
use core::marker::PhantomData;
use scale_info::{meta_type, TypeInfo};

use super::map::{decode_key, MapIterator};
use super::{
    unhashed, OptionQuery, QueryKind, StorageEntryMeta, StorageEntryMetadata, StorageEntryType,
    StorageInstance,
};
use crate::hash::{ReversibleStorageHasher, StorageHasher};

/// A map from `(K1, K2)` to `V`; all entries sharing `K1` sit under one prefix.
pub struct StorageDoubleMap<P, H1, K1, H2, K2, V, Q = OptionQuery>(
    PhantomData<(P, H1, K1, H2, K2, V, Q)>,
);

impl<P, H1, K1, H2, K2, V, Q> StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StorageInstance,
    H1: StorageHasher,
    K1: FullCodec,
    H2: StorageHasher,
    K2: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The prefix of all entries with first key `k1`.
    pub fn prefix_for<A: EncodeLike<K1>>(k1: A) -> Vec<u8> {
        let mut out = P::PREFIX.to_vec();
        out.extend_from_slice(&k1.using_encoded(H1::hash));
        out
    }

    /// The storage key of `(k1, k2)`.
    pub fn hashed_key_for<A: EncodeLike<K1>, B: EncodeLike<K2>>(k1: A, k2: B) -> Vec<u8> {
        let mut out = Self::prefix_for(k1);
        out.extend_from_slice(&k2.using_encoded(H2::hash));
        out
    }

    /// The value at `(k1, k2)`.
    pub fn get<A: EncodeLike<K1>, B: EncodeLike<K2>>(k1: A, k2: B) -> Q::Query {
        Q::from_optional(unhashed::get(&Self::hashed_key_for(k1, k2)))
    }

    /// Stores `value` at `(k1, k2)`.
    pub fn insert<A: EncodeLike<K1>, B: EncodeLike<K2>, C: EncodeLike<V>>(k1: A, k2: B, value: C) {
        unhashed::put(&Self::hashed_key_for(k1, k2), &value);
    }

    /// Removes the value at `(k1, k2)`.
    pub fn remove<A: EncodeLike<K1>, B: EncodeLike<K2>>(k1: A, k2: B) {
        unhashed::kill(&Self::hashed_key_for(k1, k2));
    }

    /// Whether `(k1, k2)` has a value.
    pub fn contains_key<A: EncodeLike<K1>, B: EncodeLike<K2>>(k1: A, k2: B) -> bool {
        unhashed::exists(&Self::hashed_key_for(k1, k2))
    }

    /// Changes the value at `(k1, k2)` with `f`.
    pub fn mutate<A: EncodeLike<K1>, B: EncodeLike<K2>, R>(
        k1: A,
        k2: B,
        f: impl FnOnce(&mut Q::Query) -> R,
    ) -> R {
        let k = Self::hashed_key_for(k1, k2);
        let mut q = Q::from_optional(unhashed::get(&k));
        let r = f(&mut q);
        match Q::to_optional(q) {
            Some(v) => unhashed::put(&k, &v),
            None => unhashed::kill(&k),
        }
        r
    }

    /// Removes up to `limit` entries with first key `k1`; returns whether all are gone.
    pub fn clear_prefix<A: EncodeLike<K1>>(k1: A, limit: Option<u32>) -> bool {
        matches!(
            lux_io::storage::clear_prefix(&Self::prefix_for(k1), limit),
            lux_io::KillStorageResult::AllRemoved(_)
        )
    }
}

impl<P, H1, K1, H2, K2, V, Q> StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StorageInstance,
    H1: StorageHasher,
    K1: FullCodec,
    H2: ReversibleStorageHasher,
    K2: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// Iterates over the entries with first key `k1`, yielding `(k2, value)`.
    pub fn iter_prefix<A: EncodeLike<K1>>(k1: A) -> MapIterator<(K2, V)> {
        MapIterator::new(Self::prefix_for(k1), |suffix, value| {
            let k2 = decode_key::<K2>(H2::reverse(suffix))?;
            let value = V::decode(&mut &value[..]).ok()?;
            Some((k2, value))
        })
    }
}

impl<P, H1, K1, H2, K2, V, Q> StorageEntryMetadata for StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StorageInstance,
    H1: StorageHasher,
    K1: FullCodec + TypeInfo + 'static,
    H2: StorageHasher,
    K2: FullCodec + TypeInfo + 'static,
    V: FullCodec + TypeInfo + 'static,
    Q: QueryKind<V>,
{
    fn metadata(name: &'static str, docs: &[&'static str]) -> StorageEntryMeta {
        StorageEntryMeta {
            name,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![H1::KIND, H2::KIND],
                key: meta_type::<(K1, K2)>(),
                value: meta_type::<V>(),
            },
            default: Q::default_encoded(),
            docs: docs.to_vec(),
        }
    }
}
