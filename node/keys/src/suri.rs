//! Secret URIs: `<phrase or 0x-hex>[/soft|//hard junctions...][///password]`.
//!
//! This is the grammar of Substrate's `SecretUri` (and of polkadot.js' `keyExtractSuri`):
//!
//! * the *phrase* is everything before the first `/`: a BIP39 mnemonic, a `0x`-prefixed hex
//!   seed or private key, or nothing at all (then the scheme decides, see
//!   [`Sr25519Pair::from_suri`](crate::Sr25519Pair::from_suri));
//! * the *path* is a sequence of junctions, `/name` (soft) or `//name` (hard), none empty;
//! * the *password* is everything after the first `///`, and may itself contain `/`.
//!
//! How the junctions are used depends on the scheme: sr25519 turns each into a chain code
//! ([`Junction::chain_code`]); Ethereum reads them as a BIP32 path such as `/m/44'/60'/0'/0/0`.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use crate::error::{KeyError, Result};
use crate::hashing::blake2_256;

/// One step of a derivation path.
#[derive(Clone, PartialEq, Eq)]
pub struct Junction {
    /// The junction's text, without its leading slashes.
    pub name: String,
    /// `true` for a hard junction (`//name`), `false` for a soft one (`/name`).
    pub hard: bool,
}

impl Junction {
    /// A soft junction (`/name`).
    pub fn soft(name: impl Into<String>) -> Self {
        Junction { name: name.into(), hard: false }
    }

    /// A hard junction (`//name`).
    pub fn hard(name: impl Into<String>) -> Self {
        Junction { name: name.into(), hard: true }
    }

    /// The 32-byte chain code Substrate derives from this junction (`DeriveJunction::from`):
    /// the SCALE encoding of the name parsed as a `u64` if it is a number, otherwise the SCALE
    /// encoding of the string (compact length prefix, then the UTF-8 bytes); zero-padded to 32
    /// bytes, or replaced by its blake2-256 hash when longer than 32 bytes.
    pub fn chain_code(&self) -> [u8; 32] {
        let encoded = match self.name.parse::<u64>() {
            Ok(n) => n.to_le_bytes().to_vec(),
            Err(_) => {
                let mut encoded = compact_len(self.name.len());
                encoded.extend_from_slice(self.name.as_bytes());
                encoded
            }
        };
        if encoded.len() > 32 {
            blake2_256(&encoded)
        } else {
            let mut cc = [0u8; 32];
            cc[..encoded.len()].copy_from_slice(&encoded);
            cc
        }
    }
}

impl fmt::Display for Junction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slashes = if self.hard { "//" } else { "/" };
        write!(f, "{slashes}{}", self.name)
    }
}

impl fmt::Debug for Junction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Junction({self})")
    }
}

/// SCALE `Compact<u64>` encoding of a length.
fn compact_len(len: usize) -> Vec<u8> {
    let n = len as u64;
    match n {
        0..=0x3f => vec![(n as u8) << 2],
        0x40..=0x3fff => (((n as u16) << 2) | 0b01).to_le_bytes().to_vec(),
        0x4000..=0x3fff_ffff => (((n as u32) << 2) | 0b10).to_le_bytes().to_vec(),
        _ => {
            let bytes = n.to_le_bytes();
            let used = 8 - (n.leading_zeros() / 8) as usize;
            let mut out = vec![(((used - 4) as u8) << 2) | 0b11];
            out.extend_from_slice(&bytes[..used]);
            out
        }
    }
}

/// A parsed secret URI. The phrase and password are wiped from memory when dropped, and are
/// never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUri {
    /// The phrase or `0x`-hex secret, trimmed; `None` when the URI starts with a `/`.
    pub phrase: Option<Zeroizing<String>>,
    /// The derivation path, in order.
    pub junctions: Vec<Junction>,
    /// The password after `///`, if any (possibly empty).
    pub password: Option<Zeroizing<String>>,
}

impl SecretUri {
    /// Parses a secret URI. Never panics; see the module documentation for the grammar.
    pub fn parse(s: &str) -> Result<Self> {
        if s.trim().is_empty() {
            return Err(KeyError::EmptyUri);
        }
        let (before_password, password) = match s.find("///") {
            Some(i) => (&s[..i], Some(Zeroizing::new(s[i + 3..].to_string()))),
            None => (s, None),
        };
        let (phrase, mut path) = match before_password.find('/') {
            Some(i) => (&before_password[..i], &before_password[i..]),
            None => (before_password, ""),
        };
        let phrase = phrase.trim();
        let phrase = (!phrase.is_empty()).then(|| Zeroizing::new(phrase.to_string()));

        let mut junctions = Vec::new();
        while let Some(rest) = path.strip_prefix('/') {
            let (hard, body) = match rest.strip_prefix('/') {
                Some(body) => (true, body),
                None => (false, rest),
            };
            let end = body.find('/').unwrap_or(body.len());
            let name = &body[..end];
            if name.is_empty() {
                return Err(KeyError::InvalidPath("empty junction".into()));
            }
            junctions.push(Junction { name: name.to_string(), hard });
            path = &body[end..];
        }
        Ok(SecretUri { phrase, junctions, password })
    }

    /// The password, or `""` when there is none.
    pub fn password_or_empty(&self) -> &str {
        self.password.as_ref().map_or("", |p| p.as_str())
    }

    /// The path written back as text (e.g. `//Alice/stash`).
    pub fn path_string(&self) -> String {
        self.junctions.iter().map(ToString::to_string).collect()
    }
}

impl FromStr for SecretUri {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self> {
        SecretUri::parse(s)
    }
}

impl fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretUri")
            .field("phrase", &self.phrase.as_ref().map(|_| "<redacted>"))
            .field("junctions", &self.junctions)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Decodes a `0x`-prefixed hex string into exactly `N` bytes, wiped on drop.
pub(crate) fn decode_hex_secret<const N: usize>(s: &str) -> Result<Zeroizing<[u8; N]>> {
    let digits =
        s.strip_prefix("0x").ok_or_else(|| KeyError::InvalidHex("missing 0x prefix".into()))?;
    if digits.len() % 2 != 0 {
        return Err(KeyError::InvalidHex("odd number of digits".into()));
    }
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(KeyError::InvalidHex(format!("invalid character {c:?}")));
    }
    if digits.len() != 2 * N {
        return Err(KeyError::InvalidLength { expected: N, got: digits.len() / 2 });
    }
    let mut out = Zeroizing::new([0u8; N]);
    hex::decode_to_slice(digits, &mut out[..]).map_err(|e| KeyError::InvalidHex(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SecretUri {
        SecretUri::parse(s).expect("valid secret URI")
    }

    #[test]
    fn phrase_only() {
        let uri = parse("bottom drive obey lake");
        assert_eq!(uri.phrase.as_deref().map(String::as_str), Some("bottom drive obey lake"));
        assert!(uri.junctions.is_empty());
        assert_eq!(uri.password, None);
    }

    #[test]
    fn path_and_password() {
        let uri = parse("a b c//Alice/stash/0///pass/word");
        assert_eq!(uri.phrase.as_deref().map(String::as_str), Some("a b c"));
        assert_eq!(
            uri.junctions,
            vec![Junction::hard("Alice"), Junction::soft("stash"), Junction::soft("0")]
        );
        assert_eq!(uri.password.as_deref().map(String::as_str), Some("pass/word"));
        assert_eq!(uri.path_string(), "//Alice/stash/0");
    }

    #[test]
    fn no_phrase() {
        let uri = parse("//Alice");
        assert_eq!(uri.phrase, None);
        assert_eq!(uri.junctions, vec![Junction::hard("Alice")]);
        let uri = parse("///secret");
        assert_eq!(uri.phrase, None);
        assert!(uri.junctions.is_empty());
        assert_eq!(uri.password_or_empty(), "secret");
    }

    #[test]
    fn bip32_style_path() {
        let uri = parse("x/m/44'/60'/0'/0/0");
        let names: Vec<_> = uri.junctions.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["m", "44'", "60'", "0'", "0", "0"]);
        assert!(uri.junctions.iter().all(|j| !j.hard));
    }

    #[test]
    fn four_slashes_start_the_password() {
        let uri = parse("x////y");
        assert!(uri.junctions.is_empty());
        assert_eq!(uri.password_or_empty(), "/y");
        assert_eq!(parse("x///").password_or_empty(), "");
    }

    #[test]
    fn malformed() {
        assert_eq!(SecretUri::parse(""), Err(KeyError::EmptyUri));
        assert_eq!(SecretUri::parse("  "), Err(KeyError::EmptyUri));
        for bad in ["x/", "x//", "x//a/", "x/a//", "/"] {
            assert!(
                matches!(SecretUri::parse(bad), Err(KeyError::InvalidPath(_))),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!("{:?}", parse("hunter2 swordfish//a///letmein"));
        assert!(!s.contains("hunter2"));
        assert!(!s.contains("swordfish"));
        assert!(!s.contains("letmein"));
        assert!(s.contains("//a"));
    }

    #[test]
    fn chain_codes() {
        // numbers: SCALE u64
        let mut expected = [0u8; 32];
        expected[0] = 1;
        assert_eq!(Junction::soft("1").chain_code(), expected);
        // strings: compact length prefix + bytes ("Alice" = len 5 -> 0x14)
        let mut expected = [0u8; 32];
        expected[0] = 0x14;
        expected[1..6].copy_from_slice(b"Alice");
        assert_eq!(Junction::hard("Alice").chain_code(), expected);
        // longer than 32 bytes: hashed
        let long = "a".repeat(40);
        let mut encoded = vec![40 << 2];
        encoded.extend_from_slice(long.as_bytes());
        assert_eq!(Junction::soft(long).chain_code(), blake2_256(&encoded));
    }

    #[test]
    fn compact_lengths() {
        assert_eq!(compact_len(0), [0]);
        assert_eq!(compact_len(63), [252]);
        assert_eq!(compact_len(64), [1, 1]);
        assert_eq!(compact_len(16383), [253, 255]);
        assert_eq!(compact_len(16384), [2, 0, 1, 0]);
        assert_eq!(compact_len(1 << 30), [3, 0, 0, 0, 64]);
    }

    #[test]
    fn hex_secrets() {
        let ok = decode_hex_secret::<2>("0xabCD").expect("valid");
        assert_eq!(*ok, [0xab, 0xcd]);
        assert!(matches!(decode_hex_secret::<2>("abcd"), Err(KeyError::InvalidHex(_))));
        assert!(matches!(decode_hex_secret::<2>("0xabc"), Err(KeyError::InvalidHex(_))));
        assert!(matches!(decode_hex_secret::<2>("0xzzzz"), Err(KeyError::InvalidHex(_))));
        assert!(matches!(decode_hex_secret::<2>("0xé"), Err(KeyError::InvalidHex(_))));
        assert_eq!(
            decode_hex_secret::<2>("0xabcdef").map(|_| ()),
            Err(KeyError::InvalidLength { expected: 2, got: 3 })
        );
    }
}
