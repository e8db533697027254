//! Inherent data: what the block author puts into a block without a signature (the timestamp),
//! handed to the runtime as a map from 8-byte identifiers to encoded values.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// Identifies one kind of inherent data.
pub type InherentIdentifier = [u8; 8];

/// Identifier of the timestamp inherent (milliseconds since the epoch, `u64`).
pub const TIMESTAMP_INHERENT_ID: InherentIdentifier = *b"timstap0";

/// Inherent data, encoded as a SCALE map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct InherentData {
    data: BTreeMap<InherentIdentifier, Vec<u8>>,
}

impl InherentData {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` under `id`, replacing any previous value.
    pub fn put<T: Encode>(&mut self, id: InherentIdentifier, value: &T) {
        self.data.insert(id, value.encode());
    }

    /// The value under `id`: `Ok(None)` if absent, an error if it does not decode as `T`.
    pub fn get<T: Decode>(&self, id: &InherentIdentifier) -> Result<Option<T>, codec::Error> {
        match self.data.get(id) {
            Some(bytes) => T::decode(&mut &bytes[..]).map(Some),
            None => Ok(None),
        }
    }

    /// Whether there is no data.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// What `BlockBuilder_check_inherents` returns.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct CheckInherentsResult {
    /// Whether all inherents are acceptable.
    pub okay: bool,
    /// Whether an error is fatal (the block must be rejected).
    pub fatal_error: bool,
    /// Encoded errors by inherent identifier.
    pub errors: InherentData,
}

impl Default for CheckInherentsResult {
    fn default() -> Self {
        Self { okay: true, fatal_error: false, errors: InherentData::new() }
    }
}

impl CheckInherentsResult {
    /// Records an error for `id`; every inherent error is fatal.
    pub fn put_error<E: Encode>(&mut self, id: InherentIdentifier, error: &E) {
        self.okay = false;
        self.fatal_error = true;
        self.errors.put(id, error);
    }
}
