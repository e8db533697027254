//! Golden values every LuxTensor tool and client relies on: the dev accounts (Moonbeam's
//! well-known accounts of the dev phrase), the dev session keys (Substrate's `//Alice`...), and
//! round trips through the public API.

use lux_keys::{
    dev_account, dev_account_suri, dev_session_key, dev_session_key_suri, generate_phrase, recover,
    to_checksum_address, verify, vrf_verify, EthereumPair, Inspect, KeyError, Scheme, Sr25519Pair,
    WordCount, DEV_NAMES, DEV_PHRASE,
};

/// alice..ferdie = m/44'/60'/0'/0/{0..5} of the dev phrase = Moonbeam's Alith, Baltathar,
/// Charleth, Dorothy, Ethan and Faith.
const DEV_ACCOUNTS: [(&str, &str); 6] = [
    ("alice", "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac"),
    ("bob", "0x3Cd0A705a2DC65e5b1E1205896BaA2be8A07c6e0"),
    ("charlie", "0x798d4Ba9baf0064Ec19eB4F0a1a45785ae9D6DFc"),
    ("dave", "0x773539d4Ac0e786233D90A233654ccEE26a613D9"),
    ("eve", "0xFf64d3F6efE2317EE2807d223a0Bdc4c0c49dfDB"),
    ("ferdie", "0xC0F0f4ab324C46e55D02D0033343B4Be8A55532d"),
];

/// `//Alice`..`//Ferdie` and their `//<Name>//stash`, as sp-core / sp-keyring derive them.
const DEV_SESSION_KEYS: [(&str, &str, &str); 6] = [
    (
        "Alice",
        "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
        "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f",
    ),
    (
        "Bob",
        "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
        "fe65717dad0447d715f660a0a58411de509b42e6efb8375f562f58a554d5860e",
    ),
    (
        "Charlie",
        "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
        "1e07379407fecc4b89eb7dbd287c2c781cfb1907a96947a3eb18e4f8e7198625",
    ),
    (
        "Dave",
        "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
        "e860f1b1c7227f7c22602f53f15af80747814dffd839719731ee3bba6edc126c",
    ),
    (
        "Eve",
        "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e",
        "8ac59e11963af19174d0b94d5d78041c233f55d2e19324665bafdfb62925af2d",
    ),
    (
        "Ferdie",
        "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c",
        "101191192fc877c24d725b337120fa3edc63d227bbc92705db1e2cb65f56981a",
    ),
];

#[test]
fn dev_accounts() {
    for (index, (name, address)) in DEV_ACCOUNTS.iter().enumerate() {
        assert_eq!(DEV_NAMES[index], *name);
        let account = dev_account(name).expect("dev account");
        assert_eq!(account.address_checksummed(), *address, "{name}");
        assert_eq!(to_checksum_address(&account.address()), *address);
        let by_path = EthereumPair::from_suri(&format!("{DEV_PHRASE}/m/44'/60'/0'/0/{index}"))
            .expect("valid URI");
        assert_eq!(by_path.address(), account.address());
        assert_eq!(
            dev_account_suri(name).expect("known"),
            format!("{DEV_PHRASE}/m/44'/60'/0'/0/{index}")
        );
        // Names are case-insensitive.
        let upper = dev_account(&name.to_uppercase()).expect("dev account");
        assert_eq!(upper.address(), account.address());
    }
}

#[test]
fn dev_session_keys() {
    for (name, public, stash) in DEV_SESSION_KEYS {
        let key = dev_session_key(name).expect("dev session key");
        assert_eq!(hex::encode(key.public()), public, "//{name}");
        let lower = dev_session_key(&name.to_lowercase()).expect("dev session key");
        assert_eq!(lower.public(), key.public());
        assert_eq!(dev_session_key_suri(&name.to_lowercase()), Ok(format!("//{name}")));
        let stash_key = Sr25519Pair::from_suri(&format!("//{name}//stash")).expect("valid URI");
        assert_eq!(hex::encode(stash_key.public()), stash, "//{name}//stash");
    }
}

#[test]
fn unknown_dev_names() {
    for bad in ["", "mallory", "alice ", "//Alice", "alicé"] {
        assert_eq!(dev_account(bad).map(|_| ()), Err(KeyError::UnknownDevAccount(bad.to_string())));
        assert!(matches!(dev_session_key(bad), Err(KeyError::UnknownDevAccount(_))));
    }
}

#[test]
fn ethereum_round_trip_for_every_dev_account() {
    for name in DEV_NAMES {
        let account = dev_account(name).expect("dev account");
        let signature = account.sign(name.as_bytes());
        assert_eq!(recover(&signature, name.as_bytes()), Some(account.address()));
    }
}

#[test]
fn sr25519_round_trip_for_every_dev_key() {
    for name in DEV_NAMES {
        let key = dev_session_key(name).expect("dev session key");
        let signature = key.sign(b"vote");
        assert!(verify(&key.public(), b"vote", &signature));
        let vrf = key.vrf_sign(b"slot", &[(b"n", &7u64.to_le_bytes())]);
        assert!(vrf_verify(&key.public(), b"slot", &[(b"n", &7u64.to_le_bytes())], &vrf));
    }
}

#[test]
fn fresh_phrase_recovers_to_derived_address() {
    let phrase = generate_phrase(WordCount::Twelve);
    let account =
        EthereumPair::from_suri(&format!("{}/m/44'/60'/0'/0/0", *phrase)).expect("valid URI");
    let message = b"a transaction payload";
    assert_eq!(recover(&account.sign(message), message), Some(account.address()));
}

#[test]
fn inspect_output() {
    let sr = Inspect::from_suri("//Alice", Scheme::Sr25519).expect("valid").to_string();
    assert!(sr.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"), "{sr}");
    let eth = Inspect::from_suri(&dev_account_suri("alice").expect("known"), Scheme::Ethereum)
        .expect("valid")
        .to_string();
    assert!(eth.contains("0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac"), "{eth}");
}

#[test]
fn no_panic_on_odd_input() {
    let inputs = [
        "",
        "/",
        "//",
        "///",
        "////",
        "0x",
        "0x0",
        "0xg",
        "é",
        "//é",
        "/é'",
        "\u{0}",
        "a\nb",
        "0x//a",
        "//Alice///",
        "m/44'",
        "/m/44'/60'",
        " / / ",
        "🦀//🦀/🦀///🦀",
    ];
    for input in inputs {
        let _ = EthereumPair::from_suri(input);
        let _ = Sr25519Pair::from_suri(input);
        let _ = Inspect::from_suri(input, Scheme::Ethereum);
        let _ = Inspect::from_suri(input, Scheme::Sr25519);
    }
}
