//! State pruning keeps exactly the tries it should: every key of every kept state reads back,
//! discarded states are reported as such, and no node outlives the last state that used it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use lux_db::{BlockCommit, Database, DatabaseConfig, StatePruning};
use lux_io::{StateBackend, StateVersion};
use lux_primitives::{Digest, DigestItem, Header, H256};

type State = BTreeMap<Vec<u8>, Vec<u8>>;

fn header(number: u32, parent: H256, root: [u8; 32], salt: u8) -> Header {
    Header {
        parent_hash: parent,
        number,
        state_root: H256(root),
        extrinsics_root: H256::zero(),
        digest: Digest { logs: vec![DigestItem::Other(vec![salt])] },
    }
}

fn open(dir: &std::path::Path, state_pruning: StatePruning) -> Arc<Database> {
    Database::open(dir, &DatabaseConfig { state_pruning, ..Default::default() }).expect("open")
}

/// Block `n`'s changes: ten keys rewritten (long values repeat across keys, so value nodes
/// are shared), one deleted, one added.
fn changes(n: u32, salt: u8) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let mut out: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..10u32)
        .map(|i| {
            let key = ((n * 7 + i * 13) % 60).to_be_bytes().to_vec();
            let value =
                if i % 2 == 0 { vec![(n % 3) as u8 + salt; 40] } else { vec![n as u8, i as u8] };
            (key, Some(value))
        })
        .collect();
    out.push((((n * 11) % 60).to_be_bytes().to_vec(), None));
    out.push(((1000 + n).to_be_bytes().to_vec(), Some(vec![salt; 33])));
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Commits a child of `parent` with `changes`; returns its header and full state.
fn child(
    db: &Arc<Database>,
    parent: &Header,
    parent_state: &State,
    changes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    salt: u8,
    best: bool,
) -> (Header, State) {
    let trie = db.state_at(parent.state_root);
    let mut iter = changes.iter().map(|(k, v)| (&k[..], v.as_deref()));
    let update = trie.storage_root(&mut iter, StateVersion::V1).expect("root");
    let block = header(parent.number + 1, parent.hash(), update.root, salt);
    db.commit(BlockCommit {
        header: block.clone(),
        body: vec![],
        justifications: None,
        state_nodes: update.inserted,
        removed_nodes: update.removed,
        set_best: best,
        finalized: false,
    })
    .expect("commit");
    let mut state = parent_state.clone();
    for (key, value) in changes {
        match value {
            Some(v) => state.insert(key, v),
            None => state.remove(&key),
        };
    }
    (block, state)
}

/// Commits block `n` on the last block of `history` as best, finalizes it, prunes, and adds it
/// to `history`.
fn finalize_next(db: &Arc<Database>, history: &mut Vec<(Header, State)>, n: u32) {
    let (tip, state) = &history[history.len() - 1];
    let (block, next) = child(db, tip, state, changes(n, 1), 0, true);
    db.finalize(&block.hash(), None).expect("finalize");
    db.prune(n).expect("prune");
    history.push((block, next));
}

fn genesis(db: &Arc<Database>) -> (Header, State) {
    let state: State =
        (0..60u32).map(|i| (i.to_be_bytes().to_vec(), vec![(i % 4) as u8; 40])).collect();
    let mut nodes = Vec::new();
    let root =
        lux_trie::trie_root_with_nodes(StateVersion::V1, state.iter(), |h, n| nodes.push((h, n)));
    let block = header(0, H256::zero(), root, 0);
    db.commit(BlockCommit {
        header: block.clone(),
        body: vec![],
        justifications: None,
        state_nodes: nodes,
        removed_nodes: vec![],
        set_best: true,
        finalized: true,
    })
    .expect("genesis");
    (block, state)
}

/// Every key of `state` reads back from `root`, and nothing else is there.
fn assert_readable(db: &Arc<Database>, root: [u8; 32], state: &State) {
    let trie = db.state_at(H256(root));
    for (key, value) in state {
        assert_eq!(trie.storage(key).expect("read").as_ref(), Some(value));
    }
    let keys = trie.keys_paged(&[], usize::MAX, None).expect("keys");
    assert_eq!(keys.len(), state.len());
}

/// The hashes of every node and value the tries at `roots` use.
fn live_nodes(db: &Arc<Database>, roots: &[([u8; 32], &State)]) -> HashSet<[u8; 32]> {
    let mut live = HashSet::new();
    for (root, state) in roots {
        let keys: Vec<Vec<u8>> = state.keys().cloned().collect();
        for node in db.state_at(H256(*root)).prove(&keys).expect("proof") {
            live.insert(lux_trie::blake2_256(&node));
        }
        for value in state.values().filter(|v| v.len() >= 33) {
            live.insert(lux_trie::blake2_256(value));
        }
    }
    live
}

#[test]
fn a_window_of_states_is_kept_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(dir.path(), StatePruning::Keep(5));
    let mut history = vec![genesis(&db)];
    for n in 1..=40u32 {
        // A fork at every fifth height, never finalized.
        if n % 5 == 0 {
            let (tip, state) = &history[history.len() - 1];
            child(&db, tip, state, changes(n, 9), 0xf0, false);
        }
        finalize_next(&db, &mut history, n);
    }
    // The last five finalized states are whole.
    for (block, state) in &history[36..] {
        assert!(db.state_available(block.number, &block.hash()).expect("read"));
        assert_readable(&db, block.state_root.0, state);
    }
    // Older ones and forks are reported gone.
    let (old, _) = &history[35];
    assert!(!db.state_available(old.number, &old.hash()).expect("read"));
    assert!(!db.state_available(0, &history[0].0.hash()).expect("read"));
    // Exactly the nodes of the kept tries remain.
    let kept: Vec<([u8; 32], &State)> =
        history[36..].iter().map(|(b, s)| (b.state_root.0, s)).collect();
    let live = live_nodes(&db, &kept);
    let stored: HashSet<[u8; 32]> = db.stored_state_nodes().expect("scan").into_iter().collect();
    assert_eq!(stored, live, "stored nodes are exactly the live ones");
}

#[test]
fn archive_canonical_keeps_every_final_state_and_drops_forks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = open(dir.path(), StatePruning::ArchiveCanonical);
    let mut history = vec![genesis(&db)];
    let mut forks = Vec::new();
    for n in 1..=12u32 {
        if n % 3 == 0 {
            let (tip, state) = &history[history.len() - 1];
            forks.push(child(&db, tip, state, changes(n, 7), 0xf0, false).0);
        }
        finalize_next(&db, &mut history, n);
    }
    for (block, state) in &history {
        assert_readable(&db, block.state_root.0, state);
    }
    for fork in &forks {
        assert!(!db.state_available(fork.number, &fork.hash()).expect("read"));
    }
    let kept: Vec<([u8; 32], &State)> = history.iter().map(|(b, s)| (b.state_root.0, s)).collect();
    let stored: HashSet<[u8; 32]> = db.stored_state_nodes().expect("scan").into_iter().collect();
    assert_eq!(stored, live_nodes(&db, &kept));
}

#[test]
fn the_pruning_mode_of_a_database_is_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = open(dir.path(), StatePruning::Keep(10));
        genesis(&db);
    }
    let err = Database::open(
        dir.path(),
        &DatabaseConfig { state_pruning: StatePruning::Archive, ..Default::default() },
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("--state-pruning archive"), "{err}");
    open(dir.path(), StatePruning::Keep(3));
}
