//! How pallets and runtime APIs describe themselves; the runtime turns these descriptions into
//! frame-metadata V14 and V15.

use alloc::vec::Vec;
use codec::Encode;
use scale_info::{meta_type, MetaType, TypeInfo};

use crate::storage::StorageEntryMeta;

/// A pallet's description: its storage, calls, events, errors and constants.
pub struct PalletMeta {
    /// Storage items (the prefix is the pallet's name).
    pub storage: Vec<StorageEntryMeta>,
    /// The `Call` type, if the pallet has calls.
    pub calls: Option<MetaType>,
    /// The `Event` type, if the pallet emits events.
    pub event: Option<MetaType>,
    /// The `Error` type, if the pallet has errors.
    pub error: Option<MetaType>,
    /// Constants.
    pub constants: Vec<ConstantMeta>,
    /// Documentation.
    pub docs: &'static [&'static str],
}

/// A constant: its name, type, encoded value and documentation.
pub struct ConstantMeta {
    /// Name.
    pub name: &'static str,
    /// Type.
    pub ty: MetaType,
    /// SCALE-encoded value.
    pub value: Vec<u8>,
    /// Documentation.
    pub docs: &'static [&'static str],
}

impl ConstantMeta {
    /// Describes constant `name` with `value`.
    pub fn new<T: Encode + TypeInfo + 'static>(
        name: &'static str,
        value: &T,
        docs: &'static [&'static str],
    ) -> Self {
        Self { name, ty: meta_type::<T>(), value: value.encode(), docs }
    }
}

/// One runtime API function: `Api_method(inputs) -> output`.
pub struct RuntimeApiFunctionMeta {
    /// The API's name (`Core`).
    pub api: &'static str,
    /// The method's name (`version`).
    pub method: &'static str,
    /// Argument names and types.
    pub inputs: Vec<(&'static str, MetaType)>,
    /// Result type.
    pub output: MetaType,
    /// Documentation.
    pub docs: &'static [&'static str],
}
