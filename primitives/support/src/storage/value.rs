//! A single storage value.

use codec::{Decode, Encode, EncodeLike, FullCodec};
use core::marker::PhantomData;
use scale_info::{meta_type, TypeInfo};

use super::{
    unhashed, OptionQuery, QueryKind, StorageAppend, StorageEntryMeta, StorageEntryMetadata,
    StorageEntryType, StorageInstance,
};

/// A value stored at `twox128(pallet) ++ twox128(item)`.
pub struct StorageValue<P, V, Q = OptionQuery>(PhantomData<(P, V, Q)>);

impl<P: StorageInstance, V: FullCodec, Q: QueryKind<V>> StorageValue<P, V, Q> {
    /// The storage key.
    pub fn hashed_key() -> [u8; 32] {
        P::PREFIX
    }

    /// The value.
    pub fn get() -> Q::Query {
        Q::from_optional(unhashed::get(&P::PREFIX))
    }

    /// The value, if stored.
    pub fn try_get() -> Option<V> {
        unhashed::get(&P::PREFIX)
    }

    /// Stores `value`.
    pub fn put<A: EncodeLike<V>>(value: A) {
        unhashed::put(&P::PREFIX, &value);
    }

    /// Stores the value a query represents (`None`: removes).
    pub fn set(query: Q::Query) {
        match Q::to_optional(query) {
            Some(v) => Self::put(v),
            None => Self::kill(),
        }
    }

    /// Removes the value.
    pub fn kill() {
        unhashed::kill(&P::PREFIX);
    }

    /// Removes and returns the value.
    pub fn take() -> Q::Query {
        let v = Self::get();
        Self::kill();
        v
    }

    /// Whether a value is stored.
    pub fn exists() -> bool {
        unhashed::exists(&P::PREFIX)
    }

    /// Changes the value with `f`.
    pub fn mutate<R>(f: impl FnOnce(&mut Q::Query) -> R) -> R {
        let mut q = Self::get();
        let r = f(&mut q);
        Self::set(q);
        r
    }

    /// Changes the value with `f`, keeping it unchanged if `f` fails.
    pub fn try_mutate<R, E>(f: impl FnOnce(&mut Q::Query) -> Result<R, E>) -> Result<R, E> {
        let mut q = Self::get();
        let r = f(&mut q)?;
        Self::set(q);
        Ok(r)
    }

    /// Appends `item` to the stored `Vec` without decoding it.
    pub fn append<I: Encode>(item: &I)
    where
        V: StorageAppend<I>,
    {
        item.using_encoded(|bytes| lux_io::storage::append(&P::PREFIX, bytes));
    }

    /// Number of items of the stored `Vec`, without decoding them.
    pub fn decode_len() -> Option<u32>
    where
        V: Decode,
    {
        unhashed::decode_len(&P::PREFIX)
    }
}

impl<P, V, Q> StorageEntryMetadata for StorageValue<P, V, Q>
where
    P: StorageInstance,
    V: FullCodec + TypeInfo + 'static,
    Q: QueryKind<V>,
{
    fn metadata(name: &'static str, docs: &[&'static str]) -> StorageEntryMeta {
        StorageEntryMeta {
            name,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Plain(meta_type::<V>()),
            default: Q::default_encoded(),
            docs: docs.to_vec(),
        }
    }
}
