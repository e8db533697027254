//! Blocks: a header and its extrinsics, plus the justifications that prove finality.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, Error};
use scale_info::TypeInfo;

use crate::{ConsensusEngineId, Header};

/// An extrinsic the node does not interpret: the bytes of a v4 extrinsic without the Compact
/// length prefix. Its SCALE encoding (`Vec<u8>`) is therefore identical to the encoding of the
/// extrinsic itself, so a block of opaque extrinsics encodes like the runtime's typed block.
#[derive(Clone, PartialEq, Eq, Hash, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct OpaqueExtrinsic(pub Vec<u8>);

impl OpaqueExtrinsic {
    /// Wraps a full encoded extrinsic (with its length prefix), checking the prefix.
    pub fn from_encoded(mut bytes: &[u8]) -> Result<Self, Error> {
        let inner = <Vec<u8>>::decode(&mut bytes)?;
        if !bytes.is_empty() {
            return Err("extrinsic has trailing bytes after its declared length".into());
        }
        Ok(Self(inner))
    }

    /// The extrinsic hash: blake2_256 of the full encoding, length prefix included (what
    /// Substrate and polkadot.js call the transaction hash).
    #[cfg(feature = "std")]
    pub fn hash(&self) -> crate::H256 {
        crate::H256(crate::hashing::blake2_256(&self.encode()))
    }
}

impl core::fmt::Debug for OpaqueExtrinsic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "OpaqueExtrinsic(0x")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A block: header and extrinsics.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Block<Extrinsic> {
    /// The header.
    pub header: Header,
    /// The extrinsics, in execution order.
    pub extrinsics: Vec<Extrinsic>,
}

/// Finality proofs of one block, one per consensus engine.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Justifications(pub Vec<(ConsensusEngineId, Vec<u8>)>);

impl Justifications {
    /// The justification of `engine`, if present.
    pub fn get(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        self.0.iter().find(|(id, _)| *id == engine).map(|(_, j)| &j[..])
    }
}

/// A block with its justifications, as `chain_getBlock` returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct SignedBlock<Extrinsic> {
    /// The block.
    pub block: Block<Extrinsic>,
    /// Its justifications, if any.
    pub justifications: Option<Justifications>,
}
