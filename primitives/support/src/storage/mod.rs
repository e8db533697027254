//! Typed storage over the Host API.
//!
//! An item is a zero-sized type naming its key prefix ([`StorageInstance`]) plus its key and
//! value types. Values are SCALE-encoded; a value that fails to decode reads as absent (and is
//! logged), so corrupt state cannot make the runtime panic.

mod double_map;
mod map;
mod metadata;
mod value;

use alloc::vec::Vec;
use codec::{Decode, Encode};

pub use double_map::StorageDoubleMap;
pub use map::{MapIterator, StorageMap};
pub use metadata::{StorageEntryMeta, StorageEntryMetadata, StorageEntryType, StorageModifier};
pub use value::StorageValue;

/// Names a storage item: `twox_128(PALLET) ++ twox_128(ITEM)` is its key (values) or the
/// prefix of its keys (maps), computed at compile time.
pub trait StorageInstance: 'static {
    /// The pallet's name in the runtime, e.g. `"System"`.
    const PALLET: &'static str;
    /// The item's name, e.g. `"Account"`.
    const ITEM: &'static str;
    /// The 32-byte prefix.
    const PREFIX: [u8; 32] =
        lux_primitives::twox::storage_prefix(Self::PALLET.as_bytes(), Self::ITEM.as_bytes());
}

/// How a missing value reads.
pub trait QueryKind<V>: 'static {
    /// What `get` returns.
    type Query;
    /// How metadata describes it.
    const MODIFIER: StorageModifier;
    /// From a stored value (or its absence).
    fn from_optional(v: Option<V>) -> Self::Query;
    /// To the value to store (`None`: remove).
    fn to_optional(q: Self::Query) -> Option<V>;
    /// The encoding of the value a missing entry reads as (metadata's `default`).
    fn default_encoded() -> Vec<u8>;
}

/// A missing value reads as `None`.
pub struct OptionQuery;

impl<V: Encode + 'static> QueryKind<V> for OptionQuery {
    type Query = Option<V>;
    const MODIFIER: StorageModifier = StorageModifier::Optional;
    fn from_optional(v: Option<V>) -> Option<V> {
        v
    }
    fn to_optional(q: Option<V>) -> Option<V> {
        q
    }
    fn default_encoded() -> Vec<u8> {
        None::<V>.encode()
    }
}

/// A missing value reads as `V::default()`.
pub struct ValueQuery;

impl<V: Default + Encode + 'static> QueryKind<V> for ValueQuery {
    type Query = V;
    const MODIFIER: StorageModifier = StorageModifier::Default;
    fn from_optional(v: Option<V>) -> V {
        v.unwrap_or_default()
    }
    fn to_optional(q: V) -> Option<V> {
        Some(q)
    }
    fn default_encoded() -> Vec<u8> {
        V::default().encode()
    }
}

/// A pallet's storage version, kept in state under Substrate's key
/// (`twox_128(pallet) ++ twox_128(":__STORAGE_VERSION__:")`, a little-endian `u16`), so a
/// migration can tell whether it has already run. A pallet that never set one is at 0.
pub struct StorageVersion;

impl StorageVersion {
    /// The key of `pallet`'s storage version.
    pub fn key(pallet: &str) -> [u8; 32] {
        lux_primitives::twox::storage_prefix(pallet.as_bytes(), b":__STORAGE_VERSION__:")
    }

    /// The storage version of `pallet` in state.
    pub fn get(pallet: &str) -> u16 {
        unhashed::get(&Self::key(pallet)).unwrap_or(0)
    }

    /// Records that `pallet`'s storage is at `version`.
    pub fn put(pallet: &str, version: u16) {
        unhashed::put(&Self::key(pallet), &version);
    }
}

/// Raw access by key, shared by the typed items.
pub mod unhashed {
    use super::*;

    /// The decoded value at `key`; undecodable data reads as absent.
    pub fn get<V: Decode>(key: &[u8]) -> Option<V> {
        let bytes = lux_io::storage::get(key)?;
        match V::decode(&mut &bytes[..]) {
            Ok(v) => Some(v),
            Err(_) => {
                crate::runtime_log!(Error, "storage", "corrupt value at key 0x{}", hex(key));
                None
            }
        }
    }

    /// Stores `value` at `key`.
    pub fn put<V: Encode + ?Sized>(key: &[u8], value: &V) {
        value.using_encoded(|bytes| lux_io::storage::set(key, bytes));
    }

    /// Removes `key`.
    pub fn kill(key: &[u8]) {
        lux_io::storage::clear(key);
    }

    /// Whether `key` has a value.
    pub fn exists(key: &[u8]) -> bool {
        lux_io::storage::exists(key)
    }

    /// The item count of the SCALE `Vec` at `key`, read without loading the items.
    pub fn decode_len(key: &[u8]) -> Option<u32> {
        let mut prefix = [0u8; 5];
        lux_io::storage::read(key, &mut prefix, 0)?;
        codec::Compact::<u32>::decode(&mut &prefix[..]).ok().map(|c| c.0)
    }

    fn hex(bytes: &[u8]) -> alloc::string::String {
        use core::fmt::Write;
        let mut s = alloc::string::String::with_capacity(bytes.len() * 2);
        for b in bytes {
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

/// Types that can be appended to with `ext_storage_append`: a `Vec<Item>`.
pub trait StorageAppend<Item: Encode> {}

impl<T: Encode> StorageAppend<T> for Vec<T> {}

/// Declares a pallet's storage items and a `storage_metadata::<T>()` function describing them.
///
/// ```ignore
/// lux_support::storage! {
///     pallet = "Balances", config = Config;
///     /// Total amount of LUX in existence.
///     pub type TotalIssuance = StorageValue<Balance, ValueQuery>;
///     /// Per-account locks.
///     pub type Locks = StorageMap<Blake2_128Concat, AccountId20, Vec<Lock>, ValueQuery>;
/// }
/// ```
///
/// Each item becomes a type alias of the given kind with its prefix type filled in, so it is
/// used as `TotalIssuance::get()`. An item may take the pallet's config as `<T>`, and then
/// name config types as `<T as Config>::Type`.
#[macro_export]
macro_rules! storage {
    (
        pallet = $pallet:literal, config = $config:path;
        $(
            $(#[doc = $doc:expr])*
            $vis:vis type $name:ident $(<$t:ident>)? = $kind:ident < $($args:ty),+ $(,)? >;
        )*
    ) => {
        /// Key prefixes of this pallet's storage items.
        #[doc(hidden)]
        pub mod storage_prefixes {
            $(
                #[doc = concat!("Prefix of `", stringify!($name), "`.")]
                pub struct $name;
                impl $crate::storage::StorageInstance for $name {
                    const PALLET: &'static str = $pallet;
                    const ITEM: &'static str = stringify!($name);
                }
            )*
        }

        $(
            $(#[doc = $doc])*
            $vis type $name $(<$t>)? = $crate::storage::$kind<storage_prefixes::$name, $($args),+>;
        )*

        /// Describes this pallet's storage items for metadata.
        pub fn storage_metadata<T: $config>() -> ::alloc::vec::Vec<$crate::storage::StorageEntryMeta> {
            ::alloc::vec![
                $(
                    <$name $(<$t>)? as $crate::storage::StorageEntryMetadata>::metadata(
                        stringify!($name),
                        &[$($doc),*],
                    ),
                )*
            ]
        }
    };
}
