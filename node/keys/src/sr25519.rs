//! sr25519 (schnorrkel) key pairs for validator session keys, derived exactly as Substrate's
//! `sp-core` derives them, so `//Alice` here is `//Alice` everywhere in the Substrate world.

use core::fmt;

use schnorrkel::derive::{ChainCode, Derivation};
use schnorrkel::{ExpansionMode, Keypair, MiniSecretKey, PublicKey, SecretKey, Signature};
use zeroize::Zeroizing;

use crate::error::{KeyError, Result};
use crate::phrase::{parse_mnemonic, phrase_entropy, DEV_PHRASE};
use crate::suri::{decode_hex_secret, Junction, SecretUri};

/// The signing context of Substrate's sr25519 signatures.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// An sr25519 key pair, with the 32-byte seed (mini-secret) it was expanded from when that is
/// known. Secrets are wiped on drop.
#[derive(Clone)]
pub struct Sr25519Pair {
    pub(crate) keypair: Keypair,
    seed: Option<MiniSecretKey>,
}

impl Sr25519Pair {
    /// Creates the pair of a secret URI, as `sp_core::sr25519::Pair::from_string` does:
    ///
    /// * the phrase is a BIP39 mnemonic (its mini-secret is
    ///   `substrate_bip39::mini_secret_from_entropy(entropy, password)`, not the BIP39 seed),
    ///   or `0x` + 64 hex digits (the mini-secret itself), or absent: then it is
    ///   [`DEV_PHRASE`], so `//Alice` works;
    /// * each `//hard` junction hard-derives a new mini-secret, each `/soft` junction
    ///   soft-derives the key (see [`Junction::chain_code`]);
    /// * `///password` is the BIP39 password of the phrase. It is rejected with a hex seed,
    ///   which it could not change (sp-core silently ignores it there).
    pub fn from_suri(suri: &str) -> Result<Self> {
        Self::from_secret_uri(&SecretUri::parse(suri)?)
    }

    /// Like [`from_suri`](Self::from_suri), for an already parsed URI.
    pub fn from_secret_uri(uri: &SecretUri) -> Result<Self> {
        let phrase = uri.phrase.as_ref().map_or(DEV_PHRASE, |p| p.as_str());
        let root = if phrase.starts_with("0x") {
            if uri.password.is_some() {
                return Err(KeyError::PasswordWithRawSeed);
            }
            Self::from_seed(&*decode_hex_secret::<32>(phrase)?)
        } else {
            Self::from_phrase(phrase, uri.password.as_ref().map(|p| p.as_str()))?
        };
        Ok(root.derive(&uri.junctions))
    }

    /// Creates the pair of a BIP39 phrase and optional password, without derivation.
    pub fn from_phrase(phrase: &str, password: Option<&str>) -> Result<Self> {
        let mnemonic = parse_mnemonic(phrase)?;
        let entropy = phrase_entropy(&mnemonic);
        let seed = substrate_bip39::mini_secret_from_entropy(&entropy, password.unwrap_or(""))
            .map_err(|e| KeyError::InvalidPhrase(format!("{e:?}")))?;
        Ok(Self::from_mini_secret(seed))
    }

    /// Creates the pair of a 32-byte seed (mini-secret), expanded in Ed25519 mode.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        match MiniSecretKey::from_bytes(seed) {
            Ok(mini) => Self::from_mini_secret(mini),
            // A mini-secret is any 32 bytes.
            Err(_) => unreachable!("every 32-byte string is a mini-secret"),
        }
    }

    fn from_mini_secret(seed: MiniSecretKey) -> Self {
        let keypair = seed.expand_to_keypair(ExpansionMode::Ed25519);
        Sr25519Pair { keypair, seed: Some(seed) }
    }

    fn from_secret(secret: SecretKey, seed: Option<MiniSecretKey>) -> Self {
        Sr25519Pair { keypair: secret.into(), seed }
    }

    /// Derives along `junctions`, as sp-core does. The seed stays known through hard
    /// junctions only (a soft junction has no mini-secret), and is then never recovered.
    pub fn derive(&self, junctions: &[Junction]) -> Self {
        junctions.iter().fold(self.clone(), |pair, junction| {
            let chain_code = ChainCode(junction.chain_code());
            if junction.hard {
                let (mini, _) =
                    pair.keypair.secret.hard_derive_mini_secret_key(Some(chain_code), b"");
                let secret = mini.expand(ExpansionMode::Ed25519);
                Self::from_secret(secret, pair.seed.as_ref().map(|_| mini))
            } else {
                let (secret, _) = pair.keypair.secret.derived_key_simple(chain_code, b"");
                Self::from_secret(secret, None)
            }
        })
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.keypair.public.to_bytes()
    }

    /// The 32-byte seed (mini-secret) when known, wiped when the returned value is dropped.
    /// It is unknown after a soft junction.
    pub fn seed(&self) -> Option<Zeroizing<[u8; 32]>> {
        self.seed.as_ref().map(|s| Zeroizing::new(s.to_bytes()))
    }

    /// Signs `message` in the `substrate` signing context (what `sp_core` and polkadot.js do).
    /// Signatures are randomised, so signing twice gives different bytes.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.keypair.sign_simple(SIGNING_CONTEXT, message).to_bytes()
    }

    /// Signs like [`Sr25519Pair::sign`], but with the nonce derived only from the secret key
    /// and the message (as Ed25519 does), so the same message gives the same signature. For
    /// consensus messages, whose reproducibility helps deterministic simulations.
    pub fn sign_deterministic(&self, message: &[u8]) -> [u8; 64] {
        let transcript = schnorrkel::signing_context(SIGNING_CONTEXT).bytes(message);
        self.keypair.sign(schnorrkel::context::attach_rng(transcript, NoExtraEntropy)).to_bytes()
    }
}

/// An "RNG" that adds no entropy to schnorrkel's nonce derivation. schnorrkel derives every
/// nonce from the secret's nonce seed and the whole transcript before mixing in RNG bytes, so
/// with this the nonce is a secret, deterministic function of key and message.
pub(crate) struct NoExtraEntropy;

impl rand::RngCore for NoExtraEntropy {
    fn next_u32(&mut self) -> u32 {
        0
    }

    fn next_u64(&mut self) -> u64 {
        0
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand::Error> {
        dest.fill(0);
        Ok(())
    }
}

impl rand::CryptoRng for NoExtraEntropy {}

impl fmt::Debug for Sr25519Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sr25519Pair").field("public", &hex::encode(self.public())).finish()
    }
}

/// Verifies an sr25519 signature made with [`Sr25519Pair::sign`]. Malformed keys or
/// signatures give `false`.
pub fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(public) = PublicKey::from_bytes(public) else {
        return false;
    };
    let Ok(signature) = Signature::from_bytes(signature) else {
        return false;
    };
    public.verify_simple(SIGNING_CONTEXT, message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phrase::{generate_phrase, WordCount};

    const ALICE: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    fn public(suri: &str) -> String {
        hex::encode(Sr25519Pair::from_suri(suri).expect("valid URI").public())
    }

    #[test]
    fn golden_keys() {
        assert_eq!(public("//Alice"), ALICE);
        assert_eq!(public(&format!("{DEV_PHRASE}//Alice")), ALICE);
        assert_eq!(
            public("//Bob"),
            "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
        );
        // Substrate's Alice_stash is a *hard* junction: //Alice//stash.
        assert_eq!(
            public("//Alice//stash"),
            "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f"
        );
        // A soft junction: sp-core's `derive_soft_known_pair_should_work` test vector.
        assert_eq!(
            public(&format!("{DEV_PHRASE}/Alice")),
            "d6c71059dbbe9ad2b0ed3f289738b800836eb425544ce694825285b958ca755e"
        );
        assert_eq!(public("/Alice"), public(&format!("{DEV_PHRASE}/Alice")));
        assert_ne!(public("//Alice/stash"), public("//Alice//stash"));
        // The dev phrase's root key (`subkey inspect` of the bare dev phrase).
        assert_eq!(
            public(DEV_PHRASE),
            "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"
        );
    }

    #[test]
    fn seeds() {
        let alice = Sr25519Pair::from_suri("//Alice").expect("valid");
        let seed = alice.seed().expect("seed known through hard junctions");
        assert_eq!(
            hex::encode(*seed),
            "e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"
        );
        let from_seed = Sr25519Pair::from_suri(&format!("0x{}", hex::encode(*seed)));
        assert_eq!(from_seed.expect("valid").public(), alice.public());
        assert!(Sr25519Pair::from_suri("//Alice/stash").expect("valid").seed().is_none());
        assert!(Sr25519Pair::from_suri("//Alice/stash//x").expect("valid").seed().is_none());
    }

    #[test]
    fn numeric_and_long_junctions() {
        let by_number = Sr25519Pair::from_suri("//1").expect("valid").public();
        let soft = Sr25519Pair::from_suri("/1").expect("valid").public();
        assert_ne!(by_number, soft);
        let long = format!("//{}", "x".repeat(100));
        assert_ne!(Sr25519Pair::from_suri(&long).expect("valid").public(), by_number);
    }

    #[test]
    fn password_changes_the_key() {
        let plain = public("//Alice");
        assert_ne!(public("//Alice///password"), plain);
        assert_eq!(public("//Alice///"), plain);
        assert_ne!(public(&format!("{DEV_PHRASE}///password")), public(DEV_PHRASE));
    }

    #[test]
    fn deterministic_signatures_verify_and_repeat() {
        let alice = Sr25519Pair::from_suri("//Alice").expect("dev key");
        let signature = alice.sign_deterministic(b"vote");
        assert_eq!(signature, alice.sign_deterministic(b"vote"));
        assert_ne!(signature, alice.sign_deterministic(b"other vote"));
        assert!(verify(&alice.public(), b"vote", &signature));
        assert!(!verify(&alice.public(), b"other vote", &signature));
    }

    #[test]
    fn sign_and_verify() {
        let alice = Sr25519Pair::from_suri("//Alice").expect("valid");
        let bob = Sr25519Pair::from_suri("//Bob").expect("valid");
        let signature = alice.sign(b"block");
        assert!(verify(&alice.public(), b"block", &signature));
        assert!(!verify(&alice.public(), b"other", &signature));
        assert!(!verify(&bob.public(), b"block", &signature));
        assert!(!verify(&[0xff; 32], b"block", &signature));
        assert!(!verify(&alice.public(), b"block", &[0u8; 64]));
        let fresh = Sr25519Pair::from_suri(&generate_phrase(WordCount::TwentyFour)).expect("ok");
        assert!(verify(&fresh.public(), b"x", &fresh.sign(b"x")));
    }

    #[test]
    fn malformed_uris() {
        let err = |s: &str| Sr25519Pair::from_suri(s).map(|_| ()).expect_err(s);
        assert_eq!(err(""), KeyError::EmptyUri);
        assert!(matches!(err("bottom drive obey//Alice"), KeyError::InvalidPhrase(_)));
        assert!(matches!(err("//Alice//"), KeyError::InvalidPath(_)));
        assert!(matches!(err("0xnothex"), KeyError::InvalidHex(_)));
        assert_eq!(err("0x00"), KeyError::InvalidLength { expected: 32, got: 1 });
        assert_eq!(err(&format!("0x{}///pw", "00".repeat(32))), KeyError::PasswordWithRawSeed);
    }
}
