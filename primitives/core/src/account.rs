//! 20-byte Ethereum-style accounts, one account model for native and EVM use.

use alloc::string::String;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use core::str::FromStr;
use scale_info::TypeInfo;

use crate::H160;

/// An account: the last 20 bytes of keccak256 of the uncompressed secp256k1 public key (without
/// its `0x04` prefix), exactly as Ethereum derives addresses.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
)]
pub struct AccountId20(pub [u8; 20]);

impl TypeInfo for AccountId20 {
    type Identity = Self;

    /// Described as Moonbeam describes it (`account::AccountId20`), the path polkadot.js and
    /// polkadot-api recognise as an Ethereum-style account.
    fn type_info() -> scale_info::Type {
        scale_info::Type::builder().path(scale_info::Path::new("AccountId20", "account")).composite(
            scale_info::build::Fields::unnamed()
                .field(|f| f.ty::<[u8; 20]>().type_name("[u8; 20]")),
        )
    }
}

impl AccountId20 {
    /// The account's bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The address for a 64-byte uncompressed public key (without the `0x04` prefix), given a
    /// keccak-256 implementation (the runtime passes the host's).
    pub fn from_public_key_with(public: &[u8; 64], keccak_256: impl Fn(&[u8]) -> [u8; 32]) -> Self {
        let hash = keccak_256(public);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Self(out)
    }

    /// EIP-55 mixed-case checksummed hex, with `0x`.
    #[cfg(feature = "std")]
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = crate::hashing::keccak_256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl From<[u8; 20]> for AccountId20 {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl From<H160> for AccountId20 {
    fn from(h: H160) -> Self {
        Self(h.0)
    }
}

impl From<AccountId20> for H160 {
    fn from(a: AccountId20) -> Self {
        H160(a.0)
    }
}

impl AsRef<[u8]> for AccountId20 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AccountId20 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for AccountId20 {
    #[cfg(feature = "std")]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }

    #[cfg(not(feature = "std"))]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Why a string is not an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountParseError {
    /// Not 40 hex digits after an optional `0x`.
    InvalidHex,
    /// Mixed case that is not a valid EIP-55 checksum.
    BadChecksum,
}

impl fmt::Display for AccountParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHex => f.write_str("an account is 20 bytes: 0x followed by 40 hex digits"),
            Self::BadChecksum => f.write_str("mixed-case address with an invalid EIP-55 checksum"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AccountParseError {}

impl FromStr for AccountId20 {
    type Err = AccountParseError;

    /// Parses `0x`-prefixed (or bare) hex. All-lowercase and all-uppercase are accepted as
    /// is; mixed case must be a valid EIP-55 checksum, as wallets expect.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
        if digits.len() != 40 {
            return Err(AccountParseError::InvalidHex);
        }
        let mut out = [0u8; 20];
        hex::decode_to_slice(digits, &mut out).map_err(|_| AccountParseError::InvalidHex)?;
        let account = Self(out);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        #[cfg(feature = "std")]
        if has_lower && has_upper && account.to_checksum()[2..] != *digits {
            return Err(AccountParseError::BadChecksum);
        }
        #[cfg(not(feature = "std"))]
        let _ = (has_lower, has_upper);
        Ok(account)
    }
}

impl serde::Serialize for AccountId20 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AccountId20 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_round_trip() {
        let s = "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac";
        let a: AccountId20 = s.parse().expect("valid");
        assert_eq!(a.to_checksum(), s);
        assert_eq!(a.to_string(), s);
        let lower: AccountId20 = s.to_lowercase().parse().expect("valid lowercase");
        assert_eq!(lower, a);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!("0x1234".parse::<AccountId20>(), Err(AccountParseError::InvalidHex));
        assert_eq!(
            "0xF24FF3a9CF04c71Dbc94D0b566f7A27B94566cac".parse::<AccountId20>(),
            Err(AccountParseError::BadChecksum)
        );
        assert_eq!(
            "0xzz4ff3a9cf04c71dbc94d0b566f7a27b94566cac".parse::<AccountId20>(),
            Err(AccountParseError::InvalidHex)
        );
    }

    #[test]
    fn public_key_to_address() {
        // secp256k1 generator point G: its Ethereum address is well known.
        let g = hex::decode(concat!(
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
        ))
        .expect("hex");
        let mut public = [0u8; 64];
        public.copy_from_slice(&g);
        let a = AccountId20::from_public_key_with(&public, crate::hashing::keccak_256);
        assert_eq!(a.to_checksum(), "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    }
}
