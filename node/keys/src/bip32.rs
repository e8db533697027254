//! BIP32 hierarchical deterministic derivation of secp256k1 private keys, as used for Ethereum
//! accounts (`m/44'/60'/0'/0/i`).

use hmac::{Hmac, Mac};
use secp256k1::{PublicKey, Scalar, SecretKey};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::error::{KeyError, Result};
use crate::suri::Junction;

/// Indices at or above this are hardened.
pub(crate) const HARDENED: u32 = 0x8000_0000;

/// A private key and its chain code.
pub(crate) struct ExtendedPrivateKey {
    /// The private key (a valid secp256k1 scalar).
    pub(crate) secret: Zeroizing<[u8; 32]>,
    chain_code: Zeroizing<[u8; 32]>,
}

fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha512> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl ExtendedPrivateKey {
    /// The master key of a BIP39 (or any BIP32) seed: HMAC-SHA512("Bitcoin seed", seed).
    pub(crate) fn master(seed: &[u8]) -> Result<Self> {
        let i = hmac_sha512(b"Bitcoin seed", &[seed]);
        Self::from_hmac(&i, None).ok_or(KeyError::InvalidSecretKey)
    }

    /// Splits an HMAC output into key and chain code; with a parent key, the key is the parent
    /// tweaked by the left half. `None` if the result is not a valid key.
    fn from_hmac(i: &[u8; 64], parent: Option<&SecretKey>) -> Option<Self> {
        let mut left = Zeroizing::new([0u8; 32]);
        left.copy_from_slice(&i[..32]);
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(&i[32..]);
        let secret = match parent {
            None => {
                let mut key = SecretKey::from_secret_bytes(*left).ok()?;
                let bytes = Zeroizing::new(key.to_secret_bytes());
                key.non_secure_erase();
                bytes
            }
            Some(parent) => {
                let tweak = Scalar::from_be_bytes(*left).ok()?;
                let mut child = parent.add_tweak(&tweak).ok()?;
                let bytes = Zeroizing::new(child.to_secret_bytes());
                child.non_secure_erase();
                bytes
            }
        };
        Some(ExtendedPrivateKey { secret, chain_code })
    }

    /// The child key at `index` (hardened when `index >= HARDENED`).
    pub(crate) fn child(&self, index: u32) -> Result<Self> {
        let mut parent =
            SecretKey::from_secret_bytes(*self.secret).map_err(|_| KeyError::InvalidSecretKey)?;
        let i = if index >= HARDENED {
            hmac_sha512(&self.chain_code[..], &[&[0u8], &self.secret[..], &index.to_be_bytes()])
        } else {
            let public = PublicKey::from_secret_key(&parent).serialize();
            hmac_sha512(&self.chain_code[..], &[&public, &index.to_be_bytes()])
        };
        let child = Self::from_hmac(&i, Some(&parent));
        parent.non_secure_erase();
        child.ok_or(KeyError::InvalidChildKey(index))
    }

    /// Follows a whole path of child indices.
    pub(crate) fn derive_path(self, path: &[u32]) -> Result<Self> {
        path.iter().try_fold(self, |key, &index| key.child(index))
    }
}

/// Reads secret-URI junctions as a BIP32 path: `m` first, then indices written `n` (normal) or
/// `n'` / `nh` (hardened), each below 2^31, all soft junctions (`/`). No junctions, or `m`
/// alone, is the master key.
pub(crate) fn path_from_junctions(junctions: &[Junction]) -> Result<Vec<u32>> {
    let Some((first, rest)) = junctions.split_first() else {
        return Ok(Vec::new());
    };
    if first.hard || first.name != "m" {
        return Err(KeyError::InvalidPath("a BIP32 path must start with /m/".into()));
    }
    rest.iter()
        .map(|j| {
            if j.hard {
                return Err(KeyError::InvalidPath(format!(
                    "`{j}`: write hardened BIP32 indices as /n' (not //n)"
                )));
            }
            let (digits, hardened) = match j.name.strip_suffix(['\'', 'h', 'H']) {
                Some(digits) => (digits, true),
                None => (j.name.as_str(), false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(KeyError::InvalidPath(format!("`{j}` is not a BIP32 index")));
            }
            let index =
                digits.parse::<u32>().ok().filter(|&n| n < HARDENED).ok_or_else(|| {
                    KeyError::InvalidPath(format!("`{j}`: index must be below 2^31"))
                })?;
            Ok(if hardened { index | HARDENED } else { index })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suri::SecretUri;

    fn path(s: &str) -> Result<Vec<u32>> {
        let uri = SecretUri::parse(&format!("x{s}"))?;
        path_from_junctions(&uri.junctions)
    }

    /// Test vector 1 of the BIP32 specification: private keys along m/0H/1/2H/2/1000000000.
    #[test]
    fn bip32_test_vector_1() {
        let seed = hex::decode("000102030405060708090a0b0c0d0e0f").expect("hex");
        let expected = [
            (vec![], "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"),
            (vec![HARDENED], "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"),
            (vec![HARDENED, 1], "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"),
            (
                vec![HARDENED, 1, HARDENED | 2],
                "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca",
            ),
            (
                vec![HARDENED, 1, HARDENED | 2, 2],
                "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4",
            ),
            (
                vec![HARDENED, 1, HARDENED | 2, 2, 1_000_000_000],
                "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
            ),
        ];
        for (indices, key) in expected {
            let derived = ExtendedPrivateKey::master(&seed)
                .and_then(|m| m.derive_path(&indices))
                .expect("derivation");
            assert_eq!(hex::encode(*derived.secret), key, "path {indices:?}");
        }
        // The chain code of the master key, too.
        let master = ExtendedPrivateKey::master(&seed).expect("master");
        assert_eq!(
            hex::encode(*master.chain_code),
            "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508"
        );
    }

    #[test]
    fn parses_paths() {
        assert_eq!(path(""), Ok(vec![]));
        assert_eq!(path("/m"), Ok(vec![]));
        assert_eq!(
            path("/m/44'/60'/0'/0/7"),
            Ok(vec![HARDENED | 44, HARDENED | 60, HARDENED, 0, 7])
        );
        assert_eq!(path("/m/1h/2H"), Ok(vec![HARDENED | 1, HARDENED | 2]));
        assert_eq!(path("/m/2147483647"), Ok(vec![HARDENED - 1]));
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in [
            "/44'/60'",
            "//m/44'",
            "/M/0",
            "/m//44'",
            "/m/x",
            "/m/'",
            "/m/-1",
            "/m/+1",
            "/m/1''",
            "/m/2147483648",
            "/m/99999999999999999999",
            "/m/0/m",
        ] {
            assert!(matches!(path(bad), Err(KeyError::InvalidPath(_))), "{bad:?} must be rejected");
        }
    }
}
