//! What `luxtensor key inspect` prints for a secret URI.

use core::fmt;

use zeroize::Zeroizing;

use crate::error::Result;
use crate::ethereum::EthereumPair;
use crate::sr25519::Sr25519Pair;
use crate::ss58::{ss58_encode, SS58_GENERIC_PREFIX};

/// The key scheme a secret URI is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// secp256k1 accounts with Ethereum addresses.
    #[default]
    Ethereum,
    /// sr25519 session keys.
    Sr25519,
}

/// The printable facts about a key. Secret fields are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub enum Inspect {
    /// An Ethereum-style account.
    Ethereum {
        /// The private key, `0x`-hex.
        secret_key: Zeroizing<String>,
        /// The compressed public key (33 bytes), `0x`-hex.
        public_key: String,
        /// The EIP-55 checksummed address.
        address: String,
    },
    /// An sr25519 key.
    Sr25519 {
        /// The seed (mini-secret), `0x`-hex, when known (not after a soft junction).
        secret_seed: Option<Zeroizing<String>>,
        /// The public key, `0x`-hex.
        public_key: String,
        /// The SS58 address with the generic prefix 42.
        ss58_address: String,
    },
}

impl Inspect {
    /// Inspects `suri` read with `scheme`.
    pub fn from_suri(suri: &str, scheme: Scheme) -> Result<Self> {
        Ok(match scheme {
            Scheme::Ethereum => Self::ethereum(&EthereumPair::from_suri(suri)?),
            Scheme::Sr25519 => Self::sr25519(&Sr25519Pair::from_suri(suri)?),
        })
    }

    /// Inspects an Ethereum pair.
    pub fn ethereum(pair: &EthereumPair) -> Self {
        Inspect::Ethereum {
            secret_key: Zeroizing::new(format!("0x{}", hex::encode(*pair.secret_key()))),
            public_key: format!("0x{}", hex::encode(pair.public_compressed())),
            address: pair.address_checksummed(),
        }
    }

    /// Inspects an sr25519 pair.
    pub fn sr25519(pair: &Sr25519Pair) -> Self {
        let public = pair.public();
        Inspect::Sr25519 {
            secret_seed: pair.seed().map(|s| Zeroizing::new(format!("0x{}", hex::encode(*s)))),
            public_key: format!("0x{}", hex::encode(public)),
            ss58_address: ss58_encode(&public, SS58_GENERIC_PREFIX),
        }
    }
}

/// One labelled line per fact, like `subkey inspect`. This shows the secret: print it only
/// where the user asked to see it.
impl fmt::Display for Inspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inspect::Ethereum { secret_key, public_key, address } => {
                writeln!(f, "Secret key:        {}", secret_key.as_str())?;
                writeln!(f, "Public key (hex):  {public_key}")?;
                write!(f, "Address:           {address}")
            }
            Inspect::Sr25519 { secret_seed, public_key, ss58_address } => {
                let seed = secret_seed.as_ref().map_or("n/a", |s| s.as_str());
                writeln!(f, "Secret seed:       {seed}")?;
                writeln!(f, "Public key (hex):  {public_key}")?;
                write!(f, "SS58 Address:      {ss58_address}")
            }
        }
    }
}

/// Shows public facts only.
impl fmt::Debug for Inspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inspect::Ethereum { public_key, address, .. } => f
                .debug_struct("Inspect::Ethereum")
                .field("public_key", public_key)
                .field("address", address)
                .finish_non_exhaustive(),
            Inspect::Sr25519 { public_key, ss58_address, .. } => f
                .debug_struct("Inspect::Sr25519")
                .field("public_key", public_key)
                .field("ss58_address", ss58_address)
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phrase::DEV_PHRASE;

    #[test]
    fn alice_sr25519() {
        let inspect = Inspect::from_suri("//Alice", Scheme::Sr25519).expect("valid");
        let Inspect::Sr25519 { secret_seed, public_key, ss58_address } = &inspect else {
            panic!("sr25519 inspect expected");
        };
        assert_eq!(
            secret_seed.as_deref().map(String::as_str),
            Some("0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a")
        );
        assert_eq!(
            public_key,
            "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(ss58_address, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        let printed = inspect.to_string();
        assert!(
            printed.contains("SS58 Address:      5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
        );
        assert!(!format!("{inspect:?}").contains("e5be9a50"));

        let soft = Inspect::from_suri("//Alice/stash", Scheme::Sr25519).expect("valid");
        assert!(soft.to_string().contains("Secret seed:       n/a"));
    }

    #[test]
    fn alith_ethereum() {
        let suri = format!("{DEV_PHRASE}/m/44'/60'/0'/0/0");
        let inspect = Inspect::from_suri(&suri, Scheme::Ethereum).expect("valid");
        let Inspect::Ethereum { secret_key, public_key, address } = &inspect else {
            panic!("ethereum inspect expected");
        };
        assert_eq!(
            secret_key.as_str(),
            "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133"
        );
        assert_eq!(public_key.len(), 2 + 66);
        assert!(public_key.starts_with("0x02") || public_key.starts_with("0x03"));
        assert_eq!(address, "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac");
        assert!(inspect
            .to_string()
            .contains("Address:           0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac"));
        assert!(!format!("{inspect:?}").contains("5fb92d6e"));
    }
}
