//! Metadata as the Metadata runtime API returns it: SCALE-encoded `RuntimeMetadataPrefixed`
//! bytes, wrapped in a byte vector.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Encoded metadata (`Vec<u8>` on the wire).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct OpaqueMetadata(pub Vec<u8>);

impl TypeInfo for OpaqueMetadata {
    type Identity = Self;

    fn type_info() -> scale_info::Type {
        scale_info::Type::builder()
            .path(scale_info::Path::new("OpaqueMetadata", "sp_core"))
            .composite(scale_info::build::Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}
