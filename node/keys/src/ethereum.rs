//! Ethereum-style accounts: secp256k1 keys, 20-byte addresses and 65-byte recoverable
//! signatures over keccak256, exactly as polkadot.js' `Keyring({type: 'ethereum'})` and
//! Moonbeam do it.

use core::fmt;

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::bip32::{path_from_junctions, ExtendedPrivateKey};
use crate::error::{KeyError, Result};
use crate::hashing::keccak256;
use crate::phrase::parse_mnemonic;
use crate::suri::{decode_hex_secret, SecretUri};

/// The BIP44 path prefix of Ethereum accounts; account `i` is at `m/44'/60'/0'/0/i`.
pub const ETHEREUM_PATH_PREFIX: &str = "m/44'/60'/0'/0";

/// A secp256k1 key pair for an Ethereum-style account. The private key is wiped on drop.
pub struct EthereumPair {
    secret: SecretKey,
    public: PublicKey,
}

impl EthereumPair {
    /// Creates the pair of a secret URI. Accepted forms:
    ///
    /// * `0x` + 64 hex digits: the raw private key (no path or password allowed);
    /// * `<BIP39 phrase>`: the phrase's BIP32 master key (as polkadot.js does);
    /// * `<BIP39 phrase>/m/44'/60'/0'/0/0`: the key at that BIP32 path;
    /// * either of the two above followed by `///password`: the password is the BIP39
    ///   passphrase (the "25th word" of MetaMask and ethers). Note that polkadot.js ignores a
    ///   password on Ethereum URIs, so only use one if other tools you use honour it too.
    ///
    /// The BIP39 seed is PBKDF2-HMAC-SHA512(phrase, "mnemonic" ++ password, 2048 rounds).
    pub fn from_suri(suri: &str) -> Result<Self> {
        Self::from_secret_uri(&SecretUri::parse(suri)?)
    }

    /// Like [`from_suri`](Self::from_suri), for an already parsed URI.
    pub fn from_secret_uri(uri: &SecretUri) -> Result<Self> {
        let phrase = uri.phrase.as_ref().ok_or(KeyError::MissingPhrase)?;
        if phrase.starts_with("0x") {
            if !uri.junctions.is_empty() {
                return Err(KeyError::InvalidPath("a raw private key cannot be derived".into()));
            }
            if uri.password.is_some() {
                return Err(KeyError::PasswordWithRawSeed);
            }
            let secret = decode_hex_secret::<32>(phrase)?;
            return Self::from_secret_key(&secret);
        }
        let path = path_from_junctions(&uri.junctions)?;
        let mnemonic = parse_mnemonic(phrase)?;
        let seed = Zeroizing::new(mnemonic.to_seed(uri.password_or_empty()));
        let key = ExtendedPrivateKey::master(&seed[..])?.derive_path(&path)?;
        Self::from_secret_key(&key.secret)
    }

    /// Creates the pair of a raw 32-byte private key.
    pub fn from_secret_key(secret: &[u8; 32]) -> Result<Self> {
        let secret =
            SecretKey::from_secret_bytes(*secret).map_err(|_| KeyError::InvalidSecretKey)?;
        let public = PublicKey::from_secret_key(&secret);
        Ok(EthereumPair { secret, public })
    }

    /// The private key, wiped when the returned value is dropped.
    pub fn secret_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_secret_bytes())
    }

    /// The 33-byte compressed public key (what polkadot.js calls the pair's `publicKey`).
    pub fn public_compressed(&self) -> [u8; 33] {
        self.public.serialize()
    }

    /// The 64-byte uncompressed public key, without its `0x04` prefix.
    pub fn public_uncompressed(&self) -> [u8; 64] {
        uncompressed_without_prefix(&self.public)
    }

    /// The account's 20-byte address.
    pub fn address(&self) -> [u8; 20] {
        public_to_address(&self.public_uncompressed())
    }

    /// The account's address, EIP-55 checksummed (`0x...`).
    pub fn address_checksummed(&self) -> String {
        to_checksum_address(&self.address())
    }

    /// Signs keccak256(`message`): r (32) ++ s (32) ++ v, where v is the recovery id 0 or 1.
    /// Deterministic (RFC 6979) and low-s; byte-identical to polkadot.js' ethereum keypair.
    pub fn sign(&self, message: &[u8]) -> [u8; 65] {
        self.sign_prehashed(&keccak256(message))
    }

    /// Signs a 32-byte hash as it is, in the format of [`sign`](Self::sign).
    pub fn sign_prehashed(&self, hash: &[u8; 32]) -> [u8; 65] {
        let signature =
            RecoverableSignature::sign_ecdsa_recoverable(Message::from_digest(*hash), &self.secret);
        let (recovery_id, rs) = signature.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&rs);
        out[64] = recovery_id.to_u8();
        out
    }
}

impl Drop for EthereumPair {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl fmt::Debug for EthereumPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EthereumPair").field("address", &self.address_checksummed()).finish()
    }
}

fn uncompressed_without_prefix(public: &PublicKey) -> [u8; 64] {
    let full = public.serialize_uncompressed();
    let mut out = [0u8; 64];
    out.copy_from_slice(&full[1..]);
    out
}

/// The address of an uncompressed public key given without its `0x04` prefix: the last 20
/// bytes of its keccak256.
pub fn public_to_address(public: &[u8; 64]) -> [u8; 20] {
    let hash = keccak256(public);
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    address
}

/// Recovers the signer's address from a 65-byte signature over keccak256(`message`).
/// `v` may be 0, 1, 27 or 28; anything else, or an invalid signature, gives `None`.
pub fn recover(signature: &[u8; 65], message: &[u8]) -> Option<[u8; 20]> {
    recover_prehashed(signature, &keccak256(message))
}

/// Recovers the signer's address from a 65-byte signature over a 32-byte hash.
pub fn recover_prehashed(signature: &[u8; 65], hash: &[u8; 32]) -> Option<[u8; 20]> {
    recover_public_prehashed(signature, hash).map(|public| public_to_address(&public))
}

/// Recovers the signer's uncompressed public key (64 bytes, no `0x04` prefix) from a 65-byte
/// signature over a 32-byte hash. `v` may be 0, 1, 27 or 28.
pub fn recover_public_prehashed(signature: &[u8; 65], hash: &[u8; 32]) -> Option<[u8; 64]> {
    let recovery_id = match signature[64] {
        0 | 27 => RecoveryId::Zero,
        1 | 28 => RecoveryId::One,
        _ => return None,
    };
    let signature = RecoverableSignature::from_compact(&signature[..64], recovery_id).ok()?;
    let public = signature.recover_ecdsa(Message::from_digest(*hash)).ok()?;
    Some(uncompressed_without_prefix(&public))
}

/// Formats an address with the EIP-55 mixed-case checksum, `0x`-prefixed.
pub fn to_checksum_address(address: &[u8; 20]) -> String {
    let lower = hex::encode(address);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
        out.push(if nibble >= 8 { c.to_ascii_uppercase() } else { c });
    }
    out
}

/// Parses a `0x`-prefixed 40-digit address. All-lowercase and all-uppercase digits are
/// accepted as they are; mixed case must carry a correct EIP-55 checksum.
pub fn parse_address(s: &str) -> Result<[u8; 20]> {
    let digits =
        s.strip_prefix("0x").ok_or_else(|| KeyError::InvalidAddress("missing 0x prefix".into()))?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::InvalidAddress("expected 40 hex digits".into()));
    }
    let mut address = [0u8; 20];
    hex::decode_to_slice(digits, &mut address)
        .map_err(|e| KeyError::InvalidAddress(e.to_string()))?;
    let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && to_checksum_address(&address) != s {
        return Err(KeyError::InvalidAddress("wrong EIP-55 checksum".into()));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phrase::{generate_phrase, WordCount, DEV_PHRASE};

    fn pair(suri: &str) -> EthereumPair {
        EthereumPair::from_suri(suri).expect("valid URI")
    }

    #[test]
    fn dev_phrase_account_0() {
        let alith = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0"));
        assert_eq!(alith.address_checksummed(), "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac");
        assert_eq!(
            hex::encode(*alith.secret_key()),
            "5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133"
        );
    }

    #[test]
    fn raw_private_key() {
        let key = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";
        assert_eq!(pair(key).address_checksummed(), "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac");
    }

    #[test]
    fn sign_and_recover() {
        let alith = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0"));
        let message = b"hello luxtensor";
        let signature = alith.sign(message);
        assert!(signature[64] <= 1);
        assert_eq!(signature, alith.sign(message), "deterministic");
        assert_eq!(recover(&signature, message), Some(alith.address()));
        assert_eq!(
            recover_public_prehashed(&signature, &keccak256(message)),
            Some(alith.public_uncompressed())
        );
        let mut legacy_v = signature;
        legacy_v[64] += 27;
        assert_eq!(recover(&legacy_v, message), Some(alith.address()));
        let mut bad_v = signature;
        bad_v[64] = 2;
        assert_eq!(recover(&bad_v, message), None);
        bad_v[64] = 29;
        assert_eq!(recover(&bad_v, message), None);
        assert_ne!(recover(&signature, b"another message"), Some(alith.address()));
        assert_eq!(recover(&[0u8; 65], message), None);
        let hash = keccak256(message);
        assert_eq!(alith.sign_prehashed(&hash), signature);
        assert_eq!(recover_prehashed(&signature, &hash), Some(alith.address()));
    }

    #[test]
    fn low_s() {
        // s must be at most n/2 (n/2 = 7fffffff...5d576e7357a4501ddfe92f46681b20a0).
        let alith = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0"));
        for i in 0u8..32 {
            let signature = alith.sign(&[i]);
            assert!(signature[32] < 0x80, "high s for message {i}");
        }
    }

    #[test]
    fn fresh_phrase_signature_recovers_derived_address() {
        for words in [WordCount::Twelve, WordCount::TwentyFour] {
            let phrase = generate_phrase(words);
            let account = pair(&format!("{}/m/44'/60'/0'/0/0", *phrase));
            let signature = account.sign(b"payload");
            assert_eq!(recover(&signature, b"payload"), Some(account.address()));
            let master = pair(&phrase);
            assert_ne!(master.address(), account.address());
        }
    }

    #[test]
    fn password_changes_the_key() {
        let plain = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0"));
        let with_password = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0///secret"));
        assert_ne!(plain.address(), with_password.address());
        let empty_password = pair(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/0///"));
        assert_eq!(plain.address(), empty_password.address());
    }

    #[test]
    fn malformed_uris() {
        let err = |s: &str| EthereumPair::from_suri(s).map(|_| ()).expect_err(s);
        assert_eq!(err(""), KeyError::EmptyUri);
        assert_eq!(err("/m/44'/60'/0'/0/0"), KeyError::MissingPhrase);
        assert_eq!(err("//Alice"), KeyError::MissingPhrase);
        assert!(matches!(err("bottom drive obey"), KeyError::InvalidPhrase(_)));
        assert!(matches!(err(&format!("{DEV_PHRASE}//Alice")), KeyError::InvalidPath(_)));
        assert!(matches!(err(&format!("{DEV_PHRASE}/44'/60'")), KeyError::InvalidPath(_)));
        assert!(matches!(err(&format!("{DEV_PHRASE}/m/44'/x")), KeyError::InvalidPath(_)));
        assert!(matches!(err("0xzz"), KeyError::InvalidHex(_)));
        assert_eq!(err("0x1234"), KeyError::InvalidLength { expected: 32, got: 2 });
        assert_eq!(err(&format!("0x{}", "00".repeat(32))), KeyError::InvalidSecretKey);
        assert_eq!(err(&format!("0x{}", "ff".repeat(32))), KeyError::InvalidSecretKey);
        let key = format!("0x{}", "11".repeat(32));
        assert!(matches!(err(&format!("{key}/m/0")), KeyError::InvalidPath(_)));
        assert_eq!(err(&format!("{key}///pw")), KeyError::PasswordWithRawSeed);
    }

    #[test]
    fn checksum_addresses() {
        // EIP-55 examples.
        for s in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let address = parse_address(s).expect("valid");
            assert_eq!(to_checksum_address(&address), s);
            assert_eq!(parse_address(&s.to_lowercase()), Ok(address));
        }
        assert!(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_err());
        assert!(parse_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_err());
        assert!(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA").is_err());
        assert!(parse_address("0xé5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA").is_err());
    }
}
