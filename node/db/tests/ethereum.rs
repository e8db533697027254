//! The Ethereum indexes: records and receipts by block, transaction lookups across forks, and
//! the canonical pick after a reorg (nothing is rewritten).

use lux_db::{BlockCommit, Database, DatabaseConfig, EthBlockRecord};
use lux_primitives::ethereum::{Bloom, EthBlockInfo, EthReceipt};
use lux_primitives::hashing::keccak_256;
use lux_primitives::{AccountId20, Digest, DigestItem, Header, H256, U256};

fn header(number: u32, parent: H256, salt: u8) -> Header {
    Header {
        parent_hash: parent,
        number,
        state_root: H256(lux_trie::EMPTY_ROOT),
        extrinsics_root: H256::zero(),
        digest: Digest { logs: vec![DigestItem::Other(vec![salt])] },
    }
}

fn commit(db: &Database, header: &Header, best: bool) {
    db.commit(BlockCommit {
        header: header.clone(),
        body: vec![],
        justifications: None,
        state_nodes: vec![],
        removed_nodes: vec![],
        set_best: best,
        finalized: false,
    })
    .expect("commit");
}

fn record(transactions: Vec<Vec<u8>>) -> EthBlockRecord {
    EthBlockRecord {
        info: EthBlockInfo {
            author: AccountId20([7; 20]),
            gas_limit: 15_000_000,
            gas_used: 21_000,
            base_fee_per_gas: U256::from(1_000_000_000u64),
            logs_bloom: Bloom::default(),
            timestamp_ms: 6_000,
        },
        transactions,
        transactions_root: H256::repeat_byte(1),
        receipts_root: H256::repeat_byte(2),
        size: 123,
    }
}

fn receipt(tx: &[u8], index: u32) -> EthReceipt {
    EthReceipt {
        transaction_hash: H256(keccak_256(tx)),
        transaction_index: index,
        extrinsic_index: index + 1,
        transaction_type: 2,
        from: AccountId20([1; 20]),
        to: Some(AccountId20([2; 20])),
        contract_address: None,
        status: true,
        gas_used: 21_000,
        cumulative_gas_used: 21_000 * u64::from(index + 1),
        effective_gas_price: U256::from(2_000_000_000u64),
        logs: vec![],
        logs_bloom: Bloom::default(),
    }
}

#[test]
fn blocks_and_receipts_are_stored_by_block_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
    let block = H256::repeat_byte(0xaa);
    assert!(!db.has_eth_block(&block).expect("read"));
    assert_eq!(db.eth_block(&block).expect("read"), None);
    let txs = vec![vec![0x02, 1], vec![0x02, 2]];
    let receipts = vec![receipt(&txs[0], 0), receipt(&txs[1], 1)];
    db.put_eth_block(&block, &record(txs.clone()), &receipts).expect("write");
    assert!(db.has_eth_block(&block).expect("read"));
    assert_eq!(db.eth_block(&block).expect("read"), Some(record(txs.clone())));
    assert_eq!(db.eth_receipts(&block).expect("read"), Some(receipts.clone()));
    let second = H256(keccak_256(&txs[1]));
    assert_eq!(db.eth_transaction_locations(&second).expect("read"), vec![(block, 1)]);

    // Indexing the same block again lists it once.
    db.put_eth_block(&block, &record(txs), &receipts).expect("write again");
    assert_eq!(db.eth_transaction_locations(&second).expect("read"), vec![(block, 1)]);
    assert!(db.eth_transaction_locations(&H256::zero()).expect("read").is_empty());
}

#[test]
fn the_canonical_block_of_a_transaction_follows_reorgs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
    let genesis = header(0, H256::zero(), 0);
    commit(&db, &genesis, true);
    // The same transaction lands in a1 (first best), then in b1 of a heavier fork.
    let tx = vec![0x02, 0xc0];
    let tx_hash = H256(keccak_256(&tx));
    let a1 = header(1, genesis.hash(), 0xa1);
    commit(&db, &a1, true);
    db.put_eth_block(&a1.hash(), &record(vec![tx.clone()]), &[receipt(&tx, 0)]).expect("a1");
    assert_eq!(db.canonical_eth_transaction(&tx_hash).expect("read"), Some((a1.hash(), 0)));

    let b1 = header(1, genesis.hash(), 0xb1);
    commit(&db, &b1, false);
    db.put_eth_block(&b1.hash(), &record(vec![vec![0x01], tx.clone()]), &[]).expect("b1");
    assert_eq!(
        db.eth_transaction_locations(&tx_hash).expect("read"),
        vec![(a1.hash(), 0), (b1.hash(), 1)],
        "both forks are listed"
    );
    assert_eq!(
        db.canonical_eth_transaction(&tx_hash).expect("read"),
        Some((a1.hash(), 0)),
        "b1 is not canonical yet"
    );

    let b2 = header(2, b1.hash(), 0xb2);
    commit(&db, &b2, true);
    assert_eq!(db.canonical_eth_transaction(&tx_hash).expect("read"), Some((b1.hash(), 1)));

    // A transaction only in the retracted block has no canonical location any more.
    let only_a = vec![0x02, 0xa1];
    let a1_again = record(vec![tx, only_a.clone()]);
    db.put_eth_block(&a1.hash(), &a1_again, &[]).expect("a1 again");
    assert_eq!(db.canonical_eth_transaction(&H256(keccak_256(&only_a))).expect("read"), None);
}

#[test]
fn the_index_of_a_fork_goes_when_finality_discards_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
    let genesis = header(0, H256::zero(), 0);
    db.commit(BlockCommit {
        header: genesis.clone(),
        body: vec![],
        justifications: None,
        state_nodes: vec![],
        removed_nodes: vec![],
        set_best: true,
        finalized: true,
    })
    .expect("genesis");
    // One transaction in both forks, one only in the losing fork's two blocks.
    let shared = vec![0x02, 0x5a];
    let lost = vec![0x02, 0x10];
    let a1 = header(1, genesis.hash(), 0xa1);
    commit(&db, &a1, true);
    db.put_eth_block(&a1.hash(), &record(vec![shared.clone()]), &[receipt(&shared, 0)])
        .expect("a1");
    let b1 = header(1, genesis.hash(), 0xb1);
    commit(&db, &b1, false);
    let b1_record = record(vec![lost.clone(), shared.clone()]);
    db.put_eth_block(&b1.hash(), &b1_record, &[]).expect("b1");
    let b2 = header(2, b1.hash(), 0xb2);
    commit(&db, &b2, false);
    db.put_eth_block(&b2.hash(), &record(vec![lost.clone()]), &[]).expect("b2");

    // a1 is final: b1 goes; b2 (above the finalized height) stays until a2 is final.
    db.finalize(&a1.hash(), None).expect("finalize a1");
    db.prune(1).expect("prune");
    assert!(!db.has_eth_block(&b1.hash()).expect("read"), "the fork's view is gone");
    assert_eq!(db.eth_receipts(&b1.hash()).expect("read"), None);
    let (shared_hash, lost_hash) = (H256(keccak_256(&shared)), H256(keccak_256(&lost)));
    assert_eq!(db.eth_transaction_locations(&shared_hash).expect("read"), vec![(a1.hash(), 0)]);
    assert_eq!(db.eth_transaction_locations(&lost_hash).expect("read"), vec![(b2.hash(), 0)]);
    assert!(db.has_eth_block(&a1.hash()).expect("read"), "the canonical view stays");

    let a2 = header(2, a1.hash(), 0xa2);
    commit(&db, &a2, true);
    db.finalize(&a2.hash(), None).expect("finalize a2");
    db.prune(2).expect("prune");
    assert!(!db.has_eth_block(&b2.hash()).expect("read"));
    assert!(db.eth_transaction_locations(&lost_hash).expect("read").is_empty(), "no lookup left");
    assert_eq!(db.canonical_eth_transaction(&shared_hash).expect("read"), Some((a1.hash(), 0)));
}
