//! Key handling for LuxTensor: everything that turns a secret (a BIP39 phrase, a seed, a
//! private key) into keys, addresses and signatures.
//!
//! It serves the node (validator session keys), the CLI (`luxtensor key generate|inspect`,
//! signing transactions) and tests. Two schemes, as `DESIGN.md` fixes them:
//!
//! * **Ethereum-style accounts** ([`EthereumPair`]): secp256k1 keys derived with BIP32
//!   (`<phrase>/m/44'/60'/0'/0/0`), 20-byte addresses (last 20 bytes of keccak256 of the
//!   uncompressed public key), 65-byte `r ++ s ++ v` signatures over keccak256 of the payload,
//!   byte-identical to polkadot.js' `Keyring({type: 'ethereum'})`. Dev accounts: [`dev_account`].
//! * **sr25519 session keys** ([`Sr25519Pair`]): schnorrkel keys derived exactly as Substrate's
//!   `sp-core` does (`//Alice`, `<phrase>//hard/soft///password`), signatures in the
//!   `substrate` context, and VRF helpers for slot claims ([`Sr25519Pair::vrf_sign`],
//!   [`vrf_verify`]). Dev validators: [`dev_session_key`].
//!
//! Both read secret URIs ([`SecretUri`]). Public values are plain byte arrays (`[u8; 20]`
//! addresses, `[u8; 32]` public keys, `[u8; 65]` / `[u8; 64]` signatures) that other crates
//! wrap into chain types. Secrets are wiped from memory on drop, and no error message or
//! `Debug` output contains one. No function panics on any input.

mod bip32;
mod dev;
mod error;
mod ethereum;
mod hashing;
mod inspect;
mod phrase;
mod sr25519;
mod ss58;
mod suri;
mod vrf;

pub use dev::{dev_account, dev_account_suri, dev_session_key, dev_session_key_suri, DEV_NAMES};
pub use error::{KeyError, Result};
pub use ethereum::{
    parse_address, public_to_address, recover, recover_prehashed, recover_public_prehashed,
    to_checksum_address, EthereumPair, ETHEREUM_PATH_PREFIX,
};
pub use hashing::{blake2_256, keccak256};
pub use inspect::{Inspect, Scheme};
pub use phrase::{generate_phrase, validate_phrase, WordCount, DEV_PHRASE};
pub use sr25519::{verify, Sr25519Pair, SIGNING_CONTEXT};
pub use ss58::{ss58_encode, SS58_GENERIC_PREFIX};
pub use suri::{Junction, SecretUri};
pub use vrf::{vrf_output_bytes, vrf_verify, VrfItem, VrfSignature};
pub use zeroize::Zeroizing;
