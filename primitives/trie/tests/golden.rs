//! Golden vectors from the reference implementation.
//!
//! Every constant below was printed by a scratch program built against crates.io `sp-trie`
//! 47.0.0 (with `trie-db` 0.32.0, `trie-root` 0.18.0, `memory-db` 0.34.0 and `sp-core` 43.0.0's
//! `Blake2Hasher`), using `LayoutV0` and `LayoutV1`: roots from `TrieConfiguration::trie_root`
//! (cross-checked there against `TrieDBMut`), `ordered_trie_root`, read proofs drained from
//! `sp_trie::recorder::Recorder` after `TrieDB::get` of the listed keys (`StorageProof` node
//! order), and roots of a V0 trie updated through `TrieDBMut<LayoutV1>`. The inputs are
//! rebuilt here by `cases()` and `common::random_pairs`, which mirror that program.

#![allow(clippy::unwrap_used)]

mod common;

use common::{hash, hex, random_pairs, store_with, unhex};
use lux_trie::{
    apply_changes, get, ordered_trie_root, prove, trie_root, verify_proof, MemoryStore,
    StateVersion, EMPTY_ROOT,
};

const ROOTS: &[(&str, &str, &str)] = &[
    (
        "empty",
        "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
        "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
    ),
    (
        "one_small",
        "ca8fa49ee73459eea0bbbb9dd26aa25b64bbb9f2bf6c4d958d8c22438accc7ff",
        "ca8fa49ee73459eea0bbbb9dd26aa25b64bbb9f2bf6c4d958d8c22438accc7ff",
    ),
    (
        "value32",
        "a9f050be06bfcba380e97cfa062d35cf2bec7dab3b0b9813002ea1fa1c45f827",
        "a9f050be06bfcba380e97cfa062d35cf2bec7dab3b0b9813002ea1fa1c45f827",
    ),
    (
        "value33",
        "3cb7e2a5b7edbaac592fa7aca0d00f4c2843be0d311c6dd6b208d8b79d80e3f7",
        "96211ebd8b63e9da8e493d09556520e21a694b9ee780108bd44df00a10d74ac0",
    ),
    (
        "empty_value",
        "c75ced9359a5030ce2df64cf252c001ed91375f46090b3ddd103d30d92ab7118",
        "c75ced9359a5030ce2df64cf252c001ed91375f46090b3ddd103d30d92ab7118",
    ),
    (
        "empty_key",
        "b9a2eae47e7b7310fa88b3e465b133eb179e8e322e5ccb9a4addc545e48c3659",
        "b9a2eae47e7b7310fa88b3e465b133eb179e8e322e5ccb9a4addc545e48c3659",
    ),
    (
        "prefixes",
        "d14946e8eb663b3a06be91068db1747cd88a43aa069b8c8dc394ada67dcbe1a9",
        "b9268cb5305643542a1649b22abb889d94435a90c412e13ad24d0fa3f2bb3ca6",
    ),
    (
        "long_prefix",
        "fdbf2a4e2c0a457debd3eb6052de4fec6769772a07094e60cc7afc43c7ff630c",
        "86a4400706154e5876625a44d4e904db414a9f1f1354a3f7a916ad8673c86496",
    ),
    (
        "leaf_key15_small",
        "2c4a7bab48845c7253186c33adac184c71a443f0e6c92a9bee35b55c3b76d38a",
        "2c4a7bab48845c7253186c33adac184c71a443f0e6c92a9bee35b55c3b76d38a",
    ),
    (
        "leaf_key15_big",
        "130f75a66e6b55d9c4e28d073615b0cad15daeba256842cd188bfd23216c84ff",
        "a53d4f29439ff2be553700822160efa07b00a2390d950045d1de060ca509ad54",
    ),
    (
        "leaf_key16_small",
        "7abfc87622001248b9c07d65e75fd60f400e311ee9a554545a52cc2bc9057adf",
        "7abfc87622001248b9c07d65e75fd60f400e311ee9a554545a52cc2bc9057adf",
    ),
    (
        "leaf_key16_big",
        "5339cf909ad872d8340ea7b1b1ab680331457e910b91bc435c6abed545ceab3e",
        "105ed6cb8d9c08481f271f9510aaf739e505266d2f7556412028648fd92ad08b",
    ),
    (
        "leaf_key31_small",
        "a377434146fa0115543f288902f1cda9337611ccbc4d5bd331ca7cf8d8d6bf9a",
        "a377434146fa0115543f288902f1cda9337611ccbc4d5bd331ca7cf8d8d6bf9a",
    ),
    (
        "leaf_key31_big",
        "d2bfbf205514df5d64baead3af1084b1beab7f6cbbbed0c8cf03a5862fcf7283",
        "88f73cc320f76e2cbdcf38f0d46c632ffa6245d6764e203ec2b2a5dd05284a31",
    ),
    (
        "leaf_key32_small",
        "a4cecbf014526a7daca35284ef2fb4d2f6dda47d29deb753ceff60623e50369a",
        "a4cecbf014526a7daca35284ef2fb4d2f6dda47d29deb753ceff60623e50369a",
    ),
    (
        "leaf_key32_big",
        "5697c795a6428290403eb43b628cdcfb8b633655f7ca567248aaf70d6b3b1eeb",
        "c2af48d7dfcd45f9b6dd8a4da7cbbc2e67eceafd3545aae818eeb4ecc4070b5f",
    ),
    (
        "leaf_key158_small",
        "8e1e4a0f4db028e971603fb4385856fd986bd5e99919323ad986626587558724",
        "8e1e4a0f4db028e971603fb4385856fd986bd5e99919323ad986626587558724",
    ),
    (
        "leaf_key158_big",
        "b6861d90e71159ed7dd090b771584af7790a2b806adb9433df0b0f6619c3f467",
        "c534a96ff50fda66265bc7847688aad09714c3bd713e8edd1c1362d82b75df04",
    ),
    (
        "leaf_key159_small",
        "0c49c75665e06d2cd98cb0b687b869de40078bf5a7368b1cfbabe31b966211f6",
        "0c49c75665e06d2cd98cb0b687b869de40078bf5a7368b1cfbabe31b966211f6",
    ),
    (
        "leaf_key159_big",
        "eb2545c05157a95acc39652f0b65e8d44189f8ee4ab21ba23225da3fa0fe8260",
        "f67426355f50724ab4b045170c23294bac9ea480446e8ab0edfe5b62b1284d86",
    ),
    (
        "leaf_key160_small",
        "b08c255a8259284b9904f3765236e6da288b33044453898f5f0500a221e178fb",
        "b08c255a8259284b9904f3765236e6da288b33044453898f5f0500a221e178fb",
    ),
    (
        "leaf_key160_big",
        "b1ab2b1914c131402e96bc79ff35f8e07b416ff254a7fef979c114a82818ef6d",
        "9e8f9b8d4c5590e02a595bd7adc26c3a211173be6535d1b0c927fe0f859170b5",
    ),
    (
        "leaves63",
        "95f234477fb535f5ec92cb858c64f1927f3f5847af53398969d2e883cdd9e794",
        "95f234477fb535f5ec92cb858c64f1927f3f5847af53398969d2e883cdd9e794",
    ),
    (
        "branch_prefix7",
        "879e20e8ed6a0d2128f58940b081656f9460069f51704c830c62fcc986b11001",
        "c8d352eb406b0041149c0337b56758563008310e306fae9a7392b56c6f9c66c9",
    ),
    (
        "branch_prefix7_novalue",
        "31e90976d850e3fb76e5ee8f9e27d681ac6bfeefe27e07ee8d9818fdb0f7c5f0",
        "31e90976d850e3fb76e5ee8f9e27d681ac6bfeefe27e07ee8d9818fdb0f7c5f0",
    ),
    (
        "branch_prefix8",
        "08ed5f1574d79f6e628bb6cd18b6ef09725617adf0fafd8165bb32f3694e56b0",
        "bc5ef72da4b573f45a17f776c81bfc6de41ff0ce474b7487dd6deda2865c5f3c",
    ),
    (
        "branch_prefix8_novalue",
        "2c2bbc91005d267c6fe49cc160b23f158da3c097f1c5cffaa314f0ef1241c097",
        "2c2bbc91005d267c6fe49cc160b23f158da3c097f1c5cffaa314f0ef1241c097",
    ),
    (
        "branch_prefix16",
        "0e46b2590ca50f29eb17435328073b1f5ce1596fede507f0c1c3de09fb2b2eca",
        "cdaf13e367ff2dea4c84060b28bb50f2c50fb94d0d6bc5af97be0e9ee6d780d8",
    ),
    (
        "branch_prefix16_novalue",
        "3cbf1a6a7aa77bfae79018285c471261cdb97c79ab8d22e3b3b6097a7f7e9077",
        "3cbf1a6a7aa77bfae79018285c471261cdb97c79ab8d22e3b3b6097a7f7e9077",
    ),
    (
        "branch_prefix160",
        "70a3d4d00b788903525d2d1a5d3dc9b7ad051f233e563041ffa426bda14272bb",
        "24b0ea3b64c12ca7cc22f98eee39679d8585186473af13f850ffe37711d6c806",
    ),
    (
        "branch_prefix160_novalue",
        "ec401ada0d154e0d96784f2dcb8d294a5cad15663bdba1304266973a622724fc",
        "ec401ada0d154e0d96784f2dcb8d294a5cad15663bdba1304266973a622724fc",
    ),
    (
        "odd_partial",
        "a0651fb1de1ec51772ad6daf675c2da3221d5a3ce8157ded205ffc1ea7750a6e",
        "a0651fb1de1ec51772ad6daf675c2da3221d5a3ce8157ded205ffc1ea7750a6e",
    ),
    (
        "random1000",
        "503e6668187ada53310a96b2b788d8f6bb6f3697d8b897140a99c17d07b5e06f",
        "db2cd5e04f8a4f4eb20350d4afeb8df7419f624797ce086a774b52a4276295c2",
    ),
    (
        "random1000b",
        "6f21591850673645d483a7ddcfc296098a8ff95ce6ec953a06ab65dbf49b95e3",
        "b99ef6ab107745898a2c39ab2b0fe872c546cf99e1bbad91ee120704973c766b",
    ),
];
const ORDERED: &[(&str, &str, &str)] = &[
    ("ordered3", "v0", "df2ffcad6d6a4359728e3e7f2d0c28deca3fa741ea487f8c76ab4be5e9cb6a7b"),
    ("ordered3", "v1", "fb305b3241d5993937b442b5dafa485d90cb4a6006a40841f8fabcf63024eedd"),
    ("ordered100", "v0", "64e46efb4cf0467d32ab4a3672e7ab27e8b8dc59cec03f48d4bdd23a49ff88cf"),
    ("ordered100", "v1", "cad29da36d41ff1b48f33410959292231aa3d82631876103b4ad9890249ba73c"),
    ("ordered0", "v1", "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
];
const MIXED: &[(&str, &str)] = &[
    ("v0", "505af4b58e4738e4db6a984c29ca77e875aacbb27b86e18e4776299b29216c00"),
    ("set_b_v1", "d8c5451019fa845c3006f61f803de62ec13272408ebf46690bbd9988605a5a94"),
    ("del_ab_v1", "05facd6ed5024ed1c94545e7cccacce8df608cb1007a607f55a3dbb3fbff618e"),
    ("reset_aa_v1", "0a21eadc759039cb3c4330a796233833e67340229a8412e6917228e75afe5fef"),
];
const PROOF_PREFIXES_V1_ROOT: &str =
    "b9268cb5305643542a1649b22abb889d94435a90c412e13ad24d0fa3f2bb3ca6";
const PROOF_PREFIXES_V1_NODES: &[&str] = &[
    "07070707070707070707070707070707070707070707070707070707070707070707070707070707",
    "110240008a8a40e4ac3956dd7e6e489dee299029c4eb0cad61fb7785ab7f754342b7447f803d76ebd032f923f49306286d756f02e11b5a27beefb5f7314aae39ce0be1cf5f",
    "8018000c40043380f7f6161915b80ad8a4ee1db4c22f27803c85be962177913e112c8084b8e51205",
    "810606008092c0c1baea3b9677e6203b0bf61866f6981326fe94d217d03ed3525bb04e8e470c400435",
    "c040000431807e43eebfa4b41b4cb6dc0ad70426d647d93e23673cb06bb10b28a24b11b7b9d8",
];
/// (key, value or "None") as read by sp-trie while recording.
const PROOF_PREFIXES_V1_READS: &[(&str, &str)] = &[
    ("616263", "33"),
    ("62", "35"),
    ("7a7a", "None"),
    ("6162", "07070707070707070707070707070707070707070707070707070707070707070707070707070707"),
    ("616265", "None"),
];
const PROOF_PREFIXES_V0_ROOT: &str =
    "d14946e8eb663b3a06be91068db1747cd88a43aa069b8c8dc394ada67dcbe1a9";
const PROOF_PREFIXES_V0_NODES: &[&str] = &[
    "4084090909090909090909090909090909090909090909090909090909090909090909",
    "8018000c400433804c335687e233d9789be5731a947ad2e3393f48fca0c33154a3e99b7be25d606b",
    "8106060080c46cc860f8b6478d557a9a44573ab2ad994b44c0820a1d79872d76de63a835960c400435",
    "c04000043180771eaae60fc71dd29f6e1729cf5f7ccf4fdb34109e9dd3224ef56482ba9365ad",
    "c1024000a007070707070707070707070707070707070707070707070707070707070707070707070707070707800190c9e3266a87981799e6671ab0dfdce7e75552627ff21bd34d7693f6925a4d",
];
/// (key, value or "None") as read by sp-trie while recording.
const PROOF_PREFIXES_V0_READS: &[(&str, &str)] = &[
    ("616264", "090909090909090909090909090909090909090909090909090909090909090909"),
    ("6161", "None"),
];
const PROOF_EMPTY_V1_ROOT: &str =
    "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314";
const PROOF_EMPTY_V1_NODES: &[&str] = &["00"];
/// (key, value or "None") as read by sp-trie while recording.
const PROOF_EMPTY_V1_READS: &[(&str, &str)] = &[("61", "None")];

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn kv(k: &[u8], v: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (k.to_vec(), v.to_vec())
}

fn prefixes() -> Pairs {
    vec![
        kv(b"a", b"1"),
        kv(b"ab", &[7u8; 40]),
        kv(b"abc", b"3"),
        kv(b"abd", &[9u8; 33]),
        kv(b"b", b"5"),
    ]
}

/// The inputs of `ROOTS`, in the same order.
fn cases() -> Vec<(String, Pairs)> {
    let mut cases = vec![
        ("empty".to_string(), vec![]),
        ("one_small".to_string(), vec![kv(&[1, 2], &[3])]),
        ("value32".to_string(), vec![kv(b"key", &[0x42; 32])]),
        ("value33".to_string(), vec![kv(b"key", &[0x42; 33])]),
        ("empty_value".to_string(), vec![kv(b"k", b"")]),
        ("empty_key".to_string(), vec![kv(b"", b"root value"), kv(b"a", b"x")]),
        ("prefixes".to_string(), prefixes()),
    ];
    let base = vec![0xAAu8; 40];
    let mut long_prefix = vec![kv(&base, &[0x55; 50])];
    for tail in [1u8, 2] {
        let mut k = base.clone();
        k.push(tail);
        long_prefix.push(kv(&k, &[tail; 10]));
    }
    cases.push(("long_prefix".to_string(), long_prefix));
    for n in [15usize, 16, 31, 32, 158, 159, 160] {
        cases.push((format!("leaf_key{n}_small"), vec![kv(&vec![0x12; n], b"v")]));
        cases.push((format!("leaf_key{n}_big"), vec![kv(&vec![0x12; n], &[0x34; 40])]));
    }
    cases.push((
        "leaves63".to_string(),
        vec![
            kv(&[&[0x00u8][..], &[0x77; 31]].concat(), b"x"),
            kv(&[&[0x10u8][..], &[0x77; 31]].concat(), b"y"),
        ],
    ));
    for n in [7usize, 8, 16, 160] {
        let p = vec![0x21u8; n];
        let mut a = p.clone();
        a.push(0x01);
        let mut b = p.clone();
        b.push(0xf0);
        cases.push((
            format!("branch_prefix{n}"),
            vec![kv(&p, &[0x99; 40]), kv(&a, b"a"), kv(&b, b"b")],
        ));
        cases.push((format!("branch_prefix{n}_novalue"), vec![kv(&a, b"a"), kv(&b, b"b")]));
    }
    cases.push(("odd_partial".to_string(), vec![kv(&[0x12, 0x34], b"a"), kv(&[0x12, 0x35], b"b")]));
    cases.push(("random1000".to_string(), random_pairs(42, 1000)));
    cases.push(("random1000b".to_string(), random_pairs(7, 1000)));
    cases
}

fn versions(v0: &str, v1: &str) -> [(StateVersion, lux_trie::Hash); 2] {
    [(StateVersion::V0, hash(v0)), (StateVersion::V1, hash(v1))]
}

#[test]
fn trie_roots_match_sp_trie() {
    let cases = cases();
    assert_eq!(cases.len(), ROOTS.len());
    for ((name, pairs), (golden_name, v0, v1)) in cases.iter().zip(ROOTS) {
        assert_eq!(name, golden_name);
        for (version, expected) in versions(v0, v1) {
            let root = trie_root(version, pairs.iter().map(|(k, v)| (k, v)));
            assert_eq!(hex(&root), hex(&expected), "{name} {version:?}");
        }
    }
}

#[test]
fn apply_changes_from_empty_matches_sp_trie() {
    // Insert each case in three batches, in a shuffled order of batches.
    for ((name, pairs), (_, v0, v1)) in cases().iter().zip(ROOTS) {
        for (version, expected) in versions(v0, v1) {
            let mut store = MemoryStore::new();
            let mut root = EMPTY_ROOT;
            for part in [1usize, 0, 2] {
                let batch = pairs
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 3 == part)
                    .map(|(_, (k, v))| (k.clone(), Some(v.clone())));
                let (new_root, nodes) = apply_changes(&store, &root, version, batch).unwrap();
                store.extend(nodes);
                root = new_root;
            }
            assert_eq!(hex(&root), hex(&expected), "{name} {version:?}");
            for (key, value) in pairs {
                assert_eq!(get(&store, &root, key).unwrap().as_ref(), Some(value), "{name}");
            }
        }
    }
}

#[test]
fn deleting_down_to_a_subset_matches_sp_trie() {
    // Start from the union of two cases and delete one of them: the root must be the other's.
    let cases = cases();
    let random = &cases.iter().find(|(n, _)| n == "random1000").unwrap().1;
    for ((name, pairs), (_, v0, v1)) in cases.iter().zip(ROOTS) {
        for (version, expected) in versions(v0, v1) {
            let mut union: std::collections::BTreeMap<Vec<u8>, Vec<u8>> =
                random.iter().cloned().collect();
            union.extend(pairs.iter().cloned());
            let union: Vec<_> = union.into_iter().collect();
            let (store, root) = store_with(version, &union);
            let deletions = union
                .iter()
                .filter(|(k, _)| !pairs.iter().any(|(pk, _)| pk == k))
                .map(|(k, _)| (k.clone(), None::<Vec<u8>>));
            let (root, _) = apply_changes(&store, &root, version, deletions).unwrap();
            assert_eq!(hex(&root), hex(&expected), "{name} {version:?}");
        }
    }
}

#[test]
fn ordered_roots_match_sp_trie() {
    let vals3: Vec<Vec<u8>> = vec![b"".to_vec(), b"hello".to_vec(), vec![0xab; 40]];
    let vals100: Vec<Vec<u8>> = (0..100u32).map(|i| vec![i as u8; (i % 50) as usize]).collect();
    for (name, version, expected) in ORDERED {
        let version = match *version {
            "v0" => StateVersion::V0,
            _ => StateVersion::V1,
        };
        let root = match *name {
            "ordered3" => ordered_trie_root(version, &vals3),
            "ordered100" => ordered_trie_root(version, &vals100),
            "ordered0" => ordered_trie_root(version, Vec::<Vec<u8>>::new()),
            other => panic!("unknown case {other}"),
        };
        assert_eq!(hex(&root), *expected, "{name} {version:?}");
    }
}

fn check_proof(
    version: StateVersion,
    pairs: &[(Vec<u8>, Vec<u8>)],
    root: &str,
    nodes: &[&str],
    reads: &[(&str, &str)],
) {
    let (store, our_root) = store_with(version, pairs);
    assert_eq!(hex(&our_root), root);
    let keys: Vec<Vec<u8>> = reads.iter().map(|(k, _)| unhex(k)).collect();
    let proof = prove(&store, &our_root, &keys).unwrap();
    let expected: Vec<Vec<u8>> = nodes.iter().map(|n| unhex(n)).collect();
    assert_eq!(proof.iter().map(|n| hex(n)).collect::<Vec<_>>(), nodes);
    assert_eq!(proof, expected);
    let proven = verify_proof(&our_root, &expected, &keys).unwrap();
    for ((key, value), (golden_key, golden_value)) in proven.iter().zip(reads) {
        assert_eq!(hex(key), *golden_key);
        let golden = if *golden_value == "None" { None } else { Some(unhex(golden_value)) };
        assert_eq!(value, &golden, "{golden_key}");
    }
}

#[test]
fn proofs_match_sp_trie() {
    check_proof(
        StateVersion::V1,
        &prefixes(),
        PROOF_PREFIXES_V1_ROOT,
        PROOF_PREFIXES_V1_NODES,
        PROOF_PREFIXES_V1_READS,
    );
    check_proof(
        StateVersion::V0,
        &prefixes(),
        PROOF_PREFIXES_V0_ROOT,
        PROOF_PREFIXES_V0_NODES,
        PROOF_PREFIXES_V0_READS,
    );
    check_proof(
        StateVersion::V1,
        &[],
        PROOF_EMPTY_V1_ROOT,
        PROOF_EMPTY_V1_NODES,
        PROOF_EMPTY_V1_READS,
    );
}

#[test]
fn v0_trie_updated_under_v1_matches_sp_trie() {
    // Values that are not rewritten keep their V0 (inline) layout; rewriting one, even with
    // the same bytes, moves it to a value node.
    let mixed = vec![kv(b"aa", &[1u8; 40]), kv(b"ab", &[2u8; 40]), kv(b"b", &[3])];
    let (mut store, mut root) = store_with(StateVersion::V0, &mixed);
    assert_eq!(hex(&root), MIXED[0].1);
    let steps: [(&[u8], Option<Vec<u8>>); 3] =
        [(b"b", Some(vec![4])), (b"ab", None), (b"aa", Some(vec![1u8; 40]))];
    for ((key, value), (name, expected)) in steps.into_iter().zip(&MIXED[1..]) {
        let (new_root, nodes) =
            apply_changes(&store, &root, StateVersion::V1, [(key, value)]).unwrap();
        store.extend(nodes);
        root = new_root;
        assert_eq!(hex(&root), *expected, "{name}");
    }
}
