//! How much history the database keeps: pruning of old states and old block bodies.
//!
//! State nodes are content-addressed and shared between the tries of many blocks, so a node
//! can only be deleted when no kept state uses it. Outside archive mode every stored node
//! has a reference count (column `state_refs`, kept with a RocksDB merge operator so a commit
//! never reads): the number of places it holds in the tries of the kept blocks. A block's
//! commit adds one for every node its trie update encoded and records, in a journal
//! (`state_journal`, by number and hash), what it added and what it stopped using
//! ([`lux_trie::TrieUpdate`]). When blocks become final:
//!
//! - a block that is not on the finalized chain can never be used: its additions are taken
//!   back (its state is discarded) and its journal entry goes;
//! - with `--state-pruning N`, once a block falls N blocks below the last finalized one, the
//!   nodes its child stopped using lose their reference; nodes left with none are deleted.
//!
//! So the states of the last N finalized blocks and of every block not yet final stay
//! readable, whatever the history before them. `archive-canonical` keeps every finalized
//! state (and discards forks); `archive` keeps everything and counts nothing.
//!
//! Block bodies follow `--blocks-pruning` the same way: bodies of discarded forks, or of
//! finalized blocks more than N below the last finalized one, are deleted (headers and
//! justifications stay, so the chain can still be followed and proven).

use std::collections::HashMap;
use std::str::FromStr;

use codec::{Decode, Encode};
use lux_trie::Hash;

/// Which states the database keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatePruning {
    /// Every state of every block, forks included; no reference counts.
    Archive,
    /// The states of all finalized blocks; forks are discarded once finality passes them.
    ArchiveCanonical,
    /// The states of the last N finalized blocks, and of blocks not final yet.
    Keep(u32),
}

/// Which block bodies the database keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlocksPruning {
    /// Every body, forks included.
    Archive,
    /// Bodies of finalized blocks; forks' bodies go once finality passes them.
    #[default]
    ArchiveCanonical,
    /// Bodies of the last N finalized blocks (and of blocks not final yet).
    Keep(u32),
}

impl Default for StatePruning {
    fn default() -> Self {
        Self::Keep(256)
    }
}

/// A pruning mode that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid pruning mode `{0}`: expected `archive`, `archive-canonical` or a number of blocks (at least 1)")]
pub struct InvalidPruningMode(String);

fn parse(s: &str) -> Result<Option<u32>, InvalidPruningMode> {
    match s {
        "archive" => Ok(None),
        "archive-canonical" => Ok(Some(0)),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| InvalidPruningMode(s.into())),
    }
}

/// `FromStr` and `Display` for the two modes, which are written alike on the command line.
macro_rules! mode_text {
    ($($mode:ident),*) => {$(
        impl FromStr for $mode {
            type Err = InvalidPruningMode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match parse(s)? {
                    None => Self::Archive,
                    Some(0) => Self::ArchiveCanonical,
                    Some(n) => Self::Keep(n),
                })
            }
        }

        impl std::fmt::Display for $mode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Self::Archive => write!(f, "archive"),
                    Self::ArchiveCanonical => write!(f, "archive-canonical"),
                    Self::Keep(n) => write!(f, "{n}"),
                }
            }
        }
    )*};
}

mode_text!(StatePruning, BlocksPruning);

impl StatePruning {
    /// Whether nodes carry reference counts (every mode but archive).
    pub fn counts_references(&self) -> bool {
        !matches!(self, Self::Archive)
    }
}

/// What a block's commit did to the node reference counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub(crate) struct JournalEntry {
    /// Nodes the block's trie added, with how many places each took.
    pub inserted: Vec<(Hash, u32)>,
    /// Nodes the block's trie stopped using, with how many places each lost.
    pub removed: Vec<(Hash, u32)>,
}

/// Counts repetitions.
pub(crate) fn tally<'a>(hashes: impl IntoIterator<Item = &'a Hash>) -> Vec<(Hash, u32)> {
    let mut counts: HashMap<Hash, u32> = HashMap::new();
    for hash in hashes {
        *counts.entry(*hash).or_default() += 1;
    }
    let mut out: Vec<(Hash, u32)> = counts.into_iter().collect();
    out.sort_unstable();
    out
}

/// Journal key: big-endian number, then hash, so a height's blocks are one prefix.
pub(crate) fn journal_key(number: u32, hash: &[u8; 32]) -> Vec<u8> {
    let mut key = number.to_be_bytes().to_vec();
    key.extend_from_slice(hash);
    key
}

/// The merge operator of `state_refs`: reference counts are little-endian i64 deltas that
/// add up.
pub(crate) fn merge_counts(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    let mut total = existing.map_or(0, read_count);
    for operand in operands {
        total = total.saturating_add(read_count(operand));
    }
    Some(total.to_le_bytes().to_vec())
}

/// A stored count (malformed values count as zero).
pub(crate) fn read_count(bytes: &[u8]) -> i64 {
    <[u8; 8]>::try_from(bytes).map(i64::from_le_bytes).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_like_substrates() {
        assert_eq!("archive".parse::<StatePruning>().ok(), Some(StatePruning::Archive));
        assert_eq!(
            "archive-canonical".parse::<StatePruning>().ok(),
            Some(StatePruning::ArchiveCanonical)
        );
        assert_eq!("256".parse::<StatePruning>().ok(), Some(StatePruning::Keep(256)));
        assert!("0".parse::<StatePruning>().is_err());
        assert!("all".parse::<BlocksPruning>().is_err());
        assert_eq!(
            "archive-canonical".parse::<BlocksPruning>().ok(),
            Some(BlocksPruning::ArchiveCanonical)
        );
        assert_eq!(StatePruning::Keep(9).to_string(), "9");
    }

    #[test]
    fn tally_counts_repetitions() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(tally([&b, &a, &b]), vec![(a, 1), (b, 2)]);
    }
}
