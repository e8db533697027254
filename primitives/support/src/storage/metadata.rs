//! How storage items describe themselves (turned into frame-metadata by the runtime).

use alloc::vec::Vec;
use scale_info::MetaType;

use crate::hash::HasherKind;

/// Whether a missing entry reads as `None` or as a default value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageModifier {
    /// Missing reads as `None`.
    Optional,
    /// Missing reads as the default.
    Default,
}

/// The shape of an entry.
#[derive(Clone, Debug)]
pub enum StorageEntryType {
    /// A single value.
    Plain(MetaType),
    /// A map: one hasher per key part; `key` is the key type (a tuple for double maps).
    Map {
        /// Hashers of the key parts.
        hashers: Vec<HasherKind>,
        /// Key type.
        key: MetaType,
        /// Value type.
        value: MetaType,
    },
}

/// One storage entry's description.
#[derive(Clone, Debug)]
pub struct StorageEntryMeta {
    /// The item's name.
    pub name: &'static str,
    /// Optional or default.
    pub modifier: StorageModifier,
    /// Shape and types.
    pub ty: StorageEntryType,
    /// Encoding of what a missing entry reads as.
    pub default: Vec<u8>,
    /// Documentation.
    pub docs: Vec<&'static str>,
}

/// Implemented by every storage item type.
pub trait StorageEntryMetadata {
    /// Describes the item.
    fn metadata(name: &'static str, docs: &[&'static str]) -> StorageEntryMeta;
}
