//! The database on its own: commits, reopening, the canonical index across reorgs, state.

use lux_db::{BlockCommit, Database, DatabaseConfig, TreeRoute};
use lux_io::{StateBackend, StateVersion};
use lux_primitives::{Digest, DigestItem, Header, OpaqueExtrinsic, H256};

fn header(number: u32, parent: H256, state_root: [u8; 32], salt: u8) -> Header {
    Header {
        parent_hash: parent,
        number,
        state_root: H256(state_root),
        extrinsics_root: H256::zero(),
        digest: Digest { logs: vec![DigestItem::Other(vec![salt])] },
    }
}

fn commit(
    db: &Database,
    header: &Header,
    body: Vec<OpaqueExtrinsic>,
    nodes: Vec<([u8; 32], Vec<u8>)>,
    best: bool,
) -> Option<TreeRoute> {
    db.commit(BlockCommit {
        header: header.clone(),
        body,
        justifications: None,
        state_nodes: nodes,
        removed_nodes: vec![],
        set_best: best,
        finalized: false,
    })
    .expect("commit")
}

fn xt(byte: u8) -> OpaqueExtrinsic {
    OpaqueExtrinsic(vec![byte; 3])
}

#[test]
fn blocks_and_pointers_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let genesis = header(0, H256::zero(), lux_trie::EMPTY_ROOT, 0);
    let one = header(1, genesis.hash(), lux_trie::EMPTY_ROOT, 1);
    {
        let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
        commit(&db, &genesis, vec![], vec![], true);
        commit(&db, &one, vec![xt(1), xt(2)], vec![], true);
        db.finalize(&one.hash(), None).expect("finalize");
    }
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("reopen");
    assert_eq!(db.genesis_hash().expect("read"), Some(genesis.hash()));
    assert_eq!(db.best_hash().expect("read"), Some(one.hash()));
    assert_eq!(db.finalized_hash().expect("read"), Some(one.hash()));
    assert_eq!(db.header(&one.hash()).expect("read"), Some(one.clone()));
    assert_eq!(db.body(&one.hash()).expect("read"), Some(vec![xt(1), xt(2)]));
    assert_eq!(db.canonical_hash(1).expect("read"), Some(one.hash()));
    assert_eq!(db.transaction_location(&xt(2).hash()).expect("read"), Some((one.hash(), 1)));
    assert!(db.finalize(&H256::repeat_byte(9), None).is_err(), "unknown blocks cannot be final");
}

#[test]
fn reorgs_rewrite_the_canonical_and_transaction_indexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
    let genesis = header(0, H256::zero(), lux_trie::EMPTY_ROOT, 0);
    commit(&db, &genesis, vec![], vec![], true);
    let a1 = header(1, genesis.hash(), lux_trie::EMPTY_ROOT, 0xa1);
    let b1 = header(1, genesis.hash(), lux_trie::EMPTY_ROOT, 0xb1);
    let b2 = header(2, b1.hash(), lux_trie::EMPTY_ROOT, 0xb2);
    commit(&db, &a1, vec![xt(0xa1)], vec![], true);
    assert_eq!(
        commit(&db, &b1, vec![xt(0xb1)], vec![], false),
        None,
        "a side block changes nothing"
    );
    assert_eq!(db.canonical_hash(1).expect("read"), Some(a1.hash()));
    let route = commit(&db, &b2, vec![xt(0xb2)], vec![], true).expect("route");
    assert_eq!(route.retracted, vec![a1.hash()]);
    assert_eq!(route.enacted, vec![b1.hash(), b2.hash()]);
    assert_eq!(db.canonical_hash(1).expect("read"), Some(b1.hash()));
    assert_eq!(db.canonical_hash(2).expect("read"), Some(b2.hash()));
    assert_eq!(db.transaction_location(&xt(0xa1).hash()).expect("read"), None);
    assert_eq!(db.transaction_location(&xt(0xb1).hash()).expect("read"), Some((b1.hash(), 0)));
}

#[test]
fn state_is_read_updated_and_proven_through_the_trie() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("open");
    let pairs: Vec<(Vec<u8>, Vec<u8>)> =
        (0..200u32).map(|i| (i.to_be_bytes().to_vec(), vec![i as u8; (i % 70) as usize])).collect();
    let mut nodes = Vec::new();
    let root = lux_trie::trie_root_with_nodes(StateVersion::V1, pairs.iter().cloned(), |h, n| {
        nodes.push((h, n))
    });
    let genesis = header(0, H256::zero(), root, 0);
    commit(&db, &genesis, vec![], nodes, true);
    let state = db.state_at(H256(root));
    assert_eq!(state.storage(&5u32.to_be_bytes()).expect("read"), Some(vec![5; 5]));
    assert_eq!(
        state.next_key(&5u32.to_be_bytes()).expect("read"),
        Some(6u32.to_be_bytes().to_vec())
    );
    assert_eq!(state.keys_paged(&[0, 0, 0], 3, None).expect("keys").len(), 3);
    let big = 69u32.to_be_bytes();
    assert_eq!(state.storage_hash(&big).expect("hash"), Some(lux_trie::blake2_256(&[69; 69])));

    let changes = [(big.to_vec(), None), (b"new".to_vec(), Some(b"value".to_vec()))];
    let mut iter = changes.iter().map(|(k, v)| (&k[..], v.as_deref()));
    let update = state.storage_root(&mut iter, StateVersion::V1).expect("root");
    let (new_root, new_nodes) = (update.root, update.inserted);
    let one = header(1, genesis.hash(), new_root, 1);
    commit(&db, &one, vec![], new_nodes, true);
    let new_state = db.state_at(H256(new_root));
    assert_eq!(new_state.storage(&big).expect("read"), None);
    assert_eq!(new_state.storage(b"new").expect("read"), Some(b"value".to_vec()));
    assert_eq!(state.storage(&big).expect("old state kept"), Some(vec![69; 69]));

    let keys = vec![b"new".to_vec(), b"absent".to_vec()];
    let proof = new_state.prove(&keys).expect("proof");
    let proven = lux_trie::verify_proof(&new_root, &proof, &keys).expect("verifies");
    assert_eq!(
        proven,
        vec![(b"new".to_vec(), Some(b"value".to_vec())), (b"absent".to_vec(), None)]
    );
}
