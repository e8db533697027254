//! The Ethereum indexes: what the node's Ethereum JSON-RPC serves about each imported block
//! (its Ethereum facts, transactions and receipts, by block hash) and where each Ethereum
//! transaction is (by its hash).
//!
//! They are written once per block, right after it is imported, from the runtime's
//! `EthereumApi` on that block's state, so they outlive state pruning. Every imported block is
//! indexed, forks included: a transaction hash lists every block that holds it, and readers
//! pick the one on the canonical chain, so a reorg rewrites nothing. When finality discards a
//! fork (blocks pruning other than `archive`, see `Database::prune`), its entries go with its
//! bodies.

use std::collections::hash_map::{Entry, HashMap};

use codec::{Decode, Encode};
use lux_primitives::ethereum::{EthBlockInfo, EthReceipt};
use lux_primitives::hashing::keccak_256;
use lux_primitives::H256;
use rocksdb::WriteBatch;

use crate::database::{columns, decode};
use crate::{Database, Result};

/// The Ethereum view of one block, as indexed (its receipts are stored beside it).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EthBlockRecord {
    /// The block's Ethereum facts; for a block without them (genesis, or a runtime without
    /// the `EthereumApi`), zeros with the chain's gas limit and base fee.
    pub info: EthBlockInfo,
    /// The EIP-2718 bytes of its Ethereum transactions, in block order.
    pub transactions: Vec<Vec<u8>>,
    /// Root of the Ethereum transaction trie of `transactions`.
    pub transactions_root: H256,
    /// Root of the Ethereum receipt trie of its receipts.
    pub receipts_root: H256,
    /// Length in bytes of the encoded block (header and extrinsics).
    pub size: u64,
}

/// Where an Ethereum transaction is: a block and its position among the block's Ethereum
/// transactions.
pub type EthTxLocation = (H256, u32);

impl Database {
    /// Stores the Ethereum view of block `hash` with its receipts, and adds the block to the
    /// lookup of each of its transactions (keccak256 of the EIP-2718 bytes). Writing a block
    /// again replaces its entries and lists it once.
    pub fn put_eth_block(
        &self,
        hash: &H256,
        record: &EthBlockRecord,
        receipts: &[EthReceipt],
    ) -> Result<()> {
        let _guard = self.eth_lock.lock();
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(columns::ETH_BLOCKS), hash.as_bytes(), record.encode());
        batch.put_cf(self.cf(columns::ETH_RECEIPTS), hash.as_bytes(), receipts.encode());
        for (index, transaction) in record.transactions.iter().enumerate() {
            let tx_hash = keccak_256(transaction);
            let location = (*hash, index as u32);
            let mut locations = self.eth_transaction_locations(&H256(tx_hash))?;
            if locations.contains(&location) {
                continue;
            }
            locations.retain(|(block, _)| block != hash);
            locations.push(location);
            batch.put_cf(self.cf(columns::ETH_TX_LOOKUP), tx_hash, locations.encode());
        }
        self.write(batch)
    }

    /// Removes discarded fork blocks from the Ethereum index: their views, their receipts,
    /// and their places in the lookups of their transactions (a lookup shared by several of
    /// them is rewritten once), in one write under the index's lock.
    pub(crate) fn prune_eth_blocks(&self, blocks: &[H256]) -> Result<()> {
        if blocks.is_empty() {
            return Ok(());
        }
        let _guard = self.eth_lock.lock();
        let mut batch = WriteBatch::default();
        let mut lookups: HashMap<[u8; 32], Vec<EthTxLocation>> = HashMap::new();
        for hash in blocks {
            let Some(record) = self.eth_block(hash)? else { continue };
            batch.delete_cf(self.cf(columns::ETH_BLOCKS), hash.as_bytes());
            batch.delete_cf(self.cf(columns::ETH_RECEIPTS), hash.as_bytes());
            for transaction in &record.transactions {
                let tx_hash = keccak_256(transaction);
                let locations = match lookups.entry(tx_hash) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => {
                        entry.insert(self.eth_transaction_locations(&H256(tx_hash))?)
                    }
                };
                locations.retain(|(block, _)| block != hash);
            }
        }
        let lookup = self.cf(columns::ETH_TX_LOOKUP);
        for (tx_hash, locations) in lookups {
            if locations.is_empty() {
                batch.delete_cf(lookup, tx_hash);
            } else {
                batch.put_cf(lookup, tx_hash, locations.encode());
            }
        }
        self.write(batch)
    }

    /// The indexed Ethereum view of block `hash`.
    pub fn eth_block(&self, hash: &H256) -> Result<Option<EthBlockRecord>> {
        self.get(columns::ETH_BLOCKS, hash.as_bytes())?
            .map(|v| decode("Ethereum block", &v))
            .transpose()
    }

    /// Whether block `hash` is indexed.
    pub fn has_eth_block(&self, hash: &H256) -> Result<bool> {
        Ok(self.get(columns::ETH_BLOCKS, hash.as_bytes())?.is_some())
    }

    /// The indexed receipts of block `hash`.
    pub fn eth_receipts(&self, hash: &H256) -> Result<Option<Vec<EthReceipt>>> {
        self.get(columns::ETH_RECEIPTS, hash.as_bytes())?
            .map(|v| decode("Ethereum receipts", &v))
            .transpose()
    }

    /// Every indexed block holding the Ethereum transaction `tx_hash`, with its position
    /// there, in the order they were indexed (forks included).
    pub fn eth_transaction_locations(&self, tx_hash: &H256) -> Result<Vec<EthTxLocation>> {
        self.get(columns::ETH_TX_LOOKUP, tx_hash.as_bytes())?
            .map_or(Ok(Vec::new()), |v| decode("Ethereum transaction lookup", &v))
    }

    /// Where the Ethereum transaction `tx_hash` is on the canonical chain: the listed block
    /// that is canonical now (a transaction is in at most one block of a chain), if any.
    pub fn canonical_eth_transaction(&self, tx_hash: &H256) -> Result<Option<EthTxLocation>> {
        for (block, index) in self.eth_transaction_locations(tx_hash)? {
            let Some(header) = self.header(&block)? else { continue };
            if self.canonical_hash(header.number)? == Some(block) {
                return Ok(Some((block, index)));
            }
        }
        Ok(None)
    }
}
