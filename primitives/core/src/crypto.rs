//! Signature and public-key types that appear on chain.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

// Type paths follow Substrate's and Moonbeam's, which clients recognise.

macro_rules! fixed_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr, $module:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode,
            DecodeWithMemTracking, MaxEncodedLen,
        )]
        pub struct $name(pub [u8; $len]);

        impl TypeInfo for $name {
            type Identity = Self;

            fn type_info() -> scale_info::Type {
                scale_info::Type::builder()
                    .path(scale_info::Path::new(stringify!($name), $module))
                    .composite(scale_info::build::Fields::unnamed().field(|f| f.ty::<[u8; $len]>()))
            }
        }

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "0x")?;
                for b in self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                impl_serde::serialize::serialize(&self.0, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut out = [0u8; $len];
                impl_serde::serialize::deserialize_check_len(
                    d,
                    impl_serde::serialize::ExpectedLen::Exact(&mut out),
                )?;
                Ok(Self(out))
            }
        }
    };
}

fixed_bytes!(
    /// A 65-byte secp256k1 signature `r ++ s ++ v` over keccak256 of the message, as Ethereum
    /// tools and polkadot.js's `Keyring({ type: 'ethereum' })` produce it (`v` is 0/1 or 27/28).
    EthereumSignature,
    65,
    "account"
);

fixed_bytes!(
    /// An sr25519 (schnorrkel) public key: validator session keys.
    Sr25519Public,
    32,
    "sp_core::sr25519"
);

fixed_bytes!(
    /// An sr25519 signature (signing context `substrate`).
    Sr25519Signature,
    64,
    "sp_core::sr25519"
);
