//! The well-known development accounts and validator keys: Alice, Bob, Charlie, Dave, Eve and
//! Ferdie, all derived from [`DEV_PHRASE`](crate::DEV_PHRASE). Public knowledge: never use them
//! outside dev and test chains.

use crate::error::{KeyError, Result};
use crate::ethereum::{EthereumPair, ETHEREUM_PATH_PREFIX};
use crate::phrase::DEV_PHRASE;
use crate::sr25519::Sr25519Pair;

/// The dev names in order; a name's index is its Ethereum account index.
pub const DEV_NAMES: [&str; 6] = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];

/// The index of a dev name (case-insensitive).
fn dev_index(name: &str) -> Result<usize> {
    DEV_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| KeyError::UnknownDevAccount(name.to_string()))
}

/// The secret URI of a dev account: the dev phrase at `m/44'/60'/0'/0/<index>`.
pub fn dev_account_suri(name: &str) -> Result<String> {
    Ok(format!("{DEV_PHRASE}/{ETHEREUM_PATH_PREFIX}/{}", dev_index(name)?))
}

/// The Ethereum-style dev account of `name` (alice = index 0 ... ferdie = index 5; these are
/// Moonbeam's Alith, Baltathar, Charleth, Dorothy, Ethan and Faith).
pub fn dev_account(name: &str) -> Result<EthereumPair> {
    EthereumPair::from_suri(&dev_account_suri(name)?)
}

/// The secret URI of a dev session key: `//Alice`, `//Bob`, ...
pub fn dev_session_key_suri(name: &str) -> Result<String> {
    let name = DEV_NAMES[dev_index(name)?];
    let mut chars = name.chars();
    let capitalised: String =
        chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
    Ok(format!("//{capitalised}"))
}

/// The sr25519 dev session key of `name` (case-insensitive): `//Alice`, `//Bob`, ...
pub fn dev_session_key(name: &str) -> Result<Sr25519Pair> {
    Sr25519Pair::from_suri(&dev_session_key_suri(name)?)
}
